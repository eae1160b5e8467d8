// HOST:PORT as users write it (--listen, --remote) to a ZeroMQ TCP endpoint
// (and to the host and port of the browser page, remote/browser/).
#pragma once

#include <string>

namespace tapml::remote {

struct Endpoint {
  std::string address;  // "tcp://127.0.0.1:7461"
  bool ipv6 = false;    // the host was a bracketed IPv6 address ("[::1]:7461")
  std::string host;     // "127.0.0.1", "::1" (no brackets)
  int port = 0;         // 0: any free port
};

// Throws std::runtime_error naming what is wrong. When `listening`, a missing
// host means 127.0.0.1 and port 0 means any free port.
Endpoint parse_endpoint(const std::string& host_port, bool listening);

}  // namespace tapml::remote
