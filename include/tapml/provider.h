/* TapML's provider ABI: how a user's kernels plug into TapML without editing
 * it. A provider is a shared library exporting one C function,
 * tapml_provider_get, that returns a table of function pointers: its name
 * and version, its devices, their memory, the aten ops it implements and
 * how to run one call. TapML (tapml-replay --target ./libmine.so, or a name
 * found on TAPML_PROVIDER_PATH) loads it at run time and replays recorded
 * calls on it, judged as it judges its own backends.
 *
 * Why C, and why shaped like this (docs/providers.md): a C table can be
 * written in C, C++, Rust or anything with a C FFI, and survives compiler
 * and standard-library changes on either side. As in PJRT, every struct
 * starts with its size, so that an older provider and a newer TapML (or the
 * reverse) agree on which fields each side can read; a provider is refused
 * at load when its ABI major differs, and minor versions only add fields at
 * the end. As in ggml, "can you run this call?" is asked per call before it
 * runs, with a reason a user can read when the answer is no. Errors come
 * back as status values with a message, never as exceptions or aborts
 * across the boundary. Tensors cross it as DLPack DLTensors (vendored
 * DLPack 1.1: bool is kDLBool, bfloat16 kDLBfloat), the type torch, numpy,
 * JAX and CuPy already speak.
 */
#ifndef TAPML_PROVIDER_H_
#define TAPML_PROVIDER_H_

#include <dlpack/dlpack.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TAPML_PROVIDER_ABI_MAJOR 1
#define TAPML_PROVIDER_ABI_MINOR 3

/* The symbol a provider exports, and its type. TapML passes the ABI version
 * it was built with; a provider returns its table (static storage, valid
 * until the library is unloaded) or NULL when it cannot serve that major. */
#define TAPML_PROVIDER_ENTRY_POINT "tapml_provider_get"
struct tapml_provider;
typedef const struct tapml_provider* (*tapml_provider_get_fn)(uint32_t abi_major,
                                                              uint32_t abi_minor);
#if defined(_WIN32)
#define TAPML_PROVIDER_EXPORT __declspec(dllexport)
#else
#define TAPML_PROVIDER_EXPORT __attribute__((visibility("default")))
#endif
/* What a provider defines (with TAPML_PROVIDER_EXPORT); declared here so
 * that its definition is checked against this type. */
TAPML_PROVIDER_EXPORT const struct tapml_provider* tapml_provider_get(uint32_t abi_major,
                                                                      uint32_t abi_minor);

/* ------------------------------------------------------------------ status */

typedef enum tapml_status {
  TAPML_STATUS_OK = 0,
  TAPML_STATUS_ERROR = 1,       /* this call failed; later calls may run */
  TAPML_STATUS_DEVICE_LOST = 2, /* the device is gone: no later call can run */
  /* ABI 1.2: `run` cannot compute this call on these values, though
   * why_unsupported accepted it (an int64 beyond what the device computes);
   * the message says why. Reported UNSUPPORTED, not ERROR. An older TapML
   * reads it as an error. */
  TAPML_STATUS_UNSUPPORTED = 3
} tapml_status;

/* Where a failing function writes one line saying what went wrong:
 * at most `capacity` bytes including the terminating NUL. */
typedef struct tapml_error {
  size_t struct_size;
  char* message;
  size_t capacity;
} tapml_error;

/* ------------------------------------------------------------------ values */

/* Every kind of argument value a recorded aten call can carry. */
typedef enum tapml_value_kind {
  TAPML_VALUE_NONE = 0,
  TAPML_VALUE_TENSOR = 1,      /* tensor */
  TAPML_VALUE_TENSOR_LIST = 2, /* Tensor[] and Tensor?[]: NULL entries are None */
  TAPML_VALUE_INT = 3,         /* int, SymInt */
  TAPML_VALUE_FLOAT = 4,       /* float */
  TAPML_VALUE_BOOL = 5,        /* bool */
  TAPML_VALUE_STRING = 6,      /* str */
  TAPML_VALUE_INT_LIST = 7,    /* int[], SymInt[] */
  TAPML_VALUE_FLOAT_LIST = 8,  /* float[] */
  TAPML_VALUE_BOOL_LIST = 9,   /* bool[] */
  TAPML_VALUE_SCALAR_TYPE = 10 /* ScalarType, as a DLPack dtype */
} tapml_value_kind;

/* One value; the fields its kind names are set, the others are zero. */
typedef struct tapml_value {
  size_t struct_size;
  tapml_value_kind kind;
  int64_t i;                      /* INT */
  double f;                       /* FLOAT */
  int32_t b;                      /* BOOL: 0 or 1 */
  const char* s;                  /* STRING, NUL-terminated */
  const DLTensor* tensor;         /* TENSOR */
  const DLTensor* const* tensors; /* TENSOR_LIST, `count` entries */
  const int64_t* ints;            /* INT_LIST, `count` entries */
  const double* floats;           /* FLOAT_LIST, `count` entries */
  const uint8_t* bools;           /* BOOL_LIST, `count` entries, 0 or 1 */
  int64_t count;
  DLDataType scalar_type; /* SCALAR_TYPE */
} tapml_value;

/* An input argument by its name in the op's schema ("self", "dim"). */
typedef struct tapml_argument {
  size_t struct_size;
  const char* name;
  tapml_value value;
} tapml_argument;

/* One aten call, ready to run. Inputs come in schema order. Outputs are
 * allocated before the call with the layout the reference kernel gave them
 * (dtype, shape, strides in elements, byte offset); an in-place op's or an
 * out= argument's output is the same memory as that input. A kernel writes
 * only inside its outputs' views. */
typedef struct tapml_call {
  size_t struct_size;
  const char* op;     /* full name with overload: "aten::add.Tensor", "aten::mm" */
  const char* schema; /* "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor";
                         "" when the caller does not know it */
  const tapml_argument* inputs;
  size_t num_inputs;
  const DLTensor* outputs;
  size_t num_outputs;
} tapml_call;

/* ---------------------------------------------------------------- settings */
/* One setting from the target's address: `./libmine.so?tile=64&log=1`
 * gives {"tile", "64"} and {"log", "1"}; `remote://HOST:PORT/TARGET` gives
 * TapML's remote provider {"address", "HOST:PORT"} and {"target", "TARGET"}. */
typedef struct tapml_setting {
  size_t struct_size;
  const char* key;
  const char* value;
} tapml_setting;

/* ----------------------------------------------------------------- devices */

typedef enum tapml_memory {
  TAPML_MEMORY_HOST = 0,  /* tensors live in host memory TapML allocates (DLTensor
                             device kDLCPU); the memory hooks are not called */
  TAPML_MEMORY_DEVICE = 1 /* tensors live in memory the provider's alloc returns
                             (DLTensor device kDLExtDev, id = device index);
                             TapML moves bytes with upload/download */
} tapml_memory;

typedef struct tapml_device_info {
  size_t struct_size;
  char name[256]; /* "mygpu:0 Model X (driver 1.2)" */
  tapml_memory memory;
} tapml_device_info;

typedef struct tapml_device tapml_device; /* the provider's own, opaque to TapML */

/* ----------------------------------------------------------- the provider */

typedef struct tapml_provider {
  size_t struct_size;
  uint32_t abi_major; /* TAPML_PROVIDER_ABI_MAJOR the provider was built with */
  uint32_t abi_minor;
  const char* name;    /* "mykernels": how reports name the target */
  const char* version; /* the provider's own version, "0.3.1" */

  /* Devices. `device_count` may fail (no driver): the message says why. */
  tapml_status (*device_count)(int32_t* count, tapml_error* error);
  tapml_status (*device_info)(int32_t index, tapml_device_info* info, tapml_error* error);
  tapml_status (*open_device)(int32_t index, tapml_device** device, tapml_error* error);
  void (*close_device)(tapml_device* device);

  /* Memory, for devices of TAPML_MEMORY_DEVICE (may be NULL otherwise).
   * `alloc` returns a pointer that TapML puts in DLTensor.data; offsets
   * are bytes from it. */
  tapml_status (*alloc)(tapml_device* device, size_t bytes, void** data, tapml_error* error);
  void (*free)(tapml_device* device, void* data);
  tapml_status (*upload)(tapml_device* device, void* dst, size_t dst_offset, const void* src,
                         size_t bytes, tapml_error* error);
  tapml_status (*download)(tapml_device* device, const void* src, size_t src_offset, void* dst,
                           size_t bytes, tapml_error* error);
  /* Waits for all queued work (may be NULL: every call is synchronous). */
  tapml_status (*finish)(tapml_device* device, tapml_error* error);

  /* The ops it implements: full aten names with overload. */
  size_t (*op_count)(void);
  const char* (*op_name)(size_t index);
  /* NULL when it runs this call; otherwise why not, one line a user reads
   * ("dtype float16", "rank 7 > 6"), valid until the next call to it on
   * this thread. */
  const char* (*why_unsupported)(const tapml_call* call);
  tapml_status (*run)(tapml_device* device, const tapml_call* call, tapml_error* error);

  /* ---- ABI 1.1 ---- */
  /* Called once, right after the table is returned and before any other
   * function, with the settings of the target's address (`count` may be 0).
   * A provider checks them here (an unknown key is an error naming the keys
   * it knows) and may connect or initialise; an error refuses the target
   * with its message. NULL: the provider takes no settings, and TapML
   * refuses an address that gives it some. A library is configured once
   * per process: a second address with other settings is refused. */
  tapml_status (*configure)(const tapml_setting* settings, size_t count, tapml_error* error);

  /* ---- ABI 1.3 ---- */
  /* How the kernels compute what they do not compute as stored, one line
   * that reports print beside the device ("bfloat16 and float16 in f32,
   * rounded to nearest even on store; int64 in i32"), or NULL: every dtype
   * as stored. Read after configure. */
  const char* numerics;
} tapml_provider;

/* The size of each minor version's table: a table at least this large has
 * that version's fields. Later minors append fields; TapML reads one only
 * when struct_size says it is there, so a 1.0 provider loads unchanged. */
#define TAPML_PROVIDER_V1_0_SIZE (offsetof(tapml_provider, run) + sizeof(void (*)(void)))
#define TAPML_PROVIDER_V1_1_SIZE (offsetof(tapml_provider, configure) + sizeof(void (*)(void)))
#define TAPML_PROVIDER_V1_3_SIZE (offsetof(tapml_provider, numerics) + sizeof(const char*))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TAPML_PROVIDER_H_ */
