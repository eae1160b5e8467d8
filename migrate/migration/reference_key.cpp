#include "migrate/migration/reference_key.h"

#include <xxhash.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "recorder/launch/run_config.h"

namespace tapml::migrate {

namespace fs = std::filesystem;

namespace {

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::string reference_key(const std::string& run_config) {
  recorder::RunConfig config;
  std::string program = "tapml-record";
  std::string path = run_config;
  std::vector<char*> argv = {program.data(), path.data()};
  recorder::parse_run_config(static_cast<int>(argv.size()), argv.data(), config);

  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  auto add = [&](const std::string& text) {
    XXH3_64bits_update(state, text.data(), text.size());
    XXH3_64bits_update(state, "\0", 1);
  };
  add(file_text(run_config));
  for (const std::string& word : config.command) {
    for (const fs::path& base :
         {fs::path(), fs::path(config.workdir), fs::path(config.command_base)}) {
      std::error_code ec;
      const fs::path candidate = base / word;
      if (!word.empty() && fs::is_regular_file(candidate, ec)) {
        add(word);
        add(file_text(candidate));
        break;
      }
    }
  }
  const XXH64_hash_t hash = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace tapml::migrate
