#include "migrate/offload/offload_request.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace tapml::offload {

namespace {

bool torch_has_op_matching(const store::OpPattern& pattern) {
  for (const c10::OperatorName& name : c10::Dispatcher::singleton().getAllOpNames()) {
    if (pattern.matches(name.overload_name.empty() ? name.name
                                                   : name.name + "." + name.overload_name)) {
      return true;
    }
  }
  return false;
}

}  // namespace

OpSelector parse_selector(const std::string& text, const std::string& key) {
  // PATTERN@A, PATTERN@A:B or PATTERN@A: (an '@' followed by anything else
  // belongs to the pattern)
  static const std::regex range(R"((.*)@(\d+)(?:(:)(\d*))?)");
  std::smatch match;
  std::string pattern_text = text;
  int64_t first = 0, end = -1;
  if (std::regex_match(text, match, range)) {
    pattern_text = match[1].str();
    try {
      first = std::stoll(match[2].str());
      if (!match[3].matched) {
        end = first + 1;
      } else if (match[4].length() > 0) {
        end = std::stoll(match[4].str());
      }
    } catch (const std::exception&) {
      throw RequestError(key + ": '" + text + "': call ordinals out of range");
    }
    if (end >= 0 && end <= first) {
      throw RequestError(key + ": '" + text + "' selects no call (give PATTERN@FIRST:END with " +
                         "END past FIRST, counted from 0)");
    }
  }
  try {
    return OpSelector{store::OpPattern(pattern_text, key), first, end};
  } catch (const store::OpPatternError& e) {
    throw RequestError(e.what());
  }
}

bool OffloadRequest::selects(const std::string& full_name) const {
  return all_ops || std::any_of(ops.begin(), ops.end(), [&](const OpSelector& selector) {
           return selector.pattern.matches(full_name);
         });
}

std::vector<int> OffloadRequest::selectors_of(const std::string& full_name) const {
  std::vector<int> indices;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].pattern.matches(full_name)) indices.push_back(static_cast<int>(i));
  }
  return indices;
}

OffloadRequest request_from_environment() {
  OffloadRequest request;
  const char* target = std::getenv(kTargetVariable);
  if (target == nullptr || *target == '\0') return request;
  request.target = target;
  const char* report = std::getenv(kReportVariable);
  if (report != nullptr) request.report_path = report;
  if (const char* remote = std::getenv(kRemoteVariable)) request.remote = remote;
  if (const char* token_file = std::getenv(kTokenFileVariable)) request.token_file = token_file;
  const char* check = std::getenv(kCheckVariable);
  request.check = check != nullptr && std::string(check) == "1";
  if (const char* tolerance = std::getenv(kToleranceVariable)) request.tolerance_path = tolerance;
  const char* ops = std::getenv(kOpsVariable);
  std::string list = ops == nullptr || *ops == '\0' ? "all" : ops;
  request.ops_text = list;
  for (char& c : list) {
    if (c == ',' || c == ';') c = ' ';
  }
  std::istringstream words(list);
  for (std::string word; words >> word;) {
    if (word == "all") {
      request.all_ops = true;
      continue;
    }
    request.ops.push_back(parse_selector(word, "offload_ops"));
  }
  if (request.ops.empty()) request.all_ops = true;
  return request;
}

void check_request(const OffloadRequest& request, const backends::Backend& backend) {
  const std::vector<std::string> kernels = backend.kernels().ops();
  for (const OpSelector& selector : request.ops) {
    const store::OpPattern& pattern = selector.pattern;
    if (!torch_has_op_matching(pattern)) {
      throw RequestError("offload_ops: '" + pattern.text() +
                         "' matches no PyTorch operator (give aten op patterns such as aten::mm, "
                         "aten::add.Tensor or softmax; docs/architecture.md)");
    }
    if (std::none_of(kernels.begin(), kernels.end(),
                     [&](const std::string& op) { return pattern.matches(op); })) {
      throw RequestError("offload_ops: the " + backend.name() +
                         " backend has no kernel for an op matching '" + pattern.text() + "'");
    }
  }
}

}  // namespace tapml::offload
