// The end of a migration that found a wrong kernel: the first diverging call
// carved from the reference trace into a one-call trace (tapml-trace subset)
// and turned into a generated GoogleTest suite (tapml-gen) in the folder the
// user names, so that the bug becomes a committed regression test that
// fails until the kernel is fixed. Both steps run the project's own tools,
// so the emitted suite is exactly what `tapml-gen` would write.
#pragma once

#include <string>

#include "migrate/migration/migration_options.h"

namespace tapml::migrate {

// Writes the suite for call `ref_seq` of options.reference into
// options.emit_test and returns a one-line description of what it wrote.
// Throws MigrateInputError when a tool fails (the message says which).
std::string emit_test(const MigrationOptions& options, int64_t ref_seq);

}  // namespace tapml::migrate
