#include "recorder/interposer/tensor_capture.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "store/spool.h"

namespace tapml::recorder {

namespace {

// The dimension order that makes `tensor` contiguous when it is a dense
// permutation of contiguous memory (tensor.permute(order) is contiguous);
// nullopt otherwise, or when it is contiguous already.
std::optional<std::vector<int64_t>> contiguous_order(const at::Tensor& tensor) {
  const int64_t rank = tensor.dim();
  if (rank < 2 || tensor.is_contiguous() || tensor.numel() == 0 || tensor.is_conj() ||
      tensor.is_neg()) {
    return std::nullopt;
  }
  std::vector<int64_t> order(static_cast<size_t>(rank));
  for (int64_t d = 0; d < rank; ++d) order[static_cast<size_t>(d)] = d;
  const auto strides = tensor.strides();
  const auto sizes = tensor.sizes();
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return strides[a] > strides[b]; });
  int64_t expected = 1;
  for (size_t i = order.size(); i-- > 0;) {
    const int64_t d = order[i];
    if (sizes[d] != 1 && strides[d] != expected) return std::nullopt;
    expected *= sizes[d];
  }
  return order;
}

// `tensor`'s values, row-major, on the host, conjugation and negation bits
// applied: `tensor` itself when it is so already (the common case, which runs
// no op). The ops run here are the recorder's own: RecordFunction is off for
// them, and only for them, since switching it rebuilds torch's thread-local
// callback lists (about 0.1 s over SmolLM2's 100k calls when done at every
// call).
at::Tensor host_contiguous(const at::Tensor& tensor) {
  if (!tensor.is_conj() && !tensor.is_neg() && tensor.device().type() == c10::DeviceType::CPU &&
      tensor.is_contiguous()) {
    return tensor;
  }
  at::DisableRecordFunctionGuard unrecorded;
  at::Tensor host = tensor;
  if (host.is_conj() || host.is_neg()) host = host.resolve_conj().resolve_neg();
  if (host.device().type() != c10::DeviceType::CPU) host = host.to(c10::kCPU);
  if (!host.is_contiguous()) host = host.contiguous();
  return host;
}

}  // namespace

std::optional<store::TensorMeta> describe_tensor(const at::Tensor& tensor) {
  if (tensor.layout() != c10::kStrided || tensor.is_quantized() || tensor.is_nested()) {
    return std::nullopt;
  }
  auto dtype = dtype_of(tensor.scalar_type());
  if (!dtype) return std::nullopt;
  store::TensorMeta meta;
  meta.dtype = *dtype;
  auto sizes = tensor.sizes();
  auto strides = tensor.strides();
  meta.sizes.assign(sizes.begin(), sizes.end());
  meta.strides.assign(strides.begin(), strides.end());
  meta.storage_offset = tensor.storage_offset();
  meta.device = tensor.device().str();
  return meta;
}

TensorCapture::TensorCapture(store::TraceWriter& writer, PhaseTotals& phases, bool in_background,
                             bool verify)
    : writer_(writer), phases_(phases), in_background_(in_background), verify_(verify) {
  const char* planted = std::getenv("TAPML_PLANT_BUG");
  trust_every_entry_ = planted != nullptr && std::strcmp(planted, "trust-tensor-cache") == 0;
}

size_t TensorCapture::KeyHash::operator()(const Key& key) const {
  size_t h = std::hash<const void*>()(key.storage);
  auto mix = [&h](size_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  mix(std::hash<const void*>()(key.data));
  mix(static_cast<size_t>(key.offset));
  mix(key.version);
  mix(key.generation);
  mix(static_cast<size_t>(key.dtype));
  for (int64_t s : key.sizes) mix(static_cast<size_t>(s));
  for (int64_t s : key.strides) mix(static_cast<size_t>(s) * 31);
  return h;
}

void TensorCapture::capture(const at::Tensor& tensor, store::TensorMeta& meta) {
  capture_values(tensor, meta, true);
}

void TensorCapture::capture_values(const at::Tensor& tensor, store::TensorMeta& meta,
                                   bool referenced) {
  if (!tensor.has_storage() || tensor.is_meta()) return;
  if (tensor.device().type() != c10::DeviceType::CPU && accelerator_.empty()) {
    accelerator_ = tensor.device().str();
  }
  // Inference tensors have no version counter: their values are hashed at
  // every use (they are fresh activations, so this is their first use anyway).
  const bool cacheable = !tensor.is_inference();
  std::optional<Key> key;
  if (cacheable) {
    const c10::Storage& storage = tensor.storage();
    key.emplace(
        Key{storage.unsafeGetStorageImpl(), storage.data(), tensor.storage_offset(),
            tensor.unsafeGetTensorImpl()->version_counter().current_version(),
            write_generation(storage.unsafeGetStorageImpl()), tensor.scalar_type(),
            c10::SmallVector<int64_t, 6>(tensor.sizes().begin(), tensor.sizes().end()),
            c10::SmallVector<int64_t, 6>(tensor.strides().begin(), tensor.strides().end())});
    auto it = known_.find(*key);
    if (it != known_.end() && reusable(it->second, key->storage)) {
      ++cache_hits_;
      meta.hash = it->second.hash;
      if (verify_) verify_hit(tensor, meta, meta.hash);
      if (referenced) count_reference(meta.nbytes());
      return;
    }
  }
  const auto order = contiguous_order(tensor);
  meta.hash =
      order ? store_as_view(tensor, meta, *order) : hash_and_store(tensor, meta, referenced);
  if (key && !meta.hash.empty()) {
    if (known_.size() >= prune_at_) forget_freed_storages();
    known_.insert_or_assign(std::move(*key),
                            Entry{tensor.storage().getWeakStorageImpl(), meta.hash, site_.seq});
  }
}

bool TensorCapture::reusable(const Entry& entry, const c10::StorageImpl* storage) const {
  if (site_.outermost == site_.seq || trust_every_entry_) return true;  // a top-level call
  // Made while the outermost unfinished ancestor ran: its kernel may have
  // written the memory since, unseen.
  if (entry.made_by > site_.outermost) return false;
  for (const OpenWrite& write : site_.ancestor_writes) {
    if (write.storage == storage) return false;
  }
  return true;
}

std::string TensorCapture::hash_of_memory(const at::Tensor& tensor, const store::TensorMeta& meta) {
  // The same naming as a miss (capture_values): a dense permutation by its
  // base's values and dims, anything else by its own values.
  if (const auto order = contiguous_order(tensor)) {
    const at::Tensor base = [&] {
      at::DisableRecordFunctionGuard unrecorded;
      return tensor.permute(*order);
    }();
    if (auto base_meta = describe_tensor(base)) {
      std::vector<int64_t> dims(order->size());
      for (size_t j = 0; j < order->size(); ++j) {
        dims[static_cast<size_t>((*order)[j])] = static_cast<int64_t>(j);
      }
      return store::view_hash(hash_of_memory(base, *base_meta), dims);
    }
  }
  const at::Tensor host = host_contiguous(tensor);
  const size_t nbytes = meta.nbytes();
  return store::tensor_hash(meta.dtype, meta.sizes, nbytes == 0 ? nullptr : host.const_data_ptr(),
                            nbytes);
}

void TensorCapture::verify_hit(const at::Tensor& tensor, const store::TensorMeta& meta,
                               const std::string& cached) {
  const std::string now = hash_of_memory(tensor, meta);
  if (now == cached) return;
  ++disagreements_;
  std::fprintf(stderr,
               "tapml: capture disagreement: %s seq %lld argument %s: the tensor cache holds %s, "
               "its memory now %s\n",
               site_.op != nullptr ? site_.op->c_str() : "?", static_cast<long long>(site_.seq),
               site_.arg != nullptr ? site_.arg->c_str() : "?", cached.c_str(), now.c_str());
}

void TensorCapture::count_reference(size_t nbytes) {
  writer_.note_reference(nbytes);
  bytes_referenced_ += static_cast<int64_t>(nbytes);
}

std::string TensorCapture::hash_and_store(const at::Tensor& tensor, const store::TensorMeta& meta,
                                          bool referenced) {
  PhaseTimer timer(phases_, phases_.values_ns);
  // Values row-major in the order of `sizes`, on the host, conjugation and
  // negation bits applied. CUDA tensors are copied back here: only what is
  // captured, and only on first use thanks to the cache.
  const at::Tensor host = host_contiguous(tensor);
  const size_t nbytes = meta.nbytes();
  const void* data = nbytes == 0 ? nullptr : host.const_data_ptr();
  std::string hash = store::tensor_hash(meta.dtype, meta.sizes, data, nbytes);
  ++tensors_hashed_;
  if (writer_.has_tensor(hash)) {
    if (referenced) count_reference(nbytes);
  } else {
    PhaseTimer copy_timer(phases_, phases_.copy_ns);
    if (in_background_) {
      // Inside an unfinished op, the kernel may write this memory unobserved
      // (histc fills the scratch aten::zeros returned) before the writer's
      // thread reads it: a large value there is queued from a copy. (Written
      // at once instead, into the spool's fresh pages, SmolLM2's 78 MB of
      // them cost about 1 s.)
      at::Tensor queued = host;
      if (site_.outermost != site_.seq && nbytes >= store::kValuesBesideBytes &&
          host.storage().is_alias_of(tensor.storage())) {
        at::DisableRecordFunctionGuard unrecorded;
        queued = host.clone();
      }
      put_later(tensor, queued, hash, meta);
    } else {
      writer_.put_tensor_from(hash, meta.dtype, meta.sizes, data, nbytes);
    }
    bytes_put_ += static_cast<int64_t>(nbytes);
    bytes_referenced_ += static_cast<int64_t>(nbytes);
  }
  return hash;
}

void TensorCapture::put_later(const at::Tensor& tensor, const at::Tensor& host,
                              const std::string& hash, const store::TensorMeta& meta) {
  // Large values are written on the writer's thread from this memory, kept
  // alive until then; an op that writes to a tensor's own storage waits for
  // them first (before_write). A copy made for the trace (`host` is not
  // `tensor`'s memory) is written by no one else.
  const size_t nbytes = meta.nbytes();
  auto keep = std::make_shared<c10::Storage>(host.storage());
  const uint64_t ticket = writer_.put_tensor_later(hash, meta.dtype, meta.sizes,
                                                   nbytes == 0 ? nullptr : host.const_data_ptr(),
                                                   nbytes, std::move(keep));
  if (ticket == 0 || !host.storage().is_alias_of(tensor.storage())) return;
  if (in_flight_.size() >= prune_at_) {
    std::erase_if(in_flight_, [&](const auto& entry) { return writer_.written(entry.second); });
  }
  in_flight_[tensor.storage().unsafeGetStorageImpl()] = ticket;
}

std::string TensorCapture::store_as_view(const at::Tensor& tensor, const store::TensorMeta& meta,
                                         const std::vector<int64_t>& order) {
  const at::Tensor base = [&] {
    at::DisableRecordFunctionGuard unrecorded;
    return tensor.permute(order);
  }();
  auto base_meta = describe_tensor(base);
  if (!base_meta) return hash_and_store(tensor, meta);
  // Usually a cache hit (the weight itself); not a reference of the call's.
  capture_values(base, *base_meta, false);
  if (base_meta->hash.empty()) return hash_and_store(tensor, meta);

  // Named by its base and dims (store::view_hash): none of its values are read.
  std::vector<int64_t> dims(order.size());  // tensor = base.permute(dims)
  for (size_t j = 0; j < order.size(); ++j) {
    dims[static_cast<size_t>(order[j])] = static_cast<int64_t>(j);
  }
  std::string hash = store::view_hash(base_meta->hash, dims);
  if (!writer_.has_tensor(hash)) writer_.put_view(hash, base_meta->hash, dims);
  count_reference(meta.nbytes());
  return hash;
}

void TensorCapture::before_write(const c10::IValue& value) {
  auto wait_for = [&](const at::Tensor& tensor) {
    if (!tensor.defined() || !tensor.has_storage()) return;
    auto it = in_flight_.find(tensor.storage().unsafeGetStorageImpl());
    if (it == in_flight_.end()) return;
    writer_.wait_written(it->second);
    in_flight_.erase(it);
  };
  if (value.isTensor()) {
    wait_for(value.toTensor());
  } else if (value.isTensorList()) {
    for (const at::Tensor& tensor : value.toTensorVector()) wait_for(tensor);
  }
}

uint64_t TensorCapture::write_generation(const c10::StorageImpl* storage) const {
  auto it = generation_.find(storage);
  return it == generation_.end() ? 0 : it->second;
}

void TensorCapture::note_written(const at::Tensor& tensor) {
  if (!tensor.defined() || !tensor.has_storage()) return;
  ++generation_[tensor.storage().unsafeGetStorageImpl()];
  if (generation_.size() > 4 * prune_at_) forget_freed_storages();
}

void TensorCapture::forget_freed_storages() {
  for (auto it = known_.begin(); it != known_.end();) {
    it = it->second.storage.expired() ? known_.erase(it) : std::next(it);
  }
  // Every op output gets a generation, so the map grows with the run. Only
  // the storages of cached entries need theirs: any other storage starts
  // again from 0 harmlessly, since no cached key names it. (Clearing the
  // cache instead made every weight be hashed again, its transpose too:
  // about a third of the recording's cost.)
  std::unordered_set<const c10::StorageImpl*> cached;
  cached.reserve(known_.size());
  for (const auto& entry : known_) cached.insert(entry.first.storage);
  for (auto it = generation_.begin(); it != generation_.end();) {
    it = cached.count(it->first) == 0 ? generation_.erase(it) : std::next(it);
  }
  prune_at_ = std::max<size_t>(4096, known_.size() * 2);
}

}  // namespace tapml::recorder
