#include "store/call_json_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

namespace tapml::store {

namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (c >= 0x80) {
      if ((c >> 5) == 0x6) {
        extra = 1;
      } else if ((c >> 4) == 0xe) {
        extra = 2;
      } else if ((c >> 3) == 0x1e) {
        extra = 3;
      } else {
        return false;
      }
      if (extra > s.size() - i - 1) return false;
      for (size_t k = 1; k <= extra; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
      }
    }
    i += extra + 1;
  }
  return true;
}

class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) { out_.clear(); }

  void raw(char c) { out_ += c; }
  void key(const char* name) {
    comma();
    out_ += '"';
    out_ += name;
    out_ += "\":";
    first_ = true;
  }
  void open(char c) {
    comma();
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }
  void null() { item("null"); }
  void boolean(bool b) { item(b ? "true" : "false"); }
  void integer(int64_t v) { number(v); }
  void unsigned_integer(uint64_t v) { number(v); }
  void real(double v) {
    if (std::isnan(v)) return string("nan");
    if (std::isinf(v)) return string(v > 0 ? "inf" : "-inf");
    comma();
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
    out_.append(buffer, end);
  }
  void string(std::string_view s) {
    comma();
    out_ += '"';
    const bool utf8 = valid_utf8(s);
    size_t plain = 0;  // start of the run of characters that need no escape
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      const auto u = static_cast<unsigned char>(c);
      const bool quote = c == '"' || c == '\\';
      if (!quote && u >= 0x20 && (u < 0x80 || utf8)) continue;
      out_.append(s.data() + plain, i - plain);
      plain = i + 1;
      if (quote) {
        out_ += '\\';
        out_ += c;
      } else {
        char escaped[8];
        std::snprintf(escaped, sizeof(escaped), "\\u%04x", u);
        out_ += escaped;
      }
    }
    out_.append(s.data() + plain, s.size() - plain);
    out_ += '"';
  }
  template <typename T>
  void numbers(const std::vector<T>& values) {
    open('[');
    for (const T& v : values) number(v);
    close(']');
  }

 private:
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void item(const char* text) {
    comma();
    out_ += text;
  }
  template <typename T>
  void number(T v) {
    comma();
    char buffer[24];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
    out_.append(buffer, end);
  }

  std::string& out_;
  bool first_ = true;
};

void tensor_text(const TensorMeta& t, JsonText& j) {
  j.open('{');
  j.key("hash");
  if (t.hash.empty()) {
    j.null();
  } else {
    j.string(t.hash);
  }
  j.key("dtype");
  j.string(dtype_name(t.dtype));
  j.key("sizes");
  j.numbers(t.sizes);
  j.key("strides");
  j.numbers(t.strides);
  j.key("offset");
  j.integer(t.storage_offset);
  j.key("device");
  j.string(t.device);
  j.close('}');
}

void value_text(const Value& v, JsonText& j) {
  switch (v.kind) {
    case ValueKind::None:
      return j.null();
    case ValueKind::Bool:
      return j.boolean(v.b);
    case ValueKind::Int:
      return j.integer(v.i);
    case ValueKind::Float:
      return j.real(v.f);
    case ValueKind::Complex:
      j.open('[');
      j.real(v.f);
      j.real(v.f_imag);
      return j.close(']');
    case ValueKind::Tensor:
      return tensor_text(v.tensor, j);
    case ValueKind::IntList:
      return j.numbers(v.ints);
    case ValueKind::FloatList:
      j.open('[');
      for (double f : v.floats) j.real(f);
      return j.close(']');
    case ValueKind::BoolList:
      j.open('[');
      for (bool b : v.bools) j.boolean(b);
      return j.close(']');
    case ValueKind::TensorList:
      j.open('[');
      for (const auto& t : v.tensors) {
        if (t) {
          tensor_text(*t, j);
        } else {
          j.null();
        }
      }
      return j.close(']');
    case ValueKind::String:
    case ValueKind::ScalarType:
    case ValueKind::Device:
    case ValueKind::Layout:
    case ValueKind::MemoryFormat:
    case ValueKind::Generator:
    case ValueKind::Other:
      return j.string(v.text);
  }
  j.null();
}

void args_text(const std::vector<Arg>& args, JsonText& j) {
  j.open('[');
  for (const Arg& arg : args) {
    j.open('{');
    j.key("name");
    j.string(arg.name);
    j.key("type");
    j.string(arg.type);
    j.key("kind");
    j.string(value_kind_name(arg.value.kind));
    j.key("value");
    value_text(arg.value, j);
    j.close('}');
  }
  j.close(']');
}

}  // namespace

void args_json_text(const std::vector<Arg>& args, std::string& out) {
  JsonText j(out);
  args_text(args, j);
}

}  // namespace tapml::store
