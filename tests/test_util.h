// Helpers shared by the element tests: clips made with GStreamer's own
// encoders, and a pipeline runner that collects what reaches the bus.
#pragma once

#include <gst/gst.h>

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
};

// Plays `pipeline` until EOS, ERROR or the timeout; leaves it in PLAYING.
void run_until_done(GstElement *pipeline, BusLog &log, unsigned timeout_ms);

// A temp dir made for the test; removed (with its files) by cleanup.
std::string make_temp_dir();
void remove_dir(const std::string &dir);

// The faces list of an identify-face structure.
const GValue *faces_of(const GstStructure *s);
const GstStructure *face_at(const GstStructure *s, guint i);
