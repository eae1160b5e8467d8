/* A provider written in C against include/tapml/provider.h alone, as a
 * user's would be: float32 aten::add.Tensor and aten::mul.Tensor on host
 * memory, any strides, broadcasting as aten does. It is the ABI's proof in
 * the tests (tests/providers/CMakeLists.txt) and the neighbour to copy
 * when writing one (docs/providers.md).
 *
 * TAPML_PLANT_BUG=binary-partial-write leaves the last eighth of each output
 * unwritten, as TapML's own planted kernel does: the checker must then FAIL
 * these calls through the provider too. TAPML_PLANT_BUG=add-segfault and
 * add-hang make aten::add.Tensor write through a null pointer or never
 * return: an isolated replay must report the call CRASH or TIMEOUT and go on
 * with the calls after it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tapml/provider.h>

#define MAX_RANK 8

static void set_error(tapml_error* error, const char* message) {
  if (error == NULL || error->message == NULL || error->capacity == 0) return;
  snprintf(error->message, error->capacity, "%s", message);
}

static tapml_status device_count(int32_t* count, tapml_error* error) {
  (void)error;
  *count = 1;
  return TAPML_STATUS_OK;
}

static tapml_status device_info(int32_t index, tapml_device_info* info, tapml_error* error) {
  if (index != 0) {
    set_error(error, "example provider: only device 0");
    return TAPML_STATUS_ERROR;
  }
  snprintf(info->name, sizeof(info->name), "example:0 host float32 add/mul");
  info->memory = TAPML_MEMORY_HOST;
  return TAPML_STATUS_OK;
}

static int the_device;

static tapml_status open_device(int32_t index, tapml_device** device, tapml_error* error) {
  if (index != 0) {
    set_error(error, "example provider: only device 0");
    return TAPML_STATUS_ERROR;
  }
  *device = (tapml_device*)&the_device;
  return TAPML_STATUS_OK;
}

static void close_device(tapml_device* device) { (void)device; }

static const char* const kOps[] = {"aten::add.Tensor", "aten::mul.Tensor"};

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

static const char* why_unsupported(const tapml_call* call) {
  const tapml_value* self = input(call, "self");
  const tapml_value* other = input(call, "other");
  if (self == NULL || other == NULL || self->kind != TAPML_VALUE_TENSOR ||
      other->kind != TAPML_VALUE_TENSOR || call->num_outputs != 1) {
    return "example provider: needs tensors self and other and one output";
  }
  if (!is_f32(self->tensor) || !is_f32(other->tensor) || !is_f32(&call->outputs[0])) {
    return "example provider: float32 only";
  }
  if (call->outputs[0].ndim > MAX_RANK) return "example provider: rank over 8";
  return NULL;
}

/* Element strides of `t` broadcast to an output of rank `rank`. */
static void broadcast_strides(const DLTensor* t, int rank, const int64_t* out_shape,
                              int64_t* strides) {
  for (int d = 0; d < rank; ++d) {
    const int from = d - (rank - t->ndim);
    if (from < 0 || t->shape[from] == 1 || out_shape[d] == 1) {
      strides[d] = 0;
    } else {
      strides[d] = t->strides ? t->strides[from] : 1;
      if (t->strides == NULL) {
        for (int k = from + 1; k < t->ndim; ++k) strides[d] *= t->shape[k];
      }
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
};

TAPML_PROVIDER_EXPORT const tapml_provider* tapml_provider_get(uint32_t abi_major,
                                                               uint32_t abi_minor) {
  (void)abi_minor;
  return abi_major == TAPML_PROVIDER_ABI_MAJOR ? &kProvider : NULL;
}
