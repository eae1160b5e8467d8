#include "replayer/portable_op.h"

#include <functional>
#include <map>
#include <vector>

namespace tapml::replay {
namespace {

constexpr const char* kConvolutionSchema =
    "aten::convolution(Tensor input, Tensor weight, Tensor? bias, SymInt[] stride, "
    "SymInt[] padding, SymInt[] dilation, bool transposed, SymInt[] output_padding, "
    "SymInt groups) -> Tensor";
constexpr const char* kAttentionSchema =
    "aten::scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, "
    "Tensor? attn_mask=None, float dropout_p=0., bool is_causal=False, *, float? scale=None, "
    "bool enable_gqa=False) -> Tensor";
constexpr const char* kBatchNormSchema =
    "aten::native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, "
    "Tensor? running_var, bool training, float momentum, float eps) -> (Tensor, Tensor, Tensor)";

// The recorded call's arguments by name.
class Args {
 public:
  explicit Args(const store::Call& call) : call_(call) {}
  const store::Arg* find(const std::string& name) const {
    for (const store::Arg& arg : call_.inputs) {
      if (arg.name == name) return &arg;
    }
    return nullptr;
  }
  // The argument `from` renamed `to` (a None of `type` when absent).
  store::Arg renamed(const std::string& from, const std::string& to,
                     const std::string& type) const {
    store::Arg arg;
    if (const store::Arg* found = find(from)) arg = *found;
    arg.name = to;
    arg.type = type;
    return arg;
  }

 private:
  const store::Call& call_;
};

store::Arg ints(const std::string& name, std::vector<int64_t> values) {
  store::Arg arg{name, "SymInt[]", {}};
  arg.value.kind = store::ValueKind::IntList;
  arg.value.ints = std::move(values);
  return arg;
}

store::Arg integer(const std::string& name, int64_t value) {
  store::Arg arg{name, "SymInt", {}};
  arg.value.kind = store::ValueKind::Int;
  arg.value.i = value;
  return arg;
}

store::Arg boolean(const std::string& name, bool value) {
  store::Arg arg{name, "bool", {}};
  arg.value.kind = store::ValueKind::Bool;
  arg.value.b = value;
  return arg;
}

struct Portable {
  const char* op;                       // the portable op's full name
  std::vector<std::string> transposed;  // tensors with dims 1 and 2 swapped ("": output 0)
  // Fills the portable call's inputs and outputs; false when the recorded
  // call is not what the table expects.
  std::function<bool(const store::Call& recorded, store::Call& portable)> map;
};

// Convolutions: `has_bias` when the recorded op takes a bias, `dilation`
// and `groups` when it takes them; depthwise ones have as many groups as
// input channels.
Portable convolution(bool has_bias, bool has_dilation, bool has_groups, bool depthwise = false) {
  return {"aten::convolution", {}, [=](const store::Call& recorded, store::Call& portable) {
            const Args args(recorded);
            const store::Arg* self = args.find("self");
            const store::Arg* weight = args.find("weight");
            if (!self || !weight || self->value.kind != store::ValueKind::Tensor ||
                weight->value.kind != store::ValueKind::Tensor ||
                weight->value.tensor.sizes.size() < 3) {
              return false;
            }
            const size_t spatial = weight->value.tensor.sizes.size() - 2;
            portable.inputs = {args.renamed("self", "input", "Tensor"),
                               args.renamed("weight", "weight", "Tensor"),
                               has_bias ? args.renamed("bias", "bias", "Tensor?")
                                        : args.renamed("", "bias", "Tensor?"),
                               args.renamed("stride", "stride", "SymInt[]"),
                               args.renamed("padding", "padding", "SymInt[]"),
                               has_dilation ? args.renamed("dilation", "dilation", "SymInt[]")
                                            : ints("dilation", std::vector<int64_t>(spatial, 1)),
                               boolean("transposed", false),
                               ints("output_padding", std::vector<int64_t>(spatial, 0))};
            if (has_groups) {
              portable.inputs.push_back(args.renamed("groups", "groups", "SymInt"));
            } else if (depthwise) {
              const auto& sizes = self->value.tensor.sizes;
              if (sizes.size() < 2) return false;
              portable.inputs.push_back(integer("groups", sizes[sizes.size() - spatial - 1]));
            } else {
              portable.inputs.push_back(integer("groups", 1));
            }
            if (recorded.outputs.empty()) return false;
            portable.outputs = {recorded.outputs[0]};
            return true;
          }};
}

// Batch norms: the first `outputs` outputs mean what native_batch_norm's
// do (cuDNN's fourth is its opaque reserve); `training` when the op does
// not say (the _legit_no_training one is false).
Portable batch_norm(size_t outputs, std::optional<bool> training = std::nullopt) {
  return {"aten::native_batch_norm", {}, [=](const store::Call& recorded, store::Call& portable) {
            const Args args(recorded);
            if (!args.find("input") || recorded.outputs.size() < outputs) return false;
            portable.inputs = {args.renamed("input", "input", "Tensor"),
                               args.renamed("weight", "weight", "Tensor?"),
                               args.renamed("bias", "bias", "Tensor?"),
                               args.renamed("running_mean", "running_mean", "Tensor?"),
                               args.renamed("running_var", "running_var", "Tensor?"),
                               training ? boolean("training", *training)
                                        : args.renamed("training", "training", "bool")};
            store::Arg momentum =
                args.renamed(args.find("momentum") ? "momentum" : "exponential_average_factor",
                             "momentum", "float");
            store::Arg eps = args.renamed(args.find("eps") ? "eps" : "epsilon", "eps", "float");
            portable.inputs.push_back(momentum);
            portable.inputs.push_back(eps);
            portable.outputs.assign(recorded.outputs.begin(),
                                    recorded.outputs.begin() + static_cast<long>(outputs));
            return true;
          }};
}

bool is_none(const Args& args, const char* name) {
  const store::Arg* arg = args.find(name);
  return arg == nullptr || arg->value.kind == store::ValueKind::None;
}

// CUDA's attention kernels as scaled_dot_product_attention: one output (the
// attention; the logsumexp, RNG state and debug outputs are the kernel's
// own), no variable-length batches, no dropout. `causal_from` reads the
// kernel's causal flag ("is_causal", or efficient attention's
// custom_mask_type: 1 is causal from the top left, which is SDPA's), mapped
// only where queries and keys are as many (where the alignments agree).
Portable attention(std::vector<std::string> transposed, const char* bias_name,
                   const char* causal_from) {
  const bool bthe = !transposed.empty();  // [B, L, H, E]: the sequence is dim 1
  Portable entry{"aten::scaled_dot_product_attention", std::move(transposed), {}};
  entry.map = [=](const store::Call& recorded, store::Call& portable) {
    const Args args(recorded);
    if (!args.find("query") || !args.find("key") || !args.find("value") ||
        recorded.outputs.empty() || !is_none(args, "cum_seq_q") || !is_none(args, "cu_seqlens_q") ||
        !is_none(args, "seqused_k") || !is_none(args, "alibi_slopes") ||
        !is_none(args, "seqlen_k")) {
      return false;
    }
    if (const store::Arg* dropout = args.find("dropout_p"); dropout && dropout->value.f != 0) {
      return false;
    }
    bool causal = false;
    if (const store::Arg* flag = args.find(causal_from)) {
      if (flag->value.kind == store::ValueKind::Bool) causal = flag->value.b;
      if (flag->value.kind == store::ValueKind::Int) {
        if (flag->value.i > 1) return false;  // causal from the bottom right
        causal = flag->value.i == 1;
      }
    }
    // Causal with fewer queries than keys: the kernels align the diagonal
    // differently; only the square case means the same everywhere.
    const auto& q_sizes = args.find("query")->value.tensor.sizes;
    const auto& k_sizes = args.find("key")->value.tensor.sizes;
    const size_t seq = bthe ? 1 : 2;
    if (q_sizes.size() != 4 || k_sizes.size() != 4) return false;
    if (causal && q_sizes[seq] != k_sizes[seq]) return false;
    portable.inputs = {args.renamed("query", "query", "Tensor"),
                       args.renamed("key", "key", "Tensor"),
                       args.renamed("value", "value", "Tensor"),
                       args.renamed(bias_name, "attn_mask", "Tensor?"),
                       boolean("is_causal", causal),
                       args.renamed("scale", "scale", "float?")};
    portable.outputs = {recorded.outputs[0]};
    return true;
  };
  return entry;
}

const std::map<std::string, Portable>& table() {
  static const std::map<std::string, Portable> entries = {
      {"aten::mkldnn_convolution", convolution(true, true, true)},
      {"aten::miopen_convolution", convolution(true, true, true)},
      {"aten::cudnn_convolution", convolution(false, true, true)},
      {"aten::_slow_conv2d_forward", convolution(true, false, false)},
      {"aten::thnn_conv2d", convolution(true, false, false)},
      {"aten::slow_conv3d_forward", convolution(true, false, false)},
      {"aten::slow_conv3d", convolution(true, false, false)},
      {"aten::slow_conv_dilated2d", convolution(true, true, false)},
      {"aten::slow_conv_dilated3d", convolution(true, true, false)},
      {"aten::_conv_depthwise2d", convolution(true, true, false, true)},
      {"aten::cudnn_batch_norm", batch_norm(3)},
      {"aten::miopen_batch_norm", batch_norm(3)},
      {"aten::_native_batch_norm_legit", batch_norm(3)},
      {"aten::_native_batch_norm_legit_no_training", batch_norm(3, false)},
      {"aten::_efficient_attention_forward",
       attention({"query", "key", "value", ""}, "bias", "custom_mask_type")},
      {"aten::_flash_attention_forward", attention({"query", "key", "value", ""}, "", "is_causal")},
      {"aten::_cudnn_attention_forward", attention({}, "attn_bias", "is_causal")},
  };
  return entries;
}

}  // namespace

std::string portable_op_name(const std::string& op) {
  if (op.find('.') != std::string::npos) return "";  // functional overloads only
  const auto it = table().find(op);
  return it == table().end() ? "" : it->second.op;
}

std::vector<std::string> portable_transposed(const std::string& op) {
  if (op.find('.') != std::string::npos) return {};
  const auto it = table().find(op);
  return it == table().end() ? std::vector<std::string>{} : it->second.transposed;
}

std::optional<store::Call> portable_call(const store::Call& call) {
  // The functional overload only: an out= overload writes into its own
  // argument, which the portable op does not take.
  if (!call.overload.empty()) return std::nullopt;
  const auto it = table().find(call.name);
  if (it == table().end()) return std::nullopt;
  store::Call portable = call;
  const std::string full = it->second.op;
  portable.name = full.substr(0, full.find('.'));
  portable.overload = full.find('.') == std::string::npos ? "" : full.substr(full.find('.') + 1);
  portable.schema = full == "aten::convolution"                    ? kConvolutionSchema
                    : full == "aten::scaled_dot_product_attention" ? kAttentionSchema
                                                                   : kBatchNormSchema;
  portable.inputs.clear();
  portable.outputs.clear();
  if (!it->second.map(call, portable)) return std::nullopt;
  return portable;
}

}  // namespace tapml::replay
