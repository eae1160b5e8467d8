// Small traces written through the store's writer for the diff tests: a
// list of calls (op, depth, scope, output values) makes a program; variants
// of it (a perturbed value, a missing subtree, an extra call) make the other
// run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tapml::migrate::testing {

struct SynthCall {
  std::string op;  // "aten::add.Tensor": name and overload
  int32_t depth = 0;
  std::string scope;
  std::vector<float> values;  // a float32 output, when non-empty
  std::vector<int64_t> ints;  // else an int64 output (token ids)
};

// A decoder-like program: embedding, `layers` layers (linear with an addmm
// child, then gelu), logits, argmax token; twice (two generation steps).
std::vector<SynthCall> sample_program(int layers = 3);

// Writes the calls (each reads the previous call's output) as a trace.
void write_trace(const std::string& path, const std::vector<SynthCall>& calls,
                 const std::string& model = "synthetic");

// An empty folder of the running test's own under gtest's TempDir(), named by
// `prefix`, the test and the process: ctest runs these tests side by side.
std::filesystem::path fresh_test_dir(const std::string& prefix);

}  // namespace tapml::migrate::testing
