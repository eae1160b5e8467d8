#include "migrate/offload/offload_request.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <algorithm>
#include <cstdlib>
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

bool OffloadRequest::selects(const std::string& full_name) const {
  return all_ops || std::any_of(ops.begin(), ops.end(), [&](const store::OpPattern& pattern) {
           return pattern.matches(full_name);
         });
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
    try {
      request.ops.emplace_back(word, "offload_ops");
    } catch (const store::OpPatternError& e) {
      throw RequestError(e.what());
    }
  }
  if (request.ops.empty()) request.all_ops = true;
  return request;
}

void check_request(const OffloadRequest& request, const backends::Backend& backend) {
  const std::vector<std::string> kernels = backend.kernels().ops();
  for (const store::OpPattern& pattern : request.ops) {
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
