#include "remote/protocol/token.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace tapml::remote {
namespace {

std::string trimmed(const std::string& text) {
  const char* space = " \t\r\n";
  size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

}  // namespace

std::string read_token(const std::string& token_file) {
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) throw std::runtime_error("cannot read token file " + token_file);
    std::string line;
    std::getline(in, line);
    std::string token = trimmed(line);
    if (token.empty()) throw std::runtime_error("token file " + token_file + " is empty");
    return token;
  }
  const char* env = std::getenv(kTokenEnv);
  std::string token = env ? trimmed(env) : "";
  if (token.empty()) {
    throw std::runtime_error(std::string("no token: set ") + kTokenEnv +
                             " or pass --token-file FILE");
  }
  return token;
}

bool tokens_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

}  // namespace tapml::remote
