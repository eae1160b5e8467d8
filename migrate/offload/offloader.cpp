#include "migrate/offload/offloader.h"

#include <ATen/native/Resize.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backends/target.h"
#include "common/exit_code.h"
#include "migrate/offload/aten_bridge.h"
#include "store/op_classes.h"
#ifdef TAPML_OFFLOAD_WITH_REMOTE
#include "remote/client/remote_backend.h"
#include "remote/client/remote_scheme.h"
#endif

namespace tapml::offload {

namespace {

bool is_device_argument(const c10::Argument& argument) {
  c10::TypePtr type = argument.real_type();
  if (auto optional = type->cast<c10::OptionalType>()) type = optional->getElementType();
  return type->kind() == c10::TypeKind::DeviceObjType;
}

c10::IValue on_meta(const c10::IValue& value) {
  if (value.isTensor()) {
    const at::Tensor& t = value.toTensor();
    if (!t.defined()) return value;
    return at::empty_strided(t.sizes(), t.strides(), t.options().device(c10::kMeta));
  }
  if (value.isList()) {
    c10::List<c10::IValue> list = value.toList();
    c10::impl::GenericList copy(list.elementType());
    for (const c10::IValue& element : list) copy.push_back(on_meta(element));
    return copy;
  }
  return value;
}

// The device the reference kernel would have put its returns on: the one an
// argument names (a factory, a copy to a device), else that of the first
// tensor not on the CPU (a CUDA program's op may mix in CPU scalars), else
// the CPU.
c10::Device returns_device(const c10::FunctionSchema& schema, const torch::jit::Stack& stack,
                           size_t first) {
  const auto& arguments = schema.arguments();
  for (size_t i = 0; i < arguments.size(); ++i) {
    const c10::IValue& value = stack[first + i];
    if (is_device_argument(arguments[i]) && value.isDevice()) return value.toDevice();
  }
  for (size_t i = 0; i < arguments.size(); ++i) {
    const c10::IValue& value = stack[first + i];
    if (value.isTensor() && value.toTensor().defined() && !value.toTensor().is_cpu()) {
      return value.toTensor().device();
    }
    if (value.isTensorList()) {
      for (const at::Tensor& t : value.toTensorVector()) {
        if (t.defined() && !t.is_cpu()) return t.device();
      }
    }
  }
  return c10::Device(c10::kCPU);
}

// The returns the reference kernel would give, computed on the Meta device:
// their dtypes, sizes and strides without their values. Throws when the op
// has no meta kernel or its output size depends on values (nonzero).
std::vector<c10::IValue> meta_returns(const c10::OperatorHandle& op, const torch::jit::Stack& stack,
                                      size_t first) {
  const auto& arguments = op.schema().arguments();
  torch::jit::Stack meta;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const c10::IValue& value = stack[first + i];
    if (is_device_argument(arguments[i])) {
      meta.emplace_back(c10::Device(c10::kMeta));
    } else {
      meta.push_back(on_meta(value));
    }
  }
  op.callBoxed(&meta);
  return std::vector<c10::IValue>(meta.begin(), meta.end());
}

std::vector<int> return_aliases(const c10::FunctionSchema& schema) {
  std::vector<int> aliases;
  for (const c10::Argument& ret : schema.returns()) {
    int alias = -1;
    const c10::AliasInfo* info = ret.alias_info();
    if (info != nullptr && info->isWrite()) {
      const auto& arguments = schema.arguments();
      for (size_t i = 0; i < arguments.size(); ++i) {
        const c10::AliasInfo* arg_info = arguments[i].alias_info();
        if (arg_info != nullptr && arg_info->isWrite() &&
            arg_info->beforeSets() == info->beforeSets()) {
          alias = static_cast<int>(i);
        }
      }
    }
    aliases.push_back(alias);
  }
  return aliases;
}

// Notes a fact in the trace being recorded, through the interposer when it
// is loaded (a hybrid run without recording has nowhere to note it).
void note_in_trace(const std::string& key, const std::string& value) {
  using SetMeta = void (*)(const char*, const char*);
  static auto set_meta = reinterpret_cast<SetMeta>(::dlsym(RTLD_DEFAULT, "tapml_set_meta"));
  if (set_meta != nullptr) set_meta(key.c_str(), value.c_str());
}

// The target on the tapml-serve at request.remote, its token from
// request.token_file or TAPML_TOKEN.
std::unique_ptr<backends::Backend> connect_to_server(const OffloadRequest& request) {
#ifdef TAPML_OFFLOAD_WITH_REMOTE
  try {
    return remote::connect_remote_with_token_file(request.remote, request.target,
                                                  request.token_file);
  } catch (const std::exception& e) {
    throw RequestError("offload_remote " + request.remote + ": " + e.what());
  }
#else
  throw RequestError("offload_remote " + request.remote +
                     ": this offload mode was built without the remote client (configure with "
                     "-DTAPML_WITH_REMOTE=ON and rebuild tapml_offload)");
#endif
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

thread_local std::vector<const void*> open_references;  // ReferenceScope's ops

constexpr size_t kBeyondListed = 20;

}  // namespace

ReferenceScope::ReferenceScope(const c10::OperatorHandle& op) {
  open_references.push_back(&op.schema());
}

ReferenceScope::~ReferenceScope() { open_references.pop_back(); }

bool ReferenceScope::inside(const c10::OperatorHandle& op) {
  return std::find(open_references.begin(), open_references.end(), &op.schema()) !=
         open_references.end();
}

Offloader& Offloader::get() {
  static Offloader* offloader = new Offloader();
  return *offloader;
}

void Offloader::configure(OffloadRequest request) {
#ifdef TAPML_OFFLOAD_WITH_REMOTE
  remote::register_remote_scheme();  // offload_target = remote://host:port/vulkan
#endif
  if (!request.remote.empty()) remote_backend_ = connect_to_server(request);
  const backends::Backend* backend = remote_backend_.get();
  if (backend == nullptr) {
    try {
      backend = &backends::resolve_target(request.target, "offload_target");
    } catch (const backends::TargetError& e) {
      throw RequestError(e.what());
    }
  }
  try {
    if (backend->devices().empty()) throw backends::BackendError("no device");
  } catch (const backends::BackendError& e) {
    throw RequestError("offload_target " + request.target +
                       ": the platform is missing: " + e.what());
  }
  try {  // "vulkan:1", "opencl:NVIDIA"; the remote server has chosen its own
    device_index_ = remote_backend_
                        ? 0
                        : backends::resolve_device(request.target, *backend, 0, "offload_target");
  } catch (const backends::BackendError& e) {
    throw RequestError(e.what());
  }
  check_request(request, *backend);
  if (request.check) {
    replay::TolerancePolicy policy = replay::TolerancePolicy::defaults();
    try {
      if (!request.tolerance_path.empty()) policy.load_file(request.tolerance_path);
    } catch (const replay::ToleranceError& e) {
      throw RequestError(std::string("offload_tolerance: ") + e.what());
    }
    // Tolerance rules are keyed by the provider's name, never its path.
    shadow_.emplace(backend->name(), std::move(policy));
  }
  request_ = std::move(request);
  backend_ = backend;
}

const Offloader::Plan& Offloader::plan_for(const c10::OperatorHandle& op) {
  const void* key = &op.schema();
  if (auto it = plans_.find(key); it != plans_.end()) return it->second;
  Plan plan;
  const c10::OperatorName& name = op.operator_name();
  plan.name = name.name;
  plan.full_name = name.overload_name.empty() ? name.name : name.name + "." + name.overload_name;
  plan.schema = c10::toString(op.schema());
  plan.return_alias = return_aliases(op.schema());
  if (!request_.selects(plan.full_name)) {
    plan.why_not = "not selected";
  } else if (store::classify_op(plan.name) != store::OpClass::Compute) {
    plan.why_not = "not a compute op";
  } else if (!backend_->kernels().has_op(plan.full_name)) {
    plan.why_not = "no kernel";
  } else if (op.hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd)) {
    // It decomposes into other ops; those are offloaded instead, so the
    // hybrid run's op tree stays the reference run's.
    plan.why_not = "decomposes into other ops";
  } else {
    plan.eligible = true;
    plan.selectors = request_.selectors_of(plan.full_name);
    plan.every_call =
        request_.all_ops || std::any_of(plan.selectors.begin(), plan.selectors.end(), [&](int i) {
          return !request_.ops[static_cast<size_t>(i)].ranged();
        });
    for (const c10::Argument& ret : op.schema().returns()) {
      if (ret.real_type()->kind() != c10::TypeKind::TensorType) {
        plan.eligible = false;
        plan.why_not = "returns a non-tensor";
      }
    }
  }
  return plans_.emplace(key, std::move(plan)).first->second;
}

void Offloader::decline(const Plan& plan, const std::string& why) {
  Counts& counts = counts_[plan.full_name];
  ++counts.declined;
  if (counts.why_declined.empty()) counts.why_declined = why;
}

bool Offloader::try_run(const c10::OperatorHandle& op, torch::jit::Stack& stack) {
  if (c10::GradMode::is_enabled()) return false;  // autograd must see the reference kernels
  std::lock_guard lock(mutex_);
  if (lost_) return false;
  if (!noted_) {
    // The first call: the recorder has opened its trace by now.
    noted_ = true;
    note_in_trace("offload_target", request_.target);
    note_in_trace("offload_target_name", backend_->name());  // tolerance rules' key
    note_in_trace("offload_ops", request_.ops_text);
  }
  const Plan& plan = plan_for(op);
  if (!plan.eligible) return false;
  // Ordinals as offload_ops ranges count them: per op (full name), among
  // its calls that are not nested in a reference run of the same op, so
  // that `aten::mm@5` means the same call in every run, whatever else is
  // offloaded and whichever overloads the pattern also matches.
  bool in_range = plan.every_call;
  ordinal_ = -1;
  if (!ReferenceScope::inside(op)) {
    ordinal_ = counts_[plan.full_name].calls++;
    for (int i : plan.selectors) {
      in_range = in_range || request_.ops[static_cast<size_t>(i)].covers(ordinal_);
    }
  }
  if (!in_range) return false;
  std::string why_not;
  bool ran = false;
  try {
    ran = run(op, plan, stack, &why_not);
  } catch (const backends::DeviceLost& e) {
    if (!request_.remote.empty()) {
      // A run whose server went away cannot go on as a test of that target.
      stop_program("offload_remote " + request_.remote + ": the server went away during " +
                       plan.full_name + " (" + e.what() + "); rerun when tapml-serve is back",
                   1);
    }
    lost_ = true;
    std::fprintf(stderr,
                 "tapml-offload: %s lost its device during %s (%s): the rest runs where the "
                 "program put it\n",
                 request_.target.c_str(), plan.full_name.c_str(), e.what());
    why_not = std::string("device lost: ") + e.what();
  } catch (const backends::BackendError& e) {  // the target's answer: the call runs on the CPU
    why_not = e.what();
  } catch (const std::exception& e) {
    // The offload layer itself broke (a conversion, a layout, a torch call
    // of its own): the program cannot go on as a test of the target, and no
    // kernel is to blame (common/exit_code.h: TapML itself failed).
    stop_program("offload error in " + plan.full_name + ": " + first_line(e.what()),
                 exit_code(ExitCode::kTapmlFailed));
  }
  if (ran) {
    ++counts_[plan.full_name].offloaded;
    ++offloaded_;
  } else {
    decline(plan, why_not);
  }
  return ran;
}

void Offloader::upload_input(const at::Tensor& tensor, backends::Tensor& described, bool written) {
  // Parameters (leaves that require grad) and views of them (a linear's
  // transposed weight) are uploaded once per layout; one entry per
  // parameter storage and layout, so the cache stays as large as the model.
  const at::Tensor base = tensor.is_view() ? at::Tensor(tensor._base()) : tensor;
  const bool weight = !written && base.defined() && base.requires_grad() && base.is_leaf();
  if (!weight) {
    upload(*device_, described, &tensor);
    return;
  }
  std::string key =
      std::to_string(reinterpret_cast<uintptr_t>(tensor.storage().unsafeGetStorageImpl())) + "+" +
      std::to_string(tensor.storage_offset());
  for (int64_t size : tensor.sizes()) key += "," + std::to_string(size);
  key += "/";
  for (int64_t stride : tensor.strides()) key += "," + std::to_string(stride);
  auto it = weights_.find(key);
  if (it != weights_.end() && it->second.version == tensor._version()) {
    described.buffer = it->second.on_device.buffer;
    return;
  }
  upload(*device_, described, &tensor);
  // Holding the base keeps its storage, so no other tensor gets its address.
  weights_[key] = CachedUpload{base, tensor._version(), described};
}

std::string Offloader::resize_out_arguments(const Plan& plan, const std::vector<c10::IValue>& meta,
                                            torch::jit::Stack& stack, size_t first) {
  for (size_t r = 0; r < plan.return_alias.size() && r < meta.size(); ++r) {
    const int alias = plan.return_alias[r];
    if (alias < 0 || !meta[r].isTensor()) continue;
    const at::Tensor& out = stack[first + static_cast<size_t>(alias)].toTensor();
    const at::Tensor& wanted = meta[r].toTensor();
    if (out.sizes() == wanted.sizes()) continue;
    try {
      InternalCalls internal;
      at::native::resize_output(out, wanted.sizes());
    } catch (const std::exception& e) {
      // torch's own kernel will raise the same error where the program put it
      return "out= argument cannot be resized: " + first_line(e.what());
    }
    if (out.sizes() != wanted.sizes()) {
      return "out= argument resized to " + c10::str(out.sizes()) + ", not " +
             c10::str(wanted.sizes());
    }
  }
  return "";
}

bool Offloader::run(const c10::OperatorHandle& op, const Plan& plan, torch::jit::Stack& stack,
                    std::string* why_not) {
  const auto& arguments = op.schema().arguments();
  const size_t first = stack.size() - arguments.size();
  std::vector<bool> written(arguments.size(), false);
  for (int alias : plan.return_alias) {
    if (alias >= 0) written[static_cast<size_t>(alias)] = true;
  }
  for (size_t i = 0; i < arguments.size(); ++i) {
    const c10::AliasInfo* info = arguments[i].alias_info();
    if (info != nullptr && info->isWrite() && !written[i]) {
      *why_not = "writes an argument it does not return";
      return false;
    }
  }

  // The returns as the reference kernel would lay them out, computed on the
  // Meta device before anything is described: out= arguments are resized
  // to them first, as aten's resize_output does (an empty out= is the
  // common case: aten::arange.start_out called from aten::arange.start).
  const c10::Device where = returns_device(op.schema(), stack, first);
  std::vector<c10::IValue> meta;
  {
    InternalCalls internal;
    try {
      meta = meta_returns(op, stack, first);
    } catch (const std::exception&) {
      *why_not = "output layout depends on values (no output shapes on the Meta device)";
      return false;
    }
  }
  if (std::string problem = resize_out_arguments(plan, meta, stack, first); !problem.empty()) {
    *why_not = problem;
    return false;
  }

  if (backends::planted_bug("offload-layer-throws")) {  // docs/planted-bugs.md
    throw std::logic_error("planted: the offload layer failed converting the call");
  }
  backends::KernelCall call;
  call.op = plan.full_name;
  call.schema = plan.schema;
  for (size_t i = 0; i < arguments.size(); ++i) {
    backends::Value value = to_value(stack[first + i], arguments[i], why_not);
    if (!why_not->empty()) return false;
    call.inputs.push_back({arguments[i].name(), std::move(value)});
  }

  // The returns: written arguments, or new tensors laid out as the Meta
  // device said, on the device the reference kernel would have used.
  std::vector<at::Tensor> returns;
  for (size_t r = 0; r < plan.return_alias.size(); ++r) {
    const int alias = plan.return_alias[r];
    if (alias >= 0) {
      returns.push_back(stack[first + static_cast<size_t>(alias)].toTensor());
      continue;
    }
    const at::Tensor& shape = meta.at(r).toTensor();
    if (!dtype_of(shape.scalar_type())) {
      *why_not = std::string("output dtype ") + c10::toString(shape.scalar_type());
      return false;
    }
    InternalCalls internal;
    returns.push_back(
        at::empty_strided(shape.sizes(), shape.strides(), shape.options().device(where)));
  }
  for (size_t r = 0; r < returns.size(); ++r) {
    const int alias = plan.return_alias[r];
    call.outputs.push_back(
        alias >= 0 ? std::get<backends::Tensor>(call.inputs[static_cast<size_t>(alias)].value)
                   : describe(returns[r]));
  }
  const backends::Kernel* kernel = backend_->kernels().select(call, why_not);
  if (kernel == nullptr) return false;

  if (!device_) {
    device_ = backend_->open(device_index_);
    note_in_trace("offload_device", device_->name());
  }
  // The per-call check's reference, before anything is written. When the
  // reference kernel refuses these inputs (an index out of bounds that a
  // wrong kernel upstream computed), the call is the program's to fail:
  // declined, so that the reference kernel runs where the program put it
  // and the program sees its own error, not an offload error.
  if (shadow_) {
    try {
      shadow_->run_reference(op, stack, first, written);
    } catch (const std::exception& e) {
      throw backends::BackendError("the reference kernel fails on these inputs: " +
                                   first_line(e.what()));
    }
  }
  for (size_t i = 0; i < arguments.size(); ++i) {
    const c10::IValue& value = stack[first + i];
    backends::Value& slot = call.inputs[i].value;
    if (value.isTensor() && std::holds_alternative<backends::Tensor>(slot)) {
      upload_input(value.toTensor(), std::get<backends::Tensor>(slot), written[i]);
    } else if (value.isList() &&
               std::holds_alternative<std::vector<std::optional<backends::Tensor>>>(slot)) {
      auto& tensors = std::get<std::vector<std::optional<backends::Tensor>>>(slot);
      const c10::List<c10::IValue> list = value.toList();
      for (size_t k = 0; k < tensors.size(); ++k) {
        if (tensors[k]) upload_input(list.get(k).toTensor(), *tensors[k], false);
      }
    }
  }
  for (size_t r = 0; r < returns.size(); ++r) {
    const int alias = plan.return_alias[r];
    if (alias >= 0) {
      call.outputs[r] = std::get<backends::Tensor>(call.inputs[static_cast<size_t>(alias)].value);
    } else {
      upload(*device_, call.outputs[r], nullptr);
    }
  }
  try {
    kernel->run(*device_, call);
    device_->finish();
  } catch (const backends::DeviceLost&) {
    throw;
  } catch (const std::exception& e) {  // the kernel's own failure: declined, with its words
    throw backends::BackendError(std::string("kernel error: ") + e.what());
  }
  for (size_t r = 0; r < returns.size(); ++r) download(*device_, call.outputs[r], returns[r]);
  if (shadow_) note_check(plan, ordinal_, shadow_->judge(op, returns));
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (written[i]) stack[first + i].toTensor().unsafeGetTensorImpl()->bump_version();
  }
  torch::jit::drop(stack, arguments.size());
  for (at::Tensor& ret : returns) stack.emplace_back(std::move(ret));
  return true;
}

void Offloader::note_check(const Plan& plan, int64_t ordinal,
                           const replay::Comparison& comparison) {
  Counts& counts = counts_[plan.full_name];
  ++counts.checked;
  counts.worst_nmse = std::max(counts.worst_nmse, comparison.nmse);
  if (comparison.passed) return;
  ++counts.beyond;
  if (beyond_.size() < kBeyondListed) {
    beyond_.emplace_back(plan.full_name, ordinal, offloaded_, comparison.nmse, comparison.failure);
  }
}

void Offloader::write_report() {
  if (!active()) return;
  std::lock_guard lock(mutex_);
  // A child process the program starts (a shell) inherits the preload but
  // runs no operator: it must not overwrite the program's report.
  if (counts_.empty()) return;
  nlohmann::json ops = nlohmann::json::object();
  int64_t offloaded = 0, declined = 0, checked = 0, beyond = 0;
  for (const auto& [name, counts] : counts_) {
    ops[name] = {{"calls", counts.calls},
                 {"offloaded", counts.offloaded},
                 {"declined", counts.declined},
                 {"why_declined", counts.why_declined}};
    if (shadow_) {
      ops[name]["checked"] = counts.checked;
      ops[name]["beyond"] = counts.beyond;
      ops[name]["worst_nmse"] = counts.worst_nmse;
    }
    offloaded += counts.offloaded;
    declined += counts.declined;
    checked += counts.checked;
    beyond += counts.beyond;
  }
  nlohmann::json report = {{"target", request_.target},
                           {"remote", request_.remote},
                           {"device", device_ ? device_->name() : std::string()},
                           {"offloaded_calls", offloaded},
                           {"declined_calls", declined},
                           {"ops", ops}};
  if (shadow_) {
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& [op, ordinal, order, nmse, message] : beyond_) {
      listed.push_back({{"op", op},
                        {"ordinal", ordinal},
                        {"offloaded_order", order},
                        {"nmse", nmse},
                        {"message", message}});
    }
    report["checked_calls"] = checked;
    report["beyond_calls"] = beyond;
    report["beyond"] = listed;
  }
  if (!request_.report_path.empty()) std::ofstream(request_.report_path) << report.dump(1) << "\n";
  // A remote device's name says which tapml-serve it is on.
  const std::string checks =
      shadow_ ? ", " + std::to_string(beyond) + " of " + std::to_string(checked) +
                    " checked calls beyond tolerance of the reference kernel on the same inputs"
              : std::string();
  std::fprintf(stderr,
               "tapml-offload: %lld calls ran on %s, %lld selected calls ran where the program put "
               "them%s\n",
               static_cast<long long>(offloaded),
               device_ ? device_->name().c_str() : request_.target.c_str(),
               static_cast<long long>(declined), checks.c_str());
}

}  // namespace tapml::offload
