// Tolerance files: a list of rules, as JSON or as TOML (read by toml++).
//   JSON: {"rules": [{"op": "aten::mm", "dtype": "float32", "nmse": 1e-6}, ...]}
//   TOML: [[rules]]
//         op = "aten::mm"
//         nmse = 1e-6
// Keys: op, dtype, target, method (strings), exact, flush_subnormals (bools), nmse, atol, rtol,
// safety (numbers).
#include <toml++/toml.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>

#include "replayer/tolerance.h"

namespace tapml::replay {
namespace {

constexpr const char* kKeys =
    "op, dtype, target, exact, method, nmse, atol, rtol, safety, flush_subnormals";

// One key of a rule; `where` names the file and line or rule for errors.
using Scalar = std::variant<std::string, double, bool>;

void set_key(ToleranceRule& r, const std::string& key, const Scalar& value,
             const std::string& where) {
  auto want_string = [&]() -> const std::string& {
    if (!std::holds_alternative<std::string>(value)) {
      throw ToleranceError(where + ": '" + key + "' must be a string");
    }
    return std::get<std::string>(value);
  };
  auto want_number = [&]() {
    if (!std::holds_alternative<double>(value)) {
      throw ToleranceError(where + ": '" + key + "' must be a number");
    }
    return std::get<double>(value);
  };
  if (key == "op") {
    r.op = want_string();
  } else if (key == "dtype") {
    r.dtype = want_string();
  } else if (key == "target") {
    r.target = want_string();
  } else if (key == "exact" || key == "flush_subnormals") {
    if (!std::holds_alternative<bool>(value)) {
      throw ToleranceError(where + ": '" + key + "' must be true or false");
    }
    (key == "exact" ? r.exact : r.flush_subnormals) = std::get<bool>(value);
  } else if (key == "method") {
    const std::string& name = want_string();
    r.method = method_from_name(name);
    if (!r.method) {
      throw ToleranceError(where + ": method '" + name + "' is not 'nmse' or 'forward-bound'");
    }
  } else if (key == "safety") {
    r.safety = want_number();
  } else if (key == "nmse") {
    r.nmse = want_number();
  } else if (key == "atol") {
    r.atol = want_number();
  } else if (key == "rtol") {
    r.rtol = want_number();
  } else {
    throw ToleranceError(where + ": unknown key '" + key + "' (expected " + kKeys + ")");
  }
}

ToleranceError wrong_type(const std::string& where, const std::string& key) {
  std::string message = where;
  message += ": '" + key + "' must be a string, number or bool";
  return ToleranceError(message);
}

std::vector<ToleranceRule> parse_json(const std::string& text, const std::string& path) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message is one line: "[json.exception.parse_error.101] parse error at ...".
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    throw ToleranceError("tolerance file " + path + ": not valid JSON: " + what);
  }
  if (!doc.is_object() || !doc.contains("rules") || !doc["rules"].is_array()) {
    throw ToleranceError("tolerance file " + path + ": expected {\"rules\": [ {...}, ... ]}");
  }
  for (const auto& item : doc.items()) {
    if (item.key() != "rules") {
      throw ToleranceError("tolerance file " + path + ": unknown top-level key '" + item.key() +
                           "' (expected 'rules')");
    }
  }
  std::vector<ToleranceRule> rules;
  for (size_t i = 0; i < doc["rules"].size(); ++i) {
    const auto& entry = doc["rules"][i];
    const std::string where = "tolerance file " + path + " rule " + std::to_string(i + 1);
    if (!entry.is_object()) throw ToleranceError(where + ": expected an object");
    ToleranceRule r;
    r.origin = where;
    for (const auto& [key, value] : entry.items()) {
      if (value.is_string()) {
        set_key(r, key, value.get<std::string>(), where);
      } else if (value.is_boolean()) {
        set_key(r, key, value.get<bool>(), where);
      } else if (value.is_number()) {
        set_key(r, key, value.get<double>(), where);
      } else {
        throw wrong_type(where, key);
      }
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

// Any valid TOML (toml++) whose top level is an array of tables `rules`:
// [[rules]] blocks or `rules = [{...}, ...]`.
std::vector<ToleranceRule> parse_toml(const std::string& text, const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw ToleranceError("tolerance file " + path + " line " +
                         std::to_string(e.source().begin.line) +
                         ": not valid TOML: " + one_line(std::string(e.description())));
  }
  for (const auto& [key, node] : doc) {
    if (key.str() != "rules") {
      throw ToleranceError("tolerance file " + path + " line " +
                           std::to_string(node.source().begin.line) + ": unknown top-level key '" +
                           std::string(key.str()) + "' (expected [[rules]] tables)");
    }
  }
  const toml::array* list = doc["rules"].as_array();
  if (!list) throw ToleranceError("tolerance file " + path + ": expected [[rules]] tables");
  std::vector<ToleranceRule> rules;
  for (const toml::node& entry : *list) {
    const std::string where = "tolerance file " + path + " rule " +
                              std::to_string(rules.size() + 1) + " (line " +
                              std::to_string(entry.source().begin.line) + ")";
    const toml::table* table = entry.as_table();
    if (!table) throw ToleranceError(where + ": expected a table of key = value");
    ToleranceRule r;
    r.origin = "tolerance file " + path + " rule " + std::to_string(rules.size() + 1);
    for (const auto& [key, value] : *table) {
      const std::string name(key.str());
      if (auto text_value = value.value_exact<std::string>()) {
        set_key(r, name, *text_value, where);
      } else if (auto flag = value.value_exact<bool>()) {
        set_key(r, name, *flag, where);
      } else if (value.is_number()) {
        set_key(r, name, *value.value<double>(), where);
      } else {
        throw wrong_type(where, name);
      }
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace

void TolerancePolicy::load_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ToleranceError("tolerance file " + path + ": cannot be read");
  std::ostringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  const std::string first = trim(text).substr(0, 1);
  const bool json = path.ends_with(".json") || first == "{";
  auto rules = json ? parse_json(text, path) : parse_toml(text, path);
  for (auto& r : rules) add(std::move(r));
}

}  // namespace tapml::replay
