// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-identify-face --timeline FILE: the result as a picture, so that a user
// picks a face by looking: one row per face with its image, its interval
// on the clip's time axis (green where it is lip-sync ready, orange where
// it is too short), the shot cuts provider=local found (red dashed lines)
// and the clip's duration. PNG or SVG, drawn with cairo.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct TimelineFace {
  std::string id, image;  // image: the face-image URL
  uint64_t start_ns = 0, end_ns = 0;
  bool lipsync_ready = false;
};

struct Timeline {
  std::string title;  // the clip
  uint64_t duration_ns = 0;
  std::vector<TimelineFace> faces;
  std::vector<uint64_t> cuts_ns;
};

// From the identify-face structure; `duration_ns` unknown: the latest face
// end or cut.
Timeline timeline_from_result(const GstStructure *result, std::optional<uint64_t> duration_ns, std::string title);

// Where things are drawn, in pixels (the PNG's; the SVG's user units).
struct TimelineLayout {
  static constexpr int kWidth = 1200;
  static constexpr int kTrackLeft = 300, kTrackRight = 1160;  // the time axis, 0 to the duration
  static constexpr int kRowsTop = 90, kRowHeight = 112, kImageSize = 96, kBarHeight = 28;
  static int height(size_t faces) { return kRowsTop + (int)(faces ? faces : 1) * kRowHeight + 60; }
  static int row_top(size_t i) { return kRowsTop + (int)i * kRowHeight; }
  static int bar_centre(size_t i) { return row_top(i) + kRowHeight / 2; }
  static double x_of(uint64_t t_ns, uint64_t duration_ns);
};

// Colours (0xRRGGBB) of the bars and lines.
constexpr unsigned kTimelineReady = 0x2e9e44, kTimelineTooShort = 0xe8891c, kTimelineTrack = 0xe4e4e4,
                   kTimelineCut = 0xd01c1c;

// Writes the picture, PNG or SVG by the name's ending. Face images are read
// with GStreamer (a file:// or http(s) URL, at most `image_timeout_s` each);
// one that cannot be read is drawn as a grey square and named in
// `warnings`. False with `error` when the file cannot be written.
bool write_timeline(const Timeline &timeline, const std::string &path, unsigned image_timeout_s,
                    std::vector<std::string> &warnings, std::string &error);
