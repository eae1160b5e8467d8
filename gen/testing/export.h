// What libtapml_testing exports: the suite-facing functions only (settings.h,
// case_runner.h). Everything it links statically (the replayer, the store,
// the backends) stays hidden, so a suite that links other libraries cannot
// clash with TapML's copies of them.
#pragma once

#define TAPML_TESTING_API __attribute__((visibility("default")))
