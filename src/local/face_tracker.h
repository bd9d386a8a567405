// Pure, GStreamer- and OpenCV-free tracking of face detections across
// sampled frames, following the identification service's rule: a face
// continues while it is unseen for at most `max_gap_ns` (1 s); after a longer
// gap it comes back as a new face with a new id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "result.h"

namespace idf::local {

// An axis-aligned detection rectangle, in any unit as long as every sample
// uses the same one (the engine uses pixels of its detection picture).
struct Box {
  double x = 0, y = 0, width = 0, height = 0;
  double area() const { return width * height; }
  double centre_x() const { return x + width / 2; }
  double centre_y() const { return y + height / 2; }
};

double intersection_over_union(const Box &a, const Box &b);

struct TrackerConfig {
  // A face unseen for longer than this comes back as a new face.
  uint64_t max_gap_ns = kNsPerSecond;
  // Tracks seen in fewer samples are treated as spurious detections.
  unsigned min_samples = 2;
  // A detection continues a track when the boxes overlap this much...
  double min_iou = 0.25;
  // ...or when their centres are closer than this many box sizes (faces
  // that move quickly between two samples barely overlap).
  double max_centre_distance = 0.5;
  // Detections of one frame overlapping a larger one this much are the same
  // face found twice (IoU, or share of the smaller box inside the larger).
  double duplicate_iou = 0.4;
  double duplicate_containment = 0.7;
};

// One confirmed face, ready for the result.
struct TrackedFace {
  std::string id;        // "0", "1", ... in order of first appearance
  size_t track_key = 0;  // key returned by add_sample() for its detections
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  unsigned samples = 0;  // how many samples it was detected in
};

class FaceTracker {
 public:
  static constexpr size_t kSuppressed = static_cast<size_t>(-1);

  explicit FaceTracker(TrackerConfig config = {});

  // Feeds the detections of one analysed sample taken at `time_ns` (stream
  // time; samples must come in non-decreasing time order, samples without
  // any detection included, since they tell where faces stopped being
  // visible). Returns, for each detection, the key of the track it now
  // belongs to, or kSuppressed for a duplicate of another detection.
  std::vector<size_t> add_sample(uint64_t time_ns, const std::vector<Box> &detections);

  // The confirmed faces, with ids in order of first appearance. A face's
  // boundaries lie half way between the last sample without it and the
  // first with it (and likewise at its end); a face visible at the first
  // sample starts at 0 and one visible at the last sample ends at
  // `clip_end_ns`.
  std::vector<TrackedFace> faces(uint64_t clip_end_ns) const;

  // Whether two samples show the same faces at the same places (one to one,
  // by the rule that continues a track), duplicates aside. Lets a caller
  // skip detection in the samples between two that agree.
  bool same_faces(const std::vector<Box> &a, const std::vector<Box> &b) const;

  // Whether the track `key` has been seen often enough to count.
  bool is_confirmed(size_t key) const;
  // Keys of tracks that ended without being confirmed since the last call,
  // so that whatever the caller keeps for them can be released.
  std::vector<size_t> take_discarded();
  size_t sample_count() const { return sample_count_; }

 private:
  struct Track {
    Box first_box;  // orders faces that appear in the same sample
    Box box;        // latest detection
    uint64_t first_seen_ns = 0;
    std::optional<uint64_t> sample_before_ns;  // last sample before first_seen
    uint64_t last_seen_ns = 0;
    std::optional<uint64_t> first_miss_ns;  // first sample after last_seen
    unsigned samples = 0;
    bool open = true;  // may still be continued
  };

  bool continues(const Box &previous, const Box &detection) const;
  // Indices of the detections that are not a duplicate of a larger one.
  std::vector<size_t> distinct(const std::vector<Box> &detections) const;

  TrackerConfig config_;
  std::vector<Track> tracks_;  // index == track key
  std::vector<size_t> discarded_;
  std::optional<uint64_t> last_sample_ns_;
  size_t sample_count_ = 0;
};

}  // namespace idf::local
