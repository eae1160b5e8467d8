#include "migrate/offload/offload_request.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <cstdlib>
#include <sstream>

namespace tapml::offload {

namespace {

// "aten::softmax.int" -> {"aten::softmax", "int"}; the overload follows the
// first dot after the namespace.
std::pair<std::string, std::string> split_full_name(const std::string& full_name) {
  const size_t ns = full_name.find("::");
  const size_t dot = full_name.find('.', ns == std::string::npos ? 0 : ns + 2);
  if (dot == std::string::npos) return {full_name, ""};
  return {full_name.substr(0, dot), full_name.substr(dot + 1)};
}

bool torch_has_op_named(const std::string& base) {
  for (const c10::OperatorName& name : c10::Dispatcher::singleton().getAllOpNames()) {
    if (name.name == base) return true;
  }
  return false;
}

bool table_has_base(const backends::KernelTable& table, const std::string& base) {
  for (const std::string& op : table.ops()) {
    if (split_full_name(op).first == base) return true;
  }
  return false;
}

}  // namespace

bool OffloadRequest::selects(const std::string& name, const std::string& full_name) const {
  return all_ops || ops.count(full_name) > 0 || op_bases.count(name) > 0;
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
    } else if (word.find('.', word.find("::") == std::string::npos ? 0 : word.find("::") + 2) !=
               std::string::npos) {
      request.ops.insert(word);
    } else {
      request.op_bases.insert(word);
    }
  }
  if (!request.all_ops && request.ops.empty() && request.op_bases.empty()) request.all_ops = true;
  return request;
}

void check_request(const OffloadRequest& request, const backends::Backend& backend) {
  const backends::KernelTable& table = backend.kernels();
  for (const std::string& full_name : request.ops) {
    auto [base, overload] = split_full_name(full_name);
    if (!c10::Dispatcher::singleton().findOp(c10::OperatorName(base, overload))) {
      throw RequestError("offload_ops: '" + full_name +
                         "' is not a PyTorch operator (give aten names such as aten::mm or "
                         "aten::add.Tensor)");
    }
    if (!table.has_op(full_name)) {
      throw RequestError("offload_ops: the " + backend.name() + " backend has no kernel for " +
                         full_name);
    }
  }
  for (const std::string& base : request.op_bases) {
    if (!torch_has_op_named(base)) {
      throw RequestError("offload_ops: '" + base +
                         "' is not a PyTorch operator (give aten names such as aten::mm or "
                         "aten::add.Tensor)");
    }
    if (!table_has_base(table, base)) {
      throw RequestError("offload_ops: the " + backend.name() + " backend has no kernel for " +
                         base);
    }
  }
}

}  // namespace tapml::offload
