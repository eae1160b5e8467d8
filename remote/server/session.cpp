#include "remote/server/session.h"

#include <algorithm>
#include <chrono>

#include "remote/protocol/call_codec.h"
#include "remote/protocol/content_hash.h"

namespace tapml::remote {

using nlohmann::json;

Session::Session(std::string id, const backends::Backend& backend, int device_index, Limits limits,
                 double idle_timeout_s)
    : id_(std::move(id)),
      backend_(backend),
      device_index_(device_index),
      limits_(limits),
      idle_timeout_s_(idle_timeout_s),
      cache_(limits.cache_bytes) {}

Message Session::handle(Message request) {
  ++stats_.requests;
  stats_.received_bytes += wire_bytes(request);
  Message reply;
  try {
    if (request.header.contains("free")) free_buffers(request.header["free"]);
    reply = dispatch(request);
  } catch (const ProtocolError& error) {
    reply.header =
        status_reply(request.header, "error", std::string("bad request: ") + error.what());
  } catch (
      const backends::CallUnsupported& error) {  // declined at run time (an int64 beyond int32)
    reply.header = status_reply(request.header, "unsupported", error.what());
  } catch (const backends::DeviceLost& error) {  // the client's replay stops, naming the call
    reply.header = status_reply(request.header, "lost", error.what());
  } catch (const std::exception& error) {  // BackendError and whatever a kernel throws
    reply.header = status_reply(request.header, "error", error.what());
  } catch (...) {
    reply.header = status_reply(request.header, "error", "unknown exception");
  }
  stats_.sent_bytes += wire_bytes(reply);
  return reply;
}

Message Session::dispatch(Message& request) {
  const json& header = request.header;
  const std::string type = string_field(header, "type");
  if (type != "upload" && !request.frames.empty()) {
    throw ProtocolError("'" + type + "' takes no payload frames");
  }
  if (type == "hello") return hello(header);
  if (type == "alloc") return alloc(header);
  if (type == "upload") return upload(request);
  if (type == "download") return download(header);
  if (type == "run") return run(header, false);
  if (type == "check") return run(header, true);
  if (type == "free") return {ok_reply(header), {}};  // the "free" field did the work
  if (type == "finish") {
    device().finish();
    return {ok_reply(header), {}};
  }
  if (type == "ping") return {ok_reply(header), {}};
  throw ProtocolError("unknown request type '" + type + "'");
}

Message Session::hello(const json& request) {
  if (!device_) device_ = backend_.open(device_index_);
  json reply = ok_reply(request);
  reply["session"] = id_;
  reply["device"] = device_->name();
  reply["ops"] = backend_.kernels().ops();
  reply["numerics"] = backend_.numerics();
  reply["max_tensor_bytes"] = limits_.max_tensor_bytes;
  reply["max_message_bytes"] = limits_.max_message_bytes;
  reply["idle_timeout_s"] = idle_timeout_s_;
  return {reply, {}};
}

backends::Device& Session::device() {
  if (!device_) throw ProtocolError("no device open; send hello first");
  return *device_;
}

std::shared_ptr<backends::Buffer> Session::buffer(uint64_t id) const {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) throw ProtocolError("no buffer " + std::to_string(id));
  return it->second;
}

void Session::check_range(const backends::Buffer& target, uint64_t offset, uint64_t bytes) const {
  if (bytes > limits_.max_tensor_bytes) {
    throw ProtocolError(std::to_string(bytes) + " bytes exceed the tensor limit of " +
                        std::to_string(limits_.max_tensor_bytes));
  }
  if (offset > target.size() || bytes > target.size() - offset) {
    throw ProtocolError("range " + std::to_string(offset) + "+" + std::to_string(bytes) +
                        " outside a buffer of " + std::to_string(target.size()) + " bytes");
  }
}

Message Session::alloc(const json& request) {
  uint64_t bytes = u64_field(request, "bytes");
  if (bytes > limits_.max_tensor_bytes) {
    throw ProtocolError(std::to_string(bytes) + " bytes exceed the tensor limit of " +
                        std::to_string(limits_.max_tensor_bytes));
  }
  if (allocated_bytes_ + bytes > limits_.max_session_bytes) {
    throw ProtocolError("session would hold more than " +
                        std::to_string(limits_.max_session_bytes) + " bytes");
  }
  std::shared_ptr<backends::Buffer> allocated = device().alloc(bytes);
  uint64_t id = next_buffer_id_++;
  allocated_bytes_ += allocated->size();
  buffers_[id] = std::move(allocated);
  json reply = ok_reply(request);
  reply["buffer"] = id;
  return {reply, {}};
}

Message Session::upload(Message& request) {
  const json& header = request.header;
  std::shared_ptr<backends::Buffer> target = buffer(u64_field(header, "buffer"));
  uint64_t offset = u64_field(header, "offset");
  uint64_t bytes = u64_field(header, "bytes");
  std::string hash = string_field(header, "hash");
  check_range(*target, offset, bytes);
  ++stats_.uploads;
  if (request.frames.size() > 1) throw ProtocolError("upload takes at most one payload frame");
  if (request.frames.empty()) {  // by hash only: the bytes must be cached
    const zmq::message_t* blob = cache_.find(hash);
    if (!blob || blob->size() != bytes) return {status_reply(header, "miss", hash), {}};
    device().upload(*target, blob->data(), bytes, offset);
    ++stats_.upload_hits;
    stats_.upload_hit_bytes += bytes;
    return {ok_reply(header), {}};
  }
  zmq::message_t& data = request.frames.front();
  if (data.size() != bytes) throw ProtocolError("payload size differs from 'bytes'");
  // Checked so that a wrong hash cannot serve other bytes later.
  if (content_hash(data.data(), data.size()) != hash) throw ProtocolError("payload hash mismatch");
  device().upload(*target, data.data(), bytes, offset);
  cache_.insert(hash, std::move(data));
  return {ok_reply(header), {}};
}

Message Session::download(const json& request) {
  std::shared_ptr<backends::Buffer> source = buffer(u64_field(request, "buffer"));
  uint64_t offset = u64_field(request, "offset");
  uint64_t bytes = u64_field(request, "bytes");
  check_range(*source, offset, bytes);
  zmq::message_t data(bytes);
  device().download(*source, data.data(), bytes, offset);
  Message reply{ok_reply(request), {}};
  reply.frames.push_back(std::move(data));
  return reply;
}

Message Session::run(const json& request, bool check_only) {
  backends::KernelCall call =
      decode_call(request.value("call", json()), [this](uint64_t id) { return buffer(id); });
  if (!check_only) {
    auto missing = [](const backends::Tensor& t) { return !t.buffer; };
    bool unbacked = std::any_of(call.outputs.begin(), call.outputs.end(), missing);
    for (const backends::NamedValue& input : call.inputs) {
      if (const auto* t = std::get_if<backends::Tensor>(&input.value)) unbacked |= missing(*t);
      if (const auto* list =
              std::get_if<std::vector<std::optional<backends::Tensor>>>(&input.value)) {
        for (const auto& t : *list) unbacked |= t && missing(*t);
      }
    }
    if (unbacked) throw ProtocolError("run: a tensor of " + call.op + " has no buffer");
  }
  std::string why;
  const backends::Kernel* kernel = backend_.kernels().select(call, &why);
  if (!kernel) return {status_reply(request, "unsupported", why), {}};
  if (check_only) return {ok_reply(request), {}};
  ++stats_.calls;
  auto start = std::chrono::steady_clock::now();
  kernel->run(device(), call);
  device().finish();
  std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  json reply = ok_reply(request);
  reply["kernel_us"] = elapsed.count();
  return {reply, {}};
}

void Session::free_buffers(const json& ids) {
  if (!ids.is_array()) throw ProtocolError("field 'free' is not a list");
  for (const json& id : ids) {
    if (!id.is_number_unsigned()) throw ProtocolError("field 'free' holds a non-id");
    auto it = buffers_.find(id.get<uint64_t>());
    if (it == buffers_.end()) continue;  // freeing twice is harmless
    allocated_bytes_ -= it->second->size();
    buffers_.erase(it);
  }
}

}  // namespace tapml::remote
