#include "remote/server/session_worker.h"

namespace tapml::remote {

SessionWorker::SessionWorker(std::unique_ptr<Session> session, zmq::context_t& context,
                             const std::string& replies_endpoint)
    : session_(std::move(session)), last_done_(std::chrono::steady_clock::now()) {
  thread_ = std::thread([this, &context, replies_endpoint] { loop(context, replies_endpoint); });
}

void SessionWorker::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void SessionWorker::post(zmq::message_t routing_id, Message request) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back({std::move(routing_id), std::move(request)});
  }
  wake_.notify_one();
}

double SessionWorker::idle_seconds() const {
  std::lock_guard lock(mutex_);
  if (busy_ || !jobs_.empty()) return 0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_done_).count();
}

void SessionWorker::loop(zmq::context_t& context, std::string replies_endpoint) {
  zmq::socket_t replies(context, zmq::socket_type::push);
  replies.set(zmq::sockopt::linger, 0);
  replies.connect(replies_endpoint);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
    }
    const bool is_hello = job.request.header.value("type", "") == "hello";
    Message reply = session_->handle(std::move(job.request));
    if (is_hello && reply.header.value("status", "") != "ok") failed_ = true;
    send_message(replies, std::move(reply), &job.routing_id);
    std::lock_guard lock(mutex_);
    busy_ = false;
    last_done_ = std::chrono::steady_clock::now();
  }
}

}  // namespace tapml::remote
