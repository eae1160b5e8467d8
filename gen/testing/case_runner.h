// The core of a generated suite's case, without GoogleTest: run call `seq` of
// the suite's fixture on the selected target (the replayer's CallRunner) and
// judge it, as an outcome with the message a person needs. It lives in
// libtapml_testing (shared, installed with TapML), while case.cpp, the few
// lines that turn an outcome into GoogleTest's verdicts, is compiled into
// each suite: the library carries no copy of GoogleTest, so a suite built
// out of tree against its own GoogleTest has exactly one.
#pragma once

#include <cstdint>
#include <string>

#include "gen/testing/export.h"

namespace tapml::testing {

struct CaseOutcome {
  enum class Kind { Pass, Skip, Fail };
  Kind kind = Kind::Pass;
  std::string message;  // why it failed or was skipped
};

// `case_name` is GoogleTest's "Suite.Test", for the messages.
TAPML_TESTING_API CaseOutcome run_case(int64_t seq, const std::string& case_name);

}  // namespace tapml::testing
