#include "replayer/isolation/result_codec.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

// std::optional<T> as null or T (nlohmann 3.11 has no serializer of its own).
namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& value) {
    if (value) {
      j = *value;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& value) {
    if (j.is_null()) {
      value.reset();
    } else {
      value = j.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace tapml::replay {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BoundSummary, rule, terms, unit_roundoff,
                                                output_roundoff, safety)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Comparison, passed, failure, elements, nmse,
                                                max_abs, max_rel, worst_index, worst_actual,
                                                worst_expected, mismatches, nonfinite_mismatches,
                                                bound, bound_from_shapes, worst_threshold,
                                                worst_ratio)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Tolerance, exact, nmse, atol, rtol, method, safety,
                                                flush_subnormals)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunDifference, first_run, other_run, flat_index,
                                                first_value, other_value, differing, elements)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OutputResult, name, dtype, sizes, tolerance,
                                                comparison, run_difference)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CaseName, suite, name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CallResult, seq, op, replayed_as, scope, case_name,
                                                occurrence, status, runs, message, inputs, outputs,
                                                kernel_seconds, input_bytes)

nlohmann::json result_to_json(const CallResult& result) { return result; }

CallResult result_from_json(const nlohmann::json& value) {
  try {
    return value.get<CallResult>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("not an encoded call result: ") + e.what());
  }
}

}  // namespace tapml::replay
