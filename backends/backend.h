// The backend interface: a device with buffers, uploads and downloads, and a
// table from aten operator names to kernels. Backends know nothing of traces:
// a caller (the replayer, the offload mode, a generated test) builds a
// KernelCall from whatever it holds and hands it to a kernel.
//
// Adding a kernel: write it beside its registration in backends/<name>/ and
// add one TAPML_KERNEL line there. Adding a backend: copy backends/cpu/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "store/dtype.h"

namespace tapml::backends {

// A failure of the platform itself (no driver, out of memory, build error of
// a kernel). Kernels throw it; callers report the call as ERROR.
class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The device is gone (a remote server died, a GPU reported device loss): no
// later call can run. Callers stop, say which call was in flight, exit 2.
class DeviceLost : public BackendError {
 public:
  using BackendError::BackendError;
};

// The kernel cannot run this call on these values, though it takes its
// dtypes and shapes (WebGPU computes int64 in int32 and meets a value
// beyond it): callers report the call UNSUPPORTED with the message, never
// ERROR (no kernel defect) nor a wrapped PASS.
class CallUnsupported : public BackendError {
 public:
  using BackendError::BackendError;
};

// Device memory. Opaque to callers; each backend derives its own.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual size_t size() const = 0;
};

// A tensor on a device: a buffer plus a strided view into it. Offsets and
// strides count elements, as torch's do.
struct Tensor {
  std::shared_ptr<Buffer> buffer;
  DType dtype = DType::Float32;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  int64_t offset = 0;

  int64_t numel() const;
  int64_t rank() const { return static_cast<int64_t>(sizes.size()); }
  bool is_contiguous() const;
};

// Row-major strides for `sizes`.
std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& sizes);

// One argument value, as the aten schema types it.
using Value = std::variant<std::monostate,                      // None
                           bool, int64_t, double, std::string,  // scalars, str
                           Tensor,                              // Tensor
                           std::vector<int64_t>,                // int[]
                           std::vector<double>,                 // float[]
                           std::vector<bool>,                   // bool[]
                           std::vector<std::optional<Tensor>>,  // Tensor[], Tensor?[]
                           DType>;                              // ScalarType

struct NamedValue {
  std::string name;  // the schema's argument name: "self", "dim", "keepdim"
  Value value;
};

// One operator call, ready to run: inputs in schema order, outputs already
// allocated with their expected dtype, sizes and strides. For in-place and
// out= ops an output shares its buffer with the input it aliases.
struct KernelCall {
  std::string op;  // full aten name with overload: "aten::softmax.int", "aten::add.Tensor"
  std::vector<NamedValue> inputs;
  std::vector<Tensor> outputs;
  std::string schema;  // the op's schema string when the caller knows it (providers see it)

  // Lookup by schema name; nullptr when absent.
  const Value* find(const std::string& name) const;
  const Value& at(const std::string& name) const;  // throws BackendError when absent
  const Tensor& tensor(const std::string& name) const;
  bool is_none(const std::string& name) const;  // absent or None
  int64_t int_or(const std::string& name, int64_t fallback) const;
  double float_or(const std::string& name, double fallback) const;  // int or bool accepted too
  bool bool_or(const std::string& name, bool fallback) const;
};

class Primitives;  // backends/primitives.h

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string name() const = 0;  // "vulkan:0 llvmpipe (LLVM 15.0.6, 256 bits)"
  virtual std::shared_ptr<Buffer> alloc(size_t bytes) = 0;
  virtual void upload(Buffer& dst, const void* src, size_t bytes, size_t dst_offset = 0) = 0;
  virtual void download(const Buffer& src, void* dst, size_t bytes, size_t src_offset = 0) = 0;
  // Waits for all queued work; kernel time is measured across run+finish.
  virtual void finish() = 0;
  // The primitive kernels of this device (backends/primitives.h).
  virtual Primitives& primitives() = 0;
  // The most bytes one tensor view may span on this device (Vulkan's
  // maxStorageBufferRange); the lowering cuts larger work into pieces
  // (backends/lowering/split_views.h). Unlimited unless a device says.
  virtual size_t max_view_bytes() const { return std::numeric_limits<size_t>::max(); }
  // Buffers larger than this are several device allocations of this size
  // (OpenCL's CL_DEVICE_MAX_MEM_ALLOC_SIZE); a view must lie within one,
  // and the lowering cuts the work so that it does. Unlimited by default.
  virtual size_t buffer_chunk_bytes() const { return std::numeric_limits<size_t>::max(); }
};

struct Kernel {
  std::string op;  // full aten name with overload
  // Empty when the kernel handles this call; otherwise why not ("dtype float16",
  // "rank 7 > 6"), shown to users as the reason a call is UNSUPPORTED.
  std::function<std::string(const KernelCall&)> why_unsupported;
  std::function<void(Device&, const KernelCall&)> run;
};

// Aten kernels by op name. backends/lowering/ fills one table that serves
// every backend through its primitives. Several kernels may serve one op
// (e.g. one per dtype family); the first that accepts a call runs it.
class KernelTable {
 public:
  void add(Kernel kernel);
  // The kernel for this call, or nullptr with `why` set to the reason.
  const Kernel* select(const KernelCall& call, std::string* why) const;
  bool has_op(const std::string& op) const;
  std::vector<std::string> ops() const;

 private:
  std::map<std::string, std::vector<Kernel>> kernels_;
};

struct DeviceInfo {
  int index = 0;
  std::string name;
};

// A backend: a name, the devices it sees, and its kernel table.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  // "cpu", "vulkan", "opencl"
  // Devices this platform offers; throws BackendError with one clear line when
  // the platform is missing (no Vulkan driver, no OpenCL platform).
  virtual std::vector<DeviceInfo> devices() const = 0;
  virtual std::unique_ptr<Device> open(int index) const = 0;
  virtual const KernelTable& kernels() const = 0;
  // How its kernels compute what they do not compute as stored, one line
  // for reports: "float16, bfloat16 and float64 in f32; int64 in i32 ...".
  // Empty: every dtype as it is stored. A verdict on a bfloat16 call means
  // something else when the kernel computed it in f32, so the report says.
  virtual std::string numerics() const { return {}; }
};

// All backends compiled in, by name.
std::vector<std::string> backend_names();
// nullptr when no backend has this name.
const Backend* find_backend(const std::string& name);

// Test-only deliberately wrong kernel variants (see docs/planted-bugs.md),
// switched on by the TAPML_PLANT_BUG environment variable, e.g.
// TAPML_PLANT_BUG=softmax-off-by-one. The checker's own tests use them.
bool planted_bug(const char* name);
// For a planted bug keyed to a per-dispatch counter (racy-add): whether
// `name` is planted and this is every second one (the 2nd, 4th...) of the
// process's calls that asked, so that two runs in a row always differ.
bool planted_bug_on_odd_dispatch(const char* name);

}  // namespace tapml::backends
