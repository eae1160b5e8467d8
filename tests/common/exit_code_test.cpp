// The shared exit-code policy (common/exit_code.h): each case is one line on
// stderr with the tool's name, and the code that CI reads.
#include "common/exit_code.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace tapml {
namespace {

TEST(ExitCode, TheFourCodesAreFixed) {
  EXPECT_EQ(exit_code(ExitCode::kOk), 0);
  EXPECT_EQ(exit_code(ExitCode::kCheckFailed), 1);
  EXPECT_EQ(exit_code(ExitCode::kBadInput), 2);
  EXPECT_EQ(exit_code(ExitCode::kTapmlFailed), 3);
}

TEST(ExitCode, AMessageIsOneLineNamingTheTool) {
  testing::internal::CaptureStderr();
  const int code = exit_with("tapml-x", ExitCode::kBadInput, "a.h5: no such\nfile");
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 2);
  EXPECT_EQ(err, "tapml-x: a.h5: no such file\n");
}

TEST(ExitCode, AnUntypedExceptionIsTapmlsOwnFailureNeverAVerdict) {
  testing::internal::CaptureStderr();
  const int code = exit_tapml_failed("tapml-x", std::logic_error("index out of range"));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 3);
  EXPECT_EQ(err.rfind("tapml-x: TapML itself failed: index out of range", 0), 0u) << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
  const TapmlFailure failure("device lost");
  EXPECT_NE(dynamic_cast<const std::runtime_error*>(&failure), nullptr);
}

}  // namespace
}  // namespace tapml
