// What to capture and where: tapml-record fills it from run.cfg and hands it
// to the interposer as JSON (environment TAPML_CONFIG_JSON); a Python user
// passes the same JSON to torch.ops.tapml.start.
#pragma once

#include <cstdint>
#include <string>

#include "store/writer.h"

namespace tapml::recorder {

struct CaptureConfig {
  std::string output;   // trace path; the interposer writes `<output>.spool`
  std::string include;  // ECMAScript regex searched in the full op name; empty: every op
  std::string exclude;  // regex; empty: none
  bool skip_views = true;
  int64_t max_calls_per_signature = 0;  // 0: unlimited
  int64_t byte_budget = 0;              // bytes of distinct tensor values; 0: unlimited
  bool dedupe = true;
  int compression_level = store::kDefaultCompressionLevel;
  // Values of 64 KiB and up are written on a writer thread while the program
  // goes on (store/values_queue.h); a SIGKILL then loses those still queued.
  // false: each is written before its op returns.
  bool values_in_background = true;
  // Checks the tensor cache: every cached value a call reuses is hashed again
  // from its memory; each disagreement is one stderr line and counted in the
  // trace's metadata (capture_disagreements). Costs a hash per reuse.
  bool verify_capture = false;
  std::string model;        // metadata
  std::string command;      // metadata: the recorded program
  std::string config_text;  // metadata: the run's config file
  bool finish = false;      // the interposer turns the spool into the trace at stop
};

// Throws std::invalid_argument naming the bad key.
CaptureConfig capture_config_from_json(const std::string& json_text);
std::string capture_config_to_json(const CaptureConfig& config);

// "512M", "2G", "1000" -> bytes; throws std::invalid_argument.
int64_t parse_byte_size(const std::string& text);

}  // namespace tapml::recorder
