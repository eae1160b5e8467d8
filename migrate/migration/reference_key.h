// Which reference recording a migration may reuse. Recording the reference
// run costs one program run (a minute for SmolLM2 on two cores) and says
// nothing new while the program is the same, so tapml-migrate keeps it in
// the work folder under a name made from what decides its contents: the
// run.cfg's text and every file its command names (the driver script).
// Edit either and the name changes, so a stale reference is never reused.
#pragma once

#include <string>

namespace tapml::migrate {

// 16 hex digits; throws recorder::UsageError for a run.cfg tapml-record
// would refuse.
std::string reference_key(const std::string& run_config);

}  // namespace tapml::migrate
