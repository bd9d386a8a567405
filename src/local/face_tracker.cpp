// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/face_tracker.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

namespace idf::local {

namespace {

// Distance between the centres in units of the boxes' mean size.
double relative_centre_distance(const Box &a, const Box &b) {
  const double size = (a.width + a.height + b.width + b.height) / 4;
  if (size <= 0) return INFINITY;
  return std::hypot(a.centre_x() - b.centre_x(), a.centre_y() - b.centre_y()) / size;
}

// More than any place cost (centre distances of at most a few box sizes).
constexpr double kReplacementCost = 100;

uint64_t midpoint(uint64_t a, uint64_t b) {
  return a + (b - a) / 2;
}

double lerp(double a, double b, double f) {
  return a + (b - a) * f;
}

Detection interpolate(const Detection &a, const Detection &b, double f) {
  Detection out;
  out.box = {lerp(a.box.x, b.box.x, f), lerp(a.box.y, b.box.y, f), lerp(a.box.width, b.box.width, f),
             lerp(a.box.height, b.box.height, f)};
  out.score = lerp(a.score, b.score, f);
  for (size_t k = 0; k < kKeypointCount; k++)
    out.keypoints[k] = {lerp(a.keypoints[k].x, b.keypoints[k].x, f), lerp(a.keypoints[k].y, b.keypoints[k].y, f)};
  return out;
}

// What the tracker keeps of a detection for marks and the result: its
// appearance is only needed among the track's kept ones.
Detection without_appearance(const Detection &detection) {
  Detection kept = detection;
  kept.appearance = Appearance();
  return kept;
}

}  // namespace

FaceTracker::FaceTracker(TrackerConfig config) : config_(config) {}

Box FaceTracker::predict(const Track &track, uint64_t time_ns) const {
  if (time_ns <= track.last_seen_ns) return track.box;
  const double seconds =
      static_cast<double>(std::min(time_ns - track.last_seen_ns, config_.max_prediction_ns)) / kNsPerSecond;
  Box box = track.box;
  box.x += track.velocity[0] * seconds;
  box.y += track.velocity[1] * seconds;
  box.width = std::max(box.width + track.velocity[2] * seconds, track.box.width / 2);
  box.height = std::max(box.height + track.velocity[3] * seconds, track.box.height / 2);
  return box;
}

// A detection is near a track when it is near where the face was last
// seen or where its motion takes it: both are tried, since a face may stop.
bool FaceTracker::near(const Track &track, uint64_t time_ns, const Box &detection, double *cost) const {
  bool found = false;
  double best = INFINITY;
  for (const Box &expected : {predict(track, time_ns), track.box}) {
    const double ratio = detection.area() / std::max(expected.area(), 1e-9);
    if (ratio > config_.max_area_ratio || ratio < 1.0 / config_.max_area_ratio) continue;
    const double distance = relative_centre_distance(expected, detection);
    if (intersection_over_union(expected, detection) >= config_.min_iou || distance <= config_.max_centre_distance) {
      found = true;
      best = std::min(best, distance);
    }
  }
  if (cost) *cost = best;
  return found;
}

bool FaceTracker::looks_alike(const Track &track, const Detection &detection) const {
  const bool contested = track.replaced_by && tracks_[*track.replaced_by].open && !tracks_[*track.replaced_by].id;
  const double limit = config_.max_appearance_distance * (contested ? config_.return_appearance_share : 1.0);
  return config_.max_appearance_distance <= 0 ||
         std::min(track.box.width, detection.box.width) < config_.min_appearance_width ||
         std::max(track.box.width, detection.box.width) >
             config_.max_appearance_width_ratio * std::min(track.box.width, detection.box.width) ||
         track.appearances.empty() || detection.appearance.empty() ||
         std::any_of(track.appearances.rbegin(), track.appearances.rend(),
                     [&](const Appearance &kept) { return appearance_distance(kept, detection.appearance) <= limit; });
}

// A face that may replace another is confirmed once seen in
// min_replacement_samples samples, or once the face it replaces would be
// over anyway (unseen for longer than the gap) with min_samples: samples
// where the same faces are seen at both ends of a stretch are not looked
// at, so a face may be seen in few of them.
bool FaceTracker::confirmable(const Track &track, uint64_t time_ns) const {
  if (track.samples < config_.min_samples) return false;
  return !track.replaces || track.samples >= config_.min_replacement_samples ||
         time_ns >= track.first_seen_ns + config_.max_gap_ns;
}

void FaceTracker::remember_appearance(Track &track, const Appearance &appearance) const {
  if (appearance.empty() || config_.kept_appearances == 0) return;
  if (track.appearances.size() >= config_.kept_appearances)
    track.appearances.erase(track.appearances.begin(),
                            track.appearances.end() - static_cast<long>(config_.kept_appearances - 1));
  track.appearances.push_back(appearance);
}

bool FaceTracker::continues(const Track &track, uint64_t time_ns, const Detection &detection, double *cost) const {
  return near(track, time_ns, detection.box, cost) && looks_alike(track, detection);
}

std::vector<size_t> FaceTracker::distinct(const std::vector<Detection> &detections) const {
  std::vector<size_t> by_area(detections.size());
  std::iota(by_area.begin(), by_area.end(), 0);
  std::stable_sort(by_area.begin(), by_area.end(),
                   [&](size_t a, size_t b) { return detections[a].box.area() > detections[b].box.area(); });
  std::vector<size_t> kept;
  for (size_t candidate : by_area) {
    const Box &box = detections[candidate].box;
    if (box.width <= 0 || box.height <= 0) continue;
    const bool duplicate = std::any_of(kept.begin(), kept.end(), [&](size_t larger) {
      const Box &other = detections[larger].box;
      return intersection_over_union(box, other) >= config_.duplicate_iou ||
             intersection_area(box, other) >= config_.duplicate_containment * box.area();
    });
    if (!duplicate) kept.push_back(candidate);
  }
  return kept;
}

bool FaceTracker::reachable(const Track &track, uint64_t time_ns) const {
  return track.open && (time_ns <= track.last_seen_ns || time_ns - track.last_seen_ns <= config_.max_gap_ns);
}

std::vector<std::pair<size_t, size_t>> FaceTracker::associate(uint64_t time_ns,
                                                              const std::vector<Detection> &detections,
                                                              const std::vector<size_t> &kept) const {
  std::vector<std::tuple<double, size_t, size_t>> pairs;
  for (size_t t = 0; t < tracks_.size(); t++) {
    if (!reachable(tracks_[t], time_ns)) continue;
    for (size_t d : kept) {
      double cost = 0;
      // A face that may replace another comes after the faces it may
      // replace: where the detection looks like both, it is the first.
      if (continues(tracks_[t], time_ns, detections[d], &cost))
        pairs.emplace_back(cost + (tracks_[t].replaces && !tracks_[t].id ? kReplacementCost : 0), t, d);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  std::vector<bool> track_used(tracks_.size(), false), detection_used(detections.size(), false);
  std::vector<std::pair<size_t, size_t>> matched;
  for (const auto &[cost, t, d] : pairs) {
    if (track_used[t] || detection_used[d]) continue;
    track_used[t] = detection_used[d] = true;
    matched.emplace_back(t, d);
  }
  return matched;
}

void FaceTracker::close(size_t key) {
  Track &track = tracks_[key];
  if (!track.open) return;
  track.open = false;
  track.appearances.clear();
  track.appearances.shrink_to_fit();
  if (!track.spells.empty() && !track.spells.back().end_ns && track.first_miss_ns)
    track.spells.back().end_ns = midpoint(track.last_seen_ns, *track.first_miss_ns);
  if (!track.id) discarded_.push_back(key);
}

std::vector<size_t> FaceTracker::add_sample(uint64_t time_ns, const std::vector<Detection> &detections) {
  std::vector<size_t> keys(detections.size(), kSuppressed);
  const std::vector<size_t> kept = distinct(detections);

  // Tracks unseen for longer than the allowed gap are over for good.
  for (size_t key = 0; key < tracks_.size(); key++) {
    Track &track = tracks_[key];
    if (track.open && !reachable(track, time_ns)) {
      if (!track.first_miss_ns) track.first_miss_ns = time_ns;
      close(key);
    }
  }

  const uint64_t spell_start = last_sample_ns_ ? midpoint(*last_sample_ns_, time_ns) : 0;
  std::vector<bool> track_matched(tracks_.size(), false);
  std::vector<size_t> confirmed_now;
  for (const auto &[t, d] : associate(time_ns, detections, kept)) {
    track_matched[t] = true;
    keys[d] = t;
    Track &track = tracks_[t];
    const Detection &detection = detections[d];
    if (time_ns > track.last_seen_ns) {
      const double seconds = static_cast<double>(time_ns - track.last_seen_ns) / kNsPerSecond;
      const double measured[4] = {(detection.box.x - track.box.x) / seconds, (detection.box.y - track.box.y) / seconds,
                                  (detection.box.width - track.box.width) / seconds,
                                  (detection.box.height - track.box.height) / seconds};
      // Smoothed, so that one jittery detection does not throw it off.
      for (int i = 0; i < 4; i++)
        track.velocity[i] = track.samples >= 2 ? (track.velocity[i] + measured[i]) / 2 : measured[i];
    }
    if (track.first_miss_ns) {
      // Back after a gap within the allowed one: a new visible spell.
      track.spells.back().end_ns = midpoint(track.last_seen_ns, *track.first_miss_ns);
      track.spells.push_back({spell_start, std::nullopt, {}});
      track.first_miss_ns.reset();
    }
    track.box = detection.box;
    track.last_seen_ns = time_ns;
    track.samples++;
    remember_appearance(track, detection.appearance);
    track.spells.back().observed.push_back({time_ns, without_appearance(detection)});
    if (detection.box.area() > track.largest.box.area()) track.largest = without_appearance(detection);
    track.best_score = std::max(track.best_score, detection.score);
    if (!track.id && confirmable(track, time_ns)) confirmed_now.push_back(t);
  }

  // Open tracks not seen now: remember where they stopped being visible.
  for (size_t t = 0; t < track_matched.size(); t++) {
    Track &track = tracks_[t];
    if (track.open && !track_matched[t] && !track.first_miss_ns && time_ns > track.last_seen_ns)
      track.first_miss_ns = time_ns;
  }

  // A face whose place a detection took without looking like it may have
  // been replaced by another person: the detection starts a face that
  // replaces it once confirmed. A face that would replace one whose looks
  // came back is dropped.
  std::vector<std::optional<size_t>> replaced(detections.size());
  for (size_t d : kept) {
    if (keys[d] != kSuppressed) continue;
    for (size_t t = 0; t < track_matched.size() && !replaced[d]; t++) {
      const Track &track = tracks_[t];
      if (!track_matched[t] && reachable(track, time_ns) && near(track, time_ns, detections[d].box, nullptr) &&
          !looks_alike(track, detections[d]))
        replaced[d] = t;
    }
  }
  for (size_t t = 0; t < track_matched.size(); t++) {
    const Track &track = tracks_[t];
    if (track.open && !track.id && !track_matched[t] && track.replaces && *track.replaces < track_matched.size() &&
        track_matched[*track.replaces]) {
      if (!tracks_[t].first_miss_ns) tracks_[t].first_miss_ns = time_ns;
      close(t);
    }
  }

  // Every other detection starts a new track.
  for (size_t d : kept) {
    if (keys[d] != kSuppressed) continue;
    Track track;
    track.first_box = track.box = detections[d].box;
    track.first_seen_ns = track.last_seen_ns = time_ns;
    track.sample_before_ns = last_sample_ns_;
    track.samples = 1;
    track.largest = without_appearance(detections[d]);
    track.best_score = detections[d].score;
    track.replaces = replaced[d];
    remember_appearance(track, detections[d].appearance);
    track.spells.push_back({spell_start, std::nullopt, {{time_ns, without_appearance(detections[d])}}});
    keys[d] = tracks_.size();
    if (replaced[d]) tracks_[*replaced[d]].replaced_by = keys[d];
    tracks_.push_back(track);
    if (confirmable(tracks_.back(), time_ns)) confirmed_now.push_back(keys[d]);
  }

  // A replacement confirmed: the face it replaces ended where it began.
  for (size_t key : confirmed_now) {
    const std::optional<size_t> replaced_key = tracks_[key].replaces;
    if (!replaced_key || !tracks_[*replaced_key].open) continue;
    Track &old = tracks_[*replaced_key];
    if (old.last_seen_ns >= tracks_[key].first_seen_ns) continue;  // seen beside it since: not replaced
    if (!old.first_miss_ns) old.first_miss_ns = tracks_[key].first_seen_ns;
    close(*replaced_key);
  }

  // Ids in order of confirmation; faces confirmed together left to right,
  // then top to bottom.
  std::stable_sort(confirmed_now.begin(), confirmed_now.end(), [&](size_t a, size_t b) {
    const Track &ta = tracks_[a], &tb = tracks_[b];
    return std::tie(ta.first_seen_ns, ta.first_box.x, ta.first_box.y) <
           std::tie(tb.first_seen_ns, tb.first_box.x, tb.first_box.y);
  });
  for (size_t key : confirmed_now) tracks_[key].id = next_id_++;

  last_sample_ns_ = time_ns;
  sample_count_++;
  return keys;
}

void FaceTracker::cut(uint64_t time_ns) {
  for (size_t key = 0; key < tracks_.size(); key++) {
    Track &track = tracks_[key];
    if (!track.open) continue;
    if (!track.first_miss_ns) track.first_miss_ns = std::max(time_ns, track.last_seen_ns);
    close(key);
  }
}

std::optional<std::string> FaceTracker::face_id(size_t key) const {
  if (key >= tracks_.size() || !tracks_[key].id) return std::nullopt;
  return std::to_string(*tracks_[key].id);
}

std::vector<size_t> FaceTracker::take_discarded() {
  std::vector<size_t> keys;
  keys.swap(discarded_);
  return keys;
}

std::vector<TrackedFace> FaceTracker::faces(uint64_t clip_end_ns) const {
  std::vector<size_t> confirmed;
  for (size_t key = 0; key < tracks_.size(); key++)
    if (tracks_[key].id) confirmed.push_back(key);
  std::sort(confirmed.begin(), confirmed.end(), [&](size_t a, size_t b) { return *tracks_[a].id < *tracks_[b].id; });

  std::vector<TrackedFace> faces;
  for (size_t key : confirmed) {
    const Track &track = tracks_[key];
    TrackedFace face;
    face.id = std::to_string(*track.id);
    face.track_key = key;
    face.samples = track.samples;
    face.start_ns = track.sample_before_ns ? midpoint(*track.sample_before_ns, track.first_seen_ns) : 0;
    face.end_ns = track.first_miss_ns ? midpoint(track.last_seen_ns, *track.first_miss_ns)
                                      : std::max(clip_end_ns, track.last_seen_ns);
    face.largest = track.largest;
    face.best_score = track.best_score;
    faces.push_back(face);
  }
  return faces;
}

std::vector<FaceMark> FaceTracker::marks_at(uint64_t time_ns) const {
  std::vector<FaceMark> marks;
  for (size_t key = 0; key < tracks_.size(); key++) {
    const Track &track = tracks_[key];
    if (!track.id) continue;
    for (const Spell &spell : track.spells) {
      if (spell.observed.empty() || time_ns < spell.start_ns) continue;
      // An unfinished spell reaches half way to the first sample without
      // the face, or as far as it was seen.
      uint64_t end = track.last_seen_ns;
      if (spell.end_ns)
        end = *spell.end_ns;
      else if (track.first_miss_ns)
        end = midpoint(track.last_seen_ns, *track.first_miss_ns);
      if (time_ns > end) continue;
      FaceMark mark;
      mark.id = std::to_string(*track.id);
      mark.track_key = key;
      const auto &observed = spell.observed;
      auto after = std::lower_bound(observed.begin(), observed.end(), time_ns,
                                    [](const Observation &o, uint64_t t) { return o.time_ns < t; });
      if (after == observed.end()) {
        mark.detection = observed.back().detection;
        mark.interpolated = observed.back().time_ns != time_ns;
      } else if (after->time_ns == time_ns || after == observed.begin()) {
        mark.detection = after->detection;
        mark.interpolated = after->time_ns != time_ns;
      } else {
        const auto before = std::prev(after);
        const double f = static_cast<double>(time_ns - before->time_ns) / (after->time_ns - before->time_ns);
        mark.detection = interpolate(before->detection, after->detection, f);
        mark.interpolated = true;
      }
      marks.push_back(mark);
      break;
    }
  }
  return marks;
}

void FaceTracker::forget_before(uint64_t time_ns) {
  for (Track &track : tracks_) {
    auto &spells = track.spells;
    // Whole spells that ended before: only their place in time matters.
    for (Spell &spell : spells) {
      if (spell.end_ns && *spell.end_ns < time_ns) {
        spell.observed.clear();
        spell.observed.shrink_to_fit();
        continue;
      }
      // Keep the last detection at or before `time_ns` for interpolation.
      auto &observed = spell.observed;
      auto first_needed = std::upper_bound(observed.begin(), observed.end(), time_ns,
                                           [](uint64_t t, const Observation &o) { return t < o.time_ns; });
      if (first_needed != observed.begin()) observed.erase(observed.begin(), std::prev(first_needed));
    }
    spells.erase(std::remove_if(spells.begin(), spells.end(),
                                [&](const Spell &spell) { return spell.end_ns && *spell.end_ns < time_ns; }),
                 spells.end());
  }
}

bool FaceTracker::same_faces(uint64_t time_ns, const std::vector<Detection> &detections) const {
  size_t seen_last = 0;
  for (const Track &track : tracks_)
    if (track.open && last_sample_ns_ && track.last_seen_ns == *last_sample_ns_) seen_last++;
  const std::vector<size_t> kept = distinct(detections);
  if (kept.size() != seen_last) return false;
  size_t matched = 0;
  for (const auto &[t, d] : associate(time_ns, detections, kept))
    if (tracks_[t].last_seen_ns == *last_sample_ns_) matched++;
  return matched == kept.size();
}

std::vector<Box> FaceTracker::unmatched(uint64_t time_ns, const std::vector<Detection> &detections) const {
  std::vector<bool> matched(tracks_.size(), false);
  for (const auto &[t, d] : associate(time_ns, detections, distinct(detections))) matched[t] = true;
  std::vector<Box> boxes;
  for (size_t t = 0; t < tracks_.size(); t++) {
    const Track &track = tracks_[t];
    const bool seen_last = last_sample_ns_ && track.last_seen_ns == *last_sample_ns_;
    if (!matched[t] && reachable(track, time_ns) && (track.id || seen_last)) boxes.push_back(predict(track, time_ns));
  }
  return boxes;
}

}  // namespace idf::local
