// Damaged traces never crash or hang the reader: a few hundred mutated
// copies of a trace (random byte flips, truncations at many offsets, edited
// attributes and rows) are each read completely in a child process, which
// must end with exit code 0 (damage not in anything read), 1 (verify found
// it) or 2 (TraceError: one clear message). A signal (crash) or the alarm
// (hang) fails the test. Every tenth mutant also goes through tapml-trace.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <cstring>
#include <random>

#include "fixtures.h"
#include "store/reader.h"
#include "store/writer.h"

extern char** environ;

namespace tapml::store {
namespace {

using testing::make_tensor;
using testing::SampleTensor;
using testing::ScratchDir;

constexpr unsigned kChildSeconds = 30;

std::string write_base_trace(const ScratchDir& dir) {
  const std::string path = dir.file("base.h5");
  std::vector<SampleTensor> tensors;
  uint32_t seed = 1;
  for (DType dtype : {DType::Float32, DType::Float16, DType::Int64, DType::Complex64, DType::Bool,
                      DType::BFloat16}) {
    tensors.push_back(make_tensor(dtype, {40, 30}, seed++));
    tensors.push_back(make_tensor(dtype, {}, seed++));
  }
  // Small chunks, so that the chunk index has many entries to damage.
  auto writer = TraceWriter::create(path, testing::sample_meta(), {.chunk_bytes = 4096});
  for (size_t i = 0; i + 1 < tensors.size(); i += 2) {
    Call call =
        testing::call_with_every_kind(static_cast<int64_t>(i / 2), {tensors[i], tensors[i + 1]});
    testing::put_call_with(*writer, call, {&tensors[i], &tensors[i + 1]});
  }
  writer->close();
  finish_trace(path + ".spool", path);
  return path;
}

// Reads everything a user could ask of the trace. Returns the exit code the
// CLI would give: 0 fine, 1 verify found problems, 2 TraceError.
int read_everything(const std::string& path) {
  try {
    auto reader = TraceReader::open(path);
    (void)reader->meta();
    for (size_t i = 0; i < reader->num_calls(); ++i) {
      const Call call = reader->call(i);
      for (const auto* args : {&call.inputs, &call.outputs}) {
        for (const Arg& arg : *args) {
          if (arg.value.kind == ValueKind::Tensor && arg.value.tensor.captured()) {
            reader->read_tensor(arg.value.tensor.hash);
          }
        }
      }
    }
    (void)reader->tensors();
    (void)reader->op_stats();
    return reader->verify_all().empty() ? 0 : 1;
  } catch (const TraceError&) {
    return 2;
  }
}

struct Outcome {
  bool clean = false;
  int code = -1;
  std::string how;
};

Outcome run_in_child(const std::function<int()>& body) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::alarm(kChildSeconds);
    int code = 3;
    try {
      code = body();
    } catch (...) {  // anything but TraceError is unclean
    }
    std::_Exit(code);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  Outcome o;
  if (WIFSIGNALED(status)) {
    o.how =
        WTERMSIG(status) == SIGALRM ? "hung" : "died of signal " + std::to_string(WTERMSIG(status));
    return o;
  }
  o.code = WEXITSTATUS(status);
  o.clean = o.code >= 0 && o.code <= 2;
  o.how = "exit " + std::to_string(o.code);
  return o;
}

// Runs tapml-trace ARGS on the mutant; returns its outcome and checks its
// bad-input message is one line.
Outcome run_cli(const std::vector<std::string>& args, const std::string& err_file) {
  std::vector<char*> argv;
  std::string bin = TAPML_TRACE_BIN;
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = 0;
  Outcome o;
  if (posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    o.how = "cannot start " + bin;
    return o;
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  for (unsigned waited = 0; ::waitpid(pid, &status, WNOHANG) == 0; ++waited) {
    if (waited > kChildSeconds * 100) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      o.how = "hung";
      return o;
    }
    ::usleep(10000);
  }
  if (WIFSIGNALED(status)) {
    o.how = "died of signal " + std::to_string(WTERMSIG(status));
    return o;
  }
  o.code = WEXITSTATUS(status);
  std::ifstream err(err_file);
  std::string text((std::istreambuf_iterator<char>(err)), {});
  const auto lines = std::count(text.begin(), text.end(), '\n');
  o.clean = o.code <= 1 || (o.code == 2 && lines == 1);
  o.how = "exit " + std::to_string(o.code) + ": " + text;
  return o;
}

class StoreMutation : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = write_base_trace(dir_);
    std::ifstream in(base_, std::ios::binary);
    bytes_.assign(std::istreambuf_iterator<char>(in), {});
    ASSERT_GT(bytes_.size(), 10000u);
    ASSERT_EQ(read_everything(base_), 0);
  }

  void check(const std::string& name, const std::string& path) {
    const Outcome o = run_in_child([&] { return read_everything(path); });
    if (!o.clean) {  // keep the mutant for a debugger
      std::string kept = ::testing::TempDir() + "tapml-mutant-" + std::to_string(checked_) + ".h5";
      std::filesystem::copy_file(path, kept, std::filesystem::copy_options::overwrite_existing);
      ADD_FAILURE() << name << ": the reader " << o.how << " (mutant kept as " << kept << ")";
    }
    ++codes_[o.code < 0 ? 3 : std::min(o.code, 3)];
    if (++checked_ % 10 == 0) {
      for (const char* command : {"verify", "show"}) {
        std::vector<std::string> args = {command, path};
        if (std::string(command) == "show") args.push_back("1");
        const Outcome cli = run_cli(args, dir_.file("stderr.txt"));
        EXPECT_TRUE(cli.clean) << name << ": tapml-trace " << command << " " << cli.how;
      }
    }
  }

  void check_bytes(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.file("mutant.h5");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    check(name, path);
  }

  // A copy of the base trace changed through HDF5 itself.
  void check_edit(const std::string& name, const std::function<void(hid_t)>& change) {
    const std::string path = dir_.file("edited.h5");
    std::filesystem::copy_file(base_, path, std::filesystem::copy_options::overwrite_existing);
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    change(file);
    H5Fclose(file);
    check(name, path);
  }

  void TearDown() override {
    std::printf("%d mutants: %d read clean, %d verify failed, %d refused, %d unclean\n", checked_,
                codes_[0], codes_[1], codes_[2], codes_[3]);
  }

  ScratchDir dir_;
  std::string base_;
  std::string bytes_;
  int checked_ = 0;
  int codes_[4] = {0, 0, 0, 0};
};

TEST_F(StoreMutation, ByteFlips) {
  std::mt19937_64 rng(20250101);
  for (int m = 0; m < 240; ++m) {
    std::string bytes = bytes_;
    // Half the mutants hit the first and last 4 KiB, where HDF5 keeps most
    // of its structure; the rest hit anywhere (mostly compressed chunks).
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      size_t at = rng() % bytes.size();
      if (m % 2 == 0) {
        const size_t span = std::min<size_t>(4096, bytes.size() / 2);
        at = rng() % 2 ? rng() % span : bytes.size() - 1 - rng() % span;
      }
      bytes[at] = static_cast<char>(bytes[at] ^ static_cast<char>(1 + rng() % 255));
    }
    check_bytes("byte flip mutant " + std::to_string(m), bytes);
  }
  EXPECT_GT(codes_[1] + codes_[2], 120) << "most damage must be noticed";
}

TEST_F(StoreMutation, Truncations) {
  std::vector<size_t> cuts = {0, 1, 7, 8, 48, 96, 100, 512, 1024, 2048};
  for (int i = 1; i < 60; ++i) cuts.push_back(bytes_.size() * static_cast<size_t>(i) / 60);
  cuts.push_back(bytes_.size() - 1);
  for (size_t cut : cuts) {
    check_bytes("truncated at " + std::to_string(cut), bytes_.substr(0, cut));
    EXPECT_EQ(codes_[0] + codes_[1], 0) << "a truncated trace must be refused (cut " << cut << ")";
  }
}

TEST_F(StoreMutation, AttributeAndRowEdits) {
  auto set_int_attr = [](const char* name, int64_t value) {
    return [=](hid_t file) {
      hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
      H5Awrite(attr, H5T_NATIVE_INT64, &value);
      H5Aclose(attr);
    };
  };
  auto first_tensor = [](hid_t file) {
    char name[64] = {};
    H5Lget_name_by_idx(file, "tensors", H5_INDEX_NAME, H5_ITER_INC, 0, name, sizeof name,
                       H5P_DEFAULT);
    return std::string("tensors/") + name;
  };
  auto set_dtype = [&](const char* dtype, bool variable_length = false) {
    return [=](hid_t file) {
      hid_t dataset = H5Dopen2(file, first_tensor(file).c_str(), H5P_DEFAULT);
      H5Adelete(dataset, "dtype");
      hid_t type = H5Tcopy(H5T_C_S1);
      H5Tset_size(type, variable_length ? H5T_VARIABLE : std::strlen(dtype));
      hid_t space = H5Screate(H5S_SCALAR);
      hid_t attr = H5Acreate2(dataset, "dtype", type, space, H5P_DEFAULT, H5P_DEFAULT);
      if (variable_length) {
        H5Awrite(attr, type, &dtype);
      } else {
        H5Awrite(attr, type, dtype);
      }
      H5Aclose(attr);
      H5Sclose(space);
      H5Tclose(type);
      H5Dclose(dataset);
    };
  };
  // Overwrites one string column of call row `row` (vlen strings, as stored).
  auto set_row_text = [](hsize_t row, const char* column, const char* text) {
    return [=](hid_t file) {
      hid_t dataset = H5Dopen2(file, "calls", H5P_DEFAULT);
      hid_t str = H5Tcopy(H5T_C_S1);
      H5Tset_size(str, H5T_VARIABLE);
      hid_t mem = H5Tcreate(H5T_COMPOUND, sizeof(char*));
      H5Tinsert(mem, column, 0, str);
      hid_t space = H5Dget_space(dataset);
      const hsize_t count = 1;
      H5Sselect_hyperslab(space, H5S_SELECT_SET, &row, nullptr, &count, nullptr);
      hid_t mem_space = H5Screate_simple(1, &count, nullptr);
      H5Dwrite(dataset, mem, mem_space, space, H5P_DEFAULT, &text);
      H5Sclose(mem_space);
      H5Sclose(space);
      H5Tclose(mem);
      H5Tclose(str);
      H5Dclose(dataset);
    };
  };
  check_edit("format_version 4", set_int_attr("format_version", 4));
  check_edit("format_version 0", set_int_attr("format_version", 0));
  check_edit("format_version -7", set_int_attr("format_version", -7));
  check_edit("no format_version", [](hid_t f) { H5Adelete(f, "format_version"); });
  check_edit("no model", [](hid_t f) { H5Adelete(f, "model"); });
  check_edit("no /calls", [](hid_t f) { H5Ldelete(f, "calls", H5P_DEFAULT); });
  check_edit("no /tensors", [](hid_t f) { H5Ldelete(f, "tensors", H5P_DEFAULT); });
  check_edit("/tensors renamed",
             [](hid_t f) { H5Lmove(f, "tensors", f, "tensorz", H5P_DEFAULT, H5P_DEFAULT); });
  check_edit("/calls is a group", [](hid_t f) {
    H5Ldelete(f, "calls", H5P_DEFAULT);
    H5Gclose(H5Gcreate2(f, "calls", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  });
  check_edit("/calls is ints", [](hid_t f) {
    H5Ldelete(f, "calls", H5P_DEFAULT);
    const hsize_t n = 6;
    hid_t space = H5Screate_simple(1, &n, nullptr);
    H5Dclose(H5Dcreate2(f, "calls", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(space);
  });
  check_edit("dtype float99", set_dtype("float99"));
  check_edit("dtype int8 on float32 data", set_dtype("int8"));
  check_edit("dtype complex128", set_dtype("complex128"));
  check_edit("dtype variable-length", set_dtype("float32", true));
  check_edit("tensor moved", [&](hid_t f) {
    const std::string name = first_tensor(f);
    H5Lmove(f, name.c_str(), f, "tensors/0123456789abcdef0123456789abcdef", H5P_DEFAULT,
            H5P_DEFAULT);
  });
  check_edit("inputs not JSON", set_row_text(2, "inputs", "[{\"name\": "));
  check_edit("inputs not a list", set_row_text(2, "inputs", "{}"));
  check_edit("outputs wrong kind",
             set_row_text(1, "outputs", R"([{"name":"r","type":"T","kind":"tensr","value":1}])"));
  check_edit(
      "tensor hash not hex",
      set_row_text(
          0, "outputs",
          R"([{"name":"r","type":"T","kind":"tensor","value":{"hash":"../x","dtype":"float32","sizes":[1],"strides":[1],"offset":0,"device":"cpu"}}])"));
  check_edit(
      "negative sizes",
      set_row_text(
          3, "inputs",
          R"([{"name":"r","type":"T","kind":"tensor","value":{"hash":null,"dtype":"float32","sizes":[-5,2],"strides":[1],"offset":-3,"device":"cpu"}}])"));
  check_edit("huge int", set_row_text(3, "inputs",
                                      R"([{"name":"r","type":"int","kind":"int","value":1e400}])"));
  EXPECT_LE(codes_[0], 2) << "only the row edits that stay valid may read clean";
}

}  // namespace
}  // namespace tapml::store
