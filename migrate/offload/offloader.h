// The offload mode of a process: for every operator call that reaches it
// (dispatch_mode.cpp sends them), decides whether the target runs it, runs
// it there (inputs copied to the device, the target's kernel, outputs copied
// back into CPU tensors of the dtype, sizes and strides the reference kernel
// would give), and counts per op what ran where and why not. With the
// per-call check (shadow_check.h) it also judges each offloaded call against
// the reference kernel on the same inputs.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>

#include "backends/backend.h"
#include "migrate/offload/offload_request.h"
#include "migrate/offload/shadow_check.h"

namespace tapml::offload {

// Ends the program at once with `line` where tapml-record looks for it
// (dispatch_mode.cpp): nothing the program does can catch it.
[[noreturn]] void stop_program(const std::string& line, int exit_code);

// Marks the reference kernel of a call that reached the mode as running on
// this thread: calls of the same op nested in it get no ordinal (OpSelector),
// since whether they happen at all depends on whether the enclosing call was
// offloaded.
class ReferenceScope {
 public:
  explicit ReferenceScope(const c10::OperatorHandle& op);
  ~ReferenceScope();
  ReferenceScope(const ReferenceScope&) = delete;
  ReferenceScope& operator=(const ReferenceScope&) = delete;
  static bool inside(const c10::OperatorHandle& op);
};

class Offloader {
 public:
  static Offloader& get();  // never destroyed: calls may come during exit

  // Throws RequestError. Opens the device on the first offloaded call; a
  // remote target (request.remote) is connected to here, before the
  // program's first op.
  void configure(OffloadRequest request);
  bool active() const { return backend_ != nullptr; }

  // True when the target ran the call: `stack` then holds its returns.
  // False leaves `stack` untouched for the reference kernel.
  bool try_run(const c10::OperatorHandle& op, torch::jit::Stack& stack);

  // Per op counts as JSON at request.report_path, and one line on stderr.
  void write_report();

 private:
  Offloader() = default;

  // What is known about an op once: whether its calls may go to the target,
  // and which returns alias which (written) arguments.
  struct Plan {
    std::string name;       // "aten::add"
    std::string full_name;  // "aten::add.Tensor"
    std::string schema;     // as torch prints it
    bool eligible = false;
    bool every_call = false;        // no ordinal range limits its calls
    std::vector<int> selectors;     // the offload_ops entries matching it
    std::string why_not;            // when not eligible
    std::vector<int> return_alias;  // per return: the written argument it is, or -1
  };
  struct Counts {
    int64_t calls = 0;  // calls given an ordinal (selected ops only)
    int64_t offloaded = 0;
    int64_t declined = 0;
    std::string why_declined;  // the first reason
    int64_t checked = 0;       // offloaded calls judged by the per-call check
    int64_t beyond = 0;        // of which beyond their tolerance
    double worst_nmse = 0;
  };
  struct CachedUpload {
    at::Tensor held;  // keeps the storage alive, so its address is not reused
    int64_t version = 0;
    backends::Tensor on_device;
  };

  const Plan& plan_for(const c10::OperatorHandle& op);
  bool run(const c10::OperatorHandle& op, const Plan& plan, torch::jit::Stack& stack,
           std::string* why_not);
  // Counts the per-call check's verdict on the call just offloaded.
  void note_check(const Plan& plan, int64_t ordinal, const replay::Comparison& comparison);
  // Resizes out= arguments to the returns `meta` says (aten's resize_output);
  // a reason to decline the call, or "".
  static std::string resize_out_arguments(const Plan& plan, const std::vector<c10::IValue>& meta,
                                          torch::jit::Stack& stack, size_t first);
  void upload_input(const at::Tensor& tensor, backends::Tensor& described, bool written);
  void decline(const Plan& plan, const std::string& why);

  OffloadRequest request_;
  std::unique_ptr<backends::Backend> remote_backend_;  // when request_.remote is set
  const backends::Backend* backend_ = nullptr;
  std::unique_ptr<backends::Device> device_;
  int device_index_ = 0;  // the device the target names (offload_target = vulkan:1)
  std::mutex mutex_;
  std::unordered_map<const void*, Plan> plans_;  // by the op's schema address
  std::map<std::string, Counts> counts_;
  std::optional<ShadowCheck> shadow_;  // when request_.check
  int64_t offloaded_ = 0;              // offloaded calls so far, in program order
  int64_t ordinal_ = -1;               // of the call being offloaded
  // The first calls beyond their tolerance, in program order: op, ordinal
  // among its op's calls, order among offloaded calls, NMSE, message.
  std::vector<std::tuple<std::string, int64_t, int64_t, double, std::string>> beyond_;
  // By storage, offset and layout.
  std::unordered_map<std::string, CachedUpload> weights_;
  bool lost_ = false;
  bool noted_ = false;
};

}  // namespace tapml::offload
