// A few real kernel calls (a strided mm, add with alpha, masked_fill with
// -inf, softmax) that the remote tests run on a local and a remote backend
// to compare the bytes each gives.
#pragma once

#include <vector>

#include "backends/backend.h"

namespace tapml::remote::testing {

// A view with its own buffer; `values` fill the buffer in order.
backends::Tensor make_tensor(backends::Device& device, std::vector<int64_t> sizes,
                             std::vector<int64_t> strides, const std::vector<float>& values,
                             DType dtype = DType::Float32);
// A contiguous output buffer full of NaN.
backends::Tensor make_output(backends::Device& device, std::vector<int64_t> sizes);
// The whole buffer of `t` as floats.
std::vector<float> read_back(backends::Device& device, const backends::Tensor& t);
std::vector<float> iota(size_t n, float scale);
bool same_bits(const std::vector<float>& a, const std::vector<float>& b);

// Runs the sample calls on device 0 of `backend`; every output's bytes.
std::vector<std::vector<float>> run_sample_calls(const backends::Backend& backend);

}  // namespace tapml::remote::testing
