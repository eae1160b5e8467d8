// Which op kinds a migration moves, in which order: the reference run's
// compute ops that the target has a kernel for, most-called first. Ops that
// torch decomposes into other ops (aten::linear -> aten::t, aten::addmm)
// never reach a kernel of their own, so their parts are the kinds.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "store/reader.h"

namespace tapml::migrate {

struct OpKind {
  std::string name;  // full aten name: "aten::add.Tensor"
  int64_t calls = 0;
};

// Of `names`, those torch decomposes (a CompositeImplicitAutograd kernel),
// asked of `python` (the one the interposer was built with). Throws
// std::runtime_error when the python cannot answer.
std::set<std::string> decomposing_ops(const std::string& python,
                                      const std::vector<std::string>& names);

std::vector<OpKind> migration_order(const store::TraceReader& reference,
                                    const backends::KernelTable& target_kernels,
                                    const std::string& python);

}  // namespace tapml::migrate
