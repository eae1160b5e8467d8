// A device on a tapml-serve: buffers are ids of the server's buffers,
// uploads go through the content cache, and whole kernel calls run there.
#pragma once

#include <memory>

#include "backends/backend.h"
#include "remote/client/client_session.h"

namespace tapml::remote {

class RemoteBuffer : public backends::Buffer {
 public:
  RemoteBuffer(std::shared_ptr<ClientSession> session, uint64_t id, size_t bytes)
      : session_(std::move(session)), id_(id), bytes_(bytes) {}
  ~RemoteBuffer() override { session_->release(id_); }
  size_t size() const override { return bytes_; }
  uint64_t id() const { return id_; }
  const ClientSession* session() const { return session_.get(); }

 private:
  std::shared_ptr<ClientSession> session_;
  uint64_t id_;
  size_t bytes_;
};

class RemoteDevice : public backends::Device {
 public:
  explicit RemoteDevice(std::shared_ptr<ClientSession> session) : session_(std::move(session)) {}

  std::string name() const override;
  std::shared_ptr<backends::Buffer> alloc(size_t bytes) override;
  void upload(backends::Buffer& dst, const void* src, size_t bytes, size_t dst_offset) override;
  void download(const backends::Buffer& src, void* dst, size_t bytes, size_t src_offset) override;
  // Nothing to wait for: the server finishes each request before it replies.
  void finish() override {}
  // Throws: the primitives run on the server, inside whole aten kernels.
  backends::Primitives& primitives() override;

  // Runs `call` on the server; throws BackendError with the server's reason.
  void run(const backends::KernelCall& call);

 private:
  const RemoteBuffer& own(const backends::Buffer& buffer) const;

  std::shared_ptr<ClientSession> session_;
};

}  // namespace tapml::remote
