// What makes two recorded calls the same test case, and how a case is named:
// the one naming every part uses, so that the generated GoogleTest suites
// (gen/), the replayer's JUnit report and any later runner call a case alike.
// A case is one (op full name, input signature): the dtypes, sizes and
// strides of its tensor inputs plus the values of its other inputs. Its name
// is a GoogleTest suite (the op, `aten_add_Tensor`) and test name built from
// the inputs' dtypes and shapes (`f32_1x8x576_576`), so a reviewer knows the
// case without opening the fixture. A name never contains a seq: recording
// the same program again, or cutting a trace, leaves it as it was.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "store/trace.h"

namespace tapml::replay {

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

struct CaseKey {
  std::string op;         // full name, "aten::add.Tensor"
  std::string signature;  // input_signature(call)
  bool operator<(const CaseKey& other) const {
    return std::tie(op, signature) < std::tie(other.op, other.signature);
  }
};

struct CaseName {
  std::string suite;  // op_identifier(op), made unique among the ops named together
  std::string name;   // case_base_name, made unique among the op's cases
  std::string full() const { return suite + "." + name; }  // GoogleTest's full name
};

// Names every case of `cases`, each given by one of its calls. A suite name
// shared by two ops (also ignoring letter case, since suites become file
// names) gets a hash of the op; a test name shared by two signatures of an op
// gets a hash of the signature, as does a name cut at 96 characters. So a
// name depends on its op, its signature and which other signatures of the op
// are named with it, never on seqs or on the order of the calls.
std::map<CaseKey, CaseName> name_cases(const std::map<CaseKey, const store::Call*>& cases);

// The case of each compute call (store::is_compute_op) of a trace, and its
// occurrence among the calls alike: 1 for the first in seq order, 2 for the
// next. Calls are added in seq order; names() names them all at once.
class TraceCases {
 public:
  void add(const store::Call& call);

  struct Entry {
    CaseName name;
    int64_t occurrence = 0;
  };
  // Entries by seq, for every call added.
  std::map<int64_t, Entry> names() const;

 private:
  struct Group {
    store::Call first;
    int64_t calls = 0;
  };
  std::map<CaseKey, Group> groups_;
  std::vector<std::pair<int64_t, std::pair<CaseKey, int64_t>>> calls_;  // seq -> (case, occurrence)
};

// "aten_add_Tensor.f32_2x3_2x3#2": the case's full name and the occurrence.
std::string occurrence_name(const CaseName& name, int64_t occurrence);

}  // namespace tapml::replay
