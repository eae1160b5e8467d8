#include "gen/testing/settings.h"

#include <cstdlib>
#include <cstring>

#include "backends/target.h"
#ifdef TAPML_TESTING_WITH_REMOTE
#include "remote/client/remote_scheme.h"
#endif

namespace tapml::testing {
namespace {

// The value of --tapml-NAME=VALUE (removed from argv) or TAPML_NAME, if set;
// a bare --tapml-NAME is the switch "1".
bool take(int& argc, char** argv, const char* name, const char* env, std::string& value) {
  bool found = false;
  if (const char* from_env = std::getenv(env); from_env && *from_env) {
    value = from_env;
    found = true;
  }
  const std::string flag = std::string("--tapml-") + name;
  const std::string prefix = flag + "=";
  for (int i = 1; i < argc; ++i) {
    if (flag == argv[i]) {
      value = "1";
    } else if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      value = argv[i] + prefix.size();
    } else {
      continue;
    }
    found = true;
    for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
    --argc;
    --i;
  }
  return found;
}

}  // namespace

Settings& settings() {
  static Settings instance;
  return instance;
}

std::string parse_settings(int& argc, char** argv, Settings& s) {
#ifdef TAPML_TESTING_WITH_REMOTE
  remote::register_remote_scheme();  // --tapml-target=remote://host:port/vulkan
#endif
  take(argc, argv, "target", "TAPML_TARGET", s.target);
  take(argc, argv, "fixture", "TAPML_FIXTURE", s.fixture);
  take(argc, argv, "tolerance", "TAPML_TOLERANCE", s.tolerance_file);
  std::string strict;
  if (take(argc, argv, "strict", "TAPML_STRICT", strict)) {
    if (strict != "1" && strict != "true" && strict != "0" && strict != "false") {
      return "--tapml-strict / TAPML_STRICT '" + strict + "' is not 1, true, 0 or false";
    }
    s.strict = strict == "1" || strict == "true";
  }
  std::string device;
  if (take(argc, argv, "device", "TAPML_DEVICE", device)) {
    char* end = nullptr;
    const long index = std::strtol(device.c_str(), &end, 10);
    if (device.empty() || *end != '\0' || index < 0 || index > 1024) {
      return "--tapml-device / TAPML_DEVICE '" + device + "' is not a device index (0, 1, ...)";
    }
    s.device = static_cast<int>(index);
  }
  try {
    backends::resolve_target(s.target, "--tapml-target / TAPML_TARGET");
  } catch (const backends::TargetError& e) {
    return e.what();
  }
  return "";
}

}  // namespace tapml::testing
