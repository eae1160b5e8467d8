// A trace's calls as the diff needs them: op, tree, scope and the hashes of
// their tensor arguments, read once in batches (a trace has ~10^5 calls).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/reader.h"

namespace tapml::migrate {

struct TensorRef {
  std::string arg;   // argument name; "name[i]" for an element of a tensor list
  std::string hash;  // empty: values not captured
  DType dtype = DType::Float32;
  std::vector<int64_t> sizes;
};

struct StreamCall {
  int64_t seq = 0;
  int64_t parent = -1;
  int32_t depth = 0;
  uint32_t flags = 0;
  std::string name;  // "aten::add"
  std::string op;    // "aten::add.Tensor"
  std::string scope;
  std::vector<TensorRef> inputs, outputs;
  std::vector<int64_t> children;  // seqs, in order
  int64_t end_rank = 0;           // position in order of completion (children before their parent)
};

struct CallStream {
  std::vector<StreamCall> calls;  // index == seq
  std::vector<int64_t> roots;     // calls without a parent, in order
};

// Throws store::TraceError on a damaged file.
CallStream load_stream(const store::TraceReader& reader);

// The tensors of an argument list, list elements included.
std::vector<TensorRef> tensor_refs(const std::vector<store::Arg>& args);

}  // namespace tapml::migrate
