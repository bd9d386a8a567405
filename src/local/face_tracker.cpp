#include "face_tracker.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

namespace idf::local {

double intersection_over_union(const Box &a, const Box &b) {
  const double left = std::max(a.x, b.x);
  const double top = std::max(a.y, b.y);
  const double right = std::min(a.x + a.width, b.x + b.width);
  const double bottom = std::min(a.y + a.height, b.y + b.height);
  if (right <= left || bottom <= top) return 0.0;
  const double intersection = (right - left) * (bottom - top);
  const double united = a.area() + b.area() - intersection;
  return united > 0 ? intersection / united : 0.0;
}

namespace {

double intersection_area(const Box &a, const Box &b) {
  const double w = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const double h = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  return (w > 0 && h > 0) ? w * h : 0.0;
}

// Distance between the centres in units of the boxes' mean size.
double relative_centre_distance(const Box &a, const Box &b) {
  const double size = (a.width + a.height + b.width + b.height) / 4;
  if (size <= 0) return INFINITY;
  return std::hypot(a.centre_x() - b.centre_x(), a.centre_y() - b.centre_y()) / size;
}

}  // namespace

FaceTracker::FaceTracker(TrackerConfig config) : config_(config) {}

bool FaceTracker::continues(const Box &previous, const Box &detection) const {
  // Both boxes must be of a similar size: a face does not double in size
  // between two samples a fraction of a second apart.
  const double ratio = detection.area() / std::max(previous.area(), 1e-9);
  if (ratio > 4.0 || ratio < 0.25) return false;
  return intersection_over_union(previous, detection) >= config_.min_iou ||
         relative_centre_distance(previous, detection) <= config_.max_centre_distance;
}

std::vector<size_t> FaceTracker::distinct(const std::vector<Box> &detections) const {
  std::vector<size_t> by_area(detections.size());
  std::iota(by_area.begin(), by_area.end(), 0);
  std::stable_sort(by_area.begin(), by_area.end(),
                   [&](size_t a, size_t b) { return detections[a].area() > detections[b].area(); });
  std::vector<size_t> kept;
  for (size_t candidate : by_area) {
    const Box &box = detections[candidate];
    if (box.width <= 0 || box.height <= 0) continue;
    const bool duplicate = std::any_of(kept.begin(), kept.end(), [&](size_t larger) {
      const Box &other = detections[larger];
      return intersection_over_union(box, other) >= config_.duplicate_iou ||
             intersection_area(box, other) >= config_.duplicate_containment * box.area();
    });
    if (!duplicate) kept.push_back(candidate);
  }
  return kept;
}

bool FaceTracker::same_faces(const std::vector<Box> &a, const std::vector<Box> &b) const {
  const std::vector<size_t> kept_a = distinct(a), kept_b = distinct(b);
  if (kept_a.size() != kept_b.size()) return false;
  // Greedy one-to-one matching, closest first, as in add_sample().
  std::vector<std::tuple<double, size_t, size_t>> pairs;
  for (size_t i : kept_a)
    for (size_t j : kept_b)
      if (continues(a[i], b[j])) pairs.emplace_back(relative_centre_distance(a[i], b[j]), i, j);
  std::sort(pairs.begin(), pairs.end());
  std::vector<bool> used_a(a.size(), false), used_b(b.size(), false);
  size_t matched = 0;
  for (const auto &[distance, i, j] : pairs) {
    if (used_a[i] || used_b[j]) continue;
    used_a[i] = used_b[j] = true;
    matched++;
  }
  return matched == kept_a.size();
}

std::vector<size_t> FaceTracker::add_sample(uint64_t time_ns, const std::vector<Box> &detections) {
  std::vector<size_t> keys(detections.size(), kSuppressed);

  // 1. Drop a detection that repeats a larger one of the same frame.
  const std::vector<size_t> kept = distinct(detections);

  // 2. Tracks unseen for longer than the allowed gap are over for good.
  for (size_t key = 0; key < tracks_.size(); key++) {
    Track &track = tracks_[key];
    if (track.open && time_ns > track.last_seen_ns && time_ns - track.last_seen_ns > config_.max_gap_ns) {
      track.open = false;
      if (track.samples < config_.min_samples) discarded_.push_back(key);
    }
  }

  // 3. Greedy association, closest pairs first.
  struct Pair {
    double distance;
    double iou;
    size_t track;
    size_t detection;
  };
  std::vector<Pair> pairs;
  for (size_t t = 0; t < tracks_.size(); t++) {
    for (size_t d : kept) {
      if (tracks_[t].open && continues(tracks_[t].box, detections[d]))
        pairs.push_back({relative_centre_distance(tracks_[t].box, detections[d]),
                         intersection_over_union(tracks_[t].box, detections[d]), t, d});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair &a, const Pair &b) {
    return std::tie(a.distance, b.iou, a.track, a.detection) < std::tie(b.distance, a.iou, b.track, b.detection);
  });
  std::vector<bool> track_matched(tracks_.size(), false);
  for (const auto &pair : pairs) {
    if (track_matched[pair.track] || keys[pair.detection] != kSuppressed) continue;
    track_matched[pair.track] = true;
    keys[pair.detection] = pair.track;
    Track &track = tracks_[pair.track];
    track.box = detections[pair.detection];
    track.last_seen_ns = time_ns;
    track.first_miss_ns.reset();
    track.samples++;
  }

  // 4. Open tracks not seen now: remember where they stopped being visible.
  for (size_t t = 0; t < tracks_.size(); t++) {
    Track &track = tracks_[t];
    if (track.open && !track_matched[t] && !track.first_miss_ns && time_ns > track.last_seen_ns)
      track.first_miss_ns = time_ns;
  }

  // 5. Every other detection starts a new track.
  for (size_t d : kept) {
    if (keys[d] != kSuppressed) continue;
    Track track;
    track.first_box = track.box = detections[d];
    track.first_seen_ns = track.last_seen_ns = time_ns;
    track.sample_before_ns = last_sample_ns_;
    track.samples = 1;
    keys[d] = tracks_.size();
    tracks_.push_back(track);
  }

  last_sample_ns_ = time_ns;
  sample_count_++;
  return keys;
}

bool FaceTracker::is_confirmed(size_t key) const {
  return key < tracks_.size() && tracks_[key].samples >= config_.min_samples;
}

std::vector<size_t> FaceTracker::take_discarded() {
  std::vector<size_t> keys;
  keys.swap(discarded_);
  return keys;
}

std::vector<TrackedFace> FaceTracker::faces(uint64_t clip_end_ns) const {
  std::vector<size_t> confirmed;
  for (size_t key = 0; key < tracks_.size(); key++) {
    if (is_confirmed(key)) confirmed.push_back(key);
  }
  // Ids follow the order of first appearance; faces appearing together are
  // numbered left to right, then top to bottom.
  std::stable_sort(confirmed.begin(), confirmed.end(), [&](size_t a, size_t b) {
    const Track &ta = tracks_[a], &tb = tracks_[b];
    return std::tie(ta.first_seen_ns, ta.first_box.x, ta.first_box.y) <
           std::tie(tb.first_seen_ns, tb.first_box.x, tb.first_box.y);
  });

  std::vector<TrackedFace> faces;
  for (size_t key : confirmed) {
    const Track &track = tracks_[key];
    TrackedFace face;
    face.id = std::to_string(faces.size());
    face.track_key = key;
    face.samples = track.samples;
    face.start_ns =
        track.sample_before_ns ? *track.sample_before_ns + (track.first_seen_ns - *track.sample_before_ns) / 2 : 0;
    face.end_ns = track.first_miss_ns ? track.last_seen_ns + (*track.first_miss_ns - track.last_seen_ns) / 2
                                      : std::max(clip_end_ns, track.last_seen_ns);
    faces.push_back(face);
  }
  return faces;
}

}  // namespace idf::local
