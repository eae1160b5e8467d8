#include "migrate/diff/align.h"

#include <algorithm>

namespace tapml::migrate {
namespace {

constexpr size_t kDifferingExamples = 10;

class Aligner {
 public:
  Aligner(const CallStream& ref, const CallStream& other) : ref_(ref), other_(other) {}

  AlignedStreams run() {
    result_.alignment.ref_calls = static_cast<int64_t>(ref_.calls.size());
    result_.alignment.other_calls = static_cast<int64_t>(other_.calls.size());
    const auto& a = ref_.roots;
    const auto& b = other_.roots;
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    for (; i < n && call(ref_, a[i]).op == call(other_, b[i]).op; ++i) pair(a[i], b[i]);
    Alignment& al = result_.alignment;
    if (i < n) {
      stop(a[i], b[i],
           "top-level call " + std::to_string(i) + " differs: ref seq " + std::to_string(a[i]) +
               " " + call(ref_, a[i]).op + ", other seq " + std::to_string(b[i]) + " " +
               call(other_, b[i]).op);
    } else if (a.size() != b.size()) {
      const bool ref_longer = a.size() > b.size();
      const int64_t next = ref_longer ? a[i] : b[i];
      const std::string& op = ref_longer ? call(ref_, next).op : call(other_, next).op;
      stop(ref_longer ? next : -1, ref_longer ? -1 : next,
           std::string(ref_longer ? "the other trace" : "the reference trace") + " ends after " +
               std::to_string(i) + " top-level calls; " + (ref_longer ? "ref" : "other") +
               " continues at seq " + std::to_string(next) + " " + op);
    }
    al.aligned = static_cast<int64_t>(result_.pairs.size());
    return std::move(result_);
  }

 private:
  static const StreamCall& call(const CallStream& s, int64_t seq) {
    return s.calls[static_cast<size_t>(seq)];
  }

  void stop(int64_t ref_seq, int64_t other_seq, std::string reason) {
    Alignment& al = result_.alignment;
    al.complete = false;
    al.ref_stop = ref_seq;
    al.other_stop = other_seq;
    al.stop_reason = std::move(reason);
  }

  // Pairs two calls of equal op and, recursively, the common prefix of their
  // children; children that do not pair up mark the subtree as differing.
  void pair(int64_t r, int64_t o) {
    result_.pairs.emplace_back(r, o);
    const auto& a = call(ref_, r).children;
    const auto& b = call(other_, o).children;
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    for (; i < n && call(ref_, a[i]).op == call(other_, b[i]).op; ++i) pair(a[i], b[i]);
    if (i < a.size() || i < b.size()) {
      Alignment& al = result_.alignment;
      if (al.differing_examples.size() < kDifferingExamples)
        al.differing_examples.emplace_back(r, o);
      ++al.subtrees_differing;
    }
  }

  const CallStream& ref_;
  const CallStream& other_;
  AlignedStreams result_;
};

}  // namespace

AlignedStreams align_streams(const CallStream& ref, const CallStream& other) {
  return Aligner(ref, other).run();
}

}  // namespace tapml::migrate
