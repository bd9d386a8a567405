// SPDX-License-Identifier: LGPL-2.1-or-later
// The frames-to-faces part of provider=local, independent of where the
// frames come from (the engine's own decoding, or buffers flowing through
// the element): takes sampled frames in time order, detects faces with
// BlazeFace where it pays, follows them with FaceTracker across samples and
// shot cuts, and keeps for each face its best picture.
//
// Where detection runs (each pass of the model costs ~17 ms of one core, a
// full-HD frame decodes in ~6 ms): every `key_interval_ns` (1 s) a key
// sample gets the whole frame letterboxed into the model's input, one of
// the square tiles as high as the frame (taking turns; all of them at the
// start of a shot), which see small faces 1.8x larger in a 16:9 frame, and,
// for each face seen before but missing now, a tile a few times its size
// around where it should be. Faces too small even for those tiles score
// low there: the best two such candidates also get a tile around them.
// The samples between two key samples are kept (copied) and only analysed
// when the two key samples disagree about the faces (one appeared, left,
// or moved unexpectedly), so that boundaries still fall on the sampling
// grid: then with the whole frame and tiles around the faces being lost or
// found at the next key sample. A detection at a face's place that does not
// look like it (its appearance, read here from the frame, see appearance.h)
// ends that face: the key samples then disagree too, and the samples between
// them find when it changed. A shot cut (every sample) ends every face;
// the samples on both sides of it are analysed. With key_interval_ns = 0
// every sample is analysed at once (for live streams), all tiles (and
// tiles around their candidates) every `tile_interval_ns`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "local/face_tracker.h"
#include "local/frame_view.h"
#include "local/shot_cut_detector.h"

namespace idf::local {

class FaceDetector;

struct AnalyserConfig {
  // Every setting as text: equal texts, equal analyses of the same frames.
  std::string fingerprint() const;

  // Score thresholds, chosen with eval-local-detector --sweep (tests/bench):
  // higher ones lose small faces, lower ones let textures through.
  double whole_frame_min_score = 0.7;
  double tile_min_score = 0.65;
  double tile_min_overlap = 0.2;
  // A tile around a face being lost is this many times the face's width
  // (the model then sees it ~48 px wide), at least `around_tile_min_side`.
  double around_tile_faces = 5.3;
  double around_tile_min_side = 160;
  double suppression_iou = 0.3;  // weighted NMS
  // A face too small for a tile (a 40 px face reaches the model ~14 px
  // wide through a frame-high tile) scores low there. Where the tiles run,
  // detections scoring at least `candidate_min_score` but below the
  // threshold, small enough for a tile around them, are looked at again in
  // such a tile (as a face being lost), the best `max_zoom_tiles` of them.
  // Tiles around faces (these and those being lost) accept from
  // `zoom_min_score`.
  double candidate_min_score = 0.3;
  size_t max_zoom_tiles = 2;
  double zoom_min_score = 0.65;
  // Distance between key samples; 0: every sample is analysed at once.
  // At most the tracker's 1 s gap: then a face gone for longer than that
  // is always missing from a key sample, and the gap is found.
  uint64_t key_interval_ns = kNsPerSecond;
  // Tiles run on a key sample (taking turns; 0: all). A new shot gets all.
  size_t tiles_per_key = 1;
  // With key_interval_ns = 0: how often all tiles are run.
  uint64_t tile_interval_ns = kNsPerSecond;
  // The sampling interval the caller uses (for rounding key times).
  uint64_t sample_interval_ns = kNsPerSecond / 8;
  // Samples kept between key samples at most (a frame copy each).
  size_t max_samples_between_keys = 12;
  // Face pictures include this much of the face's size around it.
  double crop_margin = 0.3;
  TrackerConfig tracker;
  ShotCutConfig cuts;
};

// A face in an analysed sample, in that frame's pixels.
struct SampleFace {
  std::optional<std::string> id;  // once the face is confirmed
  size_t track_key = 0;
  Detection detection;
  bool interpolated = false;  // not detected in this sample: between two
};

struct AnalysedSample {
  uint64_t time_ns = 0;
  bool cut_before = false;  // a shot cut lies between the previous sample and this one
  bool detected = false;    // detection ran on it (else: interpolated)
  std::vector<SampleFace> faces;
};

// A face of the final result.
struct FoundFace {
  TrackedFace tracked;  // id, interval, largest detection (frame pixels), best score
  Box box;              // the largest detection's box, normalised to 0..1 of the frame
  cv::Mat picture_bgr;  // where it was largest and most frontal, with a margin
};

struct AnalyserStats {
  size_t samples = 0;           // given to analyse()
  size_t samples_detected = 0;  // on which detection ran
  size_t forward_passes = 0;    // of the model (whole frames and tiles)
  size_t cuts = 0;
  // Thread CPU time spent, in seconds: scaling every sample down (for
  // the cut detector), comparing histograms,
  // copying the samples that wait, running the model (with its input).
  double scaling_s = 0, cut_detection_s = 0, copying_s = 0, detection_s = 0;
  // Reading each detected face's appearance for the tracker's face check.
  double appearance_s = 0;
};

class FaceAnalyser {
 public:
  // Loads the model at `model_path`; nullptr, with the reason in `error`,
  // when that fails.
  static std::unique_ptr<FaceAnalyser> create(const std::string &model_path, AnalyserConfig config, std::string *error);
  ~FaceAnalyser();

  // Takes the sample at `time_ns` (stream time, non-decreasing). The frame
  // is only read during the call (copied when it must wait for the next key
  // sample). Returns the samples whose analysis became final, in time
  // order: none while this one waits, or this one and those that waited.
  // Throws std::invalid_argument for a frame whose planes do not match its
  // format and size.
  std::vector<AnalysedSample> analyse(const FrameView &frame, uint64_t time_ns);
  // The same for a frame whose pixels nobody changes afterwards (its planes
  // own their memory, or hold a reference to it): kept without a copy.
  std::vector<AnalysedSample> analyse_owned(const FrameView &frame, uint64_t time_ns);
  // End of the stream: analyses the samples still waiting.
  std::vector<AnalysedSample> flush();

  // Detection alone on one frame, as on a key sample (the whole frame and,
  // with `tiles`, all square tiles), merged: frame pixels. Does not touch
  // the tracking state.
  std::vector<Detection> detect(const FrameView &frame, bool tiles);

  // The latest time the analysis is final up to (marks_at() answers for
  // times up to it).
  std::optional<uint64_t> analysed_until() const { return analysed_until_; }
  // The confirmed faces visible at `time_ns`, boxes in frame pixels,
  // interpolated between detections.
  std::vector<FaceMark> marks_at(uint64_t time_ns) const { return tracker_.marks_at(time_ns); }
  // Lets marks_at() forget what it needs no more for times before this.
  void forget_before(uint64_t time_ns) { tracker_.forget_before(time_ns); }

  // The faces found, by id, with their intervals up to `clip_end_ns`.
  std::vector<FoundFace> faces(uint64_t clip_end_ns) const;
  size_t sample_count() const { return tracker_.sample_count() + pending_.size(); }
  // The shot cuts found so far: half way between the samples on both
  // sides, where the faces before it end.
  const std::vector<uint64_t> &cuts() const { return cuts_ns_; }
  const AnalyserStats &stats() const { return stats_; }

 private:
  struct Pending {
    uint64_t time_ns = 0;
    FrameView frame;  // owning copy
    bool cut_before = false;
  };
  // What the analyser keeps for a track besides the tracker's data.
  struct TrackPicture {
    double quality = -1;  // of the picture kept
    cv::Mat bgr;
    double largest_area = 0;  // of its detections, and the size of that frame
    cv::Size largest_frame;
  };

  explicit FaceAnalyser(AnalyserConfig config);
  std::vector<AnalysedSample> analyse_sample(const FrameView &frame, uint64_t time_ns, bool owned);
  // With `candidates`: also collects the detections scoring from
  // candidate_min_score up to the threshold there.
  std::vector<Detection> detect_whole(const FrameView &frame, std::vector<Detection> *candidates = nullptr);
  // Adds what the tiles find (all of them, or those around the boxes) to
  // the whole frame's detections, and merges them.
  std::vector<Detection> add_tiles(const FrameView &frame, std::vector<Detection> detections,
                                   const std::vector<Box> &scheduled, const std::vector<Box> &around,
                                   std::vector<Detection> *candidates = nullptr);
  // The whole frame and `scheduled` tiles, then tiles around the best
  // candidates they left.
  std::vector<Detection> detect_with_tiles(const FrameView &frame, const std::vector<Box> &scheduled);
  // The whole frame, the tiles whose turn it is (all of them in a new
  // shot), and tiles around the faces still missing.
  std::vector<Detection> detect_key(const FrameView &frame, uint64_t time_ns, bool new_shot);
  // Reads the appearance of each detection from the frame.
  void describe(const FrameView &frame, std::vector<Detection> &detections);
  AnalysedSample track(const FrameView &frame, uint64_t time_ns, bool cut_before,
                       const std::vector<Detection> &detections);
  void keep_picture(const FrameView &frame, size_t key, const Detection &detection);
  // Settles the waiting samples against the key sample `key` (detected
  // already): interpolated when nothing changed, else analysed; then the
  // key sample. Without a key sample the last waiting one becomes it.
  std::vector<AnalysedSample> settle(const Pending *key, const std::vector<Detection> &key_detections);
  AnalysedSample interpolated(const Pending &pending) const;

  AnalyserConfig config_;
  std::unique_ptr<FaceDetector> detector_;
  FaceTracker tracker_;
  ShotCutDetector cuts_;
  std::vector<Pending> pending_;
  std::optional<uint64_t> last_key_ns_;
  std::optional<uint64_t> last_tiles_ns_;
  size_t next_tile_ = 0;
  std::optional<uint64_t> analysed_until_;
  std::optional<uint64_t> last_sample_ns_;
  std::vector<uint64_t> cuts_ns_;
  std::map<size_t, TrackPicture> pictures_;  // by track key
  AnalyserStats stats_;
};

}  // namespace idf::local
