/* A provider written in C against TapML's provider header alone, as a
 * user's would be: float32 aten::add.Tensor and aten::mul.Tensor (any
 * strides, broadcasting as aten does) and aten::mm (2-D, any strides) on
 * host memory; every other call is answered with a reason. It is the
 * neighbour to copy when writing one (docs/providers.md), built out of tree
 * against an installed TapML (CMakeLists.txt beside it) and in tree as the
 * ABI's proof (tests/providers/CMakeLists.txt).
 *
 * TAPML_PLANT_BUG=binary-partial-write leaves the last eighth of each output
 * unwritten, as TapML's own planted kernel does: the checker must then FAIL
 * these calls through the provider too. TAPML_PLANT_BUG=add-segfault and
 * add-hang make aten::add.Tensor write through a null pointer or never
 * return: an isolated replay must report the call CRASH or TIMEOUT and go on
 * with the calls after it. add-error makes aten::add.Tensor return an error
 * status: those calls are ERROR with the provider's message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tapml/provider.h>

#define MAX_RANK 8

static void set_error(tapml_error* error, const char* message) {
  if (error == NULL || error->message == NULL || error->capacity == 0) return;
  snprintf(error->message, error->capacity, "%s", message);
}

/* Settings from the target's address (ABI 1.1): "./libexample_provider.so?devices=2"
 * shows two host devices. Every key it does not know is refused by name. */
static int32_t the_device_count = 1;

static tapml_status configure(const tapml_setting* settings, size_t count, tapml_error* error) {
  for (size_t i = 0; i < count; ++i) {
    if (strcmp(settings[i].key, "devices") != 0) {
      char message[256];
      snprintf(message, sizeof(message), "example provider: no setting '%s' (it takes devices=N)",
               settings[i].key);
      set_error(error, message);
      return TAPML_STATUS_ERROR;
    }
    const int n = atoi(settings[i].value);
    if (n < 1 || n > 4) {
      set_error(error, "example provider: devices=N takes 1 to 4");
      return TAPML_STATUS_ERROR;
    }
    the_device_count = n;
  }
  return TAPML_STATUS_OK;
}

static tapml_status device_count(int32_t* count, tapml_error* error) {
  (void)error;
  *count = the_device_count;
  return TAPML_STATUS_OK;
}

static tapml_status device_info(int32_t index, tapml_device_info* info, tapml_error* error) {
  if (index < 0 || index >= the_device_count) {
    set_error(error, "example provider: no such device");
    return TAPML_STATUS_ERROR;
  }
  snprintf(info->name, sizeof(info->name), "example:%d host float32 add/mul/mm", (int)index);
  info->memory = TAPML_MEMORY_HOST;
  return TAPML_STATUS_OK;
}

static int the_device;

static tapml_status open_device(int32_t index, tapml_device** device, tapml_error* error) {
  if (index < 0 || index >= the_device_count) {
    set_error(error, "example provider: no such device");
    return TAPML_STATUS_ERROR;
  }
  *device = (tapml_device*)&the_device;
  return TAPML_STATUS_OK;
}

static void close_device(tapml_device* device) { (void)device; }

static const char* const kOps[] = {"aten::add.Tensor", "aten::mul.Tensor", "aten::mm"};

static size_t op_count(void) { return sizeof(kOps) / sizeof(kOps[0]); }

static const char* op_name(size_t index) { return index < op_count() ? kOps[index] : NULL; }

static const tapml_value* input(const tapml_call* call, const char* name) {
  for (size_t i = 0; i < call->num_inputs; ++i) {
    if (strcmp(call->inputs[i].name, name) == 0) return &call->inputs[i].value;
  }
  return NULL;
}

static int is_f32(const DLTensor* t) {
  return t->dtype.code == kDLFloat && t->dtype.bits == 32 && t->dtype.lanes == 1;
}

static int is_mm(const tapml_call* call) { return strcmp(call->op, "aten::mm") == 0; }

static const char* why_unsupported(const tapml_call* call) {
  const tapml_value* self = input(call, "self");
  const tapml_value* other = input(call, is_mm(call) ? "mat2" : "other");
  if (self == NULL || other == NULL || self->kind != TAPML_VALUE_TENSOR ||
      other->kind != TAPML_VALUE_TENSOR || call->num_outputs != 1) {
    return "example provider: needs two tensor inputs and one output";
  }
  if (!is_f32(self->tensor) || !is_f32(other->tensor) || !is_f32(&call->outputs[0])) {
    return "example provider: float32 only";
  }
  if (call->outputs[0].ndim > MAX_RANK) return "example provider: rank over 8";
  return NULL;
}

/* Element stride of dimension `d` of `t` (DLPack: NULL strides = compact). */
static int64_t stride_of(const DLTensor* t, int d) {
  if (t->strides != NULL) return t->strides[d];
  int64_t stride = 1;
  for (int k = d + 1; k < t->ndim; ++k) stride *= t->shape[k];
  return stride;
}

static const float* f32_data(const DLTensor* t) {
  return (const float*)((const char*)t->data + t->byte_offset);
}

/* out[i][j] = sum_k a[i][k] * b[k][j], accumulated in double. */
static tapml_status mm(const tapml_call* call) {
  const DLTensor* a = input(call, "self")->tensor;
  const DLTensor* b = input(call, "mat2")->tensor;
  const DLTensor* out = &call->outputs[0];
  const int64_t rows = a->shape[0], inner = a->shape[1], cols = b->shape[1];
  const float* pa = f32_data(a);
  const float* pb = f32_data(b);
  float* po = (float*)((char*)out->data + out->byte_offset);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      double sum = 0;
      for (int64_t k = 0; k < inner; ++k) {
        sum += (double)pa[i * stride_of(a, 0) + k * stride_of(a, 1)] *
               pb[k * stride_of(b, 0) + j * stride_of(b, 1)];
      }
      po[i * stride_of(out, 0) + j * stride_of(out, 1)] = (float)sum;
    }
  }
  return TAPML_STATUS_OK;
}

/* Element strides of `t` broadcast to an output of rank `rank`. */
static void broadcast_strides(const DLTensor* t, int rank, const int64_t* out_shape,
                              int64_t* strides) {
  for (int d = 0; d < rank; ++d) {
    const int from = d - (rank - t->ndim);
    if (from < 0 || t->shape[from] == 1 || out_shape[d] == 1) {
      strides[d] = 0;
    } else {
      strides[d] = stride_of(t, from);
    }
  }
}

static tapml_status run(tapml_device* device, const tapml_call* call, tapml_error* error) {
  (void)device;
  const char* why = why_unsupported(call);
  if (why != NULL) {
    set_error(error, why);
    return TAPML_STATUS_ERROR;
  }
  if (is_mm(call)) return mm(call);
  const char* planted = getenv("TAPML_PLANT_BUG");
  if (planted != NULL && strcmp(call->op, "aten::add.Tensor") == 0 &&
      strcmp(planted, "add-error") == 0) {
    set_error(error, "example provider: planted error in add");
    return TAPML_STATUS_ERROR;
  }
  const DLTensor* a = input(call, "self")->tensor;
  const DLTensor* b = input(call, "other")->tensor;
  const DLTensor* out = &call->outputs[0];
  const int is_add = strcmp(call->op, "aten::add.Tensor") == 0;
  double alpha = 1;
  const tapml_value* alpha_value = input(call, "alpha");
  if (alpha_value != NULL && alpha_value->kind == TAPML_VALUE_INT) alpha = (double)alpha_value->i;
  if (alpha_value != NULL && alpha_value->kind == TAPML_VALUE_FLOAT) alpha = alpha_value->f;

  const int rank = out->ndim;
  int64_t sa[MAX_RANK], sb[MAX_RANK], so[MAX_RANK], index[MAX_RANK];
  broadcast_strides(a, rank, out->shape, sa);
  broadcast_strides(b, rank, out->shape, sb);
  broadcast_strides(out, rank, out->shape, so);
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) {
    total *= out->shape[d];
    index[d] = 0;
  }
  const char* plant = getenv("TAPML_PLANT_BUG");
  if (plant != NULL && strcmp(plant, "binary-partial-write") == 0) total -= total / 8;
  if (plant != NULL && is_add && strcmp(plant, "add-segfault") == 0) {
    volatile float* nowhere = NULL;
    *nowhere = 1;
  }
  if (plant != NULL && is_add && strcmp(plant, "add-hang") == 0) {
    volatile int forever = 1;
    while (forever) {
    }
  }
  const float* pa = (const float*)((const char*)a->data + a->byte_offset);
  const float* pb = (const float*)((const char*)b->data + b->byte_offset);
  float* po = (float*)((char*)out->data + out->byte_offset);
  for (int64_t n = 0; n < total; ++n) {
    int64_t ia = 0, ib = 0, io = 0;
    for (int d = 0; d < rank; ++d) {
      ia += index[d] * sa[d];
      ib += index[d] * sb[d];
      io += index[d] * so[d];
    }
    po[io] = is_add ? (float)(pa[ia] + alpha * pb[ib]) : pa[ia] * pb[ib];
    for (int d = rank - 1; d >= 0; --d) {
      if (++index[d] < out->shape[d]) break;
      index[d] = 0;
    }
  }
  return TAPML_STATUS_OK;
}

static const tapml_provider kProvider = {
    .struct_size = sizeof(tapml_provider),
    .abi_major = TAPML_PROVIDER_ABI_MAJOR,
    .abi_minor = TAPML_PROVIDER_ABI_MINOR,
    .name = "example",
    .version = "1.0.0",
    .device_count = device_count,
    .device_info = device_info,
    .open_device = open_device,
    .close_device = close_device,
    .op_count = op_count,
    .op_name = op_name,
    .why_unsupported = why_unsupported,
    .run = run,
    .configure = configure,
};

TAPML_PROVIDER_EXPORT const tapml_provider* tapml_provider_get(uint32_t abi_major,
                                                               uint32_t abi_minor) {
  (void)abi_minor;
  return abi_major == TAPML_PROVIDER_ABI_MAJOR ? &kProvider : NULL;
}
