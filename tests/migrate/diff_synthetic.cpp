#include "diff_synthetic.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "store/writer.h"

namespace tapml::migrate::testing {
namespace {

std::vector<float> values(int seed, size_t n = 8) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = std::sin(static_cast<float>(seed * 13 + static_cast<int>(i)));
  return v;
}

store::TensorMeta put(store::TraceWriter& writer, const SynthCall& call) {
  store::TensorMeta t;
  const bool floating = !call.values.empty();
  t.dtype = floating ? DType::Float32 : DType::Int64;
  const void* data = floating ? static_cast<const void*>(call.values.data()) : call.ints.data();
  const size_t n = floating ? call.values.size() : call.ints.size();
  t.sizes = {static_cast<int64_t>(n)};
  t.strides = {1};
  const size_t nbytes = n * dtype_size(t.dtype);
  t.hash = store::tensor_hash(t.dtype, t.sizes, data, nbytes);
  if (!writer.has_tensor(t.hash)) writer.put_tensor_from(t.hash, t.dtype, t.sizes, data, nbytes);
  return t;
}

store::Arg tensor_arg(const std::string& name, const store::TensorMeta& t) {
  store::Arg a;
  a.name = name;
  a.type = "Tensor";
  a.value.kind = store::ValueKind::Tensor;
  a.value.tensor = t;
  return a;
}

}  // namespace

std::vector<SynthCall> sample_program(int layers) {
  std::vector<SynthCall> calls;
  int seed = 0;
  for (int step = 0; step < 2; ++step) {
    calls.push_back({"aten::embedding", 0, "model.embed_tokens", values(++seed), {}});
    for (int l = 0; l < layers; ++l) {
      const std::string scope = "model.layers." + std::to_string(l);
      calls.push_back({"aten::linear", 0, scope + ".mlp.up_proj", values(++seed), {}});
      calls.push_back({"aten::addmm", 1, scope + ".mlp.up_proj", values(seed), {}});
      calls.push_back({"aten::gelu", 0, scope + ".mlp", values(++seed), {}});
    }
    calls.push_back({"aten::linear", 0, "lm_head", values(++seed), {}});
    calls.push_back({"aten::argmax", 0, "", {}, {step * 7 + 3}});
  }
  return calls;
}

void write_trace(const std::string& path, const std::vector<SynthCall>& calls,
                 const std::string& model) {
  store::TraceMeta meta;
  meta.model = model;
  meta.command = "python synthetic.py";
  auto writer = store::TraceWriter::create(path, meta);
  std::vector<int64_t> open;   // seq of the enclosing call at each depth
  store::TensorMeta previous;  // the last output; a first child reads its parent's input
  std::vector<store::TensorMeta> inputs(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    const SynthCall& c = calls[i];
    store::Call call;
    call.seq = static_cast<int64_t>(i);
    const size_t dot = c.op.find('.');
    call.name = c.op.substr(0, dot);
    if (dot != std::string::npos) call.overload = c.op.substr(dot + 1);
    call.depth = c.depth;
    open.resize(static_cast<size_t>(c.depth));
    call.parent = open.empty() ? -1 : open.back();
    open.push_back(call.seq);
    call.scope = c.scope;
    call.flags = store::kCallCaptured;
    inputs[i] = call.parent >= 0 && call.parent == call.seq - 1 ? inputs[i - 1] : previous;
    if (inputs[i].captured()) call.inputs.push_back(tensor_arg("self", inputs[i]));
    previous = put(*writer, c);
    call.outputs.push_back(tensor_arg("result", previous));
    writer->put_call(call);
  }
  writer->close();
  if (!writer->error().empty()) throw std::runtime_error(writer->error());
  store::finish_trace(path + ".spool", path);
}

std::filesystem::path fresh_test_dir(const std::string& prefix) {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   (prefix + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                    std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace tapml::migrate::testing
