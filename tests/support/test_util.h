// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers shared by the element tests: clips made with GStreamer's own
// encoders, and a pipeline runner that collects what reaches the bus.
#pragma once

#include <gst/gst.h>

#include <initializer_list>
#include <string>
#include <vector>

struct ClipSpec {
  int width = 1280;
  int height = 720;
  double seconds = 3.0;
  int fps = 10;
  std::string container = "mp4";  // mp4, mov, mkv
};

// Encodes a videotestsrc clip (H.264) into `dir`; returns its path.
std::string make_clip(const std::string &dir, const std::string &name, const ClipSpec &spec);

std::string file_uri(const std::string &path);

// The first ERROR or WARNING of a run: its text, domain/code and details
// (owned by the message, valid while the BusLog lives).
struct BusProblem {
  bool found = false;
  std::string text;
  GQuark domain = 0;
  int code = 0;
  const GstStructure *details = nullptr;
  // g_error()s naming the missing needle and the text.
  void assert_contains(std::initializer_list<const char *> needles) const;
};

// One identify-face-progress message.
struct ProgressStep {
  std::string phase, text, status;
};
// The step a message reports, or false for any other message.
bool progress_step(GstMessage *m, ProgressStep *step);

struct BusLog {
  std::vector<GstMessage *> messages;  // owned
  bool eos = false;
  bool error = false;
  bool timed_out = false;
  ~BusLog();
  // The first element message with that structure name, or nullptr.
  const GstStructure *element_message(const char *name) const;
  int index_of_element(const char *name) const;
  int index_of_type(GstMessageType type) const;
  GstMessage *first(GstMessageType type) const;
  std::vector<GstMessage *> all(GstMessageType type) const;
  BusProblem problem(GstMessageType type) const;  // GST_MESSAGE_ERROR or _WARNING
  std::vector<ProgressStep> progress() const;     // identify-face-progress, in order
};

// gst_parse_launch that fails the test on a parse error.
GstElement *launch(const std::string &description);
// To NULL, and unref.
void stop(GstElement *pipeline);

// Builds and plays `description` until EOS (true), an ERROR (false, its text
// in `error`) or the timeout; then to NULL.
bool run_to_eos(const std::string &description, unsigned timeout_s = 60, std::string *error = nullptr);

// Plays `pipeline` until EOS, ERROR or the timeout; leaves it in PLAYING.
void run_until_done(GstElement *pipeline, BusLog &log, unsigned timeout_ms);

// A temp dir made for the test; removed (with its files) by cleanup.
std::string make_temp_dir();

// How much slower than a plain build this one runs: IDF_TEST_SLOWDOWN
// (the asan test setup sets it), 1 otherwise. Live tests, whose stream runs
// in real time, stream that many times longer so that the analysis has the
// samples it needs.
double test_slowdown();
void remove_dir(const std::string &dir);

// HS256 JWTs, checked with GLib's HMAC, independently of the plugin's code.
bool jwt_signed_with(const std::string &jwt, const std::string &secret);
std::string jwt_payload(const std::string &jwt);  // decoded JSON

// The faces list of an identify-face structure.
const GValue *faces_of(const GstStructure *s);
const GstStructure *face_at(const GstStructure *s, guint i);
