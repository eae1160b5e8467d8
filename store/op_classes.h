// Which aten ops compute something worth replaying. One list, used by the
// recorder (what to capture by default), the replayer (what counts towards
// coverage) and the test generator (what to carve).
#pragma once

#include <string_view>

#include "store/trace.h"

namespace tapml::store {

enum class OpClass {
  Compute,     // produces values from values: capture, replay, test
  ViewOrMeta,  // aliases its input or only reads metadata: kept in the op tree only
  Undefined,   // output values are undefined (empty, resize_): nothing to compare
  Random,      // output depends on a generator: nothing to compare
  HostSync,    // copies a scalar to the host (item): no kernel
};

// `name` is the op name without overload, e.g. "aten::view".
inline OpClass classify_op(std::string_view name) {
  constexpr std::string_view kViewOrMeta[] = {
      "aten::view", "aten::_unsafe_view", "aten::as_strided", "aten::transpose", "aten::t",
      "aten::numpy_T", "aten::expand", "aten::expand_as", "aten::permute", "aten::slice",
      "aten::select", "aten::narrow", "aten::unsqueeze", "aten::squeeze", "aten::reshape",
      "aten::_reshape_alias", "aten::view_as", "aten::detach", "aten::detach_", "aten::alias",
      "aten::unbind", "aten::split", "aten::split_with_sizes", "aten::chunk", "aten::unflatten",
      "aten::flatten", "aten::movedim", "aten::swapaxes", "aten::resolve_conj", "aten::resolve_neg",
      "aten::lift_fresh", "aten::_has_compatible_shallow_copy_type", "aten::result_type",
      "aten::size", "aten::stride", "aten::dim", "aten::numel", "aten::is_floating_point",
      "aten::contiguous", "aten::to", "aten::type_as", "aten::lift", "aten::set_",
      "aten::_nested_tensor_from_mask_left_aligned", "aten::is_same_size", "aten::real",
      "aten::conj", "aten::mT", "aten::mH", "aten::adjoint",
      // a strided view of windows along a dim
      "aten::unfold",
      // in place, but on the tensor's metadata only: no element changes
      // (mkldnn_convolution calls as_strided_ on its output)
      "aten::as_strided_", "aten::squeeze_", "aten::unsqueeze_", "aten::transpose_", "aten::t_",
      "aten::swapdims_", "aten::swapaxes_"};
  constexpr std::string_view kUndefined[] = {
      "aten::empty",     "aten::empty_strided",     "aten::empty_like", "aten::empty_permuted",
      "aten::new_empty", "aten::new_empty_strided", "aten::resize_",    "aten::resize_as_"};
  constexpr std::string_view kRandom[] = {
      "aten::uniform_", "aten::normal_", "aten::bernoulli", "aten::bernoulli_", "aten::rand",
      "aten::randn", "aten::randint", "aten::randperm", "aten::multinomial", "aten::random_",
      "aten::exponential_", "aten::native_dropout",
      // the decompositions of uniform_/normal_ that
      // recent PyTorch runs on the CPU
      "prims::uniform", "prims::normal"};
  constexpr std::string_view kHostSync[] = {"aten::item", "aten::_local_scalar_dense",
                                            "aten::is_nonzero", "aten::equal"};
  for (auto n : kViewOrMeta) {
    if (n == name) return OpClass::ViewOrMeta;
  }
  for (auto n : kUndefined) {
    if (n == name) return OpClass::Undefined;
  }
  for (auto n : kRandom) {
    if (n == name) return OpClass::Random;
  }
  for (auto n : kHostSync) {
    if (n == name) return OpClass::HostSync;
  }
  return OpClass::Compute;
}

inline bool is_compute_op(std::string_view name) { return classify_op(name) == OpClass::Compute; }

// A recorded call's class: its op's, except that a call which neither takes
// nor returns a tensor computes nothing a kernel could be tested on (a
// library's version query such as `_torchaudio::cuda_version`): metadata.
inline bool touches_tensors(const Call& call) {
  auto any = [](const std::vector<Arg>& args) {
    for (const Arg& arg : args) {
      if (arg.value.kind == ValueKind::Tensor || arg.value.kind == ValueKind::TensorList) {
        return true;
      }
    }
    return false;
  };
  return any(call.inputs) || any(call.outputs);
}

inline OpClass classify_call(const Call& call) {
  const OpClass by_name = classify_op(call.name);
  if (by_name == OpClass::Compute && !touches_tensors(call)) return OpClass::ViewOrMeta;
  return by_name;
}

}  // namespace tapml::store
