// What makes two recorded calls the same test case, and how a case is named.
// A case is one (op full name, input signature): the dtypes, sizes and
// strides of its tensor inputs plus the values of its other inputs. Names
// are GoogleTest identifiers built from the op and the inputs' dtypes and
// shapes, so a reviewer reads `aten_add_Tensor.f32_1x8x576_576` and knows
// the case without opening the fixture.
#pragma once

#include <string>
#include <vector>

#include "store/trace.h"

namespace tapml::gen {

// Canonical text of a call's inputs: equal for calls a kernel treats alike.
// Tensor storage offsets and device names are left out (they do not change
// what a kernel computes).
std::string input_signature(const store::Call& call);

// "aten::add.Tensor" -> "aten_add_Tensor": letters, digits and single
// underscores, never leading or trailing ones (GoogleTest's rule for names).
std::string op_identifier(const std::string& full_name);

// "f32_1x8x576_576": the inputs' dtypes (written when they change) and
// shapes in schema order, "strided" when an input is a non-contiguous view.
// A call without tensor inputs is named after its outputs ("out_i64_8").
std::string case_base_name(const store::Call& call);

// 16 lowercase hex digits of XXH3-64 over `text`.
std::string short_hash(const std::string& text);

// Gives every entry a name unique within the list: a base name shared by
// several entries gets a suffix from its key's hash; names are cut to a
// readable length (a cut name gets the suffix too). `keys` must be distinct.
std::vector<std::string> unique_names(const std::vector<std::string>& base_names,
                                      const std::vector<std::string>& keys);

}  // namespace tapml::gen
