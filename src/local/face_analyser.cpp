// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/face_analyser.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <exception>
#include <locale>
#include <opencv2/core/utility.hpp>
#include <sstream>
#include <stdexcept>

#include "local/face_appearance.h"
#include "local/face_detector.h"

namespace idf::local {

std::string AnalyserConfig::fingerprint() const {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << "scores " << whole_frame_min_score << '/' << tile_min_score << '/' << candidate_min_score << '/'
      << zoom_min_score << " overlap " << tile_min_overlap << " around " << around_tile_faces << '/'
      << around_tile_min_side << " iou " << suppression_iou << " zoom " << max_zoom_tiles << " key " << key_interval_ns
      << " tiles " << tiles_per_key << '/' << tile_interval_ns << " sample " << sample_interval_ns << " between "
      << max_samples_between_keys << " crop " << crop_margin << " appearance " << tracker.max_appearance_distance << '/'
      << tracker.min_appearance_width << '/' << tracker.max_appearance_width_ratio << '/' << tracker.kept_appearances
      << '/' << tracker.min_replacement_samples << '/' << tracker.return_appearance_share << " relit "
      << cuts.relit_regions << '/' << cuts.relit_correlation;
  return out.str();
}

namespace {

constexpr int kCutPictureWidth = 128;

// CPU time of the calling thread, in seconds.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

// Adds the thread's CPU time from construction to destruction to a counter.
class CpuTimer {
 public:
  explicit CpuTimer(double &total) : total_(total), start_(thread_cpu_seconds()) {}
  ~CpuTimer() { total_ += thread_cpu_seconds() - start_; }

 private:
  double &total_;
  double start_;
};

// OpenCV runs its operations (scaling, the model's layers) on a pool of
// threads by default. Here that costs more CPU than it saves time, since
// the decoder keeps the cores busy already (measured: a quarter more CPU for
// the same work). A parallel_for_ of one stripe runs its body on this thread
// and makes OpenCV treat the calls within as nested, which it runs
// sequentially, without changing the process-wide cv::setNumThreads().
template <typename Work>
void on_this_thread_only(Work &&work) {
  std::exception_ptr failure;
  cv::parallel_for_(cv::Range(0, 1), [&](const cv::Range &) {
    try {
      work();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  if (failure) std::rethrow_exception(failure);
}

cv::Rect to_rect(const Box &box) {
  const int left = static_cast<int>(std::floor(box.x)), top = static_cast<int>(std::floor(box.y));
  return cv::Rect(left, top, static_cast<int>(std::ceil(box.right())) - left,
                  static_cast<int>(std::ceil(box.bottom())) - top);
}

// The tile that holds most of `box` (ties: the one whose centre is nearest).
size_t best_tile(const std::vector<Box> &tiles, const Box &box) {
  size_t best = 0;
  double best_area = -1, best_distance = INFINITY;
  for (size_t i = 0; i < tiles.size(); i++) {
    const double area = intersection_area(tiles[i], box);
    const double distance = std::hypot(tiles[i].centre_x() - box.centre_x(), tiles[i].centre_y() - box.centre_y());
    if (area > best_area + 1e-9 || (std::fabs(area - best_area) <= 1e-9 && distance < best_distance)) {
      best = i;
      best_area = area;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace

FaceAnalyser::FaceAnalyser(AnalyserConfig config) : config_(config), tracker_(config.tracker), cuts_(config.cuts) {}

FaceAnalyser::~FaceAnalyser() = default;

std::unique_ptr<FaceAnalyser> FaceAnalyser::create(const std::string &model_path, AnalyserConfig config,
                                                   std::string *error) {
  std::unique_ptr<FaceAnalyser> analyser(new FaceAnalyser(config));
  analyser->detector_ = FaceDetector::load(model_path, error);
  if (!analyser->detector_) return nullptr;
  return analyser;
}

namespace {

// Moves the detections scoring below `min_score` to `candidates` (dropped
// without).
void split_candidates(std::vector<Detection> &found, double min_score, std::vector<Detection> *candidates) {
  const auto low = std::stable_partition(found.begin(), found.end(),
                                         [&](const Detection &detection) { return detection.score >= min_score; });
  if (candidates) candidates->insert(candidates->end(), low, found.end());
  found.erase(low, found.end());
}

}  // namespace

std::vector<Detection> FaceAnalyser::detect_whole(const FrameView &frame, std::vector<Detection> *candidates) {
  CpuTimer timer(stats_.detection_s);
  const double floor =
      candidates ? std::min(config_.candidate_min_score, config_.whole_frame_min_score) : config_.whole_frame_min_score;
  std::vector<Detection> detections = detector_->detect(frame, cv::Rect(0, 0, frame.width, frame.height), floor);
  split_candidates(detections, config_.whole_frame_min_score, candidates);
  stats_.forward_passes = detector_->runs();
  return weighted_non_max_suppression(std::move(detections), config_.suppression_iou);
}

std::vector<Detection> FaceAnalyser::add_tiles(const FrameView &frame, std::vector<Detection> detections,
                                               const std::vector<Box> &scheduled, const std::vector<Box> &around,
                                               std::vector<Detection> *candidates) {
  const std::vector<Box> tiles = square_tiles(frame.width, frame.height, frame.pixel_aspect, config_.tile_min_overlap);
  CpuTimer timer(stats_.detection_s);
  std::vector<Box> regions = scheduled;
  auto add_region = [&](const Box &region) {
    if (std::none_of(regions.begin(), regions.end(),
                     [&](const Box &r) { return r.x == region.x && r.y == region.y && r.width == region.width; }))
      regions.push_back(region);
  };
  // Around a face: a square tile a few times its size, so that the model
  // sees it at a size it finds well (a small face, found in a tile, is not
  // found again in the whole frame); the frame's own tiles for larger ones.
  const double aspect = frame.pixel_aspect > 0 ? frame.pixel_aspect : 1.0;
  const double short_side = std::min(frame.width * aspect, static_cast<double>(frame.height));
  for (const Box &box : around) {
    const double side = std::max(config_.around_tile_faces * box.width * aspect, config_.around_tile_min_side);
    if (side >= 0.9 * short_side) {
      if (!tiles.empty()) add_region(tiles[best_tile(tiles, box)]);
      continue;
    }
    const double width = side / aspect;
    const double x = std::clamp(box.centre_x() - width / 2, 0.0, std::max(0.0, frame.width - width));
    const double y = std::clamp(box.centre_y() - side / 2, 0.0, std::max(0.0, frame.height - side));
    add_region({x, y, width, side});
  }
  if (regions.empty()) return detections;
  const double floor =
      candidates ? std::min(config_.candidate_min_score, config_.tile_min_score) : config_.tile_min_score;
  for (size_t i = 0; i < regions.size(); i++) {
    // The frame's tiles at their threshold; tiles around a face, which
    // see it at a size the model finds well, at the zoomed one.
    const double min_score = i < scheduled.size() ? config_.tile_min_score : config_.zoom_min_score;
    std::vector<Detection> found =
        detector_->detect(frame, to_rect(regions[i]), i < scheduled.size() ? floor : min_score);
    split_candidates(found, min_score, candidates);
    detections.insert(detections.end(), found.begin(), found.end());
  }
  stats_.forward_passes = detector_->runs();
  return weighted_non_max_suppression(std::move(detections), config_.suppression_iou);
}

std::vector<Detection> FaceAnalyser::detect_with_tiles(const FrameView &frame, const std::vector<Box> &scheduled) {
  std::vector<Detection> candidates;
  std::vector<Detection> detections = detect_whole(frame, &candidates);
  detections = add_tiles(frame, std::move(detections), scheduled, {}, &candidates);
  // Only candidates a tile around them would show larger than their
  // region did.
  const double aspect = frame.pixel_aspect > 0 ? frame.pixel_aspect : 1.0;
  const double short_side = std::min(frame.width * aspect, static_cast<double>(frame.height));
  const double max_width = 0.9 * short_side / config_.around_tile_faces / aspect;
  const std::vector<Box> zoom =
      candidates_to_zoom(std::move(candidates), detections, config_.suppression_iou, max_width, config_.max_zoom_tiles);
  return zoom.empty() ? detections : add_tiles(frame, std::move(detections), {}, zoom);
}

std::vector<Detection> FaceAnalyser::detect_key(const FrameView &frame, uint64_t time_ns, bool new_shot) {
  const std::vector<Box> tiles = square_tiles(frame.width, frame.height, frame.pixel_aspect, config_.tile_min_overlap);
  std::vector<Box> scheduled;
  bool tile_time = true;
  if (config_.key_interval_ns == 0) {
    // Every sample is a key sample: all tiles now and then.
    tile_time =
        !last_tiles_ns_ || time_ns + config_.sample_interval_ns / 2 >= *last_tiles_ns_ + config_.tile_interval_ns;
    if (tile_time) {
      scheduled = tiles;
      last_tiles_ns_ = time_ns;
    }
  } else if (new_shot || config_.tiles_per_key == 0 || config_.tiles_per_key >= tiles.size()) {
    scheduled = tiles;  // a new shot: everything at once
  } else {
    // Taking turns: each tile every tiles.size() / tiles_per_key keys.
    for (size_t i = 0; i < config_.tiles_per_key; i++) scheduled.push_back(tiles[next_tile_++ % tiles.size()]);
  }
  // Candidates are looked at closer only with the tiles, which bounds
  // their cost where every sample is analysed.
  std::vector<Detection> detections = tile_time ? detect_with_tiles(frame, scheduled) : detect_whole(frame);
  // Faces still missing are looked for where they should be, at their size.
  const std::vector<Box> lost = tracker_.unmatched(time_ns, detections);
  if (!lost.empty()) detections = add_tiles(frame, std::move(detections), {}, lost);
  describe(frame, detections);
  return detections;
}

void FaceAnalyser::describe(const FrameView &frame, std::vector<Detection> &detections) {
  CpuTimer timer(stats_.appearance_s);
  for (Detection &detection : detections) detection.appearance = describe_appearance(frame, detection);
}

std::vector<Detection> FaceAnalyser::detect(const FrameView &frame, bool tiles) {
  if (!frame.valid()) throw std::invalid_argument("a frame whose planes do not match its format");
  std::vector<Detection> detections;
  on_this_thread_only([&] {
    detections = tiles ? detect_with_tiles(frame, square_tiles(frame.width, frame.height, frame.pixel_aspect,
                                                               config_.tile_min_overlap))
                       : detect_whole(frame);
  });
  return detections;
}

void FaceAnalyser::keep_picture(const FrameView &frame, size_t key, const Detection &detection) {
  TrackPicture &kept = pictures_[key];
  if (detection.box.area() > kept.largest_area) {
    kept.largest_area = detection.box.area();
    kept.largest_frame = cv::Size(frame.width, frame.height);
  }
  // Largest and most frontal: a face a bit smaller but turned to the camera
  // is the better picture.
  const double quality = std::sqrt(detection.box.area()) * (0.2 + frontality(detection));
  if (quality <= kept.quality) return;
  const double margin_x = detection.box.width * config_.crop_margin;
  const double margin_y = detection.box.height * config_.crop_margin;
  cv::Mat picture =
      region_to_bgr(frame, to_rect({detection.box.x - margin_x, detection.box.y - margin_y,
                                    detection.box.width + 2 * margin_x, detection.box.height + 2 * margin_y}));
  if (picture.empty()) return;
  kept.quality = quality;
  kept.bgr = std::move(picture);
}

AnalysedSample FaceAnalyser::track(const FrameView &frame, uint64_t time_ns, bool cut_before,
                                   const std::vector<Detection> &detections) {
  const std::vector<size_t> keys = tracker_.add_sample(time_ns, detections);
  for (size_t key : tracker_.take_discarded()) pictures_.erase(key);
  AnalysedSample sample;
  sample.time_ns = time_ns;
  sample.cut_before = cut_before;
  sample.detected = true;
  for (size_t i = 0; i < keys.size(); i++) {
    if (keys[i] == FaceTracker::kSuppressed) continue;
    keep_picture(frame, keys[i], detections[i]);
    sample.faces.push_back({tracker_.face_id(keys[i]), keys[i], detections[i], false});
  }
  stats_.samples_detected++;
  analysed_until_ = time_ns;
  return sample;
}

AnalysedSample FaceAnalyser::interpolated(const Pending &pending) const {
  AnalysedSample sample;
  sample.time_ns = pending.time_ns;
  sample.cut_before = pending.cut_before;
  for (const FaceMark &mark : tracker_.marks_at(pending.time_ns))
    sample.faces.push_back({mark.id, mark.track_key, mark.detection, true});
  return sample;
}

std::vector<AnalysedSample> FaceAnalyser::settle(const Pending *key, const std::vector<Detection> &key_detections) {
  std::vector<AnalysedSample> settled;
  if (!key) {
    if (pending_.empty()) return settled;
    Pending last = std::move(pending_.back());
    pending_.pop_back();
    const std::vector<Detection> detections = detect_key(last.frame, last.time_ns, last.cut_before);
    return settle(&last, detections);
  }
  std::vector<Pending> waiting;
  waiting.swap(pending_);
  if (!waiting.empty() && tracker_.same_faces(key->time_ns, key_detections)) {
    // The same faces at both ends: those between are interpolated.
    AnalysedSample key_sample = track(key->frame, key->time_ns, key->cut_before, key_detections);
    for (const Pending &pending : waiting) settled.push_back(interpolated(pending));
    settled.push_back(std::move(key_sample));
  } else {
    for (const Pending &pending : waiting) {
      std::vector<Detection> detections = detect_whole(pending.frame);
      // Tiles where a face is being lost, and where the key sample found a
      // face that the whole frame does not show here.
      std::vector<Box> around = tracker_.unmatched(pending.time_ns, detections);
      for (const Detection &ahead : key_detections) {
        const bool seen = std::any_of(detections.begin(), detections.end(), [&](const Detection &found) {
          return intersection_over_union(found.box, ahead.box) > 0.1;
        });
        if (!seen) around.push_back(ahead.box);
      }
      detections = add_tiles(pending.frame, std::move(detections), {}, around);
      describe(pending.frame, detections);
      settled.push_back(track(pending.frame, pending.time_ns, pending.cut_before, detections));
    }
    settled.push_back(track(key->frame, key->time_ns, key->cut_before, key_detections));
  }
  last_key_ns_ = key->time_ns;
  analysed_until_ = key->time_ns;
  return settled;
}

std::vector<AnalysedSample> FaceAnalyser::analyse(const FrameView &frame, uint64_t time_ns) {
  std::vector<AnalysedSample> settled;
  on_this_thread_only([&] { settled = analyse_sample(frame, time_ns, false); });
  return settled;
}

std::vector<AnalysedSample> FaceAnalyser::analyse_owned(const FrameView &frame, uint64_t time_ns) {
  std::vector<AnalysedSample> settled;
  on_this_thread_only([&] { settled = analyse_sample(frame, time_ns, true); });
  return settled;
}

std::vector<AnalysedSample> FaceAnalyser::analyse_sample(const FrameView &frame, uint64_t time_ns, bool owned) {
  if (!frame.valid())
    throw std::invalid_argument("a frame of " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                " pixels whose planes do not match its format");
  stats_.samples++;
  // The cut detector compares small copies: about 128 pixels wide, shrunk
  // by a whole factor (the fast way).
  const int factor = std::max(1, frame.width / kCutPictureWidth);
  cv::Mat small;
  {
    CpuTimer timer(stats_.scaling_s);
    small = region_to_rgb(frame, cv::Rect(0, 0, frame.width, frame.height),
                          cv::Size(std::max(1, frame.width / factor), std::max(1, frame.height / factor)));
  }
  bool cut;
  {
    CpuTimer timer(stats_.cut_detection_s);
    cut = cuts_.next(small);
  }
  std::optional<uint64_t> previous_sample = last_sample_ns_;
  last_sample_ns_ = time_ns;
  std::vector<AnalysedSample> settled;
  if (cut) {
    // The samples before the cut are settled against the last of them; the
    // faces end at the cut.
    stats_.cuts++;
    cuts_ns_.push_back(
        previous_sample && *previous_sample < time_ns ? *previous_sample + (time_ns - *previous_sample) / 2 : time_ns);
    settled = settle(nullptr, {});
    tracker_.cut(time_ns);
  }
  const bool key = config_.key_interval_ns == 0 || cut || !last_key_ns_ ||
                   time_ns + config_.sample_interval_ns / 2 >= *last_key_ns_ + config_.key_interval_ns ||
                   pending_.size() >= config_.max_samples_between_keys;
  if (!key) {
    CpuTimer timer(stats_.copying_s);
    pending_.push_back({time_ns, owned ? frame : frame.deep_copy(), false});
    return settled;
  }
  Pending current{time_ns, frame, cut};
  const std::vector<Detection> detections = detect_key(frame, time_ns, cut || !last_key_ns_);
  std::vector<AnalysedSample> now = settle(&current, detections);
  settled.insert(settled.end(), std::make_move_iterator(now.begin()), std::make_move_iterator(now.end()));
  return settled;
}

std::vector<AnalysedSample> FaceAnalyser::flush() {
  std::vector<AnalysedSample> settled;
  on_this_thread_only([&] { settled = settle(nullptr, {}); });
  return settled;
}

std::vector<FoundFace> FaceAnalyser::faces(uint64_t clip_end_ns) const {
  std::vector<FoundFace> found;
  for (const TrackedFace &tracked : tracker_.faces(clip_end_ns)) {
    FoundFace face;
    face.tracked = tracked;
    const auto kept = pictures_.find(tracked.track_key);
    if (kept != pictures_.end()) {
      face.picture_bgr = kept->second.bgr;
      const cv::Size size = kept->second.largest_frame;
      if (size.width > 0 && size.height > 0) {
        const Box &box = tracked.largest.box;
        // Clipped to the frame: a face at the edge may reach past it.
        const double left = std::clamp(box.x / size.width, 0.0, 1.0);
        const double top = std::clamp(box.y / size.height, 0.0, 1.0);
        const double right = std::clamp(box.right() / size.width, 0.0, 1.0);
        const double bottom = std::clamp(box.bottom() / size.height, 0.0, 1.0);
        face.box = {left, top, right - left, bottom - top};
      }
    }
    found.push_back(std::move(face));
  }
  return found;
}

}  // namespace idf::local
