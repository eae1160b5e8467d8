#include "remote/browser/tab_device.h"

#include <algorithm>
#include <cstring>

#include "backends/webgpu/webgpu_kernels.h"

namespace tapml::remote::browser {
namespace {

using backends::webgpu::round_up4;
using nlohmann::json;

// A buffer in one tab, freed there when TapML drops it.
struct TabBuffer final : backends::Buffer {
  TabBuffer(std::shared_ptr<Tab> owner, uint64_t buffer_id, size_t size_bytes)
      : tab(std::move(owner)), id(buffer_id), bytes(size_bytes) {}
  ~TabBuffer() override { tab->release(id); }
  TabBuffer(const TabBuffer&) = delete;
  TabBuffer& operator=(const TabBuffer&) = delete;
  size_t size() const override { return bytes; }
  std::shared_ptr<Tab> tab;
  uint64_t id;
  size_t bytes;
};

}  // namespace

TabDevice::TabDevice(TabHub& hub, double wait_s) : hub_(hub), wait_s_(wait_s) {
  try {
    tab_ = hub_.tab(0);
  } catch (const backends::BackendError&) {
    // none yet: the first use waits for one
  }
}

Tab& TabDevice::tab() const {
  if (tab_) return *tab_;
  try {
    tab_ = hub_.tab(wait_s_);
  } catch (const backends::BackendError& e) {
    // No device to run on is no verdict on a kernel: the replay stops (exit 3).
    throw backends::DeviceLost(e.what());
  }
  return *tab_;
}

std::string TabDevice::name() const {
  if (tab_) return tab_->description() + " at " + hub_.page_url();
  return "webgpu in a browser tab at " + hub_.page_url() + " (none connected yet)";
}

uint64_t TabDevice::id_of(const backends::Buffer& buffer) const {
  const auto* b = dynamic_cast<const TabBuffer*>(&buffer);
  if (b == nullptr) throw backends::BackendError("webgpu tab: a buffer of another device");
  if (b->tab != tab_) {
    throw backends::DeviceLost("webgpu tab: a buffer of browser tab " +
                               std::to_string(b->tab->number()) + ", which is gone");
  }
  return b->id;
}

std::shared_ptr<backends::Buffer> TabDevice::alloc(size_t bytes) {
  Tab& t = tab();
  auto buffer = std::make_shared<TabBuffer>(tab_, t.next_id(), bytes);
  t.send({{"type", "alloc"}, {"id", buffer->id}, {"bytes", std::max<size_t>(round_up4(bytes), 4)}});
  return buffer;
}

void TabDevice::write_words(backends::Buffer& dst, const void* src, size_t bytes, size_t offset) {
  tab().send({{"type", "write"}, {"id", id_of(dst)}, {"offset", offset}}, src, bytes);
}

void TabDevice::read_words(const backends::Buffer& src, void* dst, size_t bytes, size_t offset) {
  TabMessage reply = tab().request(
      {{"type", "read"}, {"id", id_of(src)}, {"offset", offset}, {"bytes", bytes}}, "download");
  if (reply.payload.size() != bytes) {
    throw backends::BackendError("webgpu tab: download: " + std::to_string(reply.payload.size()) +
                                 " bytes came back for " + std::to_string(bytes));
  }
  std::memcpy(dst, reply.payload.data(), bytes);
}

void TabDevice::copy(const backends::Buffer& from, const backends::Buffer& to) {
  tab().send({{"type", "copy"},
              {"from", id_of(from)},
              {"to", id_of(to)},
              {"bytes", std::max<size_t>(round_up4(from.size()), 4)}});
}

void TabDevice::run_pass(const std::string& kernel, size_t inputs,
                         const std::vector<const backends::Buffer*>& bindings, uint32_t groups) {
  Tab& t = tab();
  const std::string key = kernel + "/" + std::to_string(inputs);
  t.send_kernel(key, [&] { return backends::webgpu::kernel_source(kernel, inputs); });
  json ids = json::array();
  for (const backends::Buffer* buffer : bindings) ids.push_back(id_of(*buffer));
  t.send({{"type", "pass"}, {"key", key}, {"buffers", ids}, {"groups", groups}});
}

void TabDevice::finish() { tab().request({{"type", "finish"}}, "finish"); }

}  // namespace tapml::remote::browser
