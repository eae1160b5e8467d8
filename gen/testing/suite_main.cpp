// The main() of a generated suite's test binary, compiled into each suite
// with its name and fixture (tapml_generated_suite in generated_suite.cmake).
#include <gtest/gtest.h>

#include <iostream>

#include "gen/testing/settings.h"

#if !defined(TAPML_SUITE_MODEL) || !defined(TAPML_SUITE_FIXTURE)
#error "built by tapml_generated_suite(), which defines TAPML_SUITE_MODEL and TAPML_SUITE_FIXTURE"
#endif

int main(int argc, char** argv) {
  tapml::testing::Settings& settings = tapml::testing::settings();
  settings.model = TAPML_SUITE_MODEL;
  settings.fixture = TAPML_SUITE_FIXTURE;
  if (const std::string error = tapml::testing::parse_settings(argc, argv, settings);
      !error.empty()) {
    std::cerr << settings.model << " suite: " << error << "\n";
    return 2;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
