// The per-call check of a hybrid run (offload_check): every call the target
// runs is also run by the reference kernel on the same inputs, and the two
// results are judged as tapml-replay judges a kernel (replayer/compare.h:
// the tolerance policy, forward bounds for sums). Comparing a hybrid trace
// with the reference trace call by call cannot tell a kernel's own error
// from the error it inherited: once any call upstream differs by a rounding,
// every call after it sees other inputs. Here the inputs are the same, so a
// call beyond its tolerance is that kernel's fault, in one hybrid run,
// however small its effect on the program's end result.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <string>
#include <vector>

#include "replayer/compare.h"
#include "replayer/tolerance.h"

namespace tapml::offload {

class ShadowCheck {
 public:
  ShadowCheck(std::string target, replay::TolerancePolicy policy)
      : target_(std::move(target)), policy_(std::move(policy)) {}

  // Runs the reference kernel on the call's arguments (stack[first...]),
  // before the target does: written arguments are cloned, so the program's
  // tensors are untouched. Keeps the arguments as the call saw them.
  void run_reference(const c10::OperatorHandle& op, const torch::jit::Stack& stack, size_t first,
                     const std::vector<bool>& written);

  // Judges the target's returns against the reference's. The worst output's
  // comparison (passed when every output is within its tolerance).
  replay::Comparison judge(const c10::OperatorHandle& op, const std::vector<at::Tensor>& returns);

 private:
  std::string target_;
  replay::TolerancePolicy policy_;
  std::vector<c10::IValue> arguments_;  // as the call saw them
  std::vector<at::Tensor> expected_;    // the reference kernel's returns
};

}  // namespace tapml::offload
