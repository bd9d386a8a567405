// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local's one path from frames to faces, whoever decodes them: the
// element hands over the raw frames that flow through it (no second
// decode), the engine those of the clip it decodes itself (local_engine.h).
// The analysis samples them (one per kSampleIntervalNs), a thread of its
// own runs the face analyser on the samples in order, the element asks
// where the faces are at each buffer's time (the per-frame marks), and at
// the end both get the result, its pictures in a session folder of
// face-image-dir (face_image_folders.h).
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

// Frames are sampled 8 times a second: boundaries land within half a sample
// interval (~63 ms) of the truth.
constexpr uint64_t kSampleIntervalNs = kNsPerSecond / 8;

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
  // marks_at() and wait_analysed() answer as the stream goes: every sample
  // is analysed at once. Without (a whole clip, for its result only), the
  // samples between key samples wait and are analysed only where the key
  // samples disagree: fewer passes of the detector.
  bool frame_marks = true;
  std::string face_model;  // the model file; "" = the one set up by the build
  std::string requester;   // for the log
};

class StreamAnalysis {
 public:
  using ProgressFn = std::function<void(uint64_t analysed_until_ns)>;

  // Loads the detector; nullptr with the reason in `error` when it cannot.
  static std::unique_ptr<StreamAnalysis> create(StreamAnalysisOptions options, ProgressFn progress, std::string *error);
  ~StreamAnalysis();

  // Streaming thread. Whether `time_ns` is due for a sample (one per 1/8 s).
  bool wants(uint64_t time_ns) const;
  // Streaming thread. The time of the next sample due (0 before the first):
  // where a frame without a timestamp is placed.
  uint64_t next_sample_ns() const;
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

  // The stream ended: analyses what waits (all that was pushed, with
  // `complete`; else only what the analysis already took), writes the face
  // pictures and returns the result.
  Outcome finish(uint64_t clip_end_ns, bool complete);
  // Any thread, synchronous: stops the analysis; no callback after it.
  void stop();

  // The folder the face pictures go to, absolute.
  const std::string &face_image_dir() const;
  // Samples a live stream skipped because the analysis was behind.
  uint64_t samples_dropped() const;
  // Samples handed to the face analyser (final once finish() returned).
  uint64_t samples_analysed() const;

  // What a whole clip's analysis depends on besides its frames (part of
  // the result cache's key).
  static std::string whole_clip_fingerprint();

 private:
  struct Impl;
  explicit StreamAnalysis(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idf::local
