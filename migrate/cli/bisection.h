// tapml-migrate's default strategy. One hybrid run offloads every kind at
// once with every offloaded call checked against the reference kernel on
// the same inputs: clean, the migration is complete in one run. Otherwise
// the search narrows it down, each step one hybrid run:
// 1. the culprit kind: the kind of the first call beyond its per-call
//    tolerance, else the smallest failing prefix of the kinds in migration
//    order (binary search), confirmed by running that kind alone; when it
//    passes alone, no single kind is to blame and the prefix is reported;
// 2. the culprit call: the first beyond call's ordinal within its kind, else
//    the smallest failing prefix of the kind's calls (offload_ops'
//    KIND@0:M), confirmed by offloading that one call alone.
// Calls are counted per kind because seq numbers shift between runs: an
// offloaded call drops the CPU children its reference kernel would record.
#pragma once

#include "migrate/cli/hybrid_run.h"
#include "migrate/cli/migration.h"

namespace tapml::migrate {

// Appends its runs to result.steps and fills the verdict fields of `result`.
void bisect(HybridRunner& runner, const MigrationOptions& options, MigrationResult& result);

}  // namespace tapml::migrate
