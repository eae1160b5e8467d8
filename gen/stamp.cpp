#include "gen/stamp.h"

#include "replayer/case_naming.h"

namespace tapml::gen {
namespace {

constexpr std::string_view kMarker = " tapml-gen-hash: ";

}  // namespace

std::string stamped(std::string_view comment, const std::string& body) {
  return std::string(comment) + std::string(kMarker) + replay::short_hash(body) + "\n" + body;
}

StampCheck check_stamp(const std::string& text) {
  const size_t end = text.find('\n');
  if (end == std::string::npos) return StampCheck::Missing;
  const std::string_view first(text.data(), end);
  size_t marker = std::string_view::npos;
  for (std::string_view comment : {"//", "#"}) {
    if (first.starts_with(comment) && first.substr(comment.size()).starts_with(kMarker)) {
      marker = comment.size() + kMarker.size();
    }
  }
  if (marker == std::string_view::npos) return StampCheck::Missing;
  return first.substr(marker) == replay::short_hash(text.substr(end + 1)) ? StampCheck::Intact
                                                                          : StampCheck::Edited;
}

}  // namespace tapml::gen
