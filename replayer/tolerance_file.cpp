// Tolerance files: a list of rules, as JSON or as the TOML subset below.
//   JSON: {"rules": [{"op": "aten::mm", "dtype": "float32", "nmse": 1e-6}, ...]}
//   TOML: [[rules]]
//         op = "aten::mm"
//         nmse = 1e-6
// Keys: op, dtype, target (strings), exact (bool), nmse, atol, rtol (numbers).
#include <cctype>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>

#include "replayer/tolerance.h"

namespace tapml::replay {
namespace {

constexpr const char* kKeys = "op, dtype, target, exact, nmse, atol, rtol";

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
  } else if (key == "exact") {
    if (!std::holds_alternative<bool>(value)) {
      throw ToleranceError(where + ": 'exact' must be true or false");
    }
    r.exact = std::get<bool>(value);
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
        throw ToleranceError(where + ": '" + key + "' must be a string, number or bool");
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

// A TOML value of the subset: a basic or literal string, a number, a bool.
// `rest` is what follows the '='; a trailing comment is allowed.
Scalar parse_toml_value(const std::string& rest, const std::string& where) {
  std::string v = trim(rest);
  if (!v.empty() && (v[0] == '"' || v[0] == '\'')) {
    const char quote = v[0];
    std::string out;
    size_t i = 1;
    for (; i < v.size() && v[i] != quote; ++i) {
      if (quote == '"' && v[i] == '\\' && i + 1 < v.size()) {
        const char c = v[++i];
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        out += v[i];
      }
    }
    if (i >= v.size()) throw ToleranceError(where + ": unterminated string");
    const std::string tail = trim(v.substr(i + 1));
    if (!tail.empty() && tail[0] != '#') throw ToleranceError(where + ": text after the string");
    return out;
  }
  if (auto hash = v.find('#'); hash != std::string::npos) v = trim(v.substr(0, hash));
  if (v == "true") return true;
  if (v == "false") return false;
  std::string digits;
  for (char c : v) {
    if (c != '_') digits += c;
  }
  double number = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, number);
  if (digits.empty() || ec != std::errc() || ptr != end) {
    throw ToleranceError(where + ": '" + v + "' is not a string, number, true or false");
  }
  return number;
}

std::vector<ToleranceRule> parse_toml(const std::string& text, const std::string& path) {
  std::vector<ToleranceRule> rules;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = "tolerance file " + path + " line " + std::to_string(number);
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (t[0] == '[') {
      if (trim(t.substr(0, t.find('#'))) != "[[rules]]") {
        throw ToleranceError(where + ": only [[rules]] tables are allowed");
      }
      rules.emplace_back();
      rules.back().origin = "tolerance file " + path + " rule " + std::to_string(rules.size());
      continue;
    }
    const size_t eq = t.find('=');
    if (eq == std::string::npos) throw ToleranceError(where + ": expected key = value");
    if (rules.empty()) throw ToleranceError(where + ": key outside a [[rules]] table");
    std::string key = trim(t.substr(0, eq));
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"') {
      key = key.substr(1, key.size() - 2);
    }
    set_key(rules.back(), key, parse_toml_value(t.substr(eq + 1), where), where);
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
