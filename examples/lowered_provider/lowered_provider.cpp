// A provider that implements TapML's primitives (backends/primitives.h)
// instead of aten ops: TapML's lowering (TapML::lowering, linked statically
// into this library) maps each recorded aten call onto them, so a handful of
// primitives answers many aten ops. Here the primitives are plain C++ on
// host memory and only some are written: unary (copy, neg, exp, tanh, relu,
// gelu, fill), binary (add, sub, mul, div) and matmul. A call whose lowering
// needs another (softmax, layer_norm, attention...) fails with the name of
// the primitive that is missing, the list of what to write next.
//
// It is the neighbour to copy for a platform where writing a dozen
// primitives beats writing hundreds of aten kernels (docs/providers.md);
// examples/provider is the one for writing aten kernels directly, in C.
// Loads go through double: integers beyond 2^53 would lose precision, fine
// for an example, not for a reference.
//
// TAPML_PLANT_BUG=matmul-no-bias makes matmul ignore its bias: the
// checker must then FAIL aten::addmm while aten::mm still passes.
#include <backends/lowering/lowering.h>
#include <backends/primitives.h>
#include <backends/provider/backend_as_provider.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using tapml::DType;
using namespace tapml::backends;

class HostBuffer : public Buffer {
 public:
  explicit HostBuffer(size_t bytes) : bytes_(bytes) {}
  size_t size() const override { return bytes_.size(); }
  std::byte* data() { return bytes_.data(); }

 private:
  std::vector<std::byte> bytes_;
};

std::byte* element_address(const Tensor& t, int64_t element) {
  auto* buffer = static_cast<HostBuffer*>(t.buffer.get());
  return buffer->data() + element * static_cast<int64_t>(tapml::dtype_size(t.dtype));
}

template <typename T>
T read_as(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

template <typename T>
void write_as(std::byte* p, T value) {
  std::memcpy(p, &value, sizeof(T));
}

double load(const Tensor& t, int64_t element) {
  const std::byte* p = element_address(t, element);
  switch (t.dtype) {
    case DType::Float32:
      return read_as<float>(p);
    case DType::Float64:
      return read_as<double>(p);
    case DType::Int64:
      return static_cast<double>(read_as<int64_t>(p));
    case DType::Int32:
      return read_as<int32_t>(p);
    case DType::Bool:
      return read_as<uint8_t>(p) != 0 ? 1.0 : 0.0;
    default:
      throw BackendError("lowered example: dtype " + std::string(dtype_name(t.dtype)));
  }
}

void store(const Tensor& t, int64_t element, double value) {
  std::byte* p = element_address(t, element);
  switch (t.dtype) {
    case DType::Float32:
      return write_as(p, static_cast<float>(value));
    case DType::Float64:
      return write_as(p, value);
    case DType::Int64:
      return write_as(p, static_cast<int64_t>(value));
    case DType::Int32:
      return write_as(p, static_cast<int32_t>(value));
    case DType::Bool:
      return write_as(p, static_cast<uint8_t>(value != 0));
    default:
      throw BackendError("lowered example: dtype " + std::string(dtype_name(t.dtype)));
  }
}

// The element of `t` at a multi-index (strides in elements).
int64_t element_at(const Tensor& t, const std::vector<int64_t>& index) {
  int64_t element = t.offset;
  for (size_t d = 0; d < index.size(); ++d) element += index[d] * t.strides[d];
  return element;
}

// Calls body(index) for every index of `sizes` in row-major order.
template <typename Body>
void for_each_index(const std::vector<int64_t>& sizes, Body body) {
  for (int64_t size : sizes) {
    if (size == 0) return;
  }
  std::vector<int64_t> index(sizes.size(), 0);
  while (true) {
    body(index);
    size_t d = sizes.size();
    while (d > 0 && ++index[d - 1] == sizes[d - 1]) index[--d] = 0;
    if (d == 0) return;
  }
}

[[noreturn]] void missing(const std::string& primitive) {
  throw BackendError("lowered example: primitive " + primitive + " is not written yet");
}

class ExamplePrimitives : public Primitives {
 public:
  explicit ExamplePrimitives(Device& device) : device_(device) {}
  Device& device() override { return device_; }

  void unary(UnaryOp op, const Tensor& in, const Tensor& out, UnaryParams params) override {
    for_each_index(out.sizes, [&](const std::vector<int64_t>& i) {
      const double x = op == UnaryOp::Fill ? 0.0 : load(in, element_at(in, i));
      double y = 0;
      switch (op) {
        case UnaryOp::Copy:
          y = x;
          break;
        case UnaryOp::Neg:
          y = -x;
          break;
        case UnaryOp::Exp:
          y = std::exp(x);
          break;
        case UnaryOp::Tanh:
          y = std::tanh(x);
          break;
        case UnaryOp::Relu:
          y = x > 0 ? x : 0;
          break;
        case UnaryOp::GeluErf:
          y = 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
          break;
        case UnaryOp::Fill:
          y = params.a;
          break;
        default:
          missing("unary (UnaryOp " + std::to_string(static_cast<int>(op)) + ")");
      }
      store(out, element_at(out, i), y);
    });
  }

  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
              double alpha) override {
    for_each_index(out.sizes, [&](const std::vector<int64_t>& i) {
      const double x = load(a, element_at(a, i));
      const double y = load(b, element_at(b, i));
      double z = 0;
      switch (op) {
        case BinaryOp::Add:
          z = x + alpha * y;
          break;
        case BinaryOp::Sub:
          z = x - alpha * y;
          break;
        case BinaryOp::Mul:
          z = x * y;
          break;
        case BinaryOp::Div:
          z = x / y;
          break;
        default:
          missing("binary (BinaryOp " + std::to_string(static_cast<int>(op)) + ")");
      }
      store(out, element_at(out, i), z);
    });
  }

  void matmul(const Tensor& a, const Tensor& w, const std::optional<Tensor>& bias,
              const Tensor& out, double alpha, double beta) override {
    const bool use_bias = bias.has_value() && !planted_bug("matmul-no-bias");
    for_each_index(out.sizes, [&](const std::vector<int64_t>& i) {  // i = {batch, m, n}
      const int64_t a_row = a.offset + i[0] * a.strides[0] + i[1] * a.strides[1];
      const int64_t w_column = w.offset + i[0] * w.strides[0] + i[2] * w.strides[2];
      float sum = 0;  // fp32 accumulation, as the primitive asks
      for (int64_t k = 0; k < a.sizes[2]; ++k) {
        sum += static_cast<float>(load(a, a_row + k * a.strides[2]) *
                                  load(w, w_column + k * w.strides[1]));
      }
      double result = alpha * sum;
      if (use_bias) result += beta * load(*bias, element_at(*bias, i));
      store(out, element_at(out, i), result);
    });
  }

  void where(const Tensor&, const Tensor&, const Tensor&, const Tensor&) override {
    missing("where");
  }
  void reduce(ReduceOp, const Tensor&, int, const Tensor&) override { missing("reduce"); }
  void cumsum(const Tensor&, const Tensor&) override { missing("cumsum"); }
  void softmax(const Tensor&, const Tensor&, bool) override { missing("softmax"); }
  void layer_norm(const Tensor&, const std::optional<Tensor>&, const std::optional<Tensor>&, double,
                  const Tensor&, const std::optional<Tensor>&,
                  const std::optional<Tensor>&) override {
    missing("layer_norm");
  }
  void gather_rows(const Tensor&, const Tensor&, const Tensor&) override { missing("gather_rows"); }
  void arange(double, double, const Tensor&) override { missing("arange"); }
  void attention(const Tensor&, const Tensor&, const Tensor&, const std::optional<Tensor>&, bool,
                 double, const Tensor&) override {
    missing("attention");
  }

 private:
  Device& device_;
};

class ExampleDevice : public Device {
 public:
  ExampleDevice() : primitives_(*this) {}
  std::string name() const override { return "lowered-example:0 host, 3 primitives"; }
  std::shared_ptr<Buffer> alloc(size_t bytes) override {
    return std::make_shared<HostBuffer>(bytes);
  }
  void upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset) override {
    std::memcpy(static_cast<HostBuffer&>(dst).data() + dst_offset, src, bytes);
  }
  void download(const Buffer& src, void* dst, size_t bytes, size_t src_offset) override {
    std::memcpy(dst,
                const_cast<HostBuffer&>(static_cast<const HostBuffer&>(src)).data() + src_offset,
                bytes);
  }
  void finish() override {}
  Primitives& primitives() override { return primitives_; }

 private:
  ExamplePrimitives primitives_;
};

// Every aten op TapML lowers, served by the primitives above.
class ExampleBackend : public Backend {
 public:
  std::string name() const override { return "lowered-example"; }
  std::vector<DeviceInfo> devices() const override {
    return {{0, "lowered-example:0 host, 3 primitives"}};
  }
  std::unique_ptr<Device> open(int index) const override {
    if (index != 0) throw BackendError("lowered example: only device 0");
    return std::make_unique<ExampleDevice>();
  }
  const KernelTable& kernels() const override { return lowered_kernels(); }
};

}  // namespace

TAPML_PROVIDER_EXPORT const tapml_provider* tapml_provider_get(uint32_t abi_major,
                                                               uint32_t /*abi_minor*/) {
  return backend_as_provider("lowered-example", abi_major,
                             [](const ProviderSettings& settings) -> const Backend& {
                               static const ExampleBackend backend;
                               if (!settings.empty()) {
                                 throw BackendError("lowered example: it takes no settings");
                               }
                               return backend;
                             });
}
