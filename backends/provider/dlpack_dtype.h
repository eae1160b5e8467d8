// TapML's dtypes as DLPack's and back, in one place for both sides of the
// provider seam (provider_backend.* describes calls to a provider,
// backend_as_provider.* reads them back for TapML's own backends).
#pragma once

#include <dlpack/dlpack.h>

#include <optional>

#include "store/dtype.h"

namespace tapml::backends {

DLDataType dl_dtype(DType dtype);
// nullopt for a DLPack dtype TapML has no name for (lanes > 1, float8...).
std::optional<DType> dtype_from_dl(DLDataType dtype);

}  // namespace tapml::backends
