#include "remote/protocol/call_codec.h"

#include <cmath>
#include <limits>
#include <string>

#include "remote/protocol/message.h"

namespace tapml::remote {
namespace {

using backends::Tensor;
using backends::Value;
using nlohmann::json;

// Ranks beyond this are refused before any kernel sees them.
constexpr size_t kMaxWireRank = 16;
constexpr size_t kMaxListLength = 1 << 16;

// JSON has no NaN or infinity; they travel as strings.
json encode_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double decode_double(const json& value, const std::string& where) {
  if (value.is_number()) return value.get<double>();
  if (value == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (value == "inf") return std::numeric_limits<double>::infinity();
  if (value == "-inf") return -std::numeric_limits<double>::infinity();
  throw ProtocolError(where + ": not a number");
}

json encode_tensor(const Tensor& tensor, const BufferIdOf& id_of) {
  json out = {{"dtype", std::string(dtype_name(tensor.dtype))},
              {"sizes", tensor.sizes},
              {"strides", tensor.strides},
              {"offset", tensor.offset}};
  if (tensor.buffer) {
    if (std::optional<uint64_t> id = id_of(*tensor.buffer)) out["buf"] = *id;
  }
  return out;
}

std::vector<int64_t> decode_dims(const json& value, const std::string& where) {
  if (!value.is_array() || value.size() > kMaxWireRank) {
    throw ProtocolError(where + ": not a list of at most " + std::to_string(kMaxWireRank) +
                        " integers");
  }
  std::vector<int64_t> dims;
  for (const json& dim : value) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
      throw ProtocolError(where + ": not a non-negative integer");
    }
    dims.push_back(dim.get<int64_t>());
  }
  return dims;
}

// Bytes a strided view needs: (offset + sum((size-1)*stride) + 1) elements,
// or none when it is empty; nullopt when that overflows.
std::optional<uint64_t> view_extent_bytes(const Tensor& t) {
  uint64_t last = static_cast<uint64_t>(t.offset);
  for (size_t i = 0; i < t.sizes.size(); ++i) {
    if (t.sizes[i] == 0) return 0;
    uint64_t step = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(t.sizes[i] - 1),
                               static_cast<uint64_t>(t.strides[i]), &step) ||
        __builtin_add_overflow(last, step, &last)) {
      return std::nullopt;
    }
  }
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(last + 1, dtype_size(t.dtype), &bytes)) return std::nullopt;
  return bytes;
}

Tensor decode_tensor(const json& value, const BufferById& buffer_by_id, const std::string& where) {
  if (!value.is_object()) throw ProtocolError(where + ": not a tensor object");
  Tensor t;
  std::optional<DType> dtype = dtype_from_name(string_field(value, "dtype"));
  if (!dtype) throw ProtocolError(where + ": unknown dtype");
  t.dtype = *dtype;
  t.sizes = decode_dims(value.value("sizes", json()), where + ".sizes");
  t.strides = decode_dims(value.value("strides", json()), where + ".strides");
  if (t.sizes.size() != t.strides.size()) throw ProtocolError(where + ": sizes and strides differ");
  const json& offset = value.value("offset", json());
  if (!offset.is_number_integer() || offset.get<int64_t>() < 0) {
    throw ProtocolError(where + ": offset not a non-negative integer");
  }
  t.offset = offset.get<int64_t>();
  std::optional<uint64_t> extent = view_extent_bytes(t);
  if (!extent) throw ProtocolError(where + ": view size overflows");
  if (value.contains("buf")) {
    t.buffer = buffer_by_id(u64_field(value, "buf"));
    if (*extent > t.buffer->size()) {
      throw ProtocolError(where + ": view needs " + std::to_string(*extent) +
                          " bytes, buffer has " + std::to_string(t.buffer->size()));
    }
  }
  return t;
}

template <typename T, typename Decode>
std::vector<T> decode_list(const json& value, const std::string& where, Decode decode) {
  if (!value.is_array() || value.size() > kMaxListLength) {
    throw ProtocolError(where + ": not a list");
  }
  std::vector<T> items;
  items.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    items.push_back(decode(value[i], where + "[" + std::to_string(i) + "]"));
  }
  return items;
}

json encode_value(const Value& value, const BufferIdOf& id_of) {
  struct Visitor {
    const BufferIdOf& id_of;
    json operator()(std::monostate) const { return {{"t", "none"}}; }
    json operator()(bool v) const { return {{"t", "bool"}, {"v", v}}; }
    json operator()(int64_t v) const { return {{"t", "int"}, {"v", v}}; }
    json operator()(double v) const { return {{"t", "float"}, {"v", encode_double(v)}}; }
    json operator()(const std::string& v) const { return {{"t", "str"}, {"v", v}}; }
    json operator()(const Tensor& v) const {
      return {{"t", "tensor"}, {"v", encode_tensor(v, id_of)}};
    }
    json operator()(const std::vector<int64_t>& v) const { return {{"t", "ints"}, {"v", v}}; }
    json operator()(const std::vector<double>& v) const {
      json items = json::array();
      for (double d : v) items.push_back(encode_double(d));
      return {{"t", "floats"}, {"v", items}};
    }
    json operator()(const std::vector<bool>& v) const { return {{"t", "bools"}, {"v", v}}; }
    json operator()(const std::vector<std::optional<Tensor>>& v) const {
      json items = json::array();
      for (const std::optional<Tensor>& t : v) {
        items.push_back(t ? encode_tensor(*t, id_of) : json());
      }
      return {{"t", "tensors"}, {"v", items}};
    }
    json operator()(DType v) const { return {{"t", "dtype"}, {"v", std::string(dtype_name(v))}}; }
  };
  return std::visit(Visitor{id_of}, value);
}

Value decode_value(const json& value, const BufferById& buffer_by_id, const std::string& where) {
  if (!value.is_object()) throw ProtocolError(where + ": not a value object");
  const std::string tag = string_field(value, "t");
  if (tag == "none") return std::monostate{};
  const json& v = value.value("v", json());
  if (tag == "bool" && v.is_boolean()) return v.get<bool>();
  if (tag == "int" && v.is_number_integer()) return v.get<int64_t>();
  if (tag == "float") return decode_double(v, where);
  if (tag == "str" && v.is_string()) return v.get<std::string>();
  if (tag == "tensor") return decode_tensor(v, buffer_by_id, where);
  if (tag == "ints") {
    return decode_list<int64_t>(v, where, [](const json& item, const std::string& at) {
      if (!item.is_number_integer()) throw ProtocolError(at + ": not an integer");
      return item.get<int64_t>();
    });
  }
  if (tag == "floats") return decode_list<double>(v, where, decode_double);
  if (tag == "bools") {
    return decode_list<bool>(v, where, [](const json& item, const std::string& at) {
      if (!item.is_boolean()) throw ProtocolError(at + ": not a bool");
      return item.get<bool>();
    });
  }
  if (tag == "tensors") {
    return decode_list<std::optional<Tensor>>(
        v, where, [&](const json& item, const std::string& at) -> std::optional<Tensor> {
          if (item.is_null()) return std::nullopt;
          return decode_tensor(item, buffer_by_id, at);
        });
  }
  if (tag == "dtype" && v.is_string()) {
    if (std::optional<DType> dtype = dtype_from_name(v.get<std::string>())) return *dtype;
  }
  throw ProtocolError(where + ": bad value of kind '" + tag + "'");
}

}  // namespace

json encode_call(const backends::KernelCall& call, const BufferIdOf& id_of) {
  json inputs = json::array();
  for (const backends::NamedValue& input : call.inputs) {
    inputs.push_back({{"name", input.name}, {"value", encode_value(input.value, id_of)}});
  }
  json outputs = json::array();
  for (const Tensor& output : call.outputs) outputs.push_back(encode_tensor(output, id_of));
  json encoded = {{"op", call.op}, {"inputs", inputs}, {"outputs", outputs}};
  // The schema is for providers that parse it; a server that predates it
  // ignores the field, and a client that predates it sends none.
  if (!call.schema.empty()) encoded["schema"] = call.schema;
  return encoded;
}

backends::KernelCall decode_call(const json& json_call, const BufferById& buffer_by_id) {
  if (!json_call.is_object()) throw ProtocolError("call: not an object");
  backends::KernelCall call;
  call.op = string_field(json_call, "op");
  if (const auto schema = json_call.find("schema"); schema != json_call.end()) {
    if (!schema->is_string()) throw ProtocolError("call " + call.op + ": schema not a string");
    call.schema = schema->get<std::string>();
  }
  const json& inputs = json_call.value("inputs", json());
  const json& outputs = json_call.value("outputs", json());
  if (!inputs.is_array() || !outputs.is_array() || inputs.size() > kMaxListLength ||
      outputs.size() > kMaxListLength) {
    throw ProtocolError("call " + call.op + ": inputs or outputs not a list");
  }
  for (const json& input : inputs) {
    if (!input.is_object()) throw ProtocolError("call " + call.op + ": input not an object");
    std::string name = string_field(input, "name");
    Value value = decode_value(input.value("value", json()), buffer_by_id, call.op + "." + name);
    call.inputs.push_back({std::move(name), std::move(value)});
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    call.outputs.push_back(
        decode_tensor(outputs[i], buffer_by_id, call.op + ".out" + std::to_string(i)));
  }
  return call;
}

std::string call_signature(const backends::KernelCall& call) {
  // Buffers numbered by first appearance: the signature keeps which tensors
  // alias which (an in-place call differs from an out-of-place one) and
  // nothing else about them.
  std::vector<const backends::Buffer*> seen;
  auto ordinal = [&seen](const backends::Buffer& buffer) -> std::optional<uint64_t> {
    for (size_t i = 0; i < seen.size(); ++i) {
      if (seen[i] == &buffer) return i;
    }
    seen.push_back(&buffer);
    return seen.size() - 1;
  };
  return encode_call(call, ordinal).dump();
}

}  // namespace tapml::remote
