#include "remote/client/remote_device.h"

#include <cstring>

#include "remote/protocol/call_codec.h"
#include "remote/protocol/content_hash.h"

namespace tapml::remote {

using nlohmann::json;

std::string RemoteDevice::name() const {
  return session_->device_name() + " (tapml-serve at " + session_->options().host_port + ")";
}

const RemoteBuffer& RemoteDevice::own(const backends::Buffer& buffer) const {
  const auto* remote = dynamic_cast<const RemoteBuffer*>(&buffer);
  if (!remote || remote->session() != session_.get()) {
    throw backends::BackendError("a buffer of another device was handed to " + name());
  }
  return *remote;
}

std::shared_ptr<backends::Buffer> RemoteDevice::alloc(size_t bytes) {
  Message reply = session_->request({{"type", "alloc"}, {"bytes", bytes}}, {},
                                    "allocating " + std::to_string(bytes) + " bytes");
  return std::make_shared<RemoteBuffer>(session_, u64_field(reply.header, "buffer"), bytes);
}

void RemoteDevice::upload(backends::Buffer& dst, const void* src, size_t bytes, size_t dst_offset) {
  const RemoteBuffer& target = own(dst);
  if (bytes == 0) return;
  const std::string hash = content_hash(src, bytes);
  json header = {{"type", "upload"},
                 {"buffer", target.id()},
                 {"offset", dst_offset},
                 {"bytes", bytes},
                 {"hash", hash}};
  const std::string what = "uploading " + std::to_string(bytes) + " bytes";
  const bool by_hash = session_->options().content_cache && !session_->first_upload(hash);
  if (by_hash) {
    Message reply = session_->request(header, {}, what);
    session_->count_upload(reply.header.value("status", "") == "ok");
    if (reply.header.value("status", "") == "ok") return;
    // "miss": the server's cache dropped the blob; send it again below.
  } else {
    session_->count_upload(false);
  }
  std::vector<zmq::message_t> frames;
  frames.emplace_back(src, bytes);
  session_->request(std::move(header), std::move(frames), what);
}

void RemoteDevice::download(const backends::Buffer& src, void* dst, size_t bytes,
                            size_t src_offset) {
  const RemoteBuffer& source = own(src);
  Message reply = session_->request(
      {{"type", "download"}, {"buffer", source.id()}, {"offset", src_offset}, {"bytes", bytes}}, {},
      "downloading " + std::to_string(bytes) + " bytes");
  if (reply.frames.size() != 1 || reply.frames.front().size() != bytes) {
    throw backends::BackendError("tapml-serve at " + session_->options().host_port +
                                 " sent a download of the wrong size");
  }
  std::memcpy(dst, reply.frames.front().data(), bytes);
}

backends::Primitives& RemoteDevice::primitives() {
  throw backends::BackendError(name() +
                               ": primitives run on the server inside whole aten kernels; a remote "
                               "device takes KernelCalls only");
}

void RemoteDevice::run(const backends::KernelCall& call) {
  auto id_of = [this](const backends::Buffer& buffer) -> std::optional<uint64_t> {
    return own(buffer).id();
  };
  Message reply = session_->request({{"type", "run"}, {"call", encode_call(call, id_of)}}, {},
                                    "running " + call.op);
  if (reply.header.value("status", "") == "unsupported") {
    // The server's kernel declined this call's values when it ran (WebGPU's
    // int64 beyond int32): UNSUPPORTED, as it would be in process.
    throw backends::CallUnsupported(
        call.op + " unsupported on the server: " + reply.header.value("message", ""));
  }
}

}  // namespace tapml::remote
