// tapml-migrate's default strategy. One hybrid run offloads every kind at
// once with every offloaded call checked against the reference kernel on
// the same inputs: clean, the migration is complete in one run. Otherwise
// the search narrows it down, each step one hybrid run:
// 1. the first call beyond its per-call tolerance, offloaded alone
//    (offload_ops' KIND@N): when it fails alone, that is the call (2 runs);
// 2. else the smallest failing prefix of the kinds in migration order
//    (binary search), then the smallest failing prefix of the calls of its
//    last kind, the kinds before it still offloaded (KIND@0:M), then that
//    call alone; when it passes alone, no single kind is to blame (errors
//    that add up) and the smallest failing set is reported.
// At most ceil(log2 kinds) + ceil(log2 calls) + 2 runs when run 1's check
// names no call. Calls are counted per kind because seq numbers shift
// between runs: an offloaded call drops the CPU children its reference
// kernel would record.
#pragma once

#include "migrate/migration/hybrid_run.h"
#include "migrate/migration/migration.h"

namespace tapml::migrate {

// Appends its runs to result.steps and fills the verdict fields of `result`.
void bisect(HybridRuns& runner, const MigrationOptions& options, MigrationResult& result);

}  // namespace tapml::migrate
