// The text of a generated suite: one GoogleTest source per operator, one
// TEST per case, and the suite's CMakeLists.txt, which names the fixture and
// records its hash. Every file is stamped (stamp.h). The output is a pure
// function of its inputs: no times, no paths of this machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gen/case_selection.h"

namespace tapml::gen {

inline constexpr const char* kFixtureName = "fixture.h5";
inline constexpr const char* kSuiteCMakeName = "CMakeLists.txt";

struct SuiteInfo {
  std::string model;         // "smollm2": the suite's name and CTest label
  std::string trace_name;    // file name of the source trace, without its folder
  std::string options;       // the options that shaped the suite, as flags
  std::string fixture_hash;  // short_hash of fixture.h5's bytes
  size_t fixture_bytes = 0;
};

struct SourceFile {
  std::string name;  // file name in the suite's folder
  std::string text;
};

// `fixture_seqs[i]` is the seq of selection.cases[i] in the fixture.
std::vector<SourceFile> suite_sources(const Selection& selection,
                                      const std::vector<int64_t>& fixture_seqs,
                                      const SuiteInfo& info);

// The fixture hash a suite's CMakeLists.txt records; nullopt when it has none.
std::optional<std::string> recorded_fixture_hash(const std::string& cmake_text);

}  // namespace tapml::gen
