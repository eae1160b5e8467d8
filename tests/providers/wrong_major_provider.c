/* A provider built for an ABI major TapML does not speak: its table says
 * TAPML_PROVIDER_ABI_MAJOR + 1. Loading it must be refused with one line
 * naming both versions, exit 2. */
#include <stddef.h>
#include <tapml/provider.h>

static const tapml_provider kProvider = {
    .struct_size = sizeof(tapml_provider),
    .abi_major = TAPML_PROVIDER_ABI_MAJOR + 1,
    .abi_minor = 0,
    .name = "from-the-future",
    .version = "9.0.0",
};

TAPML_PROVIDER_EXPORT const tapml_provider* tapml_provider_get(uint32_t abi_major,
                                                               uint32_t abi_minor) {
  (void)abi_major;
  (void)abi_minor;
  return &kProvider;
}
