// The recording state of one process: the RecordFunction callbacks, the
// capture policy, the op tree (a per-thread stack of open calls), module
// scopes pushed by the Python boot, and the trace writer they feed.
#pragma once

#include <ATen/record_function.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "recorder/common/capture_config.h"
#include "recorder/common/progress.h"
#include "recorder/interposer/op_info.h"
#include "recorder/interposer/phase_timer.h"
#include "recorder/interposer/tensor_capture.h"
#include "recorder/interposer/value_capture.h"
#include "store/writer.h"

namespace tapml::recorder {

class Recorder {
 public:
  enum class State : int {
    kIdle,       // nothing asked
    kArmed,      // callback registered; the spool is claimed at the first operator call
    kRecording,  // this process writes the spool
    kDone,       // stopped, or another process records, or this is a forked child
  };

  static Recorder& get();  // never destroyed: callbacks may run during exit

  // From the environment (LD_PRELOAD): registers the callback, claims later,
  // so a wrapper process (a shell) that loads the library but runs no
  // operator leaves the recording to its child.
  void arm(CaptureConfig config);
  // From Python: claims and starts now. Throws std::runtime_error.
  void start(CaptureConfig config);
  // Closes the spool (and converts it when the config says finish). Returns
  // the error to report, empty if none. Safe to call more than once.
  std::string stop();

  void push_scope(const char* path);
  void pop_scope();
  // A metadata field for the trace; one set while armed (before the first
  // operator call opens the spool) is written when the spool opens.
  void set_meta(const std::string& key, const std::string& value);

 private:
  Recorder() = default;
  struct CallContext;

  static std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction& fn);
  static void on_exit(const at::RecordFunction& fn, at::ObserverContext* context);
  std::unique_ptr<at::ObserverContext> enter(const at::RecordFunction& fn);
  void exit(const at::RecordFunction& fn, CallContext& context);

  void register_callback();
  bool claim();  // under mutex_
  void open_writer();
  bool decide_capture(const at::RecordFunction& fn, const OpInfo& op, uint32_t& flags);
  void publish_progress(bool force);
  bool check_writer();  // false (and recording stopped) after a write error
  std::string close_writer();
  int64_t now_ns() const;

  std::atomic<State> state_{State::kIdle};
  std::mutex mutex_;
  CaptureConfig config_;
  at::CallbackHandle callback_ = 0;
  bool callback_registered_ = false;
  int owner_pid_ = 0;
  std::unique_ptr<ProgressFile> progress_;
  std::unique_ptr<store::TraceWriter> writer_;
  std::unique_ptr<OpInfoCache> ops_;
  std::unique_ptr<TensorCapture> tensors_;
  std::unordered_map<std::string, int64_t> captured_per_signature_;
  std::unordered_set<InputIdentity, InputIdentityHash> seen_inputs_;
  std::vector<std::pair<std::string, std::string>> meta_while_armed_;
  int64_t next_seq_ = 0;
  int64_t calls_done_ = 0;
  int64_t calls_captured_ = 0;
  std::string writer_error_;
  bool device_noted_ = false;
  std::chrono::steady_clock::time_point started_;
  PhaseTotals phases_;
};

}  // namespace tapml::recorder
