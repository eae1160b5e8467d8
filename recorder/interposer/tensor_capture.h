// Tensor layouts and values for the trace. Hashing and copying every weight
// at every call would make recording unusable, so a tensor already hashed is
// recognised by its storage, data pointer, offset, sizes, strides, dtype and
// version counter (bumped by every in-place write): an unchanged weight costs
// one lookup after its first use. The version counter is not enough on its
// own: writes made inside a kernel (mean.dim summing into its result, then
// dividing it in place) run below autograd and leave it alone. So every op's
// outputs are reported at exit (note_written) and bump a per-storage write
// generation that is part of the key. A transposed weight is stored as a
// view of the weight (store/permuted_view.h).
//
// Neither counter sees a kernel that writes through raw pointers and then
// calls an observed op on what it wrote (histc fills a zeroed scratch tensor
// and sums it with aten::sum.IntList_out): the cache would serve the values
// from before the write. So a nested call (one inside an unfinished op) does
// not reuse an entry made after its outermost unfinished ancestor started,
// nor one for memory an unfinished ancestor writes (its out= and in-place
// arguments): those are hashed again. Top-level calls, the vast majority,
// reuse entries as before. The verification mode (verify_capture) hashes
// every cache hit's memory again and counts the disagreements.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Storage.h>
#include <c10/util/SmallVector.h>

#include <optional>
#include <string>
#include <unordered_map>

#include "recorder/interposer/aten_vocabulary.h"
#include "recorder/interposer/phase_timer.h"
#include "store/trace.h"
#include "store/writer.h"

namespace tapml::recorder {

// Layout and device; nullopt for what a trace cannot hold (sparse, quantized,
// nested, float8...): the caller records its printed description instead.
std::optional<store::TensorMeta> describe_tensor(const at::Tensor& tensor);

// Memory an unfinished call writes: the storage of one of its out= or
// in-place arguments.
struct OpenWrite {
  int64_t seq;
  const c10::StorageImpl* storage;
};

// The call whose tensors are being captured, as the cache needs to know it.
struct CaptureSite {
  int64_t seq = -1;
  // The seq of its outermost unfinished ancestor; `seq` itself when it is a
  // top-level call.
  int64_t outermost = -1;
  // What its unfinished ancestors write.
  c10::ArrayRef<OpenWrite> ancestor_writes;
  // For the verification mode's reports: the op and the argument.
  const std::string* op = nullptr;
  const std::string* arg = nullptr;
};

class TensorCapture {
 public:
  // `in_background`: large values go through put_tensor_later (those of
  // nested calls from a copy). `verify`:
  // every cache hit is checked against its memory (verify_capture).
  TensorCapture(store::TraceWriter& writer, PhaseTotals& phases, bool in_background, bool verify);

  // Where the tensors captured next come from; set before each call's
  // inputs and outputs.
  void set_site(const CaptureSite& site) { site_ = site; }
  void set_site_arg(const std::string* arg) { site_.arg = arg; }

  // Fills meta.hash and hands the values to the writer unless they are stored
  // already. Leaves meta.hash empty for tensors without readable values.
  void capture(const at::Tensor& tensor, store::TensorMeta& meta);

  // An op has just returned `tensor` (a result, an out= argument or an
  // in-place self): its storage may hold new values whatever its version.
  void note_written(const at::Tensor& tensor);

  // An op is about to write `value` (a tensor or a list of them): waits until
  // values of its storage that are still being written (put_tensor_later)
  // are on disk, so that the trace holds them as they were.
  void before_write(const c10::IValue& value);
  bool writes_in_flight() const { return !in_flight_.empty(); }

  int64_t bytes_put() const { return bytes_put_; }
  int64_t tensors_hashed() const { return tensors_hashed_; }
  int64_t cache_hits() const { return cache_hits_; }
  int64_t bytes_referenced() const { return bytes_referenced_; }
  // Cache hits whose memory no longer held the cached values (verify mode).
  int64_t disagreements() const { return disagreements_; }
  bool verifies() const { return verify_; }
  // The device a CUDA tensor was first met on ("cuda:0"), empty before.
  const std::string& accelerator() const { return accelerator_; }

 private:
  struct Key {
    const c10::StorageImpl* storage;
    const void* data;
    int64_t offset;
    uint32_t version;
    uint64_t generation;
    c10::ScalarType dtype;
    c10::SmallVector<int64_t, 6> sizes;
    c10::SmallVector<int64_t, 6> strides;
    bool operator==(const Key& other) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Entry {
    c10::weak_intrusive_ptr<c10::StorageImpl> storage;  // keeps the address from being reused
    std::string hash;
    int64_t made_by;  // the seq of the call that hashed it
  };

  // `referenced`: a call references the tensor (a view's base is not).
  void capture_values(const at::Tensor& tensor, store::TensorMeta& meta, bool referenced);
  // Whether a nested call may trust `entry` (the class comment says why).
  bool reusable(const Entry& entry, const c10::StorageImpl* storage) const;
  // The hash a cache miss would give `tensor` now, storing nothing.
  std::string hash_of_memory(const at::Tensor& tensor, const store::TensorMeta& meta);
  void verify_hit(const at::Tensor& tensor, const store::TensorMeta& meta,
                  const std::string& cached);
  void count_reference(size_t nbytes);
  std::string hash_and_store(const at::Tensor& tensor, const store::TensorMeta& meta,
                             bool referenced = true);
  // Hands `host`'s values (those of `tensor`, or a copy) to the writer's
  // thread and notes them in flight when they are `tensor`'s own memory.
  void put_later(const at::Tensor& tensor, const at::Tensor& host, const std::string& hash,
                 const store::TensorMeta& meta);
  // A dense permutation of contiguous memory (weight.t(), q.transpose(1, 2))
  // is stored as a view of that memory's tensor, which the cache usually
  // knows already: no transposed copy, and the weight's bytes stored once.
  std::string store_as_view(const at::Tensor& tensor, const store::TensorMeta& meta,
                            const std::vector<int64_t>& order);
  void forget_freed_storages();
  uint64_t write_generation(const c10::StorageImpl* storage) const;

  store::TraceWriter& writer_;
  PhaseTotals& phases_;
  bool in_background_;
  bool verify_;
  // TAPML_PLANT_BUG=trust-tensor-cache: nested calls trust every entry, as
  // before the fix (docs/planted-bugs.md).
  bool trust_every_entry_;
  CaptureSite site_;
  int64_t disagreements_ = 0;
  std::unordered_map<Key, Entry, KeyHash> known_;
  std::unordered_map<const c10::StorageImpl*, uint64_t> generation_;
  // Storages whose values the writer is still writing, with the ticket to
  // wait for; pruned of written ones as it grows.
  std::unordered_map<const c10::StorageImpl*, uint64_t> in_flight_;
  size_t prune_at_ = 4096;
  int64_t bytes_put_ = 0;
  int64_t tensors_hashed_ = 0;
  int64_t cache_hits_ = 0;
  int64_t bytes_referenced_ = 0;
  std::string accelerator_;
};

}  // namespace tapml::recorder
