// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-identify-face's command line: the options, the man-page style help,
// and the element properties they set (checked against the element's own
// property specs, so ranges and values cannot drift from the element).
#pragma once

#include <gst/gst.h>

#include <string>
#include <utility>
#include <vector>

// Exit statuses.
constexpr int kExitResult = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells report it (SIGTERM: 143)

// An option that sets the element property of the same name.
struct PropertyOption {
  const char *name;  // option and property name, e.g. "timeout"
  const char *arg;   // e.g. "SECONDS"
  const char *help;  // the element adds range, values and default
};

// Every element property a user sets per run.
const std::vector<PropertyOption> &property_options();

struct CliOptions {
  // Properties given on the command line, in order: name, value as typed.
  std::vector<std::pair<std::string, std::string>> properties;
  std::string api_key_file;
  std::string timeline;  // --timeline FILE (.png or .svg), "" when not asked
  bool check = false;
  bool json = false;
  bool quiet = false;
  bool version = false;
  bool help = false;
  std::string input;  // FILE or URI
  // --lipsync AUDIO and its companions ("" when not given).
  std::string lipsync_audio, lipsync_face, lipsync_output, lipsync_api_url;
  std::string lipsync_task_id;    // --lipsync-task-id: collect that task, no identification
  double lipsync_insert_at = -1;  // seconds; < 0: chosen

  // The value given for `property`, or "" when not given.
  std::string get(const char *property) const;
};

// Parses the command line. On bad usage returns false and sets `error`.
// Key options are refused without echoing their value.
bool parse_command_line(int argc, char **argv, CliOptions &options, std::string &error);

// The --help text. `element` (may be nullptr) supplies ranges, values and
// defaults of the property options.
std::string help_text(GstElement *element);

// Checks every property option against the element's property specs and
// sets it. On a bad value returns false and sets `error` naming the option,
// the value and what is allowed.
bool apply_property_options(GstElement *element, const CliOptions &options, std::string &error);

// The input as a URI: a URI as is, a file name made absolute.
// On a missing local file returns false and sets `error`.
bool input_to_uri(const std::string &input, std::string &uri, std::string &error);
