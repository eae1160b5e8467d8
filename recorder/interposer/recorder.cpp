#include "recorder/interposer/recorder.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "recorder/interposer/value_capture.h"
#include "store/values_queue.h"

namespace tapml::recorder {

namespace {

// The op tree and module scope of one thread. `busy` is set while the
// recorder itself runs, so that no tensor operation run inside its callbacks
// is recorded (the few it runs itself also switch RecordFunction off for
// other observers: tensor_capture.cpp).
struct ThreadState {
  std::vector<int64_t> open_calls;
  std::vector<OpenWrite> open_writes;  // what the open calls write
  std::vector<std::string> scopes;
  bool busy = false;
};
thread_local ThreadState t_state;

class BusyScope {
 public:
  BusyScope() { t_state.busy = true; }
  ~BusyScope() { t_state.busy = false; }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;
};

constexpr int64_t kProgressEvery = 64;

// Values still being written when a fatal signal arrives (abort, a fault,
// SIGTERM) are written before the process dies (store/values_queue.h); the
// signal then goes on to whatever handled it before. SIGKILL cannot be
// caught: the values then in flight, and the calls after them, are lost.
constexpr int kFatalSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM};
struct sigaction g_previous_actions[NSIG];

void on_fatal_signal(int signal_number) {
  store::ValuesQueue::drain_before_crash();
  ::sigaction(signal_number, &g_previous_actions[signal_number], nullptr);
  ::raise(signal_number);
}

void drain_values_on_fatal_signals() {
  for (int signal_number : kFatalSignals) {
    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal_number, &action, &g_previous_actions[signal_number]);
  }
}

std::string iso_utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

std::string own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::replace(raw.begin(), raw.end(), '\0', ' ');
  while (!raw.empty() && raw.back() == ' ') raw.pop_back();
  return raw;
}

void write_error_file(const std::string& output, const std::string& message) {
  std::ofstream out(error_path(output));
  out << message << "\n";
}

}  // namespace

struct Recorder::CallContext : at::ObserverContext {
  store::Call call;
  const OpInfo* op = nullptr;
  bool capture = false;
  // Its out= and in-place arguments: new values once it returns, whether or
  // not it returns them.
  c10::SmallVector<at::Tensor, 1> written;
};

Recorder& Recorder::get() {
  static Recorder* recorder = new Recorder();
  return *recorder;
}

void Recorder::register_callback() {
  if (callback_registered_) {
    at::reenableCallback(callback_);
    return;
  }
  callback_ =
      at::addGlobalCallback(at::RecordFunctionCallback(&Recorder::on_enter, &Recorder::on_exit)
                                .needsInputs(true)
                                .needsOutputs(true)
                                .scopes({at::RecordScope::FUNCTION}));
  callback_registered_ = true;
  static bool hooks_installed = false;
  if (!hooks_installed) {
    hooks_installed = true;
    // A forked child (a DataLoader worker) inherits the callback but not the
    // writer's threads: it records nothing.
    pthread_atfork(nullptr, nullptr, [] { Recorder::get().state_.store(State::kDone); });
    drain_values_on_fatal_signals();
    std::atexit([] {
      Recorder& recorder = Recorder::get();
      std::string error = recorder.stop();
      // Under tapml-record the progress block carries the error to its summary.
      if (!error.empty() && recorder.config_.finish) {
        std::fprintf(stderr, "tapml: %s\n", error.c_str());
      }
    });
  }
}

void Recorder::arm(CaptureConfig config) {
  std::lock_guard lock(mutex_);
  if (state_ != State::kIdle) return;
  config_ = std::move(config);
  state_ = State::kArmed;
  register_callback();
}

void Recorder::start(CaptureConfig config) {
  std::lock_guard lock(mutex_);
  if (state_ == State::kArmed || state_ == State::kRecording) {
    throw std::runtime_error("tapml: already recording to " + config_.output);
  }
  config_ = std::move(config);
  if (config_.output.empty()) throw std::runtime_error("tapml: start needs an output path");
  // The caller names the output: leftovers of an earlier run there are stale.
  ::unlink(progress_path(config_.output).c_str());
  ::unlink(error_path(config_.output).c_str());
  state_ = State::kArmed;
  if (!claim()) {
    state_ = State::kIdle;
    throw std::runtime_error("tapml: cannot start recording to " + config_.output + ": " +
                             writer_error_);
  }
  register_callback();
}

bool Recorder::claim() {
  try {
    progress_ = ProgressFile::create(progress_path(config_.output));
  } catch (const std::exception& e) {
    writer_error_ = e.what();
    write_error_file(config_.output, writer_error_);
    state_ = State::kDone;
    return false;
  }
  if (!progress_) {  // another process of this program records
    writer_error_ = progress_path(config_.output) + " exists: another process records";
    state_ = State::kDone;
    return false;
  }
  try {
    ops_ = std::make_unique<OpInfoCache>(config_.include, config_.exclude);
    open_writer();
  } catch (const std::exception& e) {
    writer_error_ = e.what();
    progress_->set_error(writer_error_);
    progress_->block().state.store(static_cast<int32_t>(RecordState::kStopped));
    state_ = State::kDone;
    return false;
  }
  owner_pid_ = static_cast<int>(::getpid());
  started_ = std::chrono::steady_clock::now();
  next_seq_ = calls_done_ = calls_captured_ = 0;
  captured_per_signature_.clear();
  seen_inputs_.clear();
  writer_error_.clear();
  device_noted_ = false;
  const char* profile = std::getenv("TAPML_PROFILE");
  phases_ = PhaseTotals{.enabled = profile != nullptr && *profile != '\0' && *profile != '0'};
  state_ = State::kRecording;
  return true;
}

void Recorder::open_writer() {
  store::TraceMeta meta;
  meta.tool_version = std::string("tapml ") + TAPML_VERSION;
  meta.runtime = "pytorch";
  meta.runtime_version = TAPML_TORCH_VERSION;
  meta.device = "cpu";
  meta.model = config_.model;
  meta.config = config_.config_text;
  meta.command = config_.command.empty() ? own_command_line() : config_.command;
  meta.host = host_name();
  meta.start_time = iso_utc_now();
  CaptureConfig policy = config_;
  policy.config_text.clear();
  policy.command.clear();
  meta.extra["capture"] = capture_config_to_json(policy);
  meta.extra["pid"] = std::to_string(::getpid());
  store::WriterOptions options;
  options.compression_level = config_.compression_level;
  writer_ = store::TraceWriter::create(config_.output, meta, options);
  tensors_ = std::make_unique<TensorCapture>(*writer_, phases_, config_.values_in_background,
                                             config_.verify_capture);
  for (const auto& [key, value] : meta_while_armed_) writer_->set_meta(key, value);
  meta_while_armed_.clear();
}

std::unique_ptr<at::ObserverContext> Recorder::on_enter(const at::RecordFunction& fn) {
  return get().enter(fn);
}

void Recorder::on_exit(const at::RecordFunction& fn, at::ObserverContext* context) {
  if (context != nullptr) get().exit(fn, static_cast<CallContext&>(*context));
}

bool Recorder::decide_capture(const at::RecordFunction& fn, const OpInfo& op, uint32_t& flags) {
  if (op.op_class == store::OpClass::ViewOrMeta) {
    flags |= store::kCallViewOrMeta;
    if (config_.skip_views) return false;
  } else if (op.op_class != store::OpClass::Compute) {
    // Undefined outputs (empty), random ones (uniform_) and host syncs (item)
    // have nothing to compare a kernel against (store/op_classes.h).
    return false;
  }
  if (!op.selected || !values_readable(fn.inputs())) return false;
  if (config_.byte_budget > 0 && tensors_->bytes_put() >= config_.byte_budget) {
    flags |= store::kCallOverBudget;
    return false;
  }
  if (config_.max_calls_per_signature > 0) {
    std::string signature = op.full_name + '|';
    for (const c10::IValue& input : fn.inputs()) append_signature(input, signature);
    auto it = captured_per_signature_.find(signature);
    if (it != captured_per_signature_.end() && it->second >= config_.max_calls_per_signature) {
      flags |= store::kCallOverBudget;
      return false;
    }
  }
  return true;
}

std::unique_ptr<at::ObserverContext> Recorder::enter(const at::RecordFunction& fn) {
  if (t_state.busy) return nullptr;
  State state = state_.load(std::memory_order_acquire);
  if (state != State::kArmed && state != State::kRecording) return nullptr;
  BusyScope busy;
  std::lock_guard lock(mutex_);
  if (state_ == State::kArmed && !claim()) {
    if (callback_registered_) at::disableCallback(callback_);
    return nullptr;
  }
  if (state_ != State::kRecording) return nullptr;
  PhaseTimer timer(phases_, phases_.enter_ns);
  const OpInfo& op = ops_->lookup(fn);
  if (!op.is_operator) return nullptr;
  auto inputs = fn.inputs();

  auto context = std::make_unique<CallContext>();
  context->op = &op;
  store::Call& call = context->call;
  call.seq = next_seq_++;
  call.name = op.name;
  call.overload = op.overload;
  call.schema = op.schema;
  call.parent = t_state.open_calls.empty() ? -1 : t_state.open_calls.back();
  call.depth = static_cast<int32_t>(t_state.open_calls.size());
  call.thread = fn.threadId();
  if (!t_state.scopes.empty()) call.scope = t_state.scopes.back();
  call.start_ns = now_ns();
  t_state.open_calls.push_back(call.seq);
  tensors_->set_site(CaptureSite{.seq = call.seq,
                                 .outermost = t_state.open_calls.front(),
                                 .ancestor_writes = t_state.open_writes,
                                 .op = &op.full_name});

  auto fill_inputs = [&](bool capture) {
    call.inputs.clear();
    call.inputs.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::optional<ArgInfo> unnamed;  // more inputs than the schema has (varargs)
      const ArgInfo& arg =
          i < op.args.size() ? op.args[i] : unnamed.emplace(ArgInfo{"arg" + std::to_string(i), ""});
      TensorCapture* values = capture && !arg.unread ? tensors_.get() : nullptr;
      tensors_->set_site_arg(&arg.name);
      call.inputs.push_back(store::Arg{arg.name, arg.type, to_value(inputs[i], arg, values)});
    }
  };
  try {
    context->capture = decide_capture(fn, op, call.flags);
    fill_inputs(context->capture);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tapml: %s: inputs not captured: %s\n", op.full_name.c_str(), e.what());
    context->capture = false;
    fill_inputs(false);
  }
  if (context->capture) {
    call.flags |= store::kCallCaptured;
    if (config_.dedupe) {
      if (!seen_inputs_.insert(input_identity(op.full_name, call.inputs)).second) {
        call.flags |= store::kCallDuplicate;
      }
    }
    if (config_.max_calls_per_signature > 0 && !(call.flags & store::kCallDuplicate)) {
      std::string signature = op.full_name + '|';
      for (const c10::IValue& input : inputs) append_signature(input, signature);
      ++captured_per_signature_[signature];
    }
  }
  // The op runs once this returns: what it writes must be on disk first,
  // its own inputs just captured included (an in-place self). Calls nested
  // in it must not trust cached values of that memory (tensor_capture.h).
  const bool in_flight = tensors_->writes_in_flight();
  for (size_t i = 0; i < inputs.size() && i < op.args.size(); ++i) {
    if (!op.args[i].written) continue;
    if (in_flight) tensors_->before_write(inputs[i]);
    auto note = [&](const at::Tensor& tensor) {
      if (!tensor.defined() || !tensor.has_storage()) return;
      t_state.open_writes.push_back({call.seq, tensor.storage().unsafeGetStorageImpl()});
      context->written.push_back(tensor);
    };
    if (inputs[i].isTensor()) {
      note(inputs[i].toTensor());
    } else if (inputs[i].isTensorList()) {
      for (const at::Tensor& tensor : inputs[i].toTensorVector()) note(tensor);
    }
  }
  return context;
}

void Recorder::exit(const at::RecordFunction& fn, CallContext& context) {
  store::Call& call = context.call;
  auto& open = t_state.open_calls;
  if (!open.empty() && open.back() == call.seq) {
    open.pop_back();
  } else if (auto it = std::find(open.begin(), open.end(), call.seq); it != open.end()) {
    open.erase(it);
  }
  auto& writes = t_state.open_writes;
  if (!context.written.empty()) {
    std::erase_if(writes, [&](const OpenWrite& write) { return write.seq == call.seq; });
  }
  if (t_state.busy) return;
  BusyScope busy;
  std::lock_guard lock(mutex_);
  if (state_ != State::kRecording) return;
  PhaseTimer timer(phases_, phases_.exit_ns);
  call.end_ns = now_ns();
  const OpInfo& op = *context.op;
  const auto& outputs = fn.outputs();
  for (const at::Tensor& tensor : context.written) tensors_->note_written(tensor);
  context.written.clear();
  tensors_->set_site(CaptureSite{.seq = call.seq,
                                 .outermost = open.empty() ? call.seq : open.front(),
                                 .ancestor_writes = writes,
                                 .op = &op.full_name});
  for (size_t i = 0; i < outputs.size(); ++i) {
    // A view (t, detach, reshape...) does not write its base: bumping the
    // base's generation would rehash an unchanged weight at every use.
    if (i < op.returns.size() && op.returns[i].read_only_alias) continue;
    const c10::IValue& output = outputs[i];
    if (output.isTensor()) {
      tensors_->note_written(output.toTensor());
    } else if (output.isTensorList()) {
      for (const at::Tensor& tensor : output.toTensorVector()) tensors_->note_written(tensor);
    }
  }
  call.outputs.reserve(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::optional<ArgInfo> unnamed;
    const ArgInfo& arg =
        i < op.returns.size()
            ? op.returns[i]
            : unnamed.emplace(ArgInfo{i == 0 ? "result" : "result" + std::to_string(i), ""});
    store::Value value;
    tensors_->set_site_arg(&arg.name);
    try {
      value = to_value(outputs[i], arg, context.capture ? tensors_.get() : nullptr);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tapml: %s: output not captured: %s\n", op.full_name.c_str(), e.what());
      value = to_value(outputs[i], arg, nullptr);
    }
    call.outputs.push_back(store::Arg{arg.name, arg.type, std::move(value)});
  }
  {
    PhaseTimer write_timer(phases_, phases_.write_ns);
    writer_->put_call(call);
  }
  if (!check_writer()) return;  // this call was not written
  ++calls_done_;
  if (call.flags & store::kCallCaptured) ++calls_captured_;
  if (calls_done_ % kProgressEvery == 0) publish_progress(false);
}

void Recorder::publish_progress(bool /*force*/) {
  if (!progress_ || !writer_) return;
  store::WriterStats stats = writer_->stats();
  ProgressBlock& block = progress_->block();
  block.calls_seen.store(next_seq_, std::memory_order_relaxed);
  block.calls_stored.store(calls_captured_, std::memory_order_relaxed);
  block.tensors.store(stats.tensors, std::memory_order_relaxed);
  block.bytes_written.store(stats.written_bytes, std::memory_order_relaxed);
  block.raw_bytes.store(stats.raw_bytes, std::memory_order_relaxed);
  block.referenced_bytes.store(stats.referenced_bytes, std::memory_order_relaxed);
  if (!device_noted_ && tensors_ && !tensors_->accelerator().empty()) {
    device_noted_ = true;
    writer_->set_meta("device", tensors_->accelerator());
  }
}

bool Recorder::check_writer() {
  std::string error = writer_->error();
  if (error.empty()) return true;
  // Disk full or another I/O error: stop recording, keep what is written.
  state_ = State::kDone;
  publish_progress(true);
  close_writer();
  writer_error_ = error;
  if (progress_) {
    progress_->set_error(error);
    progress_->block().state.store(static_cast<int32_t>(RecordState::kStopped));
  }
  // tapml-record says so from the progress block; a Python caller hears it here.
  if (config_.finish) {
    std::fprintf(stderr, "tapml: recording stopped after %lld calls: %s\n",
                 static_cast<long long>(calls_done_), error.c_str());
  }
  return false;
}

std::string Recorder::close_writer() {
  if (!writer_) return writer_error_;
  std::string error;
  try {
    writer_->close();
    error = writer_->error();
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (progress_) {
    if (!error.empty()) progress_->set_error(error);
    progress_->block().state.store(
        static_cast<int32_t>(error.empty() ? RecordState::kClosed : RecordState::kStopped));
  }
  writer_.reset();
  tensors_.reset();
  return error;
}

std::string Recorder::stop() {
  std::lock_guard lock(mutex_);
  State state = state_;
  state_ = State::kDone;
  if (callback_registered_) at::disableCallback(callback_);
  if (state != State::kRecording || static_cast<int>(::getpid()) != owner_pid_) {
    return state == State::kDone && owner_pid_ == static_cast<int>(::getpid()) ? writer_error_ : "";
  }
  publish_progress(true);
  // How well the tensor cache worked: hashes computed versus references served.
  writer_->set_meta("tensors_hashed", std::to_string(tensors_->tensors_hashed()));
  writer_->set_meta("tensor_cache_hits", std::to_string(tensors_->cache_hits()));
  // The bytes every captured input and output would take raw: what the
  // trace's size is measured against.
  writer_->set_meta("referenced_bytes", std::to_string(writer_->stats().referenced_bytes));
  if (tensors_->verifies()) {
    // verify_capture: every cache hit was checked against its memory.
    writer_->set_meta("capture_verified", "true");
    writer_->set_meta("capture_disagreements", std::to_string(tensors_->disagreements()));
  }
  if (phases_.enabled) {
    for (const auto& [name, ns] : {std::pair{"enter", phases_.enter_ns},
                                   {"exit", phases_.exit_ns},
                                   {"values", phases_.values_ns},
                                   {"copy", phases_.copy_ns},
                                   {"write", phases_.write_ns}}) {
      writer_->set_meta(std::string("profile_") + name + "_ms", std::to_string(ns / 1'000'000));
    }
  }
  std::string error = close_writer();
  if (error.empty() && config_.finish) {
    try {
      store::finish_trace(spool_path(config_.output), config_.output);
      ::unlink(progress_path(config_.output).c_str());
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  writer_error_ = error;
  return error;
}

void Recorder::push_scope(const char* path) { t_state.scopes.emplace_back(path); }

void Recorder::pop_scope() {
  if (!t_state.scopes.empty()) t_state.scopes.pop_back();
}

void Recorder::set_meta(const std::string& key, const std::string& value) {
  std::lock_guard lock(mutex_);
  if (state_ == State::kRecording && writer_) {
    writer_->set_meta(key, value);
  } else if (state_ == State::kArmed) {
    meta_while_armed_.emplace_back(key, value);
  }
}

int64_t Recorder::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              started_)
      .count();
}

}  // namespace tapml::recorder
