#include "remote/protocol/endpoint.h"

#include <charconv>
#include <stdexcept>

namespace tapml::remote {

Endpoint parse_endpoint(const std::string& host_port, bool listening) {
  auto fail = [&host_port](const std::string& why) {
    return std::runtime_error("'" + host_port + "' is not HOST:PORT (" + why + ")");
  };
  size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) throw fail("no ':'");
  std::string host = host_port.substr(0, colon);
  std::string port_text = host_port.substr(colon + 1);
  int port = -1;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    throw fail("bad port");
  }
  if (port == 0 && !listening) throw fail("port 0");
  Endpoint endpoint;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    endpoint.ipv6 = true;
  } else if (host.find_first_of("[]:/ ") != std::string::npos) {
    throw fail("bad host");
  }
  if (host.empty()) {
    if (!listening) throw fail("no host");
    host = "127.0.0.1";
  }
  endpoint.host = endpoint.ipv6 ? host.substr(1, host.size() - 2) : host;
  endpoint.port = port;
  endpoint.address = "tcp://" + host + ":" + (port == 0 ? std::string("*") : port_text);
  return endpoint;
}

}  // namespace tapml::remote
