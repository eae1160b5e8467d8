#include "replayer/schema_alias.h"

namespace tapml::replay {
namespace {

struct SchemaArg {
  std::string name;
  std::string alias;  // "a" in Tensor(a!), empty when none
  bool written = false;
  bool keyword_only = false;
};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Splits at commas outside brackets, parentheses and quotes.
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      parts.push_back(trim(current));
      current.clear();
      continue;
    }
    current += c;
  }
  if (!trim(current).empty()) parts.push_back(trim(current));
  return parts;
}

// The alias annotation of a type: "Tensor(a!)[]" -> ("a", written).
void parse_alias(const std::string& type, SchemaArg& arg) {
  const size_t open = type.find('(');
  const size_t close = type.find(')', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return;
  std::string inner = type.substr(open + 1, close - open - 1);
  if (!inner.empty() && inner.back() == '!') {
    arg.written = true;
    inner.pop_back();
  }
  arg.alias = inner;
}

// "Tensor(a!) self=None" -> name "self", alias "a", written.
SchemaArg parse_arg(std::string text, bool keyword_only) {
  SchemaArg arg;
  arg.keyword_only = keyword_only;
  if (auto eq = text.find('='); eq != std::string::npos) text = trim(text.substr(0, eq));
  const size_t space = text.find_last_of(' ');
  const std::string type = space == std::string::npos ? text : text.substr(0, space);
  if (space != std::string::npos) arg.name = trim(text.substr(space + 1));
  parse_alias(type, arg);
  return arg;
}

struct Schema {
  std::vector<SchemaArg> args;
  std::vector<SchemaArg> returns;
};

// Parses "ns::name.overload(args) -> returns"; false when it is not one.
bool parse_schema(const std::string& schema, Schema& out) {
  const size_t open = schema.find('(');
  if (open == std::string::npos) return false;
  int depth = 0;
  size_t close = std::string::npos;
  for (size_t i = open; i < schema.size(); ++i) {
    if (schema[i] == '(') ++depth;
    if (schema[i] == ')' && --depth == 0) {
      close = i;
      break;
    }
  }
  if (close == std::string::npos) return false;
  bool keyword_only = false;
  for (const auto& part : split_top_level(schema.substr(open + 1, close - open - 1))) {
    if (part == "*") {
      keyword_only = true;
      continue;
    }
    out.args.push_back(parse_arg(part, keyword_only));
  }
  const size_t arrow = schema.find("->", close);
  if (arrow == std::string::npos) return true;
  std::string returns = trim(schema.substr(arrow + 2));
  if (returns.size() >= 2 && returns.front() == '(' && returns.back() == ')') {
    returns = returns.substr(1, returns.size() - 2);
  }
  for (const auto& part : split_top_level(returns)) {
    SchemaArg ret;
    parse_alias(part, ret);
    out.returns.push_back(ret);
  }
  return true;
}

int find_input(const store::Call& call, const std::string& name) {
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    if (call.inputs[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// Without a parsable schema: `op_` writes self and returns it; `op.out` writes out.
void guess_from_name(const store::Call& call, AliasInfo& info) {
  const bool in_place = !call.name.empty() && call.name.back() == '_';
  const bool out_variant = call.overload == "out" || call.overload.ends_with("_out");
  const int target = in_place ? 0 : out_variant ? find_input(call, "out") : -1;
  if (target < 0 || target >= static_cast<int>(call.inputs.size())) return;
  info.input_written[static_cast<size_t>(target)] = true;
  info.input_is_out[static_cast<size_t>(target)] = out_variant;
  if (!info.output_alias.empty()) info.output_alias[0] = target;
}

}  // namespace

AliasInfo alias_info(const store::Call& call) {
  AliasInfo info;
  info.input_written.assign(call.inputs.size(), false);
  info.input_is_out.assign(call.inputs.size(), false);
  info.output_alias.assign(call.outputs.size(), -1);
  Schema schema;
  if (!parse_schema(call.schema, schema)) {
    guess_from_name(call, info);
    return info;
  }
  for (size_t a = 0; a < schema.args.size(); ++a) {
    const SchemaArg& arg = schema.args[a];
    int index = find_input(call, arg.name);
    if (index < 0 && a < call.inputs.size() && call.inputs[a].name.empty()) {
      index = static_cast<int>(a);
    }
    if (index < 0 || !arg.written) continue;
    info.input_written[static_cast<size_t>(index)] = true;
    info.input_is_out[static_cast<size_t>(index)] = arg.keyword_only;
    for (size_t r = 0; r < schema.returns.size() && r < call.outputs.size(); ++r) {
      if (!arg.alias.empty() && schema.returns[r].alias == arg.alias) {
        info.output_alias[r] = index;
      }
    }
  }
  return info;
}

}  // namespace tapml::replay
