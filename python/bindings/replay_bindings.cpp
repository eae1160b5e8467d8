// tapml._tapml.Target, Session and compare: a target opened as every tool
// opens one (backends/target.h), replays through the replayer's library
// (replayer/replayer.h, replay_session.h), and the comparison under the
// tolerance policy (replayer/compare.h). Reports cross as the JSON report
// (replayer/report.h: report_json), so a Python caller and `tapml-replay
// --json` get the same fields.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/target.h"
#include "bindings.h"
#include "common/progress.h"
#include "errors.h"
#include "python_provider.h"
#include "replayer/compare.h"
#include "replayer/isolation/isolated_runner.h"
#include "replayer/replay_session.h"
#include "replayer/replayer.h"
#include "replayer/report.h"
#include "store/reader.h"

namespace py = pybind11;

namespace tapml::python {
namespace {

// The options of tapml.replay(), as the JSON the Python side builds.
replay::ReplayOptions replay_options(const Target& target, const store::TraceReader& trace,
                                     const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  replay::ReplayOptions options;
  options.filter.op = store::OpPattern(j.value("op", ""), "op");
  options.filter.first = j.value("first", int64_t{0});
  options.filter.end = j.value("end", INT64_MAX);
  options.leaves = j.value("descend", false);
  options.fail_fast = j.value("fail_fast", false);
  options.repeat = j.value("repeat", 1);
  if (options.repeat < 1) {
    raise("UsageError",
          "repeat " + std::to_string(options.repeat) + ": runs per call must be 1 or more");
  }
  const std::string tolerance = j.value("tolerance", "");
  if (!tolerance.empty()) options.tolerance.load_file(tolerance);
  const double call_timeout = j.value("call_timeout", 0.0);
  if (call_timeout < 0) raise("UsageError", "call_timeout must be 0 (no limit) or more");
  const bool python = target.owned != nullptr;  // lives in this process only
  const bool isolate = j.contains("isolate") && !j["isolate"].is_null()
                           ? j["isolate"].get<bool>()
                           : !python && replay::isolated_by_default(target.address, call_timeout);
  if (isolate && python) {
    raise("UsageError",
          "a Python provider runs in this process: isolate and call_timeout "
          "need a provider library or a built-in target");
  }
  if (call_timeout > 0 && !isolate) {
    raise("UsageError", "call_timeout needs the calls in a worker process; drop isolate=False");
  }
  if (isolate) {
    replay::IsolationOptions isolation;
    isolation.worker = replay::worker_executable();
    isolation.trace = trace.path();
    isolation.target = target.address;
    isolation.device = target.opened.device_index;
    isolation.tolerance_file = tolerance;
    isolation.call_timeout_s = call_timeout;
    options.isolation = isolation;
  }
  return options;
}

std::string replay_json(Target& target, const store::TraceReader& trace,
                        const std::string& options_text, const std::string& selection,
                        bool progress) {
  const replay::ReplayOptions options = replay_options(target, trace, options_text);
  replay::Report report;
  {
    py::gil_scoped_release unlocked;
    ProgressReporter bar("tapml.replay", "calls", progress);
    replay::ProgressObserver observer;
    observer.planned = [&](size_t total) { bar.start(total, "replaying on " + target.address); };
    observer.call_done = [&](size_t done, const replay::CallResult* last) {
      bar.update(done, last ? last->op : "");
    };
    report =
        replay::replay(trace, *target.opened.backend, *target.opened.device, options, observer);
    bar.clear();
  }
  const std::string why = replay::nothing_replayed(report.summary, selection, trace.num_calls());
  if (!why.empty()) raise("UsageError", why);
  return replay::report_json(report).dump();
}

// One replay planned once, its calls run one at a time (the pytest plugin).
class Session {
 public:
  Session(Target& target, const store::TraceReader& trace, const std::string& options_text)
      : session_(trace, *target.opened.backend, *target.opened.device,
                 replay_options(target, trace, options_text)) {}

  std::string planned_json() const {
    nlohmann::json all = nlohmann::json::array();
    for (const replay::PlannedCall& p : session_.planned()) {
      all.push_back(
          {{"seq", p.seq},
           {"run", p.run},
           {"op", p.op},
           {"case",
            p.case_name.suite.empty() ? "" : replay::occurrence_name(p.case_name, p.occurrence)}});
    }
    return all.dump();
  }

  // The result of the planned call at `index`, or {"skipped": reason}.
  std::string run_json(size_t index) {
    const replay::PlannedCall& planned = session_.planned().at(index);
    std::string skipped;
    std::optional<replay::CallResult> result;
    {
      py::gil_scoped_release unlocked;
      result = session_.result(planned, &skipped);
    }
    return call_outcome_json(planned.seq, result, skipped);
  }

 private:
  replay::ReplaySession session_;
};

// tapml.compare: one output judged as the replayer judges it, by the
// tolerance rule for (op, dtype, target).
std::string compare_json(const std::string& dtype_text, const py::buffer& actual,
                         const py::buffer& expected, const std::vector<int64_t>& sizes,
                         const std::string& op, const std::string& target,
                         const std::string& tolerance_file) {
  const std::optional<DType> dtype = dtype_from_name(dtype_text);
  if (!dtype) raise("UsageError", "dtype " + dtype_text + ": not a dtype TapML knows");
  const py::buffer_info a = actual.request();
  const py::buffer_info b = expected.request();
  const std::optional<int64_t> numel = store::checked_numel(sizes);
  const size_t nbytes = numel ? static_cast<size_t>(*numel) * dtype_size(*dtype) : 0;
  const auto bytes_of = [](const py::buffer_info& info) {
    return static_cast<size_t>(info.size * info.itemsize);
  };
  if (!numel || bytes_of(a) != nbytes || bytes_of(b) != nbytes) {
    raise("UsageError", "got " + std::to_string(bytes_of(a)) + " and expected " +
                            std::to_string(bytes_of(b)) + " bytes, a " + dtype_text +
                            " tensor of these sizes holds " + std::to_string(nbytes));
  }
  replay::TolerancePolicy policy = replay::TolerancePolicy::defaults();
  if (!tolerance_file.empty()) policy.load_file(tolerance_file);
  replay::OutputResult out;
  out.name = "result";
  out.dtype = *dtype;
  out.sizes = sizes;
  out.tolerance = policy.lookup(op, *dtype, target);
  // Without the call's inputs there is no forward bound: judged by NMSE and
  // atol/rtol, which the rule also carries.
  replay::Tolerance judged = out.tolerance;
  judged.method = replay::Method::Nmse;
  out.comparison = replay::compare(*dtype, static_cast<const std::byte*>(a.ptr),
                                   static_cast<const std::byte*>(b.ptr), sizes, judged);
  nlohmann::json j = replay::comparison_json(out);
  j["failure"] = out.comparison.failure;
  return j.dump();
}

std::string targets_json() {
  nlohmann::json out = nlohmann::json::array();
  for (const backends::TargetListing& t : backends::list_targets()) {
    nlohmann::json devices = nlohmann::json::array();
    for (const backends::DeviceInfo& d : t.devices) {
      devices.push_back({{"index", d.index}, {"name", d.name}});
    }
    out.push_back({{"name", t.name},
                   {"provider", t.provider},
                   {"version", t.version},
                   {"devices", devices},
                   {"loaded", t.loaded},
                   {"error", t.error}});
  }
  return out.dump();
}

}  // namespace

std::string call_outcome_json(int64_t seq, const std::optional<replay::CallResult>& result,
                              const std::string& skipped) {
  if (!result) return nlohmann::json{{"seq", seq}, {"skipped", skipped}}.dump();
  return replay::call_result_json(*result).dump();
}

void bind_replay(py::module_& module) {
  py::class_<Target>(module, "Target")
      .def(py::init([](const std::string& address) {
             auto target = std::make_unique<Target>();
             target->address = address;
             try {
               target->opened = backends::open_target(address, "target");
             } catch (const backends::TargetError&) {
               throw;
             } catch (const backends::BackendError& e) {
               raise("TargetError", "target " + address + " unavailable: " + e.what());
             }
             return target;
           }),
           py::arg("address"))
      .def_static("from_python",
                  [](py::object adapter) {
                    auto target = std::make_unique<Target>();
                    target->address = adapter.attr("name").cast<std::string>();
                    target->owned = python_provider_backend(std::move(adapter));
                    target->opened.backend = target->owned.get();
                    target->opened.device = target->owned->open(0);
                    return target;
                  })
      .def_property_readonly("address", [](const Target& t) { return t.address; })
      .def_property_readonly("name", [](const Target& t) { return t.opened.backend->name(); })
      .def_property_readonly("device", [](const Target& t) { return t.opened.device->name(); })
      .def_property_readonly("device_index", [](const Target& t) { return t.opened.device_index; })
      .def("replay_json", &replay_json, py::arg("trace"), py::arg("options"), py::arg("selection"),
           py::arg("progress"));

  py::class_<Session>(module, "Session")
      .def(py::init<Target&, const store::TraceReader&, const std::string&>(), py::arg("target"),
           py::arg("trace"), py::arg("options"), py::keep_alive<1, 2>(), py::keep_alive<1, 3>())
      .def("planned_json", &Session::planned_json)
      .def("run_json", &Session::run_json, py::arg("index"));

  module.def("compare_json", &compare_json, py::arg("dtype"), py::arg("actual"),
             py::arg("expected"), py::arg("sizes"), py::arg("op"), py::arg("target"),
             py::arg("tolerance_file"));
  module.def("targets_json", &targets_json);
}

}  // namespace tapml::python
