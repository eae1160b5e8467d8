#include "replayer/call_runner.h"

#include <algorithm>
#include <chrono>

#include "replayer/layout.h"
#include "replayer/portable_op.h"

namespace tapml::replay {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string dims(const std::vector<int64_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

std::string describe_tensor(const store::TensorMeta& t) {
  std::string out = std::string(dtype_name(t.dtype)) + dims(t.sizes);
  if (!Layout{t.sizes, t.strides, t.storage_offset}.is_contiguous()) {
    out += " strides " + dims(t.strides);
  }
  if (t.storage_offset != 0) out += " offset " + std::to_string(t.storage_offset);
  return out;
}

std::string describe_value(const store::Value& v) {
  switch (v.kind) {
    case store::ValueKind::None:
      return "None";
    case store::ValueKind::Bool:
      return v.b ? "True" : "False";
    case store::ValueKind::Int:
      return std::to_string(v.i);
    case store::ValueKind::Float:
      return format_number(v.f);
    case store::ValueKind::Tensor:
      return describe_tensor(v.tensor);
    case store::ValueKind::IntList:
      return dims(v.ints);
    case store::ValueKind::TensorList: {
      std::string out = "(";
      for (size_t i = 0; i < v.tensors.size(); ++i) {
        out += (i ? ", " : "") + (v.tensors[i] ? describe_tensor(*v.tensors[i]) : "None");
      }
      return out + ")";
    }
    default:
      return v.text.empty() ? std::string(store::value_kind_name(v.kind)) : v.text;
  }
}

CallResult unsupported(CallResult result, const std::string& why) {
  result.status = Status::Unsupported;
  result.message = why;
  return result;
}

CallResult error(CallResult result, const std::string& what) {
  result.status = Status::Error;
  result.message = what;
  return result;
}

// TapML's own failure on the call, never the kernel's (report.h).
CallResult internal(CallResult result, const std::string& what) {
  result.status = Status::Internal;
  result.message = "TapML itself failed: " + what;
  return result;
}

void fail(CallResult& result, const std::string& what) {
  result.status = Status::Fail;
  if (!result.message.empty()) result.message += "; ";
  result.message += what;
}

// Downloads an output's whole buffer into `storage` and its view, in
// row-major order, into `view`.
void download_view(backends::Device& device, const backends::Tensor& out,
                   std::vector<std::byte>& storage, std::vector<std::byte>& view) {
  const Layout layout{out.sizes, out.strides, out.offset};
  const size_t element = dtype_size(out.dtype);
  storage.resize(out.buffer->size());
  device.download(*out.buffer, storage.data(), storage.size());
  view.resize(static_cast<size_t>(layout.numel()) * element);
  gather(storage.data(), element, layout, view.data());
}

// A lost device (a remote server that died) ends the replay: no later call
// can run. The message names the call in flight and how to go on from it.
[[noreturn]] void device_lost(const store::Call& call, const backends::DeviceLost& e) {
  const std::string seq = std::to_string(call.seq);
  throw backends::DeviceLost("device lost at call " + seq + " (" + call.full_name() +
                             ", in flight): " + e.what() + "; rerun, with --calls " + seq +
                             ": to go on from this call");
}

}  // namespace

CallResult result_for(const store::Call& call) {
  CallResult r;
  r.seq = call.seq;
  r.op = call.full_name();
  r.replayed_as = portable_op_name(r.op);
  r.scope = call.scope;
  for (const store::Arg& arg : call.inputs) {
    r.inputs.push_back(arg.name + ": " + describe_value(arg.value));
  }
  return r;
}

CallRunner::CallRunner(const store::TraceReader& trace, const backends::Backend& backend,
                       backends::Device& device, const TolerancePolicy& tolerance)
    : trace_(trace),
      backend_(backend),
      device_(device),
      tolerance_(tolerance),
      builder_(trace, device),
      input_values_(values_from(trace)) {}

std::optional<CallResult> CallRunner::run(const store::Call& call, std::string* skipped_because,
                                          int runs) {
  CallResult result = result_for(call);
  result.runs = runs;
  // Each output's view as the first run left it, for the later runs.
  std::vector<std::vector<std::byte>> first_views;
  std::vector<std::optional<RunDifference>> differences;
  std::vector<std::string> output_names;
  const backends::Kernel* kernel = nullptr;
  // Runs that will not be built when the call stops early (UNSUPPORTED,
  // ERROR): their announced uses are taken back, so that inputs cached only
  // for them are freed.
  struct UnusedRuns {
    CallBuilder& builder;
    const store::Call& call;
    int left;
    ~UnusedRuns() {
      for (; left > 0; --left) builder.forget_uses(call);
    }
  } unused{builder_, call, runs};
  for (int run = 1; run <= runs; ++run) {
    --unused.left;
    BuiltCall built;
    try {
      built = builder_.build(call);
    } catch (const backends::DeviceLost& e) {
      device_lost(call, e);
    } catch (const backends::BackendError& e) {  // the target's memory hooks
      return error(std::move(result), std::string("building the call: ") + e.what());
    } catch (const store::TraceError&) {
      throw;
    } catch (const std::exception& e) {
      return internal(std::move(result), std::string("building the call: ") + e.what());
    }
    if (!built.unsupported.empty()) return unsupported(std::move(result), built.unsupported);
    if (!built.not_runnable.empty()) {
      *skipped_because = built.not_runnable;
      return std::nullopt;
    }
    try {
      if (run == 1) {
        result.input_bytes = built.input_bytes;
        std::string why;
        kernel = backend_.kernels().select(built.for_kernel(), &why);
        if (!kernel) return unsupported(std::move(result), why);
        first_views.resize(built.expected.size());
        differences.resize(built.expected.size());
        for (const ExpectedOutput& expected : built.expected) output_names.push_back(expected.name);
      }
      const auto start = Clock::now();
      kernel->run(device_, built.for_kernel());
      device_.finish();
      if (run == 1) result.kernel_seconds = seconds_since(start);
      for (size_t k = 0; k < built.expected.size(); ++k) {
        const ExpectedOutput& expected = built.expected[k];
        const backends::Tensor& out = built.call.outputs[expected.kernel_output];
        if (!out.buffer) {
          if (run == 1) fail(result, expected.name + ": no output buffer");
          continue;
        }
        std::vector<std::byte> storage, view;
        download_view(device_, out, storage, view);
        if (run == 1) {
          try {
            check(call, expected, storage, view, out, result);
          } catch (const store::TraceError&) {
            throw;
          } catch (const std::exception& e) {
            return internal(std::move(result), "comparing " + expected.name + ": " + e.what());
          }
          first_views[k] = std::move(view);
        } else if (!differences[k]) {
          differences[k] = compare_runs(out.dtype, first_views[k], view, 1, run);
        }
      }
    } catch (const store::TraceError&) {
      throw;
    } catch (const backends::DeviceLost& e) {
      device_lost(call, e);
    } catch (const backends::CallUnsupported& e) {
      return unsupported(std::move(result), e.what());
    } catch (const std::exception& e) {
      return error(std::move(result),
                   (runs > 1 ? "run " + std::to_string(run) + ": " : "") + e.what());
    }
  }
  std::string flaky;
  for (size_t k = 0; k < differences.size(); ++k) {
    if (!differences[k]) continue;
    auto output = std::find_if(result.outputs.begin(), result.outputs.end(),
                               [&](const OutputResult& o) { return o.name == output_names[k]; });
    const std::vector<int64_t> sizes =
        output != result.outputs.end() ? output->sizes : std::vector<int64_t>{};
    flaky += (flaky.empty() ? "" : "; ") +
             describe_run_difference(output_names[k], *differences[k], sizes);
    if (output != result.outputs.end()) output->run_difference = differences[k];
  }
  if (!flaky.empty()) {
    const std::string first_run_failure = result.status == Status::Fail ? result.message : "";
    result.status = Status::Flaky;
    result.message = "flaky: " + flaky;
    if (!first_run_failure.empty()) result.message += "; run 1 also fails: " + first_run_failure;
  }
  return result;
}

void CallRunner::check(const store::Call& call, const ExpectedOutput& expected,
                       const std::vector<std::byte>& storage, const std::vector<std::byte>& actual,
                       const backends::Tensor& out, CallResult& result) {
  if (backends::planted_bug("replayer-internal-error")) {  // docs/planted-bugs.md
    throw std::logic_error("planted: the comparison broke");
  }
  const store::TensorMeta& recorded = expected.recorded;
  OutputResult output;
  output.name = expected.name;
  output.dtype = recorded.dtype;
  output.sizes = recorded.sizes;
  output.tolerance = tolerance_.lookup(result.op, recorded.dtype, backend_.name());
  const Layout layout{out.sizes, out.strides, out.offset};
  const size_t element = dtype_size(out.dtype);
  const std::vector<std::byte> reference = trace_.read_tensor(recorded.hash);
  if (reference.size() != actual.size()) {
    fail(result, expected.name + ": recorded " + std::to_string(reference.size()) +
                     " bytes, the output view holds " + std::to_string(actual.size()));
    result.outputs.push_back(std::move(output));
    return;
  }
  output.comparison =
      expected.recorded_output == ExpectedOutput::kNotAReturn
          ? compare(recorded.dtype, actual.data(), reference.data(), recorded.sizes,
                    output.tolerance)
          : compare_output(call, expected.recorded_output, recorded.dtype, actual.data(),
                           reference.data(), recorded.sizes, output.tolerance, input_values_);
  if (!output.comparison.passed) fail(result, expected.name + ": " + output.comparison.failure);
  const int64_t elements = static_cast<int64_t>(storage.size() / element);
  const int64_t touched = first_touched_outside_view(out.dtype, storage.data(), elements, layout);
  if (touched >= 0) {
    fail(result,
         expected.name + ": wrote outside its view, at buffer element " + std::to_string(touched));
  }
  result.outputs.push_back(std::move(output));
}

}  // namespace tapml::replay
