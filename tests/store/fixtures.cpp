#include "fixtures.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "store/permuted_view.h"

namespace tapml::store::testing {

ScratchDir::ScratchDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "store";
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  path_ = std::filesystem::path(::testing::TempDir()) /
          ("tapml-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

TensorMeta SampleTensor::meta() const {
  TensorMeta m;
  m.hash = hash;
  m.dtype = dtype;
  m.sizes = sizes;
  m.strides.assign(sizes.size(), 1);
  for (size_t d = sizes.size(); d-- > 1;) m.strides[d - 1] = m.strides[d] * sizes[d];
  return m;
}

SampleTensor make_view(const SampleTensor& base, const std::vector<int64_t>& dims) {
  SampleTensor t{base.dtype, permuted_sizes(base.sizes, dims), {}, {}, base.hash, dims};
  t.bytes = permute_values(base.bytes.data(), base.sizes, dims, dtype_size(base.dtype));
  t.hash = view_hash(base.hash, t.dims);
  return t;
}

SampleTensor make_tensor(DType dtype, std::vector<int64_t> sizes, uint32_t seed) {
  SampleTensor t{dtype, std::move(sizes), {}, {}, {}, {}};
  int64_t numel = 1;
  for (int64_t s : t.sizes) numel *= s;
  t.bytes.resize(static_cast<size_t>(numel) * dtype_size(dtype));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < numel; ++i) {
    std::byte* out = t.bytes.data() + static_cast<size_t>(i) * dtype_size(dtype);
    const float v = normal(rng);
    auto put = [&](auto value) { std::memcpy(out, &value, sizeof value); };
    switch (dtype) {
      case DType::Float32:
        put(v);
        break;
      case DType::Float64:
        put(static_cast<double>(v) * 1e-3);
        break;
      case DType::Float16:
      case DType::BFloat16: {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        // bfloat16 is the top half of a float32; for float16 any bit
        // pattern is a value too (NaNs included), which the round trip keeps.
        put(static_cast<uint16_t>(dtype == DType::BFloat16 ? bits >> 16 : (bits >> 13) & 0x7fff));
        break;
      }
      case DType::Int64:
        put(static_cast<int64_t>(v * 1e6f) << 20);
        break;
      case DType::Int32:
        put(static_cast<int32_t>(v * 1e6f));
        break;
      case DType::Int16:
        put(static_cast<int16_t>(v * 1e3f));
        break;
      case DType::Int8:
        put(static_cast<int8_t>(v * 40));
        break;
      case DType::UInt8:
        put(static_cast<uint8_t>(rng()));
        break;
      case DType::Bool:
        put(static_cast<uint8_t>(rng() & 1));
        break;
      case DType::Complex64:
        put(v), std::memcpy(out + 4, &v, 4);
        break;
      case DType::Complex128: {
        const double d[2] = {v, -2.0 * v};
        std::memcpy(out, d, sizeof d);
        break;
      }
    }
  }
  if (!t.bytes.empty() && dtype == DType::Float32) {  // a NaN and an infinity survive too
    const float special[2] = {std::numeric_limits<float>::quiet_NaN(),
                              -std::numeric_limits<float>::infinity()};
    std::memcpy(t.bytes.data(), special, std::min(t.bytes.size(), sizeof special));
  }
  t.hash = tensor_hash(dtype, t.sizes, t.bytes.data(), t.bytes.size());
  return t;
}

TraceMeta sample_meta() {
  TraceMeta m;
  m.tool_version = "0.1.0-test";
  m.runtime = "pytorch";
  m.runtime_version = "2.15.0";
  m.device = "cpu";
  m.model = "unit-test";
  m.config = "[record]\nmax_calls = 10\n";
  m.command = "python drive.py --x \"y z\"";
  m.host = "testhost";
  m.start_time = "2025-01-01T00:00:00Z";
  m.extra["note"] = "héllo ✓";
  return m;
}

Call call_with_every_kind(int64_t seq, const std::vector<SampleTensor>& tensors) {
  Call c;
  c.seq = seq;
  c.name = "aten::test_op";
  c.overload = "every";
  c.schema = "aten::test_op.every(Tensor self, ...) -> Tensor";
  c.parent = seq > 0 ? 0 : -1;
  c.depth = seq > 0 ? 1 : 0;
  c.thread = 0xdeadbeefcafeULL;
  c.scope = "model.layers.0";
  c.start_ns = 1000 + seq;
  c.end_ns = 2000 + seq;
  c.flags = kCallCaptured;
  auto arg = [&](const char* name, const char* type, ValueKind kind) -> Value& {
    c.inputs.push_back({name, type, Value{}});
    c.inputs.back().value.kind = kind;
    return c.inputs.back().value;
  };
  arg("none", "Tensor?", ValueKind::None);
  arg("flag", "bool", ValueKind::Bool).b = true;
  arg("dim", "int", ValueKind::Int).i = -9'000'000'000'000LL;
  arg("alpha", "Scalar", ValueKind::Float).f = 0.1;
  arg("nan", "float", ValueKind::Float).f = std::numeric_limits<double>::quiet_NaN();
  arg("inf", "float", ValueKind::Float).f = -std::numeric_limits<double>::infinity();
  Value& z = arg("z", "complex", ValueKind::Complex);
  z.f = 1.5;
  z.f_imag = -2.25;
  arg("mode", "str", ValueKind::String).text = "tanh \"quoted\"\n";
  arg("self", "Tensor", ValueKind::Tensor).tensor = tensors.at(0).meta();
  arg("size", "int[]", ValueKind::IntList).ints = {2, -1, 0};
  arg("scales", "float[]", ValueKind::FloatList).floats = {1.0, 0.5, 1e-300};
  arg("mask", "bool[3]", ValueKind::BoolList).bools = {true, false, true};
  Value& list = arg("tensors", "Tensor?[]", ValueKind::TensorList);
  for (size_t i = 1; i < tensors.size(); ++i) list.tensors.push_back(tensors[i].meta());
  list.tensors.push_back(std::nullopt);
  arg("dtype", "ScalarType?", ValueKind::ScalarType).text = "torch.float16";
  arg("device", "Device?", ValueKind::Device).text = "cpu";
  arg("layout", "Layout?", ValueKind::Layout).text = "torch.strided";
  arg("memory_format", "MemoryFormat?", ValueKind::MemoryFormat).text = "torch.channels_last";
  arg("generator", "Generator?", ValueKind::Generator).text = "<generator>";
  arg("other", "Any", ValueKind::Other).text = "something";
  TensorMeta uncaptured = tensors.at(0).meta();
  uncaptured.hash.clear();
  uncaptured.strides = {1, 3};
  uncaptured.storage_offset = 7;
  uncaptured.device = "cuda:0";
  c.outputs.push_back({"result", "Tensor", Value{}});
  c.outputs.back().value.kind = ValueKind::Tensor;
  c.outputs.back().value.tensor = tensors.back().meta();
  c.outputs.push_back({"result1", "Tensor", Value{}});
  c.outputs.back().value.kind = ValueKind::Tensor;
  c.outputs.back().value.tensor = uncaptured;
  return c;
}

void put_call_with(TraceWriter& writer, const Call& call,
                   const std::vector<const SampleTensor*>& tensors) {
  for (const SampleTensor* t : tensors) {
    if (writer.has_tensor(t->hash)) {
      writer.note_reference(t->bytes.size());
    } else if (!t->view_of.empty()) {
      writer.put_view(t->hash, t->view_of, t->dims);
    } else {
      writer.put_tensor_from(t->hash, t->dtype, t->sizes, t->bytes.data(), t->bytes.size());
    }
  }
  writer.put_call(call);
}

}  // namespace tapml::store::testing
