// A GoogleTest fixture that runs each test on every backend available here.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "tests/backends/kernel_test_util.h"

namespace tapml::backends::testing {

class KernelTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = find_backend(GetParam());
    ASSERT_NE(backend_, nullptr);
    device_ = backend_->open(0);
  }

  Tensor in(DType dtype, const std::vector<int64_t>& sizes, const std::vector<double>& values,
            Layout layout = Layout::Contiguous) {
    return make_tensor(*device_, dtype, sizes, values, layout);
  }
  Tensor f32(const std::vector<int64_t>& sizes, const std::vector<double>& values,
             Layout layout = Layout::Contiguous) {
    return in(DType::Float32, sizes, values, layout);
  }
  Tensor i64(const std::vector<int64_t>& sizes, const std::vector<double>& values,
             Layout layout = Layout::Contiguous) {
    return in(DType::Int64, sizes, values, layout);
  }
  Tensor out(DType dtype, const std::vector<int64_t>& sizes, Layout layout = Layout::Contiguous) {
    return make_output(*device_, dtype, sizes, layout);
  }
  void run(const CallBuilder& builder) { run_call(*backend_, *device_, builder.call()); }
  std::vector<double> values(const Tensor& t) { return read_values(*device_, t); }
  bool supported(const CallBuilder& builder) {
    return backend_->kernels().select(builder.call(), nullptr) != nullptr;
  }

  const Backend* backend_ = nullptr;
  std::unique_ptr<Device> device_;
};

// Element by element within an absolute-plus-relative tolerance (fp32
// kernels of different platforms), NaN matching NaN.
inline void expect_values(const std::vector<double>& actual, const std::vector<double>& expected,
                          double tolerance = 1e-5) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << "at " << i << ": " << actual[i];
    } else if (std::isinf(expected[i])) {
      EXPECT_EQ(actual[i], expected[i]) << "at " << i;
    } else {
      EXPECT_NEAR(actual[i], expected[i], tolerance * (1 + std::fabs(expected[i]))) << "at " << i;
    }
  }
}

// Sets TAPML_PLANT_BUG for the lifetime of the object.
class PlantedBug {
 public:
  explicit PlantedBug(const char* name) { setenv("TAPML_PLANT_BUG", name, 1); }
  ~PlantedBug() { unsetenv("TAPML_PLANT_BUG"); }
  PlantedBug(const PlantedBug&) = delete;
  PlantedBug& operator=(const PlantedBug&) = delete;
};

#define TAPML_ON_EVERY_BACKEND(Fixture)                                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, Fixture, ::testing::ValuesIn(available_backends()), \
                           [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; })

}  // namespace tapml::backends::testing
