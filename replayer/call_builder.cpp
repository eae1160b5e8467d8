#include "replayer/call_builder.h"

#include "replayer/layout.h"
#include "replayer/portable_op.h"
#include "replayer/schema_alias.h"

namespace tapml::replay {
namespace {

Layout layout_of(const store::TensorMeta& meta) {
  return Layout{meta.sizes, meta.strides, meta.storage_offset};
}

// Cached uploads are keyed by value and layout: the same values seen through
// different strides need different buffers.
std::string cache_key(const store::TensorMeta& meta) {
  std::string key = meta.hash + '@' + std::to_string(meta.storage_offset);
  for (int64_t s : meta.strides) key += ',' + std::to_string(s);
  return key;
}

backends::Tensor metadata_tensor(const store::TensorMeta& meta) {
  backends::Tensor t;
  t.dtype = meta.dtype;
  t.sizes = meta.sizes;
  t.strides = meta.strides;
  t.offset = meta.storage_offset;
  return t;
}

}  // namespace

std::string skip_reason(const store::Call& call) {
  if (call.flags & store::kCallDuplicate) return "duplicate of an earlier call";
  if (!call.captured()) {
    return call.flags & store::kCallOverBudget ? "over the recorder's budget"
                                               : "values not captured";
  }
  return "";
}

std::optional<DType> scalar_type_from_text(const std::string& text) {
  std::string name = text.starts_with("torch.") ? text.substr(6) : text;
  if (auto dtype = dtype_from_name(name)) return dtype;
  static const std::pair<const char*, DType> kAliases[] = {
      {"Float", DType::Float32},
      {"float", DType::Float32},
      {"Double", DType::Float64},
      {"double", DType::Float64},
      {"Half", DType::Float16},
      {"half", DType::Float16},
      {"BFloat16", DType::BFloat16},
      {"Long", DType::Int64},
      {"long", DType::Int64},
      {"Int", DType::Int32},
      {"int", DType::Int32},
      {"Short", DType::Int16},
      {"short", DType::Int16},
      {"Char", DType::Int8},
      {"Byte", DType::UInt8},
      {"Bool", DType::Bool},
      {"ComplexFloat", DType::Complex64},
      {"ComplexDouble", DType::Complex128},
      {"cfloat", DType::Complex64},
      {"cdouble", DType::Complex128},
  };
  for (const auto& [alias, dtype] : kAliases) {
    if (name == alias) return dtype;
  }
  return std::nullopt;
}

CallBuilder::CallBuilder(const store::TraceReader& trace, backends::Device& device)
    : trace_(&trace), device_(&device) {}

template <typename Fn>
void CallBuilder::for_each_cacheable(const store::Call& call, Fn&& fn) const {
  const AliasInfo info = alias_info(call);
  auto visit = [&](const store::TensorMeta& meta) {
    if (meta.captured()) fn(cache_key(meta));
  };
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    if (info.input_written[i]) continue;
    const store::Value& v = call.inputs[i].value;
    if (v.kind == store::ValueKind::Tensor) visit(v.tensor);
    if (v.kind == store::ValueKind::TensorList) {
      for (const auto& element : v.tensors) {
        if (element) visit(*element);
      }
    }
  }
}

void CallBuilder::expect_uses(const store::Call& call) {
  for_each_cacheable(call, [&](const std::string& key) { ++announced_[key]; });
}

void CallBuilder::forget_uses(const store::Call& call) {
  for_each_cacheable(call, [&](const std::string& key) {
    auto it = announced_.find(key);
    if (it == announced_.end()) return;
    if (--it->second > 0) return;
    announced_.erase(it);
    if (auto hit = cache_.find(key); hit != cache_.end()) {
      cached_bytes_ -= hit->second.tensor.buffer->size();
      cache_.erase(hit);
    }
  });
}

backends::Tensor CallBuilder::make_tensor(const store::TensorMeta& meta, bool with_values) {
  const Layout layout = layout_of(meta);
  const size_t element = dtype_size(meta.dtype);
  const int64_t elements = layout.storage_elements();
  std::vector<std::byte> host(static_cast<size_t>(elements) * element);
  fill_poison(meta.dtype, host.data(), elements);
  if (with_values) {
    const std::vector<std::byte> values = trace_->read_tensor(meta.hash);
    if (values.size() != meta.nbytes()) {
      throw store::TraceError(trace_->path() + ": tensor " + meta.hash + " holds " +
                              std::to_string(values.size()) + " bytes, its view needs " +
                              std::to_string(meta.nbytes()));
    }
    scatter(values.data(), element, layout, host.data());
  }
  backends::Tensor t = metadata_tensor(meta);
  t.buffer = device_->alloc(host.size());
  device_->upload(*t.buffer, host.data(), host.size());
  return t;
}

backends::Tensor CallBuilder::tensor_for(const store::TensorMeta& meta, bool with_values,
                                         bool cacheable, BuiltCall& built) {
  if (with_values) built.input_bytes += meta.nbytes();
  if (!device_ || !built.not_runnable.empty()) return metadata_tensor(meta);
  if (with_values && !meta.captured()) {
    built.not_runnable = "an input's values were not captured";
    return metadata_tensor(meta);
  }
  if (!cacheable || !with_values) return make_tensor(meta, with_values);
  const std::string key = cache_key(meta);
  int remaining = 0;
  if (auto it = announced_.find(key); it != announced_.end()) {
    remaining = --it->second;
    if (remaining <= 0) announced_.erase(it);
  }
  if (auto hit = cache_.find(key); hit != cache_.end()) {
    backends::Tensor t = hit->second.tensor;
    if (remaining <= 0) {
      cached_bytes_ -= t.buffer->size();
      cache_.erase(hit);
    }
    return t;
  }
  backends::Tensor t = make_tensor(meta, true);
  if (remaining > 0) {
    cache_[key] = CacheEntry{t, remaining};
    cached_bytes_ += t.buffer->size();
  }
  return t;
}

backends::Value CallBuilder::convert(const store::Arg& arg, bool written, BuiltCall& built) {
  const store::Value& v = arg.value;
  switch (v.kind) {
    case store::ValueKind::None:
    case store::ValueKind::Generator:
      return std::monostate{};
    case store::ValueKind::Bool:
      return v.b;
    case store::ValueKind::Int:
      return v.i;
    case store::ValueKind::Float:
      return v.f;
    case store::ValueKind::Complex:
      built.unsupported = "complex scalar argument '" + arg.name + "'";
      return std::monostate{};
    case store::ValueKind::String:
    case store::ValueKind::Device:
    case store::ValueKind::Layout:
    case store::ValueKind::MemoryFormat:
    case store::ValueKind::Other:
      return v.text;
    case store::ValueKind::ScalarType:
      if (auto dtype = scalar_type_from_text(v.text)) return *dtype;
      built.unsupported = "argument '" + arg.name + "' has unknown dtype '" + v.text + "'";
      return std::monostate{};
    case store::ValueKind::Tensor:
      return tensor_for(v.tensor, true, !written, built);
    case store::ValueKind::IntList:
      return v.ints;
    case store::ValueKind::FloatList:
      return v.floats;
    case store::ValueKind::BoolList:
      return v.bools;
    case store::ValueKind::TensorList: {
      std::vector<std::optional<backends::Tensor>> list;
      for (const auto& element : v.tensors) {
        if (element) {
          list.emplace_back(tensor_for(*element, true, !written, built));
        } else {
          list.emplace_back(std::nullopt);
        }
      }
      return list;
    }
  }
  return std::monostate{};
}

BuiltCall CallBuilder::build(const store::Call& recorded) {
  // A backend-specific op (mkldnn_convolution...) goes to the target as its
  // portable op; its outputs are a prefix of the recorded ones, so the
  // expected outputs' indices hold for the recorded call too.
  const std::optional<store::Call> portable = portable_call(recorded);
  const store::Call& call = portable ? *portable : recorded;
  BuiltCall built;
  built.call.op = call.full_name();
  built.call.schema = call.schema;
  if (device_) built.not_runnable = skip_reason(call);
  const AliasInfo info = alias_info(call);
  std::vector<int> output_of_input(call.inputs.size(), -1);
  for (size_t r = 0; r < info.output_alias.size(); ++r) {
    if (info.output_alias[r] >= 0)
      output_of_input[static_cast<size_t>(info.output_alias[r])] = static_cast<int>(r);
  }
  std::vector<backends::Tensor> written(call.inputs.size());
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    const store::Arg& arg = call.inputs[i];
    const bool is_tensor = arg.value.kind == store::ValueKind::Tensor;
    if (is_tensor && info.input_written[i]) {
      // An out= argument gets the layout the call gave its result, poisoned;
      // an in-place input keeps its values, which the op reads.
      const int r = output_of_input[i];
      const bool out_arg = info.input_is_out[i];
      const store::TensorMeta& meta =
          out_arg && r >= 0 &&
                  call.outputs[static_cast<size_t>(r)].value.kind == store::ValueKind::Tensor
              ? call.outputs[static_cast<size_t>(r)].value.tensor
              : arg.value.tensor;
      written[i] = tensor_for(meta, !out_arg, false, built);
      built.call.inputs.push_back({arg.name, written[i]});
      continue;
    }
    built.call.inputs.push_back({arg.name, convert(arg, info.input_written[i], built)});
  }
  auto expect = [&](const std::string& name, const store::TensorMeta& meta, size_t r) {
    if (meta.captured()) {
      built.expected.push_back({name, meta, built.call.outputs.size() - 1, r});
    }
  };
  for (size_t r = 0; r < call.outputs.size(); ++r) {
    const store::Arg& out = call.outputs[r];
    const int alias = info.output_alias[r];
    if (out.value.kind == store::ValueKind::Tensor) {
      if (alias >= 0 && written[static_cast<size_t>(alias)].sizes == out.value.tensor.sizes) {
        built.call.outputs.push_back(written[static_cast<size_t>(alias)]);
      } else {
        built.call.outputs.push_back(tensor_for(out.value.tensor, false, false, built));
      }
      expect(out.name, out.value.tensor, r);
    } else if (out.value.kind == store::ValueKind::TensorList) {
      for (size_t k = 0; k < out.value.tensors.size(); ++k) {
        const auto& element = out.value.tensors[k];
        if (!element) {
          built.call.outputs.emplace_back();
          continue;
        }
        built.call.outputs.push_back(tensor_for(*element, false, false, built));
        expect(out.name + "[" + std::to_string(k) + "]", *element, ExpectedOutput::kNotAReturn);
      }
    } else if (out.value.kind == store::ValueKind::None) {
      built.call.outputs.emplace_back();
    }
  }
  if (device_ && built.not_runnable.empty() && built.expected.empty()) {
    built.not_runnable = "no output values captured";
  }
  // The portable op takes some of these tensors laid out otherwise: the
  // kernel gets them (and output 0) with dims 1 and 2 swapped, as views.
  if (portable) {
    const std::vector<std::string> transposed = portable_transposed(recorded.full_name());
    if (!transposed.empty()) {
      backends::KernelCall kernel_call = built.call;
      auto swap_1_2 = [](backends::Tensor& t) {
        if (t.rank() < 3) return;
        std::swap(t.sizes[1], t.sizes[2]);
        std::swap(t.strides[1], t.strides[2]);
      };
      for (const std::string& name : transposed) {
        if (name.empty()) {
          if (!kernel_call.outputs.empty()) swap_1_2(kernel_call.outputs[0]);
          continue;
        }
        for (backends::NamedValue& input : kernel_call.inputs) {
          if (auto* t = std::get_if<backends::Tensor>(&input.value); t && input.name == name) {
            swap_1_2(*t);
          }
        }
      }
      built.kernel_call = std::move(kernel_call);
    }
  }
  return built;
}

}  // namespace tapml::replay
