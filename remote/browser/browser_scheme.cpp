#include "remote/browser/browser_scheme.h"

#include <memory>
#include <string>

#include "backends/lowering/lowering.h"
#include "backends/target.h"
#include "remote/browser/tab_device.h"
#include "remote/browser/tab_hub.h"
#include "remote/protocol/token.h"

namespace tapml::remote::browser {
namespace {

class BrowserBackend final : public backends::Backend {
 public:
  BrowserBackend(HubOptions options, double wait_s)
      : hub_(std::make_unique<TabHub>(std::move(options))), wait_s_(wait_s) {}

  // A client asking for remote://.../webgpu is served by the tab.
  std::string name() const override { return "webgpu"; }
  std::string numerics() const override { return backends::webgpu::kWgslNumerics; }
  std::vector<backends::DeviceInfo> devices() const override {
    return {{0, "webgpu in a browser tab at " + hub_->page_url()}};
  }
  std::unique_ptr<backends::Device> open(int index) const override {
    if (index != 0) {
      throw backends::BackendError("browser: one device (the tab), not " + std::to_string(index));
    }
    return std::make_unique<TabDevice>(*hub_, wait_s_);
  }
  const backends::KernelTable& kernels() const override { return backends::lowered_kernels(); }

 private:
  std::unique_ptr<TabHub> hub_;
  double wait_s_;
};

double seconds(const std::string& key, const std::string& value) {
  size_t used = 0;
  double parsed = -1;
  try {
    parsed = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || !(parsed > 0)) {
    throw backends::TargetError("browser:// setting " + key + "=" + value +
                                ": expected a positive number of seconds");
  }
  return parsed;
}

}  // namespace

void register_browser_scheme() {
  backends::register_target_scheme(
      "browser", [](const std::string& rest, const backends::ProviderSettings& settings) {
        HubOptions options;
        options.listen = rest;
        std::string token_file;
        double wait_s = 120;
        for (const auto& [key, value] : settings) {
          if (key == "token_file") {
            token_file = value;
          } else if (key == "wait") {
            wait_s = seconds(key, value);
          } else if (key == "reply_timeout") {
            options.reply_timeout_s = seconds(key, value);
          } else {
            throw backends::TargetError(
                "browser:// takes the settings token_file, wait and "
                "reply_timeout, not '" +
                key + "'");
          }
        }
        options.token = read_token(token_file);
        return std::make_unique<BrowserBackend>(std::move(options), wait_s);
      });
}

}  // namespace tapml::remote::browser
