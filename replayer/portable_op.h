// Backend-specific aten ops replayed by their portable meaning. A recording
// holds the op torch dispatched to on its device and library:
// mkldnn_convolution on the CPU, cudnn_convolution and cudnn_batch_norm on
// CUDA, _slow_conv2d_forward and _conv_depthwise2d where neither library
// took the call. No target should have to implement those names: each is
// one portable op (aten::convolution, aten::native_batch_norm) with its
// arguments renamed, reordered and completed. One table says which and how,
// and it is applied where a recorded call becomes a KernelCall
// (call_builder.h), above the backend interface: TapML's backends and a
// user's provider alike receive the portable op, and reports name both.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/trace.h"

namespace tapml::replay {

// `call` as its portable op (name, schema, inputs; the outputs that op
// returns, in the same order), or nullopt when it is portable already or
// its arguments are not what the table expects.
std::optional<store::Call> portable_call(const store::Call& call);

// The tensors (input names; "" for output 0) the portable op of `op` takes
// with dims 1 and 2 swapped: CUDA's efficient and flash attention hold
// [B, L, H, E] where scaled_dot_product_attention takes [B, H, L, E].
std::vector<std::string> portable_transposed(const std::string& op);

// The portable op `op` (a full name, "aten::mkldnn_convolution") is replayed
// as, or "" when it is replayed as itself.
std::string portable_op_name(const std::string& op);

}  // namespace tapml::replay
