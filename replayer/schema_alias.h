// Which arguments a call writes, read from its aten schema's alias
// annotations: `Tensor(a!) self` is written (in-place ops), a keyword-only
// `Tensor(a!) out` is an out= argument, and a return `-> Tensor(a!)` is that
// same tensor. The replayer never caches a written tensor and checks a
// written tensor's buffer as the call's output.
#pragma once

#include <string>
#include <vector>

#include "store/trace.h"

namespace tapml::replay {

struct AliasInfo {
  std::vector<bool> input_written;  // per input Arg
  std::vector<bool> input_is_out;   // written and keyword-only: an out= argument
  std::vector<int> output_alias;    // per output Arg: the input it aliases, or -1
};

AliasInfo alias_info(const store::Call& call);

}  // namespace tapml::replay
