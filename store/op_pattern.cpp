#include "store/op_pattern.h"

#include <regex>

namespace tapml::store {

struct OpPattern::Compiled {
  std::regex regex;
};

OpNames op_names(std::string_view full_name) {
  OpNames names;
  names.full = full_name;
  const size_t ns = full_name.find("::");
  const size_t base_start = ns == std::string_view::npos ? 0 : ns + 2;
  const size_t dot = full_name.find('.', base_start);
  names.name = full_name.substr(0, dot);
  names.unqualified_full = full_name.substr(base_start);
  names.unqualified_name = names.name.substr(std::min(base_start, names.name.size()));
  return names;
}

OpPattern::OpPattern() = default;
OpPattern::~OpPattern() = default;
OpPattern::OpPattern(const OpPattern&) = default;
OpPattern& OpPattern::operator=(const OpPattern&) = default;
OpPattern::OpPattern(OpPattern&&) noexcept = default;
OpPattern& OpPattern::operator=(OpPattern&&) noexcept = default;

OpPattern::OpPattern(const std::string& text, std::string_view where) : text_(text) {
  if (text.empty()) return;
  try {
    compiled_ = std::make_shared<const Compiled>(
        Compiled{std::regex(text, std::regex::ECMAScript | std::regex::optimize)});
  } catch (const std::regex_error& e) {
    throw OpPatternError(std::string(where) + " '" + text +
                         "': not a valid op pattern (a regular expression matched against whole "
                         "op names): " +
                         e.what());
  }
}

bool OpPattern::matches(std::string_view full_name) const {
  if (!compiled_) return true;
  const OpNames names = op_names(full_name);
  auto whole = [&](std::string_view text) {
    return std::regex_match(text.begin(), text.end(), compiled_->regex);
  };
  return whole(names.full) || whole(names.name) || whole(names.unqualified_full) ||
         whole(names.unqualified_name);
}

}  // namespace tapml::store
