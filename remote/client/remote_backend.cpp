#include "remote/client/remote_backend.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "remote/client/remote_device.h"
#include "remote/protocol/call_codec.h"
#include "remote/protocol/token.h"

namespace tapml::remote {
namespace {

using nlohmann::json;

// The server's kernel table seen from here: one forwarding kernel per op the
// server has. Whether a call is supported is the server's answer, asked once
// per op and signature (dtypes, layouts, scalars) and then remembered.
class RemoteBackend : public backends::Backend {
 public:
  explicit RemoteBackend(const RemoteOptions& options)
      : options_(options), session_(std::make_shared<ClientSession>(options)) {
    for (const std::string& op : session_->ops()) {
      kernels_.add({op, [this](const backends::KernelCall& call) { return why_unsupported(call); },
                    [](backends::Device& device, const backends::KernelCall& call) {
                      auto* remote = dynamic_cast<RemoteDevice*>(&device);
                      if (!remote) throw backends::BackendError("remote kernel on a local device");
                      remote->run(call);
                    }});
    }
  }

  std::string name() const override { return options_.target; }
  std::string numerics() const override { return session_->numerics(); }

  std::vector<backends::DeviceInfo> devices() const override {
    return {{0, session_->device_name()}};
  }

  // Device 0 shares the session opened at connect; tapml-serve --device
  // picked which of the server's devices that is.
  std::unique_ptr<backends::Device> open(int index) const override {
    if (index != 0) {
      throw backends::BackendError("device " + std::to_string(index) +
                                   ": a remote target has device 0 only (tapml-serve --device "
                                   "picks the server's device)");
    }
    return std::make_unique<RemoteDevice>(session_);
  }

  const backends::KernelTable& kernels() const override { return kernels_; }

  RemoteTraffic traffic() const { return session_->traffic(); }

 private:
  std::string why_unsupported(const backends::KernelCall& call) const {
    const std::string signature = call_signature(call);
    std::lock_guard lock(mutex_);
    auto cached = answers_.find(signature);
    if (cached != answers_.end()) return cached->second;
    auto metadata_only = [](const backends::Buffer&) -> std::optional<uint64_t> {
      return std::nullopt;
    };
    Message reply = session_->request(
        {{"type", "check"}, {"call", encode_call(call, metadata_only)}}, {}, "checking " + call.op);
    std::string why;
    if (reply.header.value("status", "") == "unsupported") {
      why = reply.header.value("message", "unsupported on the server");
      if (why.empty()) why = "unsupported on the server";
    }
    answers_[signature] = why;
    return why;
  }

  RemoteOptions options_;
  std::shared_ptr<ClientSession> session_;
  backends::KernelTable kernels_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::string> answers_;
};

}  // namespace

std::unique_ptr<backends::Backend> connect_remote(const RemoteOptions& options) {
  return std::make_unique<RemoteBackend>(options);
}

std::unique_ptr<backends::Backend> connect_remote(const std::string& host_port,
                                                  const std::string& target,
                                                  const std::string& token) {
  RemoteOptions options;
  options.host_port = host_port;
  options.target = target;
  options.token = token;
  options.content_cache = content_cache_by_default();
  return connect_remote(options);
}

bool content_cache_by_default() {
  const char* cache = std::getenv("TAPML_REMOTE_CONTENT_CACHE");
  return !(cache && std::strcmp(cache, "off") == 0);
}

std::unique_ptr<backends::Backend> connect_remote_with_token_file(const std::string& host_port,
                                                                  const std::string& target,
                                                                  const std::string& token_file) {
  return connect_remote(host_port, target, read_token(token_file));
}

std::optional<RemoteTraffic> remote_traffic(const backends::Backend& backend) {
  const auto* remote = dynamic_cast<const RemoteBackend*>(&backend);
  if (!remote) return std::nullopt;
  return remote->traffic();
}

}  // namespace tapml::remote
