// libFuzzer target for the trace reader: any bytes, written to a file and
// opened as a trace, must give a TraceError or a readable trace; anything
// else (another exception, a crash, a sanitizer report) is a bug.
// Built with -DTAPML_FUZZ=ON (clang): `store_reader_fuzz CORPUS_DIR`.
// Without it, the same entry point runs over the files named on the command
// line (the ctest store_reader_fuzz_seed feeds it a real sample trace).
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "store/reader.h"

namespace {

constexpr size_t kMaxTensorBytes = 64u << 20;  // read values only of tensors this small

void read_everything(const std::string& path) {
  auto reader = tapml::store::TraceReader::open(path);
  for (size_t i = 0; i < reader->num_calls(); ++i) (void)reader->call(i);
  for (const auto& tensor : reader->tensors()) {
    if (tensor.nbytes <= kMaxTensorBytes) (void)reader->read_tensor(tensor.hash);
  }
  (void)reader->op_stats();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/tapml-reader-fuzz-" + std::to_string(::getpid()) + ".h5";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    read_everything(path);
  } catch (const tapml::store::TraceError&) {
    // The one way bad input may end.
  }
  return 0;
}

#ifndef TAPML_LIBFUZZER
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "store_reader_fuzz: cannot read %s\n", argv[i]);
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The file whole, then cut short at a few places.
    for (size_t cut : {bytes.size(), bytes.size() / 2, bytes.size() / 7, size_t{100}}) {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                             std::min(cut, bytes.size()));
    }
  }
  std::printf("store_reader_fuzz: %d inputs read without a crash\n", argc - 1);
  return 0;
}
#endif
