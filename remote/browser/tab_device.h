// A browser tab as a TapML device: the WGSL kernels of backends/webgpu run
// in the tab through navigator.gpu, driven over the hub's WebSocket
// (tab_hub.h). Everything that lays out a dispatch is WgslDevice's, the same
// code as the native WebGPU device; this class only turns buffers,
// transfers and passes into messages to the page (page/tapml_tab.js).
// Messages that need no answer (allocations, uploads, passes) are streamed;
// a download or finish waits for the tab, and carries back any WebGPU error
// of the passes before it. The device binds to the newest tab at its first
// use, waiting for one; if that tab closes or reloads, every later use is
// DeviceLost naming it (a replay stops at the call in flight, exit 3).
#pragma once

#include <memory>
#include <string>

#include "backends/webgpu/wgsl_device.h"
#include "remote/browser/tab_hub.h"

namespace tapml::remote::browser {

class TabDevice final : public backends::webgpu::WgslDevice {
 public:
  // Binds now when a tab is connected, else at the first use (waiting up to
  // `wait_s` seconds for one).
  TabDevice(TabHub& hub, double wait_s);

  std::string name() const override;
  std::shared_ptr<backends::Buffer> alloc(size_t bytes) override;
  void finish() override;
  size_t max_view_bytes() const override { return tab().max_view_bytes(); }

 protected:
  void run_pass(const std::string& kernel, size_t inputs,
                const std::vector<const backends::Buffer*>& bindings, uint32_t groups) override;
  void copy(const backends::Buffer& from, const backends::Buffer& to) override;
  void write_words(backends::Buffer& dst, const void* src, size_t bytes, size_t offset) override;
  void read_words(const backends::Buffer& src, void* dst, size_t bytes, size_t offset) override;

 private:
  Tab& tab() const;
  uint64_t id_of(const backends::Buffer& buffer) const;

  TabHub& hub_;
  double wait_s_;
  mutable std::shared_ptr<Tab> tab_;
};

}  // namespace tapml::remote::browser
