// tapml-kernel-check: runs aten calls described in JSON on one backend and
// prints their outputs as JSON. check_against_torch.py feeds it calls whose
// inputs and expected outputs come from torch itself.
//
//   tapml-kernel-check --backend cpu cases.json > results.json
//
// A case: {"op": "aten::add.Tensor", "inputs": [{"name": "self", "value": V}...],
//          "outputs": [O...]}
// V: null | true | false | {"int": n} | {"float": x} | {"str": s} | {"dtype": "float32"}
//    | {"ints": [...]} | {"floats": [...]} | {"tensor": T} | {"tensors": [T | null...]}
// T: {"dtype", "sizes", "strides", "offset", "storage": [values...]}
// O: {"dtype", "sizes", "strides", "offset", "storage_size"} | {"alias": input name}
// Floats may be the strings "nan", "inf", "-inf".
// Result per case: {"status": "ok" | "unsupported" | "error", "message": s,
//                   "outputs": [[values of the output view, row-major]...]}.
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "tests/backends/kernel_test_util.h"

namespace tapml::backends {
namespace {

using nlohmann::json;

double number(const json& j) {
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw std::runtime_error("bad number '" + s + "'");
  }
  if (j.is_boolean()) return j.get<bool>() ? 1 : 0;
  return j.get<double>();
}

json number_json(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

DType dtype_of(const json& j) {
  const auto dtype = dtype_from_name(j.get<std::string>());
  if (!dtype) throw std::runtime_error("unknown dtype " + j.dump());
  return *dtype;
}

// Writes a storage of values (as the case gives them) into a new buffer.
Tensor upload_tensor(Device& device, const json& j) {
  Tensor t;
  t.dtype = dtype_of(j.at("dtype"));
  t.sizes = j.at("sizes").get<std::vector<int64_t>>();
  t.strides = j.at("strides").get<std::vector<int64_t>>();
  t.offset = j.at("offset").get<int64_t>();
  std::vector<double> storage;
  if (j.contains("storage")) {
    for (const json& v : j.at("storage")) storage.push_back(number(v));
  } else {
    storage.assign(j.at("storage_size").get<size_t>(),
                   dtype_is_floating(t.dtype) ? std::numeric_limits<double>::quiet_NaN() : -7777);
  }
  // A 1-d contiguous tensor over the whole storage, then the view's metadata.
  Tensor flat = testing::make_tensor(device, t.dtype, {static_cast<int64_t>(storage.size())}, storage);
  t.buffer = flat.buffer;
  return t;
}

Value parse_value(Device& device, const json& j, std::map<std::string, Tensor>& named,
                  const std::string& name) {
  if (j.is_null()) return std::monostate{};
  if (j.is_boolean()) return j.get<bool>();
  if (j.contains("int")) return j.at("int").get<int64_t>();
  if (j.contains("float")) return number(j.at("float"));
  if (j.contains("str")) return j.at("str").get<std::string>();
  if (j.contains("dtype")) return dtype_of(j.at("dtype"));
  if (j.contains("ints")) return j.at("ints").get<std::vector<int64_t>>();
  if (j.contains("floats")) {
    std::vector<double> values;
    for (const json& v : j.at("floats")) values.push_back(number(v));
    return values;
  }
  if (j.contains("tensor")) {
    Tensor t = upload_tensor(device, j.at("tensor"));
    named[name] = t;
    return t;
  }
  if (j.contains("tensors")) {
    std::vector<std::optional<Tensor>> list;
    for (const json& t : j.at("tensors")) {
      if (t.is_null()) {
        list.push_back(std::nullopt);
      } else {
        list.push_back(upload_tensor(device, t));
      }
    }
    return list;
  }
  throw std::runtime_error("unknown value " + j.dump());
}

json run_case(const Backend& backend, Device& device, const json& spec) {
  KernelCall call;
  call.op = spec.at("op").get<std::string>();
  std::map<std::string, Tensor> named;
  for (const json& input : spec.at("inputs")) {
    const std::string name = input.at("name").get<std::string>();
    call.inputs.push_back({name, parse_value(device, input.at("value"), named, name)});
  }
  for (const json& out : spec.at("outputs")) {
    if (out.contains("alias")) {
      call.outputs.push_back(named.at(out.at("alias").get<std::string>()));
    } else {
      call.outputs.push_back(upload_tensor(device, out));
    }
  }
  std::string why;
  const Kernel* kernel = backend.kernels().select(call, &why);
  if (!kernel) return {{"status", "unsupported"}, {"message", why}};
  try {
    kernel->run(device, call);
    device.finish();
  } catch (const std::exception& e) {
    return {{"status", "error"}, {"message", e.what()}};
  }
  json outputs = json::array();
  for (const Tensor& out : call.outputs) {
    json values = json::array();
    for (double v : testing::read_values(device, out)) values.push_back(number_json(v));
    outputs.push_back(values);
  }
  return {{"status", "ok"}, {"outputs", outputs}};
}

int run(int argc, char** argv) {
  std::string backend_name = "cpu";
  std::string path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
      backend_name = argv[++i];
    } else if (argv[i][0] != '-' && path.empty()) {
      path = argv[i];
    } else {
      std::cerr << "usage: tapml-kernel-check [--backend NAME] CASES.json\n";
      return 2;
    }
  }
  const Backend* backend = find_backend(backend_name);
  if (!backend) {
    std::cerr << "tapml-kernel-check: no backend '" << backend_name << "' in this build\n";
    return 2;
  }
  std::ifstream file(path);
  if (!file) {
    std::cerr << "tapml-kernel-check: cannot read '" << path << "'\n";
    return 2;
  }
  json cases;
  try {
    cases = json::parse(file);
  } catch (const json::exception& e) {
    std::cerr << "tapml-kernel-check: " << path << " is not JSON: " << e.what() << "\n";
    return 2;
  }
  std::unique_ptr<Device> device;
  try {
    device = backend->open(0);
  } catch (const BackendError& e) {
    std::cerr << "tapml-kernel-check: " << e.what() << "\n";
    return 2;
  }
  json results = json::array();
  for (const json& spec : cases) {
    try {
      results.push_back(run_case(*backend, *device, spec));
    } catch (const std::exception& e) {
      results.push_back({{"status", "error"}, {"message", e.what()}});
    }
  }
  std::cout << results.dump() << "\n";
  return 0;
}

}  // namespace
}  // namespace tapml::backends

int main(int argc, char** argv) { return tapml::backends::run(argc, argv); }
