// tapml::testing: the support library of the suites tapml-gen writes. A
// generated TEST is one line naming a call of the suite's fixture; this
// library runs that call on the selected target's kernel (the replayer's
// CallRunner: strided, poisoned buffers) and checks each output against the
// recorded one under the replayer's tolerance policy. A failure names the
// op, the case, the worst element (index, value got, value expected) and the
// error measures.
//
// The target comes from --tapml-target=NAME or TAPML_TARGET (default cpu);
// see gen/testing/settings.h for the other knobs. This header and case.cpp
// are compiled into each suite; the rest is libtapml_testing
// (case_runner.h).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

namespace tapml::testing {

// Runs call `seq` of the fixture and checks it, as GoogleTest failures.
void check_case(int64_t seq);

}  // namespace tapml::testing
