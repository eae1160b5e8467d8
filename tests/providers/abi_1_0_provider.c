/* A provider built against ABI 1.0, before `configure` existed: its table
 * ends at `run`. The bytes after it are poison (a non-NULL pointer where
 * 1.1's configure would be): TapML must read struct_size, not the field, so
 * loading it must not call through the poison. It answers every call
 * UNSUPPORTED with a reason, which proves it was loaded and asked; an
 * address with settings is refused, since a 1.0 provider takes none. */
#include <stddef.h>
#include <string.h>
#include <tapml/provider.h>

static tapml_status device_count(int32_t* count, tapml_error* error) {
  (void)error;
  *count = 1;
  return TAPML_STATUS_OK;
}

static tapml_status device_info(int32_t index, tapml_device_info* info, tapml_error* error) {
  (void)index;
  (void)error;
  strcpy(info->name, "legacy:0 host");
  info->memory = TAPML_MEMORY_HOST;
  return TAPML_STATUS_OK;
}

static int the_device;

static tapml_status open_device(int32_t index, tapml_device** device, tapml_error* error) {
  (void)index;
  (void)error;
  *device = (tapml_device*)&the_device;
  return TAPML_STATUS_OK;
}

static void close_device(tapml_device* device) { (void)device; }
static size_t op_count(void) { return 1; }
static const char* op_name(size_t index) { return index == 0 ? "aten::add.Tensor" : NULL; }
static const char* why_unsupported(const tapml_call* call) {
  (void)call;
  return "legacy provider (ABI 1.0) runs nothing";
}
static tapml_status run(tapml_device* device, const tapml_call* call, tapml_error* error) {
  (void)device;
  (void)call;
  (void)error;
  return TAPML_STATUS_ERROR;
}

/* The 1.0 table, followed in memory by poison where 1.1 put configure. */
static union {
  tapml_provider table;
  unsigned char bytes[sizeof(tapml_provider)];
} the_table;

TAPML_PROVIDER_EXPORT const tapml_provider* tapml_provider_get(uint32_t abi_major,
                                                               uint32_t abi_minor) {
  (void)abi_minor;
  if (abi_major != TAPML_PROVIDER_ABI_MAJOR) return NULL;
  memset(the_table.bytes, 0x01, sizeof(the_table.bytes));
  tapml_provider v1_0 = {
      .struct_size = TAPML_PROVIDER_V1_0_SIZE,
      .abi_major = 1,
      .abi_minor = 0,
      .name = "legacy",
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
  memcpy(the_table.bytes, &v1_0, TAPML_PROVIDER_V1_0_SIZE);
  return &the_table.table;
}
