#include "store/call_json.h"

#include <cmath>
#include <limits>

namespace tapml::store {

using nlohmann::json;

namespace {

// JSON has no NaN or infinity: those floats are the strings "nan", "inf", "-inf".
json float_to_json(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

double float_from_json(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  throw TraceError("not a float: " + j.dump());
}

const json& field(const json& j, const char* name) {
  if (!j.is_object()) throw TraceError(std::string("expected an object holding '") + name + "'");
  auto it = j.find(name);
  if (it == j.end()) throw TraceError(std::string("missing field '") + name + "'");
  return *it;
}

template <typename T>
T get(const json& j, const char* name) {
  try {
    return field(j, name).get<T>();
  } catch (const json::exception&) {
    throw TraceError(std::string("field '") + name + "' has the wrong type");
  }
}

template <typename T>
T get_or(const json& j, const char* name, T fallback) {
  if (!j.is_object() || !j.contains(name)) return fallback;
  return get<T>(j, name);
}

json value_to_json(const Value& v) {
  switch (v.kind) {
    case ValueKind::None:
      return nullptr;
    case ValueKind::Bool:
      return v.b;
    case ValueKind::Int:
      return v.i;
    case ValueKind::Float:
      return float_to_json(v.f);
    case ValueKind::Complex:
      return json::array({float_to_json(v.f), float_to_json(v.f_imag)});
    case ValueKind::Tensor:
      return tensor_to_json(v.tensor);
    case ValueKind::IntList:
      return v.ints;
    case ValueKind::FloatList: {
      json a = json::array();
      for (double f : v.floats) a.push_back(float_to_json(f));
      return a;
    }
    case ValueKind::BoolList: {
      json a = json::array();
      for (bool b : v.bools) a.push_back(b);
      return a;
    }
    case ValueKind::TensorList: {
      json a = json::array();
      for (const auto& t : v.tensors) a.push_back(t ? tensor_to_json(*t) : json(nullptr));
      return a;
    }
    case ValueKind::String:
    case ValueKind::ScalarType:
    case ValueKind::Device:
    case ValueKind::Layout:
    case ValueKind::MemoryFormat:
    case ValueKind::Generator:
    case ValueKind::Other:
      return v.text;
  }
  return nullptr;
}

Value value_from_json(ValueKind kind, const json& j) {
  Value v;
  v.kind = kind;
  try {
    switch (kind) {
      case ValueKind::None:
        break;
      case ValueKind::Bool:
        v.b = j.get<bool>();
        break;
      case ValueKind::Int:
        v.i = j.get<int64_t>();
        break;
      case ValueKind::Float:
        v.f = float_from_json(j);
        break;
      case ValueKind::Complex:
        if (!j.is_array() || j.size() != 2) throw TraceError("complex value is not [re, im]");
        v.f = float_from_json(j[0]);
        v.f_imag = float_from_json(j[1]);
        break;
      case ValueKind::Tensor:
        v.tensor = tensor_from_json(j);
        break;
      case ValueKind::IntList:
        v.ints = j.get<std::vector<int64_t>>();
        break;
      case ValueKind::FloatList:
        if (!j.is_array()) throw TraceError("float list is not an array");
        for (const auto& f : j) v.floats.push_back(float_from_json(f));
        break;
      case ValueKind::BoolList:
        if (!j.is_array()) throw TraceError("bool list is not an array");
        for (const auto& b : j) v.bools.push_back(b.get<bool>());
        break;
      case ValueKind::TensorList:
        if (!j.is_array()) throw TraceError("tensor list is not an array");
        for (const auto& t : j) {
          v.tensors.push_back(t.is_null() ? std::nullopt
                                          : std::optional<TensorMeta>(tensor_from_json(t)));
        }
        break;
      default:
        v.text = j.get<std::string>();
        break;
    }
  } catch (const json::exception&) {
    throw TraceError("a " + std::string(value_kind_name(kind)) + " value has the wrong type");
  }
  return v;
}

}  // namespace

json tensor_to_json(const TensorMeta& t) {
  return {{"hash", t.hash.empty() ? json(nullptr) : json(t.hash)},
          {"dtype", dtype_name(t.dtype)},
          {"sizes", t.sizes},
          {"strides", t.strides},
          {"offset", t.storage_offset},
          {"device", t.device}};
}

TensorMeta tensor_from_json(const json& j) {
  TensorMeta t;
  const json& hash = field(j, "hash");
  if (!hash.is_null()) {
    if (!hash.is_string()) throw TraceError("tensor hash is not a string");
    t.hash = hash.get<std::string>();
    if (t.hash.size() != 32 || t.hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
      throw TraceError("tensor hash '" + t.hash + "' is not 32 hex digits");
    }
  }
  auto dtype_text = get<std::string>(j, "dtype");
  auto dtype = dtype_from_name(dtype_text);
  if (!dtype) throw TraceError("unknown dtype '" + dtype_text + "'");
  t.dtype = *dtype;
  t.sizes = get<std::vector<int64_t>>(j, "sizes");
  t.strides = get<std::vector<int64_t>>(j, "strides");
  t.storage_offset = get<int64_t>(j, "offset");
  t.device = get<std::string>(j, "device");
  return t;
}

json args_to_json(const std::vector<Arg>& args) {
  json a = json::array();
  for (const Arg& arg : args) {
    a.push_back({{"name", arg.name},
                 {"type", arg.type},
                 {"kind", value_kind_name(arg.value.kind)},
                 {"value", value_to_json(arg.value)}});
  }
  return a;
}

std::vector<Arg> args_from_json(const json& j) {
  if (!j.is_array()) throw TraceError("argument list is not an array");
  std::vector<Arg> args;
  args.reserve(j.size());
  for (const json& a : j) {
    Arg arg;
    arg.name = get<std::string>(a, "name");
    arg.type = get<std::string>(a, "type");
    auto kind_text = get<std::string>(a, "kind");
    auto kind = value_kind_from_name(kind_text);
    if (!kind) throw TraceError("unknown argument kind '" + kind_text + "'");
    arg.value = value_from_json(*kind, field(a, "value"));
    args.push_back(std::move(arg));
  }
  return args;
}

json call_to_json(const Call& c) {
  return {{"seq", c.seq},
          {"name", c.name},
          {"overload", c.overload},
          {"schema", c.schema},
          {"parent", c.parent},
          {"depth", c.depth},
          {"thread", c.thread},
          {"scope", c.scope},
          {"start_ns", c.start_ns},
          {"end_ns", c.end_ns},
          {"flags", c.flags},
          {"inputs", args_to_json(c.inputs)},
          {"outputs", args_to_json(c.outputs)}};
}

Call call_from_json(const json& j) {
  Call c;
  c.seq = get<int64_t>(j, "seq");
  c.name = get<std::string>(j, "name");
  c.overload = get<std::string>(j, "overload");
  c.schema = get<std::string>(j, "schema");
  c.parent = get<int64_t>(j, "parent");
  c.depth = get<int32_t>(j, "depth");
  c.thread = get<uint64_t>(j, "thread");
  c.scope = get<std::string>(j, "scope");
  c.start_ns = get<int64_t>(j, "start_ns");
  c.end_ns = get<int64_t>(j, "end_ns");
  c.flags = get<uint32_t>(j, "flags");
  c.inputs = args_from_json(field(j, "inputs"));
  c.outputs = args_from_json(field(j, "outputs"));
  return c;
}

json meta_to_json(const TraceMeta& m) {
  json j = {{"format_version", m.format_version}, {"extra", m.extra}};
  for (const auto& [name, member] : kMetaStringFields) j[std::string(name)] = m.*member;
  return j;
}

TraceMeta meta_from_json(const json& j) {
  TraceMeta m;
  m.format_version = get<int>(j, "format_version");
  for (const auto& [name, member] : kMetaStringFields) {
    m.*member = get<std::string>(j, std::string(name).c_str());
  }
  m.extra = get_or<std::map<std::string, std::string>>(j, "extra", {});
  return m;
}

void set_meta_field(TraceMeta& m, const std::string& key, const std::string& value) {
  for (const auto& [name, member] : kMetaStringFields) {
    if (name == key) {
      m.*member = value;
      return;
    }
  }
  m.extra[key] = value;
}

void collect_hashes(const std::vector<Arg>& args, std::vector<std::string>& out) {
  for (const Arg& arg : args) {
    if (arg.value.kind == ValueKind::Tensor && arg.value.tensor.captured()) {
      out.push_back(arg.value.tensor.hash);
    }
    for (const auto& t : arg.value.tensors) {
      if (t && t->captured()) out.push_back(t->hash);
    }
  }
}

}  // namespace tapml::store
