// What the recorder needs to know about one operator, worked out once from
// its schema (printing and copying a FunctionSchema costs microseconds, an op
// runs millions of times) and looked up by the name pointers RecordFunction
// hands over.
#pragma once

#include <ATen/record_function.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/op_classes.h"
#include "store/op_pattern.h"

namespace tapml::recorder {

// Schema types whose values travel as plain ints in an IValue.
enum class IntMeaning { kInt, kScalarType, kLayout, kMemoryFormat };

struct ArgInfo {
  std::string name;
  std::string type;  // schema type text, e.g. "Tensor", "int[1]?", "ScalarType?"
  IntMeaning int_meaning = IntMeaning::kInt;
  // Its values at entry are never read: out= arguments, and the self of ops
  // that overwrite it whole (copy_, fill_, zero_). Only its layout is kept.
  bool unread = false;
  // An argument the op writes (schema "Tensor(a!)"): in-place selfs and out=.
  bool written = false;
  // A return that is a view of an input the op does not write (schema
  // "-> Tensor(a)"): returning it says nothing about new values.
  bool read_only_alias = false;
};

struct OpInfo {
  bool is_operator = false;  // false: no dispatcher op, or one of the recorder's own (tapml::)
  std::string name;          // "aten::softmax"
  std::string overload;      // "int"
  std::string full_name;     // "aten::softmax.int"
  std::string schema;
  std::vector<ArgInfo> args;
  std::vector<ArgInfo> returns;
  store::OpClass op_class = store::OpClass::Compute;
  bool selected = true;  // include/exclude patterns allow it
};

class OpInfoCache {
 public:
  OpInfoCache(const std::string& include,
              const std::string& exclude);  // throws store::OpPatternError
  const OpInfo& lookup(const at::RecordFunction& fn);

 private:
  struct Key {
    const char* name;
    const char* overload;
    bool operator==(const Key& other) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<const void*>()(key.name) * 31 + std::hash<const void*>()(key.overload);
    }
  };
  struct Entry {
    std::string name_copy;  // to notice a reused pointer
    std::string overload_copy;
    const OpInfo* info;
  };
  const OpInfo& build(const at::RecordFunction& fn);

  store::OpPattern include_;  // store/op_pattern.h; empty: every op
  store::OpPattern exclude_;  // empty: none
  std::unordered_map<Key, Entry, KeyHash> by_pointer_;
  std::unordered_map<std::string, std::unique_ptr<OpInfo>> by_name_;
};

}  // namespace tapml::recorder
