// Generated files carry their content's hash on their first line, so that
// the generator can tell its own files from files edited by hand (or never
// written by it) and refuse to overwrite a person's work.
#pragma once

#include <string>
#include <string_view>

namespace tapml::gen {

// `comment` is the line-comment marker of the file's language: "//" or "#".
// Returns "<comment> tapml-gen-hash: <hash of body>\n" followed by `body`.
std::string stamped(std::string_view comment, const std::string& body);

enum class StampCheck {
  Intact,   // the first line is a stamp and the hash matches the rest
  Edited,   // the first line is a stamp but the rest changed
  Missing,  // no stamp: tapml-gen did not write this
};

StampCheck check_stamp(const std::string& text);

}  // namespace tapml::gen
