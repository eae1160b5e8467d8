#include "migrate/migration/op_kinds.h"

#include <sys/wait.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "recorder/launch/launch.h"
#include "store/op_classes.h"

namespace tapml::migrate {

std::set<std::string> decomposing_ops(const std::string& python,
                                      const std::vector<std::string>& names) {
  std::vector<std::string> argv = {
      python, "-c",
      "import sys, torch\n"
      "for n in sys.argv[1:]:\n"
      "    print(n, int(torch._C._dispatch_has_kernel_for_dispatch_key(n, "
      "'CompositeImplicitAutograd')))\n"};
  argv.insert(argv.end(), names.begin(), names.end());
  recorder::Captured probe = recorder::run_capture(argv, recorder::current_environment(), ".");
  if (!WIFEXITED(probe.status) || WEXITSTATUS(probe.status) != 0) {
    throw std::runtime_error("cannot ask " + python + " which ops torch decomposes: " + probe.err);
  }
  std::set<std::string> decomposing;
  std::istringstream lines(probe.out);
  std::string name;
  int composite = 0;
  while (lines >> name >> composite) {
    if (composite != 0) decomposing.insert(name);
  }
  return decomposing;
}

std::vector<OpKind> migration_order(const store::TraceReader& reference,
                                    const backends::KernelTable& target_kernels,
                                    const std::string& python) {
  std::vector<OpKind> kinds;
  std::vector<std::string> names;
  for (const auto& [full_name, stats] : reference.op_stats()) {
    const std::string base = full_name.substr(0, full_name.find('.', full_name.find("::") + 2));
    if (store::classify_op(base) != store::OpClass::Compute) continue;
    if (!target_kernels.has_op(full_name)) continue;
    kinds.push_back({full_name, stats.calls});
    names.push_back(full_name);
  }
  const std::set<std::string> decomposing = decomposing_ops(python, names);
  std::erase_if(kinds, [&](const OpKind& kind) { return decomposing.count(kind.name) > 0; });
  std::stable_sort(kinds.begin(), kinds.end(), [](const OpKind& a, const OpKind& b) {
    return a.calls != b.calls ? a.calls > b.calls : a.name < b.name;
  });
  return kinds;
}

}  // namespace tapml::migrate
