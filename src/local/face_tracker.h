// SPDX-License-Identifier: LGPL-2.1-or-later
// Pure, GStreamer- and OpenCV-free tracking of face detections across
// sampled frames, following the identification service's rule: a face
// continues while it is unseen for at most `max_gap_ns` (1 s); after a longer
// gap it comes back as a new face with a new id. A shot cut ends every face;
// a detection at a face's place that does not look like it (appearance.h)
// ends that face alone once it goes on being seen there (another person took
// its place, cut or no cut).
//
// Ids are given when a face is confirmed (seen in `min_samples` samples), in
// the order of confirmation, so that an id shown while the clip is still
// being analysed (e.g. on a frame's mark) is the id of the final result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "local/detection.h"
#include "model/result.h"

namespace idf::local {

struct TrackerConfig {
  // A face unseen for longer than this comes back as a new face.
  uint64_t max_gap_ns = kNsPerSecond;
  // Tracks seen in fewer samples are treated as spurious detections.
  unsigned min_samples = 2;
  // A detection continues a track when it overlaps the track's predicted
  // (or last) box this much...
  double min_iou = 0.25;
  // ...or when their centres are closer than this many box sizes.
  double max_centre_distance = 0.5;
  // A face does not grow or shrink by more than this area ratio between
  // two samples.
  double max_area_ratio = 4.0;
  // How far ahead the motion of a face is extrapolated at most.
  uint64_t max_prediction_ns = kNsPerSecond;
  // Detections of one frame overlapping a larger one this much are the same
  // face found twice (IoU, or share of the smaller box inside the larger).
  double duplicate_iou = 0.4;
  double duplicate_containment = 0.7;
  // A detection whose appearance is further than this from each of the
  // face's kept appearances is another person (chosen with
  // eval-local-detector's identity clips; 0 turns the check off).
  double max_appearance_distance = 0.75;
  // The face's appearance as a running model: its latest appearances, this
  // many at most. Those of the last second or so let a face change slowly
  // (turning, lit otherwise) and stay itself, and keep how it looked before
  // something passed in front of it, so that it is recognised once it is
  // uncovered; a swap between two samples matches none of them.
  size_t kept_appearances = 12;
  // A detection at a face's place that does not look like it starts a
  // face that replaces it once seen in this many samples (a second at 8
  // samples a second), or seen for longer than the gap a face may be
  // unseen for (max_gap_ns). Until then
  // the face it would replace stays open, and takes over again if its own
  // looks come back (something passed in front of it, it turned away for a
  // moment). Ids are given at confirmation, so marks and the result agree
  // either way.
  unsigned min_replacement_samples = 8;
  // While another face may replace it, a face takes a detection back only
  // when it looks this much like one of its kept appearances (a share of
  // max_appearance_distance): its own looks uncovered again are that near;
  // the other person, seen again and again meanwhile, must not slip back
  // into it when one sample happens to read a little nearer.
  double return_appearance_share = 0.5;
  // Faces narrower than this (frame pixels) are not compared: the
  // detector's box around a small face varies by a fifth or more between
  // passes (the whole frame, a tile), and their pictures differ as much as
  // two people's.
  double min_appearance_width = 100;
  // Nor faces whose boxes differ in width by more than this ratio: the
  // same face found by another pass (a tile, the whole frame) gets a box a
  // fifth larger or smaller, and its picture then lines up with nothing.
  // Two people framed alike have boxes of about the same size.
  double max_appearance_width_ratio = 1.25;
};

// One confirmed face, ready for the result.
struct TrackedFace {
  std::string id;        // "0", "1", ... in order of confirmation
  size_t track_key = 0;  // key returned by add_sample() for its detections
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  unsigned samples = 0;  // how many samples it was detected in
  Detection largest;     // its detection where its box was largest
  double best_score = 0;
};

// Where a confirmed face is at some time: a detection, or between two
// detections of one visible spell, their interpolation.
struct FaceMark {
  std::string id;
  size_t track_key = 0;
  Detection detection;
  bool interpolated = false;  // not a sample the face was detected in
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
  std::vector<size_t> add_sample(uint64_t time_ns, const std::vector<Detection> &detections);

  // A shot cut between the latest sample and the next one, at `time_ns`
  // (the next sample's time): every face ends, as if unseen from then on.
  void cut(uint64_t time_ns);

  // The confirmed faces, by id. A face's boundaries lie half way between
  // the last sample without it and the first with it (and likewise at its
  // end); a face visible at the first sample starts at 0 and one visible at
  // the last sample ends at `clip_end_ns`.
  std::vector<TrackedFace> faces(uint64_t clip_end_ns) const;

  // The confirmed faces visible at `time_ns`, with their boxes interpolated
  // between the samples they were detected in. Not during a gap in which a
  // face was unseen, nor after a face's last detection by more than half a
  // sample interval (nor past the latest sample while it is still seen).
  std::vector<FaceMark> marks_at(uint64_t time_ns) const;
  // Forgets the detections that marks_at() needs no more for times from
  // `time_ns` on (a long or live stream would otherwise keep them all).
  void forget_before(uint64_t time_ns);

  // Whether the detections of a sample at `time_ns` would continue exactly
  // the faces seen in the latest sample, one to one (duplicates aside), so
  // that the samples in between need no detection.
  bool same_faces(uint64_t time_ns, const std::vector<Detection> &detections) const;
  // Predicted boxes at `time_ns` of the faces seen in the latest sample that
  // none of `detections` continues: the faces about to be lost.
  std::vector<Box> unmatched(uint64_t time_ns, const std::vector<Detection> &detections) const;

  // The id of a track, once confirmed.
  std::optional<std::string> face_id(size_t key) const;
  bool is_confirmed(size_t key) const { return face_id(key).has_value(); }
  // Keys of tracks that ended without being confirmed since the last call,
  // so that whatever the caller keeps for them can be released.
  std::vector<size_t> take_discarded();
  size_t sample_count() const { return sample_count_; }
  std::optional<uint64_t> last_sample_ns() const { return last_sample_ns_; }

 private:
  struct Observation {
    uint64_t time_ns = 0;
    Detection detection;
  };
  // A run of samples in which the track was seen without a miss.
  struct Spell {
    uint64_t start_ns = 0;              // half way from the sample before
    std::optional<uint64_t> end_ns;     // half way to the first miss
    std::vector<Observation> observed;  // may be pruned by forget_before()
  };
  struct Track {
    Box first_box;                      // orders faces confirmed in the same sample
    Box box;                            // latest detection
    double velocity[4] = {0, 0, 0, 0};  // x, y, width, height per second
    uint64_t first_seen_ns = 0;
    std::optional<uint64_t> sample_before_ns;  // last sample before first_seen
    uint64_t last_seen_ns = 0;
    std::optional<uint64_t> first_miss_ns;  // first sample after last_seen
    unsigned samples = 0;
    bool open = true;  // may still be continued
    std::optional<unsigned> id;
    Detection largest;
    double best_score = 0;
    std::vector<Spell> spells;
    std::vector<Appearance> appearances;  // the latest last; kept_appearances at most, none once closed
    std::optional<size_t> replaces;       // the face it replaces once confirmed
    std::optional<size_t> replaced_by;    // the latest face that may replace it
  };

  Box predict(const Track &track, uint64_t time_ns) const;
  // Whether `detection` is where the face should be (place and size)...
  bool near(const Track &track, uint64_t time_ns, const Box &detection, double *cost) const;
  // ...and looks like it.
  bool looks_alike(const Track &track, const Detection &detection) const;
  void remember_appearance(Track &track, const Appearance &appearance) const;
  bool confirmable(const Track &track, uint64_t time_ns) const;
  bool continues(const Track &track, uint64_t time_ns, const Detection &detection, double *cost) const;
  // Indices of the detections that are not a duplicate of a larger one.
  std::vector<size_t> distinct(const std::vector<Detection> &detections) const;
  // One-to-one association of open tracks and distinct detections, closest
  // first: (track, detection) pairs.
  std::vector<std::pair<size_t, size_t>> associate(uint64_t time_ns, const std::vector<Detection> &detections,
                                                   const std::vector<size_t> &kept) const;
  bool reachable(const Track &track, uint64_t time_ns) const;
  void close(size_t key);

  TrackerConfig config_;
  std::vector<Track> tracks_;  // index == track key
  std::vector<size_t> discarded_;
  std::optional<uint64_t> last_sample_ns_;
  size_t sample_count_ = 0;
  unsigned next_id_ = 0;
};

}  // namespace idf::local
