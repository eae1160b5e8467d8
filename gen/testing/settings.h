// How a generated suite's test binary is pointed at a target, a device, its
// fixture and a tolerance file: a --tapml-NAME=VALUE argument wins over the
// environment variable TAPML_NAME, which wins over the default.
//
//   --tapml-target=NAME      TAPML_TARGET     cpu, vulkan, opencl (default cpu)
//   --tapml-device=N         TAPML_DEVICE     device index of the target (default 0)
//   --tapml-fixture=PATH     TAPML_FIXTURE    the fixture (default: the suite's own)
//   --tapml-tolerance=FILE   TAPML_TOLERANCE  tolerance rules over the built-in ones
//   --tapml-strict           TAPML_STRICT=1   a case the target has no kernel for
//                                             fails instead of being skipped
#pragma once

#include <string>
#include <vector>

#include "gen/testing/export.h"

namespace tapml::testing {

struct Settings {
  std::string model;  // the suite's name
  std::string target = "cpu";
  int device = 0;
  std::string fixture;
  std::string tolerance_file;
  bool strict = false;  // unsupported cases fail rather than skip
};

// Reads the settings and removes the --tapml-* arguments from argv, leaving
// GoogleTest's. Returns an error line (empty when fine).
TAPML_TESTING_API std::string parse_settings(int& argc, char** argv, Settings& settings);

// The settings the running suite uses.
TAPML_TESTING_API Settings& settings();

}  // namespace tapml::testing
