#include "backends/backend.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace tapml::backends {

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t size : sizes) n *= size;
  return n;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] == 1) continue;  // a size-1 dim's stride is irrelevant, as in torch
    if (strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> strides(sizes.size());
  int64_t stride = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= sizes[i] > 1 ? sizes[i] : 1;
  }
  return strides;
}

const Value* KernelCall::find(const std::string& name) const {
  for (const NamedValue& input : inputs) {
    if (input.name == name) return &input.value;
  }
  return nullptr;
}

const Value& KernelCall::at(const std::string& name) const {
  const Value* value = find(name);
  if (!value) throw BackendError(op + ": missing argument '" + name + "'");
  return *value;
}

const Tensor& KernelCall::tensor(const std::string& name) const {
  const Value& value = at(name);
  if (const Tensor* t = std::get_if<Tensor>(&value)) return *t;
  throw BackendError(op + ": argument '" + name + "' is not a tensor");
}

bool KernelCall::is_none(const std::string& name) const {
  const Value* value = find(name);
  return !value || std::holds_alternative<std::monostate>(*value);
}

int64_t KernelCall::int_or(const std::string& name, int64_t fallback) const {
  const Value* value = find(name);
  if (!value || std::holds_alternative<std::monostate>(*value)) return fallback;
  if (const int64_t* i = std::get_if<int64_t>(value)) return *i;
  if (const bool* b = std::get_if<bool>(value)) return *b ? 1 : 0;
  throw BackendError(op + ": argument '" + name + "' is not an int");
}

double KernelCall::float_or(const std::string& name, double fallback) const {
  const Value* value = find(name);
  if (!value || std::holds_alternative<std::monostate>(*value)) return fallback;
  if (const double* d = std::get_if<double>(value)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(value)) return static_cast<double>(*i);
  if (const bool* b = std::get_if<bool>(value)) return *b ? 1.0 : 0.0;
  throw BackendError(op + ": argument '" + name + "' is not a number");
}

bool KernelCall::bool_or(const std::string& name, bool fallback) const {
  const Value* value = find(name);
  if (!value || std::holds_alternative<std::monostate>(*value)) return fallback;
  if (const bool* b = std::get_if<bool>(value)) return *b;
  if (const int64_t* i = std::get_if<int64_t>(value)) return *i != 0;
  throw BackendError(op + ": argument '" + name + "' is not a bool");
}

void KernelTable::add(Kernel kernel) {
  std::string op = kernel.op;
  kernels_[op].push_back(std::move(kernel));
}

const Kernel* KernelTable::select(const KernelCall& call, std::string* why) const {
  auto it = kernels_.find(call.op);
  if (it == kernels_.end()) {
    if (why) *why = "no kernel for " + call.op;
    return nullptr;
  }
  std::string reasons;
  for (const Kernel& kernel : it->second) {
    std::string reason = kernel.why_unsupported ? kernel.why_unsupported(call) : std::string();
    if (reason.empty()) return &kernel;
    if (!reasons.empty()) reasons += "; ";
    reasons += reason;
  }
  if (why) *why = reasons;
  return nullptr;
}

bool KernelTable::has_op(const std::string& op) const { return kernels_.count(op) > 0; }

std::vector<std::string> KernelTable::ops() const {
  std::vector<std::string> names;
  names.reserve(kernels_.size());
  for (const auto& [name, kernels] : kernels_) names.push_back(name);
  return names;
}

bool planted_bug(const char* name) {
  // Read on every call (cheap) so that tests can switch bugs on and off.
  const char* planted = std::getenv("TAPML_PLANT_BUG");
  return planted && std::strcmp(planted, name) == 0;
}

bool planted_bug_on_odd_dispatch(const char* name) {
  static std::atomic<uint64_t> dispatches{0};
  return planted_bug(name) && dispatches.fetch_add(1) % 2 == 1;
}

}  // namespace tapml::backends
