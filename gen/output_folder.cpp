#include "gen/output_folder.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>

#include "gen/case_selection.h"
#include "gen/stamp.h"
#include "replayer/case_naming.h"

namespace tapml::gen {
namespace fs = std::filesystem;
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw GenError(path.string() + ": cannot be read");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw GenError(path.string() + ": cannot be written (disk full or no permission?)");
}

std::string list(const std::vector<std::string>& names) {
  constexpr size_t kShown = 4;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kShown) out += ", ...";
  return out;
}

std::string files(size_t n) { return std::to_string(n) + (n == 1 ? " file" : " files"); }

}  // namespace

FolderState inspect_folder(const fs::path& dir) {
  FolderState state;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return state;
  if (!fs::is_directory(dir, ec)) {
    throw GenError(dir.string() + ": --out must be a folder, this is a file");
  }
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry);
  if (ec) throw GenError(dir.string() + ": cannot list the folder: " + ec.message());

  std::optional<std::string> fixture_hash;
  const fs::path cmake = dir / kSuiteCMakeName;
  if (fs::is_regular_file(cmake) && check_stamp(read_file(cmake)) == StampCheck::Intact) {
    fixture_hash = recorded_fixture_hash(read_file(cmake));
  }
  for (const auto& entry : entries) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) {
      state.foreign.push_back(name);
    } else if (name == kFixtureName) {
      if (!fixture_hash) {
        state.foreign.push_back(name);
      } else {
        (replay::short_hash(read_file(entry.path())) == *fixture_hash ? state.generated
                                                                      : state.edited)
            .push_back(name);
      }
    } else {
      switch (check_stamp(read_file(entry.path()))) {
        case StampCheck::Intact:
          state.generated.push_back(name);
          break;
        case StampCheck::Edited:
          state.edited.push_back(name);
          break;
        case StampCheck::Missing:
          state.foreign.push_back(name);
          break;
      }
    }
  }
  for (auto* names : {&state.generated, &state.edited, &state.foreign}) {
    std::sort(names->begin(), names->end());
  }
  return state;
}

std::string describe_unsafe(const fs::path& dir, const FolderState& state) {
  std::string parts;
  if (!state.edited.empty()) {
    parts += files(state.edited.size()) + " edited since tapml-gen wrote them (" +
             list(state.edited) + ")";
  }
  if (!state.foreign.empty()) {
    parts += std::string(parts.empty() ? "" : " and ") + files(state.foreign.size()) +
             " tapml-gen did not write (" + list(state.foreign) + ")";
  }
  return parts.empty() ? "" : "suite folder " + dir.string() + " holds " + parts;
}

void install_suite(const fs::path& dir, const fs::path& new_fixture,
                   const std::vector<SourceFile>& files, const FolderState& previous) {
  std::set<std::string> written{kFixtureName};
  for (const SourceFile& file : files) {
    const fs::path temporary = dir / (file.name + ".tapml-gen-new");
    write_file(temporary, file.text);
    fs::rename(temporary, dir / file.name);
    written.insert(file.name);
  }
  fs::rename(new_fixture, dir / kFixtureName);
  for (const auto* names : {&previous.generated, &previous.edited}) {
    for (const std::string& name : *names) {
      if (!written.count(name)) fs::remove(dir / name);
    }
  }
}

}  // namespace tapml::gen
