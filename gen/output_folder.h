// The folder a suite is generated into. Before writing, the generator sorts
// what is there: its own intact files, files it wrote that someone edited
// since, and files it never wrote. It overwrites only the first kind unless
// told to (--force), and then still never deletes a file it did not write.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "gen/suite_sources.h"

namespace tapml::gen {

struct FolderState {
  std::vector<std::string> generated;  // intact files tapml-gen wrote
  std::vector<std::string> edited;     // written by tapml-gen, changed since
  std::vector<std::string> foreign;    // not written by tapml-gen (files and folders)
};

// Missing folder: all lists empty. Names are sorted. Throws GenError when the
// path is not a folder or cannot be read.
FolderState inspect_folder(const std::filesystem::path& dir);

// "suite folder tests/generated/x holds 2 files edited by hand (a.cpp, b.cpp) and 1 file
// tapml-gen did not write (notes.txt)"; empty when there are none.
std::string describe_unsafe(const std::filesystem::path& dir, const FolderState& state);

// Moves the new fixture (written beside it as a temporary) and the sources
// into place, then deletes the files of the previous suite the new one lacks
// (generated or edited ones, never foreign ones).
void install_suite(const std::filesystem::path& dir, const std::filesystem::path& new_fixture,
                   const std::vector<SourceFile>& files, const FolderState& previous);

}  // namespace tapml::gen
