// One rule for choosing ops by name, shared by every tool: `tapml-replay
// --op`, `tapml-trace ls/subset --op`, the capture keys `include`/`exclude`,
// `tapml-gen --op`, `tapml-trace diff --final-op/--token-op`, tolerance
// rules, `tapml-migrate --ops` and `offload_ops`. Before it, some tools
// searched for the pattern anywhere in the name and others matched it in
// full, so `--op add` meant `aten::add.Tensor` in one tool and also
// `aten::addmm` and `aten::_index_add` in another.
//
// The rule (docs/architecture.md, "Op patterns"): an ECMAScript regular
// expression that must match a whole name; a call matches when it matches
// the call's full name (`aten::softmax.int`), its name without the overload
// (`aten::softmax`), or either of them without the namespace (`softmax.int`,
// `softmax`). So `softmax` selects every overload of aten::softmax and
// nothing else, `aten::add.Tensor` one overload, `.*softmax.*` anything
// with softmax in its name, `mm|addmm` two ops.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tapml::store {

// Thrown for a pattern that is not a valid regular expression; what() is
// one line naming the flag or key, the pattern and the reason.
class OpPatternError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class OpPattern {
 public:
  OpPattern();  // matches every op
  // `where` names the flag or key in error messages ("--op", "include").
  // An empty text matches every op.
  OpPattern(const std::string& text, std::string_view where);
  ~OpPattern();
  OpPattern(const OpPattern&);
  OpPattern& operator=(const OpPattern&);
  OpPattern(OpPattern&&) noexcept;
  OpPattern& operator=(OpPattern&&) noexcept;

  // `full_name` as stored in traces: "aten::add.Tensor" (or "aten::relu"
  // for an op without overload).
  bool matches(std::string_view full_name) const;
  bool matches_every_op() const { return text_.empty(); }
  const std::string& text() const { return text_; }

 private:
  struct Compiled;
  std::string text_;
  std::shared_ptr<const Compiled> compiled_;  // null when text_ is empty
};

// The four names a pattern is tried against, in the order above.
struct OpNames {
  std::string_view full;              // aten::softmax.int
  std::string_view name;              // aten::softmax
  std::string_view unqualified_full;  // softmax.int
  std::string_view unqualified_name;  // softmax
};
OpNames op_names(std::string_view full_name);

}  // namespace tapml::store
