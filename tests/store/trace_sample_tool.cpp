// Helper for tests that check traces from outside C++ (read_with_h5py.py):
//   store_trace_sample write OUT.h5          a trace with every dtype, kind and a view
//   store_trace_sample dump TRACE.h5 SEQ DIR call SEQ as the C++ reader sees it:
//                                            DIR/call.json, DIR/<hash>.bin
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fixtures.h"
#include "store/call_json.h"
#include "store/reader.h"

using namespace tapml::store;

namespace {

int write_sample(const std::string& path) {
  std::vector<testing::SampleTensor> tensors;
  uint32_t seed = 1;
  for (DType dtype : tapml::kAllDTypes) {
    tensors.push_back(testing::make_tensor(dtype, {300, 500}, seed++));
    tensors.push_back(testing::make_tensor(dtype, {}, seed++));
    tensors.push_back(testing::make_tensor(dtype, {2, 0, 3}, seed++));
    // A transposed view of the first, as `weight.t()` reaches a matmul.
    tensors.push_back(testing::make_view(tensors[tensors.size() - 3], {1, 0}));
  }
  auto writer = TraceWriter::create(path, testing::sample_meta());
  for (size_t i = 0; i + 3 < tensors.size(); i += 4) {
    const Call call = testing::call_with_every_kind(
        static_cast<int64_t>(i / 4), {tensors[i], tensors[i + 1], tensors[i + 2], tensors[i + 3]});
    testing::put_call_with(*writer, call,
                           {&tensors[i], &tensors[i + 1], &tensors[i + 2], &tensors[i + 3]});
  }
  writer->close();
  finish_trace(path + ".spool", path);
  return 0;
}

int dump_call(const std::string& path, size_t seq, const std::filesystem::path& dir) {
  auto reader = TraceReader::open(path);
  const Call call = reader->call(seq);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "call.json") << call_to_json(call).dump(1);
  std::vector<std::string> hashes;
  collect_hashes(call.inputs, hashes);
  collect_hashes(call.outputs, hashes);
  for (const std::string& hash : hashes) {
    const auto bytes = reader->read_tensor(hash);
    std::ofstream(dir / (hash + ".bin"), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "write" && argc == 3) return write_sample(argv[2]);
    if (mode == "dump" && argc == 5) return dump_call(argv[2], std::stoul(argv[3]), argv[4]);
  } catch (const std::exception& e) {
    std::cerr << "store_trace_sample: " << e.what() << "\n";
    return 2;
  }
  std::cerr << "usage: store_trace_sample write OUT.h5 | dump TRACE.h5 SEQ DIR\n";
  return 2;
}
