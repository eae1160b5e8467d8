// A committed generated suite (MiniLM's) as a CI runs it: a planted kernel
// bug makes it fail with a message naming the op and the case, and
// GoogleTest's sharding variables split it into disjoint parts that cover it.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "tests/gen/process.h"

namespace tapml::gen_test {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> targets() {
  std::vector<std::string> names;
  std::istringstream list(TAPML_SUITE_TARGET_LIST);
  for (std::string name; std::getline(list, name, ',');) names.push_back(name);
  return names;
}

Outcome run_suite(const std::string& env, const std::string& target, const std::string& args,
                  const fs::path& scratch) {
  return run(env + " " + quoted(TAPML_SUITE_BINARY) + " --tapml-target=" + target + " " + args,
             scratch);
}

// The tests GoogleTest ran, from its "[ RUN      ] Suite.Test" lines.
std::multiset<std::string> ran(const std::string& out) {
  std::multiset<std::string> names;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("[ RUN      ] ")) names.insert(line.substr(13));
  }
  return names;
}

class PlantedBug : public ::testing::TestWithParam<std::string> {};

TEST_P(PlantedBug, FailsTheSuiteNamingOpAndCase) {
  const fs::path scratch = fresh_folder("scratch");
  const std::string filter = "--gtest_filter='aten_sum_dim_IntList.*:aten_add_Tensor.*'";
  const Outcome clean = run_suite("env -u TAPML_PLANT_BUG", GetParam(), filter, scratch);
  ASSERT_EQ(clean.exit_code, 0) << "the suite must pass without the planted bug:\n" << clean.out;

  const Outcome broken =
      run_suite("TAPML_PLANT_BUG=reduce-off-by-one", GetParam(), filter, scratch);
  EXPECT_EQ(broken.exit_code, 1) << broken.out << broken.err;
  const std::string names_case = "aten::sum.dim_IntList, case aten_sum_dim_IntList.f32_4x15x384";
  EXPECT_NE(broken.out.find(names_case), std::string::npos) << broken.out;
  EXPECT_NE(broken.out.find("worst element"), std::string::npos) << broken.out;
  EXPECT_NE(broken.out.find("[  FAILED  ] aten_sum_dim_IntList.f32_4x15x384"), std::string::npos)
      << broken.out;
  // The bug is in the reduction only: the add cases still pass.
  EXPECT_EQ(broken.out.find("[  FAILED  ] aten_add_Tensor."), std::string::npos) << broken.out;
  fs::remove_all(scratch);
}

std::string target_name(const ::testing::TestParamInfo<std::string>& target) {
  return target.param;
}

INSTANTIATE_TEST_SUITE_P(Targets, PlantedBug, ::testing::ValuesIn(targets()), target_name);

TEST(Sharding, ShardsAreDisjointAndCoverTheSuite) {
  const fs::path scratch = fresh_folder("scratch");
  const std::string filter = "--gtest_filter='aten_a*:aten_c*:aten_s*'";
  const Outcome all = run_suite("", "cpu", filter, scratch);
  ASSERT_EQ(all.exit_code, 0) << all.out;
  const std::multiset<std::string> everything = ran(all.out);
  ASSERT_GT(everything.size(), 6u);

  constexpr int kShards = 3;
  std::multiset<std::string> union_of_shards;
  for (int shard = 0; shard < kShards; ++shard) {
    const Outcome part = run_suite("GTEST_TOTAL_SHARDS=" + std::to_string(kShards) +
                                       " GTEST_SHARD_INDEX=" + std::to_string(shard),
                                   "cpu", filter, scratch);
    ASSERT_EQ(part.exit_code, 0) << part.out;
    const std::multiset<std::string> names = ran(part.out);
    EXPECT_GT(names.size(), 0u) << "shard " << shard << " ran nothing";
    EXPECT_LT(names.size(), everything.size()) << "shard " << shard << " ran everything";
    union_of_shards.insert(names.begin(), names.end());
  }
  EXPECT_TRUE(union_of_shards == everything)
      << "the shards must run every test exactly once between them";
  fs::remove_all(scratch);
}

}  // namespace
}  // namespace tapml::gen_test
