#include "recorder/common/capture_config.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tapml::recorder {

namespace {

template <typename T>
void read_key(const nlohmann::json& json, const char* key, T& into) {
  auto it = json.find(key);
  if (it == json.end()) return;
  try {
    into = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(std::string("capture config: key '") + key +
                                "' has the wrong type: " + it->dump());
  }
}

}  // namespace

CaptureConfig capture_config_from_json(const std::string& json_text) {
  nlohmann::json json;
  try {
    json = json_text.empty() ? nlohmann::json::object() : nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("capture config: not JSON: ") + e.what());
  }
  if (!json.is_object()) throw std::invalid_argument("capture config: not a JSON object");
  static const char* const kKeys[] = {"output",
                                      "include",
                                      "exclude",
                                      "skip_views",
                                      "max_calls_per_signature",
                                      "byte_budget",
                                      "dedupe",
                                      "compression_level",
                                      "model",
                                      "command",
                                      "config_text",
                                      "finish",
                                      "values_in_background",
                                      "verify_capture"};
  for (const auto& item : json.items()) {
    bool known = false;
    for (const char* key : kKeys) known = known || item.key() == key;
    if (!known) throw std::invalid_argument("capture config: unknown key '" + item.key() + "'");
  }
  CaptureConfig config;
  read_key(json, "output", config.output);
  read_key(json, "include", config.include);
  read_key(json, "exclude", config.exclude);
  read_key(json, "skip_views", config.skip_views);
  read_key(json, "max_calls_per_signature", config.max_calls_per_signature);
  if (auto it = json.find("byte_budget"); it != json.end() && it->is_string()) {
    config.byte_budget = parse_byte_size(it->get<std::string>());
  } else {
    read_key(json, "byte_budget", config.byte_budget);
  }
  read_key(json, "dedupe", config.dedupe);
  read_key(json, "compression_level", config.compression_level);
  read_key(json, "model", config.model);
  read_key(json, "command", config.command);
  read_key(json, "config_text", config.config_text);
  read_key(json, "finish", config.finish);
  read_key(json, "values_in_background", config.values_in_background);
  read_key(json, "verify_capture", config.verify_capture);
  if (config.max_calls_per_signature < 0 || config.byte_budget < 0) {
    throw std::invalid_argument("capture config: limits must not be negative");
  }
  if (config.compression_level < 1 || config.compression_level > 19) {
    throw std::invalid_argument("capture config: compression_level must be 1..19");
  }
  return config;
}

std::string capture_config_to_json(const CaptureConfig& config) {
  nlohmann::json json = {{"output", config.output},
                         {"include", config.include},
                         {"exclude", config.exclude},
                         {"skip_views", config.skip_views},
                         {"max_calls_per_signature", config.max_calls_per_signature},
                         {"byte_budget", config.byte_budget},
                         {"dedupe", config.dedupe},
                         {"compression_level", config.compression_level},
                         {"model", config.model},
                         {"command", config.command},
                         {"config_text", config.config_text},
                         {"finish", config.finish},
                         {"values_in_background", config.values_in_background},
                         {"verify_capture", config.verify_capture}};
  return json.dump();
}

int64_t parse_byte_size(const std::string& text) {
  size_t used = 0;
  long double number = 0;
  try {
    number = std::stold(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument("not a byte size: '" + text + "' (e.g. 1000, 512M, 2G)");
  }
  std::string unit = text.substr(used);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  long double scale = 1;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "K" || unit == "KB" || unit == "KiB") {
    scale = 1024.0L;
  } else if (unit == "M" || unit == "MB" || unit == "MiB") {
    scale = 1024.0L * 1024;
  } else if (unit == "G" || unit == "GB" || unit == "GiB") {
    scale = 1024.0L * 1024 * 1024;
  } else {
    throw std::invalid_argument("not a byte size: '" + text + "' (e.g. 1000, 512M, 2G)");
  }
  if (number < 0) throw std::invalid_argument("byte size must not be negative: '" + text + "'");
  return static_cast<int64_t>(number * scale);
}

}  // namespace tapml::recorder
