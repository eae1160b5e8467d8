// Text helpers shared by tapml-trace's commands.
#pragma once

#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/trace.h"

namespace tapml::trace_cli {

std::string shape_text(const std::vector<int64_t>& sizes);  // "[2,3]"
std::string bytes_text(int64_t bytes);                      // "1.5 MiB"
// The input tensors' shapes of a call, "f32[2,3] i64[4] -"; lists in ( ).
std::string input_shapes(const store::Call& call);
inline void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

}  // namespace tapml::trace_cli
