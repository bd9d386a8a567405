// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local on the frames that flow through the element: no second
// decode. The element hands over one raw frame per sampling interval; a
// thread of the analysis runs the face analyser on them, in order, and the
// element asks where the faces are at each buffer's time (the per-frame
// marks) and, at the end, for the result.
//
// Flow control. The queue between the streaming thread and the analysis
// holds a few frames. A live stream never waits: a frame that finds the
// queue full is dropped and counted (`samples-dropped`). A stream that is
// not live waits for room, so every sample is analysed even in a
// faster-than-real-time transcode.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/result.h"

namespace idf::local {

// One raw frame as the element maps it: planes, strides, no copy.
struct RawFrame {
  enum class Format { RGB, BGR, RGBA, BGRA, I420, NV12 };
  Format format = Format::I420;
  int width = 0, height = 0;
  const uint8_t *planes[3] = {};
  int strides[3] = {};
  double pixel_aspect = 1.0;
};

// Where a confirmed face is at some time, in that frame's pixels.
struct Mark {
  std::string face_id;  // the id the result will give it
  double x = 0, y = 0, width = 0, height = 0;
  double score = 0;
  double mouth_x = 0, mouth_y = 0;
  bool interpolated = false;
};

struct StreamAnalysisOptions {
  std::string face_image_dir;  // "" = the default
  bool live = false;
  std::string requester;  // for the log
};

class StreamAnalysis {
 public:
  using ProgressFn = std::function<void(uint64_t analysed_until_ns)>;

  // Loads the detector; nullptr with the reason in `error` when it cannot.
  static std::unique_ptr<StreamAnalysis> create(StreamAnalysisOptions options, ProgressFn progress, std::string *error);
  ~StreamAnalysis();

  // Streaming thread. Whether `time_ns` is due for a sample (one per 1/8 s).
  bool wants(uint64_t time_ns) const;
  // Streaming thread. Copies the frame for the analysis. Live: never waits,
  // false when the frame was dropped. Not live: waits for room (or stop()).
  bool push(const RawFrame &frame, uint64_t time_ns);
  // Streaming thread, not live: waits until the analysis is final up to
  // `time_ns` (or stop()), so marks_at() knows that time.
  void wait_analysed(uint64_t time_ns);
  // Any thread. Confirmed faces at `time_ns`, interpolated between samples.
  std::vector<Mark> marks_at(uint64_t time_ns) const;
  // Any thread. Whether the face `face_id`, marked before `time_ns` and not
  // at it, has ended by then (a shot cut came, or it has been unseen longer
  // than a face may be and keep its id); false while it may still come
  // back, or when the analysis has not reached `time_ns`.
  bool ended_by(const std::string &face_id, uint64_t time_ns) const;

  // The stream ended: analyses what waits, writes the face pictures and
  // returns the result (complete=false when the stream was stopped early).
  Outcome finish(uint64_t clip_end_ns, bool complete);
  // Any thread, synchronous: stops the analysis; no callback after it.
  void stop();

  uint64_t samples_dropped() const;
  uint64_t samples_analysed() const;

 private:
  struct Impl;
  explicit StreamAnalysis(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idf::local
