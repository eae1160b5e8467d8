#include "replayer/case_naming.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>

#include "replayer/layout.h"
#include "store/op_classes.h"

namespace tapml::replay {
namespace {

// Names longer than this are cut and given a hash suffix: a test name should
// fit on a line of a terminal beside its suite name.
constexpr size_t kMaxNameLength = 96;
constexpr size_t kSuffixDigits = 8;

std::string_view dtype_token(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return "f32";
    case DType::Float64:
      return "f64";
    case DType::Float16:
      return "f16";
    case DType::BFloat16:
      return "bf16";
    case DType::Int64:
      return "i64";
    case DType::Int32:
      return "i32";
    case DType::Int16:
      return "i16";
    case DType::Int8:
      return "i8";
    case DType::UInt8:
      return "u8";
    case DType::Bool:
      return "b8";
    case DType::Complex64:
      return "c64";
    case DType::Complex128:
      return "c128";
  }
  return "unknown";
}

std::string join(const std::vector<int64_t>& values, const char* separator) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += separator;
    out += std::to_string(values[i]);
  }
  return out;
}

std::string exact_number(double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

std::string tensor_signature(const store::TensorMeta& t) {
  return std::string(dtype_name(t.dtype)) + "[" + join(t.sizes, ",") + "]/[" +
         join(t.strides, ",") + "]";
}

std::string value_signature(const store::Value& v) {
  using store::ValueKind;
  switch (v.kind) {
    case ValueKind::None:
      return "None";
    case ValueKind::Bool:
      return v.b ? "true" : "false";
    case ValueKind::Int:
      return "i" + std::to_string(v.i);
    case ValueKind::Float:
      return "f" + exact_number(v.f);
    case ValueKind::Complex:
      return "c" + exact_number(v.f) + "," + exact_number(v.f_imag);
    case ValueKind::Tensor:
      return tensor_signature(v.tensor);
    case ValueKind::IntList:
      return "i[" + join(v.ints, ",") + "]";
    case ValueKind::FloatList: {
      std::string out = "f[";
      for (size_t i = 0; i < v.floats.size(); ++i)
        out += (i ? "," : "") + exact_number(v.floats[i]);
      return out + "]";
    }
    case ValueKind::BoolList: {
      std::string out = "b[";
      for (bool b : v.bools) out += b ? '1' : '0';
      return out + "]";
    }
    case ValueKind::TensorList: {
      std::string out = "(";
      for (size_t i = 0; i < v.tensors.size(); ++i) {
        out += (i ? "," : "") + (v.tensors[i] ? tensor_signature(*v.tensors[i]) : "None");
      }
      return out + ")";
    }
    case ValueKind::Device:     // kernels run on the target's device whatever was recorded
    case ValueKind::Generator:  // compute ops take none that matters
      return std::string(store::value_kind_name(v.kind));
    default:
      return std::string(store::value_kind_name(v.kind)) + ":" + v.text;
  }
}

bool is_contiguous(const store::TensorMeta& t) {
  return Layout{t.sizes, t.strides, t.storage_offset}.is_contiguous();
}

// Appends "f32_1x8" or just "1x8" when the dtype is the one written last.
void append_tensor(const store::TensorMeta& t, std::string& name, std::string& last_dtype,
                   bool& strided) {
  const std::string dtype(dtype_token(t.dtype));
  if (dtype != last_dtype) {
    name += (name.empty() ? "" : "_") + dtype;
    last_dtype = dtype;
  }
  name += "_" + (t.sizes.empty() ? std::string("scalar") : join(t.sizes, "x"));
  if (!is_contiguous(t)) strided = true;
}

std::string name_from(const std::vector<store::Arg>& args) {
  std::string name, last_dtype;
  bool strided = false;
  for (const store::Arg& arg : args) {
    if (arg.value.kind == store::ValueKind::Tensor) {
      append_tensor(arg.value.tensor, name, last_dtype, strided);
    } else if (arg.value.kind == store::ValueKind::TensorList) {
      for (const auto& element : arg.value.tensors) {
        if (element) append_tensor(*element, name, last_dtype, strided);
      }
    }
  }
  if (strided) name += "_strided";
  return name;
}

std::string with_suffix(std::string name, const std::string& key, size_t max_length) {
  const std::string suffix = "_" + short_hash(key).substr(0, kSuffixDigits);
  if (name.size() + suffix.size() > max_length) name.resize(max_length - suffix.size());
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name + suffix;
}

// Gives every entry a name unique within the list: a base name shared by
// several entries gets a suffix from its key's hash; names are cut to a
// readable length (a cut name gets the suffix too). `keys` must be distinct.
std::vector<std::string> unique_names(const std::vector<std::string>& base_names,
                                      const std::vector<std::string>& keys) {
  std::vector<std::string> names(base_names.size());
  std::map<std::string, int> uses;
  for (const std::string& base : base_names) ++uses[base];
  for (size_t i = 0; i < base_names.size(); ++i) {
    const std::string& base = base_names[i];
    names[i] = uses[base] > 1 || base.size() > kMaxNameLength
                   ? with_suffix(base, keys[i], kMaxNameLength)
                   : base;
  }
  return names;
}

// Suite names per op: op_identifier, made unique (also ignoring case, since
// suites become file names) with a hash of the full name.
std::map<std::string, std::string> suite_names(const std::set<std::string>& ops) {
  auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), ::tolower);
    return text;
  };
  std::map<std::string, int> uses;
  for (const std::string& op : ops) ++uses[lower(op_identifier(op))];
  std::map<std::string, std::string> names;
  for (const std::string& op : ops) {
    const std::string id = op_identifier(op);
    names[op] = uses[lower(id)] > 1 ? id + "_" + short_hash(op).substr(0, 8) : id;
  }
  return names;
}

}  // namespace

std::string input_signature(const store::Call& call) {
  std::string out;
  for (const store::Arg& arg : call.inputs) {
    if (!out.empty()) out += ';';
    out += arg.name + '=' + value_signature(arg.value);
  }
  return out;
}

std::string op_identifier(const std::string& full_name) {
  std::string out;
  for (char c : full_name) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "op_" + out;
  return out;
}

std::string case_base_name(const store::Call& call) {
  std::string name = name_from(call.inputs);
  if (name.empty()) {
    const std::string outputs = name_from(call.outputs);
    name = outputs.empty() ? "no_tensors" : "out_" + outputs;
  }
  return name;
}

std::string short_hash(const std::string& text) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  return buf;
}

std::map<CaseKey, CaseName> name_cases(const std::map<CaseKey, const store::Call*>& cases) {
  std::set<std::string> ops;
  for (const auto& [key, call] : cases) ops.insert(key.op);
  const std::map<std::string, std::string> suites = suite_names(ops);
  std::map<CaseKey, CaseName> names;
  auto it = cases.begin();
  while (it != cases.end()) {  // one op at a time: the map is sorted by op
    std::vector<const CaseKey*> keys;
    std::vector<std::string> bases, signatures;
    for (const std::string& op = it->first.op; it != cases.end() && it->first.op == op; ++it) {
      keys.push_back(&it->first);
      bases.push_back(case_base_name(*it->second));
      signatures.push_back(it->first.signature);
    }
    const std::vector<std::string> unique = unique_names(bases, signatures);
    for (size_t k = 0; k < keys.size(); ++k) {
      names[*keys[k]] = CaseName{suites.at(keys[k]->op), unique[k]};
    }
  }
  return names;
}

void TraceCases::add(const store::Call& call) {
  if (!store::is_compute_op(call.name)) return;
  CaseKey key{call.full_name(), input_signature(call)};
  Group& group = groups_[key];
  if (group.calls++ == 0) group.first = call;
  calls_.push_back({call.seq, {std::move(key), group.calls}});
}

std::map<int64_t, TraceCases::Entry> TraceCases::names() const {
  std::map<CaseKey, const store::Call*> cases;
  for (const auto& [key, group] : groups_) cases[key] = &group.first;
  const std::map<CaseKey, CaseName> names = name_cases(cases);
  std::map<int64_t, Entry> entries;
  for (const auto& [seq, call_case] : calls_) {
    entries[seq] = Entry{names.at(call_case.first), call_case.second};
  }
  return entries;
}

std::string occurrence_name(const CaseName& name, int64_t occurrence) {
  return name.full() + "#" + std::to_string(occurrence);
}

}  // namespace tapml::replay
