// The GoogleTest side of a generated case (case.h): compiled into each
// suite, it turns the outcome libtapml_testing gives (case_runner.h) into
// GoogleTest's pass, skip or failure.
#include "gen/testing/case.h"

#include "gen/testing/case_runner.h"

namespace tapml::testing {

void check_case(int64_t seq) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string case_name = std::string(test->test_suite_name()) + "." + test->name();
  const CaseOutcome outcome = run_case(seq, case_name);
  switch (outcome.kind) {
    case CaseOutcome::Kind::Pass:
      return;
    case CaseOutcome::Kind::Skip:
      GTEST_SKIP() << outcome.message;
    case CaseOutcome::Kind::Fail:
      ADD_FAILURE() << outcome.message;
      return;
  }
}

}  // namespace tapml::testing
