#include "replayer/layout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace tapml::replay {
namespace {

TEST(Layout, StorageCoversOffsetPlusMaxExtent) {
  EXPECT_EQ((Layout{{2, 3}, {3, 1}, 0}).storage_elements(), 6);
  EXPECT_EQ((Layout{{2, 3}, {1, 2}, 4}).storage_elements(), 4 + 1 + 4 + 1);  // transposed
  EXPECT_EQ((Layout{{4, 5}, {0, 1}, 0}).storage_elements(), 5);               // broadcast
  EXPECT_EQ((Layout{{0, 5}, {5, 1}, 0}).storage_elements(), 1);
  EXPECT_TRUE((Layout{{2, 1, 3}, {3, 7, 1}, 2}).is_contiguous());
  EXPECT_FALSE((Layout{{2, 3}, {1, 2}, 0}).is_contiguous());
}

TEST(Layout, ScatterGatherRoundTripThroughStridedView) {
  const Layout view{{3, 2}, {1, 4}, 5};  // a transposed slice, starting at element 5
  const std::vector<float> values = {0, 1, 2, 3, 4, 5};
  const int64_t elements = view.storage_elements();
  std::vector<float> storage(static_cast<size_t>(elements));
  fill_poison(DType::Float32, reinterpret_cast<std::byte*>(storage.data()), elements);
  scatter(reinterpret_cast<const std::byte*>(values.data()), 4, view,
          reinterpret_cast<std::byte*>(storage.data()));
  EXPECT_EQ(storage[5], 0);  // [0, 0]
  EXPECT_EQ(storage[9], 1);  // [0, 1]
  EXPECT_EQ(storage[6], 2);  // [1, 0]
  EXPECT_TRUE(std::isnan(storage[0]));
  EXPECT_TRUE(std::isnan(storage[8]));
  std::vector<float> back(6);
  gather(reinterpret_cast<const std::byte*>(storage.data()), 4, view,
         reinterpret_cast<std::byte*>(back.data()));
  EXPECT_EQ(back, values);
  EXPECT_EQ(first_touched_outside_view(DType::Float32,
                                       reinterpret_cast<const std::byte*>(storage.data()),
                                       elements, view),
            -1);
  storage[8] = 1.0f;  // a write outside the view
  EXPECT_EQ(first_touched_outside_view(DType::Float32,
                                       reinterpret_cast<const std::byte*>(storage.data()),
                                       elements, view),
            8);
}

TEST(Layout, PoisonPatternsAreNaNOrUnlikelySentinels) {
  for (DType dtype : kAllDTypes) {
    const auto pattern = poison_pattern(dtype);
    EXPECT_EQ(pattern.size(), dtype_size(dtype)) << dtype_name(dtype);
  }
  float f;
  std::memcpy(&f, poison_pattern(DType::Float32).data(), 4);
  EXPECT_TRUE(std::isnan(f));
  EXPECT_EQ(static_cast<uint8_t>(poison_pattern(DType::Bool)[0]), 0xA5);
  std::vector<int32_t> many(1000);
  fill_poison(DType::Int32, reinterpret_cast<std::byte*>(many.data()), 1000);
  for (int32_t v : many) EXPECT_EQ(v, 0x5A5A5A5B);
}

}  // namespace
}  // namespace tapml::replay
