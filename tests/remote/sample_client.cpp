// remote_sample_client HOST:PORT: runs the sample calls (sample_calls.h) on
// the cpu target of a tapml-serve and on the local cpu backend, and says
// whether every output has the same bytes. The two-namespace test runs it
// as the client host. Token: TAPML_TOKEN. Exit 0 equal, 1 different, 2 no
// session.
#include <cstdio>
#include <exception>

#include "remote/client/remote_backend.h"
#include "tests/remote/sample_calls.h"

int main(int argc, char** argv) {
  using namespace tapml;
  if (argc != 2) {
    std::fprintf(stderr, "usage: remote_sample_client HOST:PORT (token in TAPML_TOKEN)\n");
    return 2;
  }
  std::unique_ptr<backends::Backend> remote;
  try {
    remote = remote::connect_remote_with_token_file(argv[1], "cpu", "");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "remote_sample_client: %s\n", error.what());
    return 2;
  }
  const auto expected = remote::testing::run_sample_calls(*backends::find_backend("cpu"));
  const auto actual = remote::testing::run_sample_calls(*remote);
  bool equal = expected.size() == actual.size();
  for (size_t i = 0; equal && i < expected.size(); ++i) {
    equal = remote::testing::same_bits(expected[i], actual[i]);
  }
  std::printf("remote_sample_client: %zu calls on %s: %s\n", actual.size(),
              remote->open(0)->name().c_str(), equal ? "equal to local" : "DIFFERENT from local");
  return equal ? 0 : 1;
}
