// A session's own thread: it runs the session's requests in order, so a long
// kernel of one client never holds up another. Replies go back to the
// server's main thread over an inproc socket, which alone touches the
// network socket (ZeroMQ sockets are not shared between threads).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "remote/server/session.h"

namespace tapml::remote {

class SessionWorker {
 public:
  SessionWorker(std::unique_ptr<Session> session, zmq::context_t& context,
                const std::string& replies_endpoint);
  ~SessionWorker() { stop(); }

  // Finishes the request in progress, drops the queued ones, ends the thread;
  // session() is then safe to read from the caller's thread.
  void stop();

  void post(zmq::message_t routing_id, Message request);
  // Seconds since the last request finished; 0 while one is queued or running.
  double idle_seconds() const;
  // True once a request failed to open the device: the session is useless.
  bool failed() const { return failed_; }
  const Session& session() const { return *session_; }

 private:
  struct Job {
    zmq::message_t routing_id;
    Message request;
  };
  void loop(zmq::context_t& context, std::string replies_endpoint);

  std::unique_ptr<Session> session_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::atomic<bool> failed_{false};
  std::chrono::steady_clock::time_point last_done_;
  std::thread thread_;
};

}  // namespace tapml::remote
