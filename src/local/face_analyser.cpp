#include "face_analyser.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "face_detector.h"

namespace idf::local {

namespace {

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

std::vector<Detection> FaceAnalyser::detect_whole(const FrameView &frame, const cv::Mat &thumbnail) {
  std::vector<Detection> detections =
      detector_->detect(frame, cv::Rect(0, 0, frame.width, frame.height), config_.whole_frame_min_score, thumbnail);
  stats_.forward_passes = detector_->runs();
  return weighted_non_max_suppression(std::move(detections), config_.suppression_iou);
}

std::vector<Detection> FaceAnalyser::add_tiles(const FrameView &frame, std::vector<Detection> detections, bool all,
                                               const std::vector<Box> &around) {
  const std::vector<Box> tiles = square_tiles(frame.width, frame.height, frame.pixel_aspect, config_.tile_min_overlap);
  if (tiles.empty()) return detections;
  std::vector<bool> chosen(tiles.size(), all);
  for (const Box &box : around) chosen[best_tile(tiles, box)] = true;
  if (std::none_of(chosen.begin(), chosen.end(), [](bool c) { return c; })) return detections;
  for (size_t i = 0; i < tiles.size(); i++) {
    if (!chosen[i]) continue;
    std::vector<Detection> found = detector_->detect(frame, to_rect(tiles[i]), config_.tile_min_score);
    detections.insert(detections.end(), found.begin(), found.end());
  }
  stats_.forward_passes = detector_->runs();
  return weighted_non_max_suppression(std::move(detections), config_.suppression_iou);
}

std::vector<Detection> FaceAnalyser::detect_key(const FrameView &frame, const cv::Mat &thumbnail, uint64_t time_ns) {
  std::vector<Detection> detections = detect_whole(frame, thumbnail);
  bool all = true;
  if (config_.key_interval_ns == 0) {
    // Every sample is a key sample: all tiles now and then, else where a
    // face is being lost.
    all = !last_tiles_ns_ || time_ns + config_.sample_interval_ns / 2 >= *last_tiles_ns_ + config_.tile_interval_ns;
  }
  if (all) last_tiles_ns_ = time_ns;
  const std::vector<Box> around = all ? std::vector<Box>() : tracker_.unmatched(time_ns, detections);
  return add_tiles(frame, std::move(detections), all, around);
}

std::vector<Detection> FaceAnalyser::detect(const FrameView &frame, bool tiles) {
  if (!frame.valid()) throw std::invalid_argument("a frame whose planes do not match its format");
  const cv::Rect whole(0, 0, frame.width, frame.height);
  std::vector<Detection> detections =
      detect_whole(frame, region_to_rgb(frame, whole, letterbox_content_size(frame, whole)));
  return tiles ? add_tiles(frame, std::move(detections), true, {}) : detections;
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
    const std::vector<Detection> detections = detect_key(last.frame, last.thumbnail, last.time_ns);
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
      std::vector<Detection> detections = detect_whole(pending.frame, pending.thumbnail);
      // Tiles where a face is being lost, and where the key sample found a
      // face that the whole frame does not show here.
      std::vector<Box> around = tracker_.unmatched(pending.time_ns, detections);
      for (const Detection &ahead : key_detections) {
        const bool seen = std::any_of(detections.begin(), detections.end(), [&](const Detection &found) {
          return intersection_over_union(found.box, ahead.box) > 0.1;
        });
        if (!seen) around.push_back(ahead.box);
      }
      detections = add_tiles(pending.frame, std::move(detections), false, around);
      settled.push_back(track(pending.frame, pending.time_ns, pending.cut_before, detections));
    }
    settled.push_back(track(key->frame, key->time_ns, key->cut_before, key_detections));
  }
  last_key_ns_ = key->time_ns;
  analysed_until_ = key->time_ns;
  return settled;
}

std::vector<AnalysedSample> FaceAnalyser::analyse(const FrameView &frame, uint64_t time_ns) {
  if (!frame.valid())
    throw std::invalid_argument("a frame of " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                " pixels whose planes do not match its format");
  stats_.samples++;
  const cv::Rect whole(0, 0, frame.width, frame.height);
  cv::Mat thumbnail = region_to_rgb(frame, whole, letterbox_content_size(frame, whole));
  const bool cut = cuts_.next(thumbnail);
  std::vector<AnalysedSample> settled;
  if (cut) {
    // The samples before the cut are settled against the last of them; the
    // faces end at the cut.
    stats_.cuts++;
    settled = settle(nullptr, {});
    tracker_.cut(time_ns);
  }
  const bool key = config_.key_interval_ns == 0 || cut || !last_key_ns_ ||
                   time_ns + config_.sample_interval_ns / 2 >= *last_key_ns_ + config_.key_interval_ns ||
                   pending_.size() >= config_.max_samples_between_keys;
  if (!key) {
    pending_.push_back({time_ns, frame.deep_copy(), thumbnail, false});
    return settled;
  }
  Pending current{time_ns, frame, thumbnail, cut};
  const std::vector<Detection> detections = detect_key(frame, thumbnail, time_ns);
  std::vector<AnalysedSample> now = settle(&current, detections);
  settled.insert(settled.end(), std::make_move_iterator(now.begin()), std::make_move_iterator(now.end()));
  return settled;
}

std::vector<AnalysedSample> FaceAnalyser::flush() {
  return settle(nullptr, {});
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
