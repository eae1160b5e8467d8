// A small trace written call by call with the store's writer, for the
// replayer's tests: tensors with any view, calls with any flags, and the
// schemas of the few ops they use.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "store/writer.h"

namespace tapml::replay {

class HandMadeTrace {
 public:
  // `name` tells apart the traces one test writes at once.
  explicit HandMadeTrace(const std::string& name = "hand")
      : dir_(std::filesystem::path(::testing::TempDir()) /
             ("tapml-replay-" + std::to_string(::getpid()) + "-" + name)),
        path_((dir_ / (name + ".h5")).string()) {
    std::filesystem::create_directories(dir_);
    store::TraceMeta meta;
    meta.runtime = "hand-made";
    writer_ = store::TraceWriter::create(path_, meta);
  }
  ~HandMadeTrace() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A float32 tensor seen through the given view; `values` in row-major order of sizes.
  store::TensorMeta tensor(std::vector<int64_t> sizes, const std::vector<float>& values,
                           std::vector<int64_t> strides = {}, int64_t offset = 0) {
    store::TensorMeta meta;
    meta.dtype = DType::Float32;
    meta.sizes = sizes;
    meta.strides = strides.empty() ? backends::contiguous_strides(sizes) : strides;
    meta.storage_offset = offset;
    std::vector<std::byte> bytes(values.size() * sizeof(float));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());  // empty: no data
    meta.hash = store::tensor_hash(meta.dtype, sizes, bytes.data(), bytes.size());
    if (!writer_->has_tensor(meta.hash)) {
      writer_->put_tensor(meta.hash, meta.dtype, sizes, std::move(bytes));
    }
    return meta;
  }

  int64_t call(const std::string& name, const std::string& overload, const std::string& schema,
               std::vector<store::Arg> inputs, std::vector<store::Arg> outputs, int64_t parent = -1,
               uint32_t flags = store::kCallCaptured) {
    store::Call c;
    c.seq = next_seq_++;
    c.name = name;
    c.overload = overload;
    c.schema = schema;
    c.parent = parent;
    c.depth = parent < 0 ? 0 : 1;
    c.scope = "model.block";
    c.flags = flags;
    c.inputs = std::move(inputs);
    c.outputs = std::move(outputs);
    writer_->put_call(c);
    return c.seq;
  }

  std::string finish() {
    writer_->close();
    store::finish_trace(path_ + ".spool", path_);
    return path_;
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<store::TraceWriter> writer_;
  int64_t next_seq_ = 0;
};

inline store::Arg tensor_arg(const std::string& name, const store::TensorMeta& meta,
                             const std::string& type = "Tensor") {
  store::Arg arg{name, type, {}};
  arg.value.kind = store::ValueKind::Tensor;
  arg.value.tensor = meta;
  return arg;
}

inline store::Arg int_arg(const std::string& name, int64_t value) {
  store::Arg arg{name, "Scalar", {}};
  arg.value.kind = store::ValueKind::Int;
  arg.value.i = value;
  return arg;
}

constexpr const char* kAdd =
    "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor";
constexpr const char* kMul = "aten::mul.Tensor(Tensor self, Tensor other) -> Tensor";
constexpr const char* kAddInPlace =
    "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)";
constexpr const char* kMulOut =
    "aten::mul.out(Tensor self, Tensor other, *, Tensor(a!) out) -> Tensor(a!)";

// A trace with a call of each status: 0 an add (PASS; FLAKY when racy-add
// is planted and it runs twice), 1 a mul whose recorded result is wrong
// (FAIL), 2 an op no backend has (UNSUPPORTED), 3 an add whose recorded
// result has another shape than its inputs (ERROR: the kernel refuses it), 4
// a mul (PASS). Returns the trace's path.
inline std::string record_every_status(HandMadeTrace& trace) {
  const std::vector<float> a = {1, 2, 3, 4, 5, 6};
  const std::vector<float> b = {0.5f, -1, 2, 0.25f, 8, -3};
  auto A = trace.tensor({2, 3}, a);
  auto B = trace.tensor({2, 3}, b);
  std::vector<float> sum(6), prod(6);
  for (size_t i = 0; i < 6; ++i) sum[i] = a[i] + b[i], prod[i] = a[i] * b[i];
  std::vector<float> wrong = prod;
  wrong[2] += 1.0f;
  trace.call("aten::add", "Tensor", kAdd,
             {tensor_arg("self", A), tensor_arg("other", B), int_arg("alpha", 1)},
             {tensor_arg("result", trace.tensor({2, 3}, sum))});
  trace.call("aten::mul", "Tensor", kMul, {tensor_arg("self", A), tensor_arg("other", B)},
             {tensor_arg("result", trace.tensor({2, 3}, wrong))});
  trace.call("aten::frobnicate", "", "aten::frobnicate(Tensor self) -> Tensor",
             {tensor_arg("self", A)}, {tensor_arg("result", A)});
  trace.call("aten::add", "Tensor", kAdd,
             {tensor_arg("self", A), tensor_arg("other", B), int_arg("alpha", 1)},
             {tensor_arg("result", trace.tensor({3, 2}, sum))});
  trace.call("aten::mul", "Tensor", kMul, {tensor_arg("self", B), tensor_arg("other", A)},
             {tensor_arg("result", trace.tensor({2, 3}, prod))});
  return trace.finish();
}

}  // namespace tapml::replay
