// SPDX-License-Identifier: LGPL-2.1-or-later
// Evaluation of provider=local's face detection and tracking on labelled
// real photos (shipped by Debian packages, listed with their hand-set face
// boxes in face_eval_labels.json), composited into video frames and clips
// with known boxes and timings. Not a unit test: run by hand or with
// `ninja -C BUILD eval-local`; its output is quoted in docs/performance.md.
//
//   eval-local-detector --labels tests/bench/face_eval_labels.json [--work-dir DIR] [--seed N]
//
// 1. Stills: every labelled face at widths of 24-400 px (never enlarged more
//    than 2.1x), rolled 0, 15 and 30 degrees (either way), up to three
//    photos a 1280x720 frame on a face-free background, each frame clean,
//    blurred, noisy or JPEG-compressed. Detection as on the first key
//    sample of a shot (whole frame, all square tiles, tiles around the
//    candidates they leave) and on the whole frame alone. Recall by face
//    width and roll; a detection counts when its centre lies within half a
//    face width of the truth's and its width is within 0.5-2x.
// 2. Face-free frames: the face-free pictures (random crops) and synthetic
//    patterns, clean and degraded: false faces per frame.
// 3. Clips: short H.264 clips (x264enc, mp4mux) with faces appearing,
//    leaving, moving, rolled, small, and hard cuts between shots of
//    different people, analysed end to end by idf::LocalEngine: each true
//    face interval found or not, its start and end errors, faces found that
//    are not there, intervals across a cut, faces holding two people
//    (merges) and people given more than one face (false splits). Then
//    identity clips: cuts between different people framed alike at one
//    place (must split), one person through a pan, a zoom, a change of
//    light, head turns and a short occlusion (must not). Apart from those:
//    40 px faces appearing mid-shot, and how long each took to be found.
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "local/appearance.h"
#include "local/face_analyser.h"
#include "local/face_appearance.h"
#include "local/face_detector.h"
#include "local/face_model.h"
#include "local/local_engine.h"

namespace {

using idf::kNsPerSecond;
using idf::local::Detection;
using idf::local::FaceAnalyser;
using idf::local::FrameView;

constexpr int kFrameWidth = 1280, kFrameHeight = 720;
const int kSizes[] = {24, 32, 40, 48, 64, 80, 100, 128, 160, 200, 256, 320, 400};
const int kRolls[] = {0, 15, 30};
constexpr double kMaxEnlargement = 2.1;
enum class Degradation { Clean, Blur, Noise, Jpeg };
const Degradation kDegradations[] = {Degradation::Clean, Degradation::Blur, Degradation::Noise, Degradation::Jpeg};
const char *name_of(Degradation degradation) {
  switch (degradation) {
    case Degradation::Clean: return "clean";
    case Degradation::Blur: return "blur";
    case Degradation::Noise: return "noise";
    case Degradation::Jpeg: return "jpeg";
  }
  return "?";
}

// ------------------------------------------------------------- the labels

struct LabelledFace {
  std::string person;
  cv::Rect2d box;  // in the image's pixels
};
struct Photo {
  std::string name;
  cv::Mat image;  // BGR
  cv::Rect region;
  std::vector<LabelledFace> faces;  // the first one sets the size
};
struct Labels {
  std::vector<Photo> photos;
  std::vector<std::pair<std::string, cv::Mat>> face_free;  // name, BGR
};

std::vector<int> int_array(JsonObject *object, const char *member) {
  std::vector<int> values;
  JsonArray *array = json_object_get_array_member(object, member);
  for (guint i = 0; array && i < json_array_get_length(array); i++)
    values.push_back(static_cast<int>(json_array_get_int_element(array, i)));
  return values;
}

cv::Mat load_image(JsonObject *entry) {
  const char *path = json_object_get_string_member(entry, "image");
  const char *package = json_object_get_string_member(entry, "package");
  cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
  if (image.empty()) {
    g_printerr("cannot read %s: install the Debian package %s\n", path, package);
    exit(1);
  }
  return image;
}

Labels load_labels(const std::string &path) {
  JsonParser *parser = json_parser_new();
  GError *error = nullptr;
  if (!json_parser_load_from_file(parser, path.c_str(), &error)) {
    g_printerr("cannot read the labels %s: %s\n", path.c_str(), error->message);
    exit(1);
  }
  Labels labels;
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonArray *photos = json_object_get_array_member(root, "photos");
  for (guint i = 0; i < json_array_get_length(photos); i++) {
    JsonObject *entry = json_array_get_object_element(photos, i);
    Photo photo;
    photo.name = json_object_get_string_member(entry, "name");
    photo.image = load_image(entry);
    const auto region = int_array(entry, "region");
    photo.region =
        cv::Rect(region[0], region[1], region[2], region[3]) & cv::Rect(0, 0, photo.image.cols, photo.image.rows);
    JsonArray *faces = json_object_get_array_member(entry, "faces");
    for (guint f = 0; f < json_array_get_length(faces); f++) {
      JsonObject *face = json_array_get_object_element(faces, f);
      const auto box = int_array(face, "box");
      photo.faces.push_back(
          {json_object_get_string_member(face, "person"), cv::Rect2d(box[0], box[1], box[2], box[3])});
    }
    labels.photos.push_back(std::move(photo));
  }
  JsonArray *free = json_object_get_array_member(root, "face_free");
  for (guint i = 0; i < json_array_get_length(free); i++) {
    JsonObject *entry = json_array_get_object_element(free, i);
    std::string name = json_object_get_string_member(entry, "image");
    name = name.substr(name.rfind('/') + 1);
    labels.face_free.emplace_back(name, load_image(entry));
  }
  g_object_unref(parser);
  return labels;
}

// ---------------------------------------------------------- compositing

struct TrueFace {
  std::string person;
  cv::Point2d centre;
  double width = 0;
  int roll = 0;
};

// A photo scaled (and rolled) for compositing, with a feathered edge.
struct Rendered {
  cv::Mat bgr;
  cv::Mat alpha;                // CV_32F, 0..1
  std::vector<TrueFace> faces;  // positions in the rendered picture
};

Rendered render(const Photo &photo, double face_width, double roll, int max_width, int max_height) {
  const LabelledFace &primary = photo.faces[0];
  const double scale = face_width / primary.box.width;
  // Crop the region around the primary face when it would not fit, rolled.
  const double radians = roll * CV_PI / 180;
  const double growth = std::fabs(std::cos(radians)) + std::fabs(std::sin(radians));
  if (roll != 0) max_width = max_height = static_cast<int>(std::min(max_width, max_height) / growth);
  cv::Rect region = photo.region;
  const cv::Point2d centre(primary.box.x + primary.box.width / 2, primary.box.y + primary.box.height / 2);
  const int fit_width = static_cast<int>(max_width / scale), fit_height = static_cast<int>(max_height / scale);
  if (region.width > fit_width) {
    region.x = std::clamp(static_cast<int>(centre.x - fit_width / 2), region.x, region.x + region.width - fit_width);
    region.width = fit_width;
  }
  if (region.height > fit_height) {
    region.y = std::clamp(static_cast<int>(centre.y - fit_height / 2), region.y, region.y + region.height - fit_height);
    region.height = fit_height;
  }
  Rendered out;
  const cv::Size size(std::max(1, static_cast<int>(std::lround(region.width * scale))),
                      std::max(1, static_cast<int>(std::lround(region.height * scale))));
  cv::resize(photo.image(region), out.bgr, size, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  // Feathered edge: the photo blends into the background over a few pixels.
  out.alpha = cv::Mat(size, CV_32F);
  const double feather = std::max(2.0, 0.05 * std::min(size.width, size.height));
  for (int y = 0; y < size.height; y++)
    for (int x = 0; x < size.width; x++) {
      const double edge = std::min({x + 0.5, y + 0.5, size.width - x - 0.5, size.height - y - 0.5});
      out.alpha.at<float>(y, x) = static_cast<float>(std::min(1.0, edge / feather));
    }
  for (const LabelledFace &face : photo.faces) {
    if ((cv::Rect2d(region) & face.box).area() < face.box.area() * 0.99) continue;  // cropped away
    out.faces.push_back({face.person,
                         cv::Point2d((face.box.x + face.box.width / 2 - region.x) * scale,
                                     (face.box.y + face.box.height / 2 - region.y) * scale),
                         face.box.width * scale, static_cast<int>(std::lround(roll))});
  }
  if (roll != 0) {
    // Rolled around the primary face, on a canvas that holds all of it.
    const cv::Point2f pivot(static_cast<float>(out.faces[0].centre.x), static_cast<float>(out.faces[0].centre.y));
    cv::Mat rotation = cv::getRotationMatrix2D(pivot, roll, 1.0);
    const int canvas_width = static_cast<int>(
        std::ceil(size.width * std::fabs(std::cos(radians)) + size.height * std::fabs(std::sin(radians))));
    const int canvas_height = static_cast<int>(
        std::ceil(size.width * std::fabs(std::sin(radians)) + size.height * std::fabs(std::cos(radians))));
    // Move the rotated picture's centre to the canvas centre.
    const cv::Point2d picture_centre(size.width / 2.0, size.height / 2.0);
    const double cx = rotation.at<double>(0, 0) * picture_centre.x + rotation.at<double>(0, 1) * picture_centre.y +
                      rotation.at<double>(0, 2);
    const double cy = rotation.at<double>(1, 0) * picture_centre.x + rotation.at<double>(1, 1) * picture_centre.y +
                      rotation.at<double>(1, 2);
    rotation.at<double>(0, 2) += canvas_width / 2.0 - cx;
    rotation.at<double>(1, 2) += canvas_height / 2.0 - cy;
    cv::Mat bgr, alpha;
    cv::warpAffine(out.bgr, bgr, rotation, cv::Size(canvas_width, canvas_height), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT);
    cv::warpAffine(out.alpha, alpha, rotation, cv::Size(canvas_width, canvas_height), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT);
    out.bgr = bgr;
    out.alpha = alpha;
    for (TrueFace &face : out.faces) {
      const cv::Point2d p = face.centre;
      face.centre = {rotation.at<double>(0, 0) * p.x + rotation.at<double>(0, 1) * p.y + rotation.at<double>(0, 2),
                     rotation.at<double>(1, 0) * p.x + rotation.at<double>(1, 1) * p.y + rotation.at<double>(1, 2)};
    }
  }
  return out;
}

void composite(cv::Mat &frame, const Rendered &item, cv::Point at, std::vector<TrueFace> *truth) {
  const cv::Rect target = cv::Rect(at, item.bgr.size()) & cv::Rect(0, 0, frame.cols, frame.rows);
  for (int y = target.y; y < target.y + target.height; y++) {
    cv::Vec3b *row = frame.ptr<cv::Vec3b>(y);
    const cv::Vec3b *source = item.bgr.ptr<cv::Vec3b>(y - at.y);
    const float *alpha = item.alpha.ptr<float>(y - at.y);
    for (int x = target.x; x < target.x + target.width; x++) {
      const float a = alpha[x - at.x];
      if (a <= 0) continue;
      for (int c = 0; c < 3; c++) row[x][c] = cv::saturate_cast<uchar>(row[x][c] * (1 - a) + source[x - at.x][c] * a);
    }
  }
  if (truth)
    for (TrueFace face : item.faces) {
      face.centre += cv::Point2d(at);
      truth->push_back(face);
    }
}

// A face-free picture scaled to cover the frame, a random part of it.
cv::Mat background_from(const cv::Mat &picture, std::mt19937 &random, double zoom = 1.0) {
  const double scale = zoom * std::max(static_cast<double>(kFrameWidth) / picture.cols,
                                       static_cast<double>(kFrameHeight) / picture.rows);
  cv::Mat scaled;
  cv::resize(picture, scaled, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  std::uniform_int_distribution<int> x(0, std::max(0, scaled.cols - kFrameWidth));
  std::uniform_int_distribution<int> y(0, std::max(0, scaled.rows - kFrameHeight));
  return scaled(cv::Rect(x(random), y(random), kFrameWidth, kFrameHeight)).clone();
}

void degrade(cv::Mat &frame, Degradation degradation, std::mt19937 &random) {
  switch (degradation) {
    case Degradation::Clean: break;
    case Degradation::Blur: cv::GaussianBlur(frame, frame, cv::Size(0, 0), 1.5); break;
    case Degradation::Noise: {
      cv::Mat noise(frame.size(), CV_16SC3);
      cv::RNG rng(random());
      rng.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(10));
      cv::Mat sum;
      frame.convertTo(sum, CV_16SC3);
      sum += noise;
      sum.convertTo(frame, CV_8UC3);
      break;
    }
    case Degradation::Jpeg: {
      std::vector<uchar> encoded;
      cv::imencode(".jpg", frame, encoded, {cv::IMWRITE_JPEG_QUALITY, 15});
      frame = cv::imdecode(encoded, cv::IMREAD_COLOR);
      break;
    }
  }
}

// Greedy one-to-one matching, nearest first: which truths were found and
// how many detections match none.
struct Matching {
  std::vector<bool> found;
  size_t unmatched_detections = 0;
};
Matching match(const std::vector<TrueFace> &truth, const std::vector<Detection> &detections) {
  std::vector<std::tuple<double, size_t, size_t>> pairs;
  for (size_t t = 0; t < truth.size(); t++)
    for (size_t d = 0; d < detections.size(); d++) {
      const auto &box = detections[d].box;
      const double dx = box.centre_x() - truth[t].centre.x, dy = box.centre_y() - truth[t].centre.y;
      const double ratio = box.width / truth[t].width;
      if (std::fabs(dx) <= truth[t].width / 2 && std::fabs(dy) <= truth[t].width / 2 && ratio >= 0.5 && ratio <= 2)
        pairs.emplace_back(std::hypot(dx, dy), t, d);
    }
  std::sort(pairs.begin(), pairs.end());
  Matching result;
  result.found.assign(truth.size(), false);
  std::vector<bool> used(detections.size(), false);
  for (const auto &[distance, t, d] : pairs) {
    if (result.found[t] || used[d]) continue;
    result.found[t] = used[d] = true;
  }
  result.unmatched_detections = static_cast<size_t>(std::count(used.begin(), used.end(), false));
  return result;
}

struct Tally {
  size_t found = 0, total = 0;
  void add(bool hit) {
    total++;
    found += hit ? 1 : 0;
  }
  std::string percent() const {
    if (total == 0) return "-";
    char text[64];
    snprintf(text, sizeof text, "%5.1f %% (%zu/%zu)", 100.0 * found / total, found, total);
    return text;
  }
};

// ------------------------------------------------------- threshold sweep

// With --sweep: the raw detections of every frame (whole frame and each
// tile, before suppression, down to a low score) are kept, and recall and
// false faces are computed afterwards for pairs of thresholds, to choose
// the analyser's. Uses the detector directly, as the analyser does.
struct RawFrame {
  std::vector<TrueFace> truth;
  std::vector<Detection> whole, tiles;  // frame pixels
  std::vector<Detection> small_tiles;   // an experiment: a grid of tiles 0.6x the short side
};

std::vector<cv::Rect> grid_tiles(int width, int height, double fraction) {
  const int side = static_cast<int>(std::lround(std::min(width, height) * fraction));
  auto positions = [&](int length) {
    std::vector<int> at;
    const int count = length <= side ? 1 : 1 + static_cast<int>(std::ceil((length - side) / (side * 0.8) - 1e-9));
    for (int i = 0; i < count; i++)
      at.push_back(count == 1 ? 0 : static_cast<int>(std::lround(i * (length - side) / (count - 1.0))));
    return at;
  };
  std::vector<cv::Rect> tiles;
  for (int y : positions(height))
    for (int x : positions(width)) tiles.emplace_back(x, y, side, side);
  return tiles;
}
std::vector<RawFrame> g_sweep_faces, g_sweep_free;
std::unique_ptr<idf::local::FaceDetector> g_sweep_detector;
constexpr double kSweepFloor = 0.3;

void sweep_record(const cv::Mat &frame, const std::vector<TrueFace> &truth, std::vector<RawFrame> &into) {
  if (!g_sweep_detector) return;
  const FrameView view = FrameView::packed(FrameView::Format::BGR, frame);
  RawFrame raw;
  raw.truth = truth;
  raw.whole = g_sweep_detector->detect(view, cv::Rect(0, 0, frame.cols, frame.rows), kSweepFloor);
  for (const auto &tile : idf::local::square_tiles(frame.cols, frame.rows, 1.0, 0.2)) {
    const auto found = g_sweep_detector->detect(view,
                                                cv::Rect(static_cast<int>(tile.x), static_cast<int>(tile.y),
                                                         static_cast<int>(tile.width), static_cast<int>(tile.height)),
                                                kSweepFloor);
    raw.tiles.insert(raw.tiles.end(), found.begin(), found.end());
  }
  for (const cv::Rect &tile : grid_tiles(frame.cols, frame.rows, 0.6)) {
    const auto found = g_sweep_detector->detect(view, tile, kSweepFloor);
    raw.small_tiles.insert(raw.small_tiles.end(), found.begin(), found.end());
  }
  into.push_back(std::move(raw));
}

void print_sweep() {
  g_print(
      "\n## Threshold sweep: recall by width, false faces per face-free frame\n\n"
      "| whole | tiles | small tiles | 32 px | 40 px | 48 px | 64 px | >= 64 px | false/frame |\n"
      "|---|---|---|---|---|---|---|---|---|\n");
  for (double small : {0.0, 0.6, 0.7, 0.8})
    for (double whole : {0.5, 0.6, 0.7})
      for (double tiles : {0.55, 0.6, 0.65, 0.7, 0.75}) {
        auto merged = [&](const RawFrame &raw) {
          std::vector<Detection> kept;
          for (const auto &d : raw.whole)
            if (d.score >= whole) kept.push_back(d);
          for (const auto &d : raw.tiles)
            if (d.score >= tiles) kept.push_back(d);
          if (small > 0)
            for (const auto &d : raw.small_tiles)
              if (d.score >= small) kept.push_back(d);
          return idf::local::weighted_non_max_suppression(kept, 0.3);
        };
        std::map<int, Tally> by_size;
        Tally over64;
        for (const RawFrame &raw : g_sweep_faces) {
          const auto found = match(raw.truth, merged(raw)).found;
          for (size_t t = 0; t < raw.truth.size(); t++) {
            const int width = static_cast<int>(std::lround(raw.truth[t].width));
            for (int size : {32, 40, 48, 64})
              if (std::abs(width - size) <= 2) by_size[size].add(found[t]);
            if (raw.truth[t].width >= 62) over64.add(found[t]);
          }
        }
        size_t false_faces = 0;
        for (const RawFrame &raw : g_sweep_free) false_faces += merged(raw).size();
        auto pct = [](const Tally &t) { return t.total ? 100.0 * t.found / t.total : 0.0; };
        g_print("| %.2f | %.2f | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.3f |\n", whole, tiles,
                small > 0 ? g_strdup_printf("%.2f", small) : "-", pct(by_size[32]), pct(by_size[40]), pct(by_size[48]),
                pct(by_size[64]), pct(over64), static_cast<double>(false_faces) / g_sweep_free.size());
      }
}

// ------------------------------------------------------------ 1. stills

struct StillResults {
  std::map<int, std::map<int, Tally>> key, whole;  // by size, by roll
  std::map<std::string, Tally> by_degradation, by_photo;
  size_t frames = 0, extra_key = 0, extra_whole = 0;
};

void evaluate_stills(FaceAnalyser &analyser, const Labels &labels, std::mt19937 &random, StillResults &results) {
  struct Placement {
    size_t photo;
    int size, roll;
    Degradation degradation;
  };
  std::vector<Placement> placements;
  for (size_t p = 0; p < labels.photos.size(); p++)
    for (int size : kSizes) {
      if (size > kMaxEnlargement * labels.photos[p].faces[0].box.width) continue;
      for (int roll : kRolls)
        for (Degradation degradation : kDegradations) placements.push_back({p, size, roll, degradation});
    }
  std::shuffle(placements.begin(), placements.end(), random);
  // Frames of one degradation each, up to three photos that do not overlap.
  std::map<Degradation, std::vector<Placement>> by_degradation;
  for (const Placement &placement : placements) by_degradation[placement.degradation].push_back(placement);
  size_t background = 0;
  for (auto &[degradation, queue] : by_degradation) {
    while (!queue.empty()) {
      cv::Mat frame = background_from(labels.face_free[background++ % labels.face_free.size()].second, random);
      std::vector<cv::Rect> taken;
      std::vector<TrueFace> truth;
      std::vector<std::string> photo_of_truth;
      for (auto it = queue.begin(); it != queue.end() && taken.size() < 3;) {
        const Photo &photo = labels.photos[it->photo];
        std::bernoulli_distribution sign(0.5);
        const int roll = sign(random) ? it->roll : -it->roll;
        const Rendered item = render(photo, it->size, roll, kFrameWidth - 40, kFrameHeight - 40);
        bool placed = false;
        if (item.bgr.cols > kFrameWidth || item.bgr.rows > kFrameHeight || item.faces.empty()) {
          g_printerr("%s at %d px does not fit a frame\n", photo.name.c_str(), it->size);
          exit(1);
        }
        for (int attempt = 0; attempt < 40 && !placed; attempt++) {
          std::uniform_int_distribution<int> x(0, kFrameWidth - item.bgr.cols), y(0, kFrameHeight - item.bgr.rows);
          const cv::Rect where(x(random), y(random), item.bgr.cols, item.bgr.rows);
          if (std::any_of(taken.begin(), taken.end(),
                          [&](const cv::Rect &other) { return (other & where).area() > 0; }))
            continue;
          const size_t before = truth.size();
          composite(frame, item, where.tl(), &truth);
          for (size_t i = before; i < truth.size(); i++) photo_of_truth.push_back(photo.name);
          taken.push_back(where);
          placed = true;
        }
        if (placed)
          it = queue.erase(it);
        else if (taken.empty())
          it = queue.erase(it);  // cannot fit even alone: not expected
        else
          ++it;
      }
      degrade(frame, degradation, random);
      sweep_record(frame, truth, g_sweep_faces);
      const FrameView view = FrameView::packed(FrameView::Format::BGR, frame);
      const Matching with_tiles = match(truth, analyser.detect(view, true));
      const Matching whole_only = match(truth, analyser.detect(view, false));
      results.frames++;
      results.extra_key += with_tiles.unmatched_detections;
      results.extra_whole += whole_only.unmatched_detections;
      for (size_t t = 0; t < truth.size(); t++) {
        // Sizes of the second face of a photo are near the first's: counted
        // in the nearest bucket.
        int bucket = kSizes[0];
        for (int size : kSizes)
          if (std::fabs(size - truth[t].width) < std::fabs(bucket - truth[t].width)) bucket = size;
        const int roll = std::abs(truth[t].roll);
        results.key[bucket][roll].add(with_tiles.found[t]);
        results.whole[bucket][roll].add(whole_only.found[t]);
        if (truth[t].width >= 64) results.by_degradation[name_of(degradation)].add(with_tiles.found[t]);
        if (truth[t].width >= 64) results.by_photo[photo_of_truth[t]].add(with_tiles.found[t]);
      }
    }
  }
}

void print_recall_table(const char *title, const std::map<int, std::map<int, Tally>> &table) {
  g_print("\n%s\n\n| face width | roll 0 | roll 15 | roll 30 | all rolls |\n|---|---|---|---|---|\n", title);
  Tally over64, at40;
  for (const auto &[size, by_roll] : table) {
    Tally all;
    g_print("| %d px |", size);
    for (int roll : kRolls) {
      const auto it = by_roll.find(roll);
      const Tally tally = it == by_roll.end() ? Tally{} : it->second;
      g_print(" %s |", tally.percent().c_str());
      all.found += tally.found;
      all.total += tally.total;
    }
    g_print(" %s |\n", all.percent().c_str());
    if (size >= 64) over64.found += all.found, over64.total += all.total;
    if (size == 40) at40 = all;
  }
  g_print("\nfaces >= 64 px: %s; faces of 40 px: %s\n", over64.percent().c_str(), at40.percent().c_str());
}

// --------------------------------------------------------- 2. face-free

struct FaceFreeResults {
  size_t frames = 0, false_key = 0, false_whole = 0;
  std::map<std::string, size_t> by_picture;  // false faces (key-sample detection)
};

std::vector<std::pair<std::string, cv::Mat>> synthetic_patterns(std::mt19937 &random) {
  std::vector<std::pair<std::string, cv::Mat>> patterns;
  cv::Mat checker(kFrameHeight, kFrameWidth, CV_8UC3);
  for (int y = 0; y < kFrameHeight; y++)
    for (int x = 0; x < kFrameWidth; x++)
      checker.at<cv::Vec3b>(y, x) = ((x / 40 + y / 40) % 2) ? cv::Vec3b(235, 235, 235) : cv::Vec3b(20, 20, 20);
  patterns.emplace_back("checkerboard", checker);
  cv::Mat bars(kFrameHeight, kFrameWidth, CV_8UC3);
  const cv::Vec3b colours[] = {{192, 192, 192}, {0, 192, 192}, {192, 192, 0}, {0, 192, 0},
                               {192, 0, 192},   {0, 0, 192},   {192, 0, 0}};
  for (int x = 0; x < kFrameWidth; x++)
    bars.col(x).setTo(
        cv::Scalar(colours[x * 7 / kFrameWidth][0], colours[x * 7 / kFrameWidth][1], colours[x * 7 / kFrameWidth][2]));
  patterns.emplace_back("colour bars", bars);
  cv::Mat noise(kFrameHeight, kFrameWidth, CV_8UC3);
  cv::RNG rng(random());
  rng.fill(noise, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
  patterns.emplace_back("noise", noise);
  cv::Mat blobs;
  cv::GaussianBlur(noise, blobs, cv::Size(0, 0), 8);
  cv::normalize(blobs, blobs, 0, 255, cv::NORM_MINMAX);
  patterns.emplace_back("smooth noise", blobs);
  cv::Mat text(kFrameHeight, kFrameWidth, CV_8UC3, cv::Scalar(245, 245, 245));
  for (int line = 0; line < 24; line++)
    cv::putText(text, "The quick brown fox jumps over the lazy dog 0123456789 (o o) O_O", cv::Point(20, 30 + line * 29),
                cv::FONT_HERSHEY_SIMPLEX, 0.8, cv::Scalar(20, 20, 20), 2);
  patterns.emplace_back("text", text);
  return patterns;
}

void evaluate_face_free(FaceAnalyser &analyser, const Labels &labels, std::mt19937 &random, FaceFreeResults &results) {
  auto run = [&](const std::string &name, cv::Mat frame, Degradation degradation) {
    degrade(frame, degradation, random);
    sweep_record(frame, {}, g_sweep_free);
    const FrameView view = FrameView::packed(FrameView::Format::BGR, frame);
    const size_t key = analyser.detect(view, true).size();
    results.frames++;
    results.false_key += key;
    results.false_whole += analyser.detect(view, false).size();
    if (key) results.by_picture[name] += key;
  };
  for (const auto &[name, picture] : labels.face_free)
    for (double zoom : {1.0, 1.5, 2.5})
      for (Degradation degradation : kDegradations) run(name, background_from(picture, random, zoom), degradation);
  for (const auto &[name, pattern] : synthetic_patterns(random))
    for (Degradation degradation : kDegradations) run(name, pattern.clone(), degradation);
}

// ------------------------------------------------------ 2b. face check

const cv::Mat &face_free_named(const Labels &labels, const std::string &name) {
  for (const auto &[picture_name, picture] : labels.face_free)
    if (picture_name == name) return picture;
  g_printerr("no face-free picture named %s in the labels\n", name.c_str());
  exit(1);
}

// The tracker's face check (appearance.h) on the labelled people: each
// person's detected face against the same person moved, closer, in a dim
// warm light, rolled, turned, half hidden (what one person does between two
// samples, and more), and against every other person at the same place and
// size. The threshold (TrackerConfig::max_appearance_distance) must lie
// between the two.
void evaluate_face_check(FaceAnalyser &analyser, const Labels &labels) {
  std::mt19937 random(11);
  const cv::Mat scene = background_from(face_free_named(labels, "home.jpg"), random);
  const cv::Point2d centre(640, 360);
  // The detection nearest the face's true centre, with its appearance.
  auto look_at = [&](const cv::Mat &frame, cv::Point2d where) -> std::optional<idf::local::Appearance> {
    const FrameView view = FrameView::packed(FrameView::Format::BGR, frame);
    const auto found = analyser.detect(view, true);
    const Detection *best = nullptr;
    for (const Detection &detection : found)
      if (!best || std::hypot(detection.box.centre_x() - where.x, detection.box.centre_y() - where.y) <
                       std::hypot(best->box.centre_x() - where.x, best->box.centre_y() - where.y))
        best = &detection;
    if (!best) return std::nullopt;
    return idf::local::describe_appearance(view, *best);
  };
  auto place = [&](const Photo &photo, double width, double roll, double narrowed, cv::Point2d at, double tight) {
    Photo framed = photo;
    if (tight > 0) {
      const cv::Rect2d &box = framed.faces[0].box;
      const double grow = (tight - 1) / 2;
      framed.region &= cv::Rect(
          cv::Rect2d(box.x - grow * box.width, box.y - grow * box.height, box.width * tight, box.height * tight));
      framed.faces.resize(1);
    }
    Rendered item = render(framed, width, roll, 700, 560);
    if (narrowed < 1) {
      const cv::Size size(std::max(1, static_cast<int>(std::lround(item.bgr.cols * narrowed))), item.bgr.rows);
      cv::resize(item.bgr, item.bgr, size, 0, 0, cv::INTER_AREA);
      cv::resize(item.alpha, item.alpha, size, 0, 0, cv::INTER_AREA);
      item.faces[0].centre.x *= narrowed;
    }
    cv::Mat frame = scene.clone();
    composite(
        frame, item,
        cv::Point(static_cast<int>(at.x - item.faces[0].centre.x), static_cast<int>(at.y - item.faces[0].centre.y)),
        nullptr);
    return frame;
  };
  const double limit = idf::local::TrackerConfig().max_appearance_distance;
  std::vector<std::string> names;
  std::vector<idf::local::Appearance> references;
  std::vector<double> same, different;
  g_print("\n## Face check: appearance distances (threshold %.2f)\n\n", limit);
  g_print(
      "| person | moved 16 px | 1.3x closer | dim warm light | rolled 20 | turned (70 %% wide) | lower half hidden |\n"
      "|---|---|---|---|---|---|---|\n");
  for (const Photo &photo : labels.photos) {
    const double width = std::min(140.0, kMaxEnlargement * photo.faces[0].box.width);
    const auto reference = look_at(place(photo, width, 0, 1, centre, 1.5), centre);
    if (!reference) {
      g_print("| %s | not detected at %.0f px |\n", photo.name.c_str(), width);
      continue;
    }
    names.push_back(photo.name);
    references.push_back(*reference);
    g_print("| %s (%.0f px) |", photo.name.c_str(), width);
    std::vector<std::pair<cv::Mat, cv::Point2d>> variants;
    variants.emplace_back(place(photo, width, 0, 1, centre + cv::Point2d(16, 4), 1.5), centre + cv::Point2d(16, 4));
    variants.emplace_back(
        place(photo, std::min(width * 1.3, kMaxEnlargement * photo.faces[0].box.width), 0, 1, centre, 1.5), centre);
    {
      cv::Mat dim = place(photo, width, 0, 1, centre, 1.5);
      cv::multiply(dim, cv::Scalar(0.45 * 0.8, 0.45 * 0.92, 0.45), dim);
      variants.emplace_back(dim, centre);
    }
    variants.emplace_back(place(photo, width, 20, 1, centre, 1.5), centre);
    variants.emplace_back(place(photo, width, 0, 0.7, centre, 1.5), centre);
    {
      cv::Mat hidden = place(photo, width, 0, 1, centre, 1.5);
      cv::Mat sign;
      const cv::Rect cover(static_cast<int>(centre.x - width), static_cast<int>(centre.y + 0.05 * width),
                           static_cast<int>(2 * width), static_cast<int>(width));
      cv::resize(face_free_named(labels, "text.png"), sign, cover.size());
      sign.copyTo(hidden(cover));
      variants.emplace_back(hidden, centre);
    }
    for (const auto &[frame, at] : variants) {
      const auto seen = look_at(frame, at);
      if (!seen) {
        g_print(" not found |");
        continue;
      }
      const double distance = idf::local::appearance_distance(*reference, *seen);
      same.push_back(distance);
      g_print(" %.2f%s |", distance, distance > limit ? " SPLIT" : "");
    }
    g_print("\n");
  }
  g_print("\nTwo people at the same place and size (tightly framed, the same background):\n\n|  |");
  for (const auto &name : names) g_print(" %s |", name.c_str());
  g_print("\n|---|");
  for (size_t i = 0; i < names.size(); i++) g_print("---|");
  g_print("\n");
  for (size_t i = 0; i < names.size(); i++) {
    g_print("| %s |", names[i].c_str());
    for (size_t j = 0; j < names.size(); j++) {
      if (i == j) {
        g_print(" - |");
        continue;
      }
      const double distance = idf::local::appearance_distance(references[i], references[j]);
      if (j > i) different.push_back(distance);
      g_print(" %.2f%s |", distance, distance <= limit ? " MERGE" : "");
    }
    g_print("\n");
  }
  std::sort(same.begin(), same.end());
  std::sort(different.begin(), different.end());
  if (!same.empty() && !different.empty())
    g_print(
        "\none person: %zu distances, median %.2f, largest %.2f; two people: %zu pairs, smallest %.2f, median %.2f\n",
        same.size(), same[same.size() / 2], same.back(), different.size(), different.front(),
        different[different.size() / 2]);
}

// -------------------------------------------------------------- 3. clips

struct Appearance {
  std::string photo;
  double face_width;
  double start_s, end_s;
  cv::Point2d from, to;    // the primary face's centre at start and end
  double roll = 0;         // degrees
  double roll_swing = 0;   // +- degrees, one period over the appearance
  double end_width = 0;    // a zoom: the face's width at the end (0: face_width throughout)
  double turn = 0;         // a head turning: the face narrowed by up to this share, twice over the appearance
  double tight = 0;        // > 0: only the face and this many times its size around it (the same framing of
                           // another person, not their photo's surroundings)
  double turn_cycles = 2;  // how many times the head turns away and back over the appearance
};
// Something passing in front of the faces: a face-free picture's part,
// moving from one rectangle to another.
struct Occluder {
  std::string picture;
  double start_s, end_s;
  cv::Rect2d from, to;
};
struct Shot {
  double start_s, end_s;
  std::string background;  // a face-free picture's name, or "plain-wall"
  std::vector<Appearance> faces;
  double zoom = 1.0;  // of the background: another framing of the same place
  cv::Point2d pan;    // the camera panning: the background moves by this many pixels a second
  // The light changing: the picture's gain (the red channel's; green and
  // blue a little lower, a warmer light) from light_at_s, reached over
  // light_ramp_s (0: switched at once), back to normal from back_at_s over
  // back_ramp_s.
  double light_gain = 1.0, light_at_s = 0, light_ramp_s = 0, back_at_s = 1e9, back_ramp_s = 0;
  std::vector<Occluder> occluders;
  double light_period_s = 0;  // > 0: the light's changes repeat every this many seconds
  double pan_period_s = 0;    // > 0: the camera pans back and forth, turning every half period
};
struct ClipSpec {
  std::string name, description;
  double seconds;
  std::vector<Shot> shots;
  Degradation degradation = Degradation::Clean;
  int bitrate_kbps = 0;  // 0: x264enc's default
};

std::vector<ClipSpec> clip_specs() {
  const double W = kFrameWidth, H = kFrameHeight;
  std::vector<ClipSpec> clips;
  clips.push_back({"two-portraits",
                   "A (200 px, drifting) in two spells, B (160 px) in one",
                   10,
                   {{0,
                     10,
                     "building.jpg",
                     {{"grace-hopper", 200, 0, 3.5, {260, 330}, {330, 340}},
                      {"grace-hopper", 200, 5.0, 10, {330, 340}, {380, 330}},
                      {"glasses", 160, 1.0, 8.0, {980, 360}, {980, 360}}}}}});
  clips.push_back({"cuts",
                   "four shots: A; cut to B at the same place; cut to no face; cut to C and D",
                   10,
                   {{0, 3, "home.jpg", {{"astronaut", 180, 0, 3, {W / 2, 300}, {W / 2, 300}}}},
                    {3, 6, "fruits.jpg", {{"beard", 180, 3, 6, {W / 2, 300}, {W / 2, 300}}}},
                    {6, 7.5, "coffee.png", {}},
                    {7.5,
                     10,
                     "aero1.jpg",
                     {{"grace-hopper", 120, 7.5, 10, {330, 330}, {330, 330}},
                      {"cameraman", 140, 7.5, 10, {900, 330}, {900, 330}}}}}});
  clips.push_back({"small-rolled",
                   "faces of 40-96 px, rolled up to 30 degrees, coming and going between key samples",
                   10,
                   {{0,
                     10,
                     "grass.png",
                     {{"glasses", 64, 0.5, 5.0, {200, 200}, {200, 200}, 30},
                      {"astronaut", 48, 2.0, 7.5, {640, 500}, {640, 500}, -15},
                      {"beard", 96, 4.0, 9.5, {1050, 250}, {1050, 250}, 20},
                      {"grace-hopper", 40, 1.0, 9.0, {640, 150}, {640, 150}},
                      {"footballer", 56, 3.3, 8.7, {1000, 620}, {1000, 620}}}}}});
  // (Drawn in order: the moving face passes in front of A's photo.)
  clips.push_back({"moving",
                   "B crossing the frame while rolling +-20 degrees; A still",
                   8,
                   {{0,
                     8,
                     "starry_night.jpg",
                     {{"astronaut", 150, 0, 8, {640, 150}, {640, 150}},
                      {"beard", 120, 1.0, 7.5, {120, 440}, {W - 120, 400}, 0, 20}}}}});
  clips.push_back(
      {"degraded",
       "noise, blur, 800 kbit/s: A, then B overlapping in time",
       8,
       {{0,
         8,
         "motorcycle_left.png",
         {{"astronaut", 100, 0, 4.5, {350, 360}, {350, 360}}, {"cameraman", 90, 2.5, 8, {950, 360}, {950, 360}}}}},
       Degradation::Noise,
       800});
  // The hard case for a colour-histogram cut detector: two framings of
  // the same place, a different person at the same spot.
  clips.push_back({"same-place-cut",
                   "A, cut to B at the same spot in another framing of the same room",
                   6,
                   {{0, 3, "home.jpg", {{"grace-hopper", 160, 0, 3, {640, 330}, {640, 330}}}},
                    {3, 6, "home.jpg", {{"glasses", 160, 3, 6, {660, 340}, {660, 340}}}, 1.3}}});
  (void)H;
  return clips;
}

// One person, or two people, where a tracker following faces by place alone
// goes wrong: cuts between different people framed alike at one place
// (must give a new face each), and one person through a pan, a zoom, a
// change of light, turns of the head and something passing in front of the
// face for under a second (must stay one face).
std::vector<ClipSpec> identity_clip_specs() {
  std::vector<ClipSpec> clips;
  // Five people, one after another at the same place and size, framed
  // tightly (little of their photos around the face) on one background.
  const char *people[] = {"grace-hopper", "glasses", "beard", "astronaut", "cameraman", "grace-hopper"};
  auto same_place = [&](const std::string &background, double width, double tight, double zoom_step) {
    std::vector<Shot> shots;
    for (int i = 0; i < 6; i++)
      shots.push_back({2.0 * i,
                       2.0 * i + 2,
                       background,
                       {{people[i], width, 2.0 * i, 2.0 * i + 2, {640, 340}, {640, 340}, 0, 0, 0, 0, tight}},
                       1.0 + zoom_step * (i % 2)});
    return shots;
  };
  clips.push_back({"swap-same-background",
                   "cuts every 2 s between five people (A B C D E A) at one place, 140 px, tightly framed, on one "
                   "unchanged background",
                   12, same_place("home.jpg", 140, 1.5, 0)});
  clips.push_back({"swap-plain-wall",
                   "the same cuts in front of a plain wall, 180 px, framed with their photos around them", 12,
                   same_place("plain-wall", 180, 0, 0)});
  clips.push_back({"swap-similar-background",
                   "the same cuts, 120 px, tightly framed, the background alternating between two framings of a room",
                   12, same_place("home.jpg", 120, 1.5, 0.08)});
  clips.push_back({"swap-one-of-two",
                   "two people side by side; the left one is replaced by another person every 2.5 s (no cut), the "
                   "right one stays",
                   10,
                   {{0,
                     10,
                     "building.jpg",
                     {{"grace-hopper", 130, 0, 2.5, {400, 340}, {400, 340}, 0, 0, 0, 0, 1.5},
                      {"beard", 130, 2.5, 5, {400, 340}, {400, 340}, 0, 0, 0, 0, 1.5},
                      {"glasses", 130, 5, 7.5, {400, 340}, {400, 340}, 0, 0, 0, 0, 1.5},
                      {"astronaut", 130, 7.5, 10, {400, 340}, {400, 340}, 0, 0, 0, 0, 1.5},
                      {"cameraman", 130, 0, 10, {880, 340}, {880, 340}, 0, 0, 0, 0, 1.5}}}}});
  // One person.
  clips.push_back({"pan",
                   "the camera panning across a street at 250 px/s while the person walks along (120 px)",
                   8,
                   {{0, 8, "building.jpg", {{"glasses", 120, 0, 8, {380, 360}, {900, 330}}}, 1.0, {-250, 0}}}});
  clips.push_back({"zoom",
                   "zooming in on a face from 80 to 300 px over 8 s",
                   8,
                   {{0, 8, "home.jpg", {{"grace-hopper", 80, 0, 8, {560, 380}, {640, 360}, 0, 0, 300}}}}});
  clips.push_back(
      {"lighting",
       "the light switched to a dim warm one at 2 s (gain 0.45), brought back up over 2 s from 5 s",
       8,
       {{0, 8, "fruits.jpg", {{"astronaut", 150, 0, 8, {640, 340}, {640, 340}}}, 1.0, {}, 0.45, 2, 0, 5, 2}}});
  clips.push_back({"head-turn",
                   "a face (160 px) turning to the side and back twice (narrowed by up to 45 %), rolling +-15 degrees",
                   8,
                   {{0, 8, "starry_night.jpg", {{"beard", 160, 0, 8, {640, 360}, {660, 350}, 0, 15, 0, 0.45}}}}});
  clips.push_back({"occlusion",
                   "things passing in front of a face (150 px): a board sliding over it for 0.7 s (all of it for 0.4 "
                   "s), a sign over its lower half for 0.8 s",
                   8,
                   {{0,
                     8,
                     "aero1.jpg",
                     {{"cameraman", 150, 0, 8, {640, 330}, {640, 330}}},
                     1.0,
                     {},
                     1.0,
                     0,
                     0,
                     1e9,
                     0,
                     {{"board.jpg", 2.0, 2.7, {300, 150, 330, 400}, {600, 150, 330, 400}},
                      {"text.png", 5.0, 5.8, {480, 340, 320, 200}, {480, 340, 320, 200}}}}}});
  // Four people at once, 30 s each: enough face-minutes of one person
  // changing to measure a false split rate (the goal is per 10 minutes).
  const char *group[] = {"grace-hopper", "astronaut", "cameraman", "beard"};
  const cv::Point2d row[] = {{190, 360}, {490, 350}, {800, 370}, {1100, 360}};
  auto group_faces = [&](double width) {
    std::vector<Appearance> faces;
    // Framed tightly: the face and a little around it, so that a photo
    // does not cover the person beside it.
    for (int i = 0; i < 4; i++)
      faces.push_back({group[i], width, 0, 30, row[i], row[i] + cv::Point2d(0, 6), 0, 0, 0, 0, 1.8});
    return faces;
  };
  {
    Shot shot{0, 30, "fruits.jpg", group_faces(130)};
    shot.light_gain = 0.45;  // every 7.5 s: switched on at once at 2 s, back over 1.5 s from 5 s
    shot.light_at_s = 2;
    shot.back_at_s = 5;
    shot.back_ramp_s = 1.5;
    shot.light_period_s = 7.5;
    clips.push_back({"group-lighting",
                     "four people (130 px) for 30 s; a dim warm light switched on at once four times, brought back "
                     "up over 1.5 s each time",
                     30,
                     {shot}});
  }
  {
    Shot shot{0, 30, "aero1.jpg", group_faces(130)};
    // Each face in turn: a board sliding across it (0.8 s, all of it for
    // about 0.25 s), or a sign over its lower half (0.8 s).
    for (int k = 0; k < 12; k++) {
      const cv::Point2d &at = row[k % 4];
      const double start = 1.2 + 2.4 * k;
      if (k % 2 == 0)
        shot.occluders.push_back(
            {"board.jpg", start, start + 0.8, {at.x - 330, at.y - 150, 260, 300}, {at.x + 30, at.y - 150, 260, 300}});
      else
        shot.occluders.push_back(
            {"text.png", start, start + 0.8, {at.x - 110, at.y + 10, 220, 130}, {at.x - 110, at.y + 10, 220, 130}});
    }
    clips.push_back({"group-occlusion",
                     "four people (130 px) for 30 s; twelve times something passes in front of one of them for 0.8 s "
                     "(a board sliding across the face, a sign over its lower half)",
                     30,
                     {shot}});
  }
  {
    Shot shot{0, 30, "starry_night.jpg", group_faces(140)};
    for (int i = 0; i < 4; i++) {
      shot.faces[i].roll_swing = 12;
      shot.faces[i].turn = 0.45;
      shot.faces[i].turn_cycles = 8 + i;  // about every 3.5 s, out of step
    }
    clips.push_back({"group-head-turn",
                     "four people (140 px) for 30 s turning to the side and back 8-11 times (narrowed by up to 45 %), "
                     "rolling +-12 degrees",
                     30,
                     {shot}});
  }
  {
    Shot shot{0, 30, "building.jpg", group_faces(130)};
    shot.pan = {-250, 0};
    shot.pan_period_s = 8;
    for (int i = 0; i < 4; i++) shot.faces[i].to = row[i] + cv::Point2d(i % 2 ? 40 : -40, 0);
    clips.push_back({"group-pan",
                     "four people (130 px) for 30 s, the camera panning at 250 px/s back and forth every 4 s",
                     30,
                     {shot}});
  }
  {
    const cv::Point2d quadrant[] = {{330, 200}, {950, 200}, {330, 530}, {950, 530}};
    Shot shot{0, 30, "home.jpg", {}};
    for (int i = 0; i < 4; i++)
      shot.faces.push_back({group[i], 100, 0, 30, quadrant[i], quadrant[i], 0, 0, 200, 0, 1.8});
    clips.push_back({"group-zoom", "four people zooming in from 100 to 200 px over 30 s", 30, {shot}});
  }
  return clips;
}

// Not part of the clips' totals above: faces of 40 px, which the first key
// sample of a shot looks for with every tile but later key samples only
// with one tile at a time, appearing one after another well into a shot.
// Their start errors are how long each took to be found.
ClipSpec small_faces_clip() {
  return {"small-appearing",
          "faces of 40 px appearing mid-shot, one after another, some rolled 15 degrees",
          24,
          {{0,
            24,
            "home.jpg",
            {{"grace-hopper", 40, 1.3, 6.0, {200, 150}, {200, 150}},
             {"astronaut", 40, 2.6, 8.0, {900, 520}, {900, 520}, 15},
             {"cameraman", 40, 4.2, 9.5, {520, 330}, {520, 330}},
             {"glasses", 40, 6.7, 12.0, {1100, 200}, {1100, 200}, -15},
             {"beard", 40, 8.4, 14.0, {350, 560}, {350, 560}},
             {"footballer", 40, 10.9, 16.0, {760, 120}, {760, 120}},
             {"grace-hopper", 40, 13.3, 19.0, {1000, 380}, {1000, 380}, 15},
             {"astronaut", 40, 15.6, 21.0, {150, 380}, {150, 380}},
             {"glasses", 40, 17.2, 23.0, {620, 600}, {620, 600}}}}}};
}

struct TrueSpell {
  std::string person;
  double start_s, end_s;
  std::vector<cv::Point2d> path;  // centres along the appearance
  double width;
};

const Photo *photo_named(const Labels &labels, const std::string &name) {
  for (const Photo &photo : labels.photos)
    if (photo.name == name) return &photo;
  g_printerr("no photo named %s in the labels\n", name.c_str());
  exit(1);
}

bool encode_clip(const Labels &labels, const ClipSpec &spec, const std::string &path, std::mt19937 &random) {
  const int fps = 25;
  std::string encoder = "x264enc speed-preset=ultrafast key-int-max=50";
  if (spec.bitrate_kbps > 0) encoder += " bitrate=" + std::to_string(spec.bitrate_kbps);
  const std::string description =
      "appsrc name=src format=time block=true caps=video/x-raw,format=BGR,width=" + std::to_string(kFrameWidth) +
      ",height=" + std::to_string(kFrameHeight) + ",framerate=" + std::to_string(fps) +
      "/1 ! videoconvert ! video/x-raw,format=I420 ! " + encoder + " ! mp4mux ! filesink location=\"" + path + "\"";
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline || error) {
    g_printerr("cannot build the clip encoder: %s\n", error ? error->message : "?");
    return false;
  }
  GstElement *source = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<cv::Mat> backgrounds;
  std::mt19937 background_random(7);
  for (const Shot &shot : spec.shots) {
    if (shot.background == "plain-wall") {
      backgrounds.emplace_back(kFrameHeight, kFrameWidth, CV_8UC3, cv::Scalar(168, 176, 182));
    } else if (shot.pan.x != 0 || shot.pan.y != 0) {
      // Room to pan: the picture twice the frame's size, from its top left.
      const cv::Mat &picture = face_free_named(labels, shot.background);
      const double scale = 2.0 * std::max(static_cast<double>(kFrameWidth) / picture.cols,
                                          static_cast<double>(kFrameHeight) / picture.rows);
      cv::Mat scaled;
      cv::resize(picture, scaled, cv::Size(), scale, scale, cv::INTER_CUBIC);
      backgrounds.push_back(scaled);
    } else {
      backgrounds.push_back(background_from(face_free_named(labels, shot.background), background_random, shot.zoom));
    }
  }
  const int frames = static_cast<int>(spec.seconds * fps + 0.5);
  for (int n = 0; n < frames; n++) {
    const double t = static_cast<double>(n) / fps;
    cv::Mat frame;
    for (size_t s = 0; s < spec.shots.size(); s++) {
      const Shot &shot = spec.shots[s];
      if (t < shot.start_s || t >= shot.end_s) continue;
      if (backgrounds[s].cols > kFrameWidth) {
        double panned_s = t - shot.start_s;
        if (shot.pan_period_s > 0) {  // a triangle wave: there and back
          const double phase = std::fmod(panned_s, shot.pan_period_s);
          panned_s = phase < shot.pan_period_s / 2 ? phase : shot.pan_period_s - phase;
        }
        const cv::Point2d offset = -shot.pan * panned_s;
        const int x =
            std::clamp(static_cast<int>(shot.pan.x < 0 ? offset.x : backgrounds[s].cols - kFrameWidth - offset.x), 0,
                       backgrounds[s].cols - kFrameWidth);
        const int y = std::clamp(static_cast<int>(offset.y), 0, backgrounds[s].rows - kFrameHeight);
        frame = backgrounds[s](cv::Rect(x, y, kFrameWidth, kFrameHeight)).clone();
      } else {
        frame = backgrounds[s].clone();
      }
      for (const Appearance &face : shot.faces) {
        if (t < face.start_s || t >= face.end_s) continue;
        const double f = (t - face.start_s) / (face.end_s - face.start_s);
        const double roll = face.roll + face.roll_swing * std::sin(2 * CV_PI * f);
        const double width =
            face.end_width > 0 ? face.face_width + (face.end_width - face.face_width) * f : face.face_width;
        Photo photo = *photo_named(labels, face.photo);
        if (face.tight > 0) {
          const cv::Rect2d &box = photo.faces[0].box;
          const double grow = (face.tight - 1) / 2;
          photo.region &= cv::Rect(cv::Rect2d(box.x - grow * box.width, box.y - grow * box.height,
                                              box.width * face.tight, box.height * face.tight));
          photo.faces.resize(1);
        }
        Rendered item = render(photo, width, roll, 700, 560);
        if (face.turn > 0) {
          // Turning away narrows the face; the far side more than the near.
          const double narrowed = 1 - face.turn * std::fabs(std::sin(face.turn_cycles / 2 * 2 * CV_PI * f));
          const cv::Size size(std::max(1, static_cast<int>(std::lround(item.bgr.cols * narrowed))), item.bgr.rows);
          cv::resize(item.bgr, item.bgr, size, 0, 0, cv::INTER_AREA);
          cv::resize(item.alpha, item.alpha, size, 0, 0, cv::INTER_AREA);
          for (TrueFace &true_face : item.faces) true_face.centre.x *= narrowed;
        }
        const cv::Point2d centre = face.from + (face.to - face.from) * f;
        composite(frame, item,
                  cv::Point(static_cast<int>(centre.x - item.faces[0].centre.x),
                            static_cast<int>(centre.y - item.faces[0].centre.y)),
                  nullptr);
      }
      for (const Occluder &occluder : shot.occluders) {
        if (t < occluder.start_s || t >= occluder.end_s) continue;
        const double f = (t - occluder.start_s) / (occluder.end_s - occluder.start_s);
        const cv::Rect at(
            cv::Rect2d(occluder.from.tl() + (occluder.to.tl() - occluder.from.tl()) * f, occluder.from.size()));
        cv::Mat patch;
        cv::resize(face_free_named(labels, occluder.picture), patch, at.size(), 0, 0, cv::INTER_AREA);
        const cv::Rect target = at & cv::Rect(0, 0, frame.cols, frame.rows);
        patch(cv::Rect(target.x - at.x, target.y - at.y, target.width, target.height)).copyTo(frame(target));
      }
      const double light_t =
          shot.light_period_s > 0 ? shot.start_s + std::fmod(t - shot.start_s, shot.light_period_s) : t;
      if (shot.light_gain != 1.0 && light_t >= shot.light_at_s) {
        auto ramp = [](double since, double length) { return length > 0 ? std::clamp(since / length, 0.0, 1.0) : 1.0; };
        double dimmed = ramp(light_t - shot.light_at_s, shot.light_ramp_s);  // 0: normal light, 1: the changed one
        if (light_t >= shot.back_at_s) dimmed *= 1 - ramp(light_t - shot.back_at_s, shot.back_ramp_s);
        const double gain = 1 + (shot.light_gain - 1) * dimmed;
        cv::multiply(frame, cv::Scalar(gain * (1 - 0.2 * dimmed), gain * (1 - 0.08 * dimmed), gain), frame);
      }
    }
    degrade(frame, spec.degradation, random);
    if (spec.degradation == Degradation::Noise) cv::GaussianBlur(frame, frame, cv::Size(0, 0), 1.2);
    GstBuffer *buffer = gst_buffer_new_allocate(nullptr, frame.total() * 3, nullptr);
    gst_buffer_fill(buffer, 0, frame.data, frame.total() * 3);
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(n, GST_SECOND, fps);
    GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale(n + 1, GST_SECOND, fps) - GST_BUFFER_PTS(buffer);
    if (gst_app_src_push_buffer(GST_APP_SRC(source), buffer) != GST_FLOW_OK) break;
  }
  gst_app_src_end_of_stream(GST_APP_SRC(source));
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *message = gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND,
                                                   static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const bool ok = message && GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS;
  if (message) gst_message_unref(message);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(source);
  gst_object_unref(pipeline);
  return ok;
}

std::optional<idf::Result> analyse_clip(const std::string &path, const std::string &image_dir) {
  std::mutex mutex;
  std::condition_variable finished;
  std::optional<idf::Outcome> outcome;
  idf::LocalEngineOptions options;
  gchar *uri = g_filename_to_uri(path.c_str(), nullptr, nullptr);
  options.uri = uri;
  g_free(uri);
  options.face_image_dir = image_dir;
  auto engine = idf::LocalEngine::start(options, nullptr, [&](idf::Outcome result) {
    std::lock_guard<std::mutex> lock(mutex);
    outcome = std::move(result);
    finished.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mutex);
    if (!finished.wait_for(lock, std::chrono::minutes(5), [&] { return outcome.has_value(); })) return std::nullopt;
  }
  engine.reset();
  if (const auto *failure = std::get_if<idf::Failure>(&*outcome)) {
    g_printerr("%s: %s\n", path.c_str(), failure->message.c_str());
    return std::nullopt;
  }
  return std::get<idf::Result>(*outcome);
}

struct ClipTotals {
  size_t truths = 0, found = 0, extra = 0, across_cuts = 0;
  // Faces holding two people; extra faces for one person's spell.
  size_t merges = 0, false_splits = 0;
  double face_seconds = 0;
  double worst_error_s = 0;
  std::vector<double> errors_s;
  std::vector<double> start_errors_s, end_errors_s;  // signed: + is late
};

void evaluate_clip(const Labels &labels, const ClipSpec &spec, const std::string &work_dir, std::mt19937 &random,
                   ClipTotals &totals) {
  const std::string path = work_dir + "/" + spec.name + ".mp4";
  if (!encode_clip(labels, spec, path, random)) {
    g_printerr("cannot encode %s\n", path.c_str());
    exit(1);
  }
  const auto result = analyse_clip(path, work_dir + "/faces");
  if (!result) exit(1);

  // The truth: each appearance is a spell (no appearance here returns
  // within 1 s); the cuts between shots.
  std::vector<TrueSpell> truth;
  std::vector<double> cuts;
  for (size_t s = 0; s < spec.shots.size(); s++) {
    if (s > 0) cuts.push_back(spec.shots[s].start_s);
    for (const Appearance &face : spec.shots[s].faces) {
      TrueSpell spell{face.photo, face.start_s, face.end_s, {}, face.face_width};
      for (int i = 0; i <= 10; i++) spell.path.push_back(face.from + (face.to - face.from) * (i / 10.0));
      truth.push_back(spell);
    }
  }
  g_print("\n%s (%.0f s; %s)\n", spec.name.c_str(), spec.seconds, spec.description.c_str());
  // Greedy matching by overlap in time, the found box near the true path.
  std::vector<bool> used(result->faces.size(), false);
  for (const TrueSpell &spell : truth) {
    totals.truths++;
    double best_overlap = 0;
    size_t best = result->faces.size();
    for (size_t i = 0; i < result->faces.size(); i++) {
      if (used[i]) continue;
      const auto &face = result->faces[i];
      const double start = face.start_ns / 1e9, end = face.end_ns / 1e9;
      const double overlap = std::min(end, spell.end_s) - std::max(start, spell.start_s);
      const double united = std::max(end, spell.end_s) - std::min(start, spell.start_s);
      bool near = true;
      if (face.box) {
        const cv::Point2d centre((face.box->x + face.box->width / 2) * kFrameWidth,
                                 (face.box->y + face.box->height / 2) * kFrameHeight);
        near = std::any_of(spell.path.begin(), spell.path.end(),
                           [&](const cv::Point2d &p) { return cv::norm(p - centre) < spell.width; });
      }
      if (near && overlap > 0 && overlap / united > best_overlap) {
        best_overlap = overlap / united;
        best = i;
      }
    }
    if (best == result->faces.size()) {
      g_print("  %-13s %5.2f-%5.2f s: MISSED\n", spell.person.c_str(), spell.start_s, spell.end_s);
      continue;
    }
    used[best] = true;
    totals.found++;
    const auto &face = result->faces[best];
    const double start_error = face.start_ns / 1e9 - spell.start_s, end_error = face.end_ns / 1e9 - spell.end_s;
    totals.start_errors_s.push_back(start_error);
    totals.end_errors_s.push_back(end_error);
    totals.errors_s.push_back(std::fabs(start_error));
    totals.errors_s.push_back(std::fabs(end_error));
    totals.worst_error_s = std::max({totals.worst_error_s, std::fabs(start_error), std::fabs(end_error)});
    g_print("  %-13s %5.2f-%5.2f s: face %s %5.2f-%5.2f s (start %+.3f s, end %+.3f s), score %.2f\n",
            spell.person.c_str(), spell.start_s, spell.end_s, face.id.c_str(), face.start_ns / 1e9, face.end_ns / 1e9,
            start_error, end_error, face.score.value_or(0));
  }
  // Merges and splits: which true spells each face covers (overlapping it
  // by more than 0.15 s, its box near the spell's path).
  size_t merges = 0, splits = 0;
  double face_seconds = 0;
  std::vector<std::vector<size_t>> covered_by(truth.size());
  for (size_t i = 0; i < result->faces.size(); i++) {
    const auto &face = result->faces[i];
    std::vector<std::string> people;
    for (size_t t = 0; t < truth.size(); t++) {
      const TrueSpell &spell = truth[t];
      const double overlap = std::min(face.end_ns / 1e9, spell.end_s) - std::max(face.start_ns / 1e9, spell.start_s);
      bool near = true;
      if (face.box) {
        const cv::Point2d centre((face.box->x + face.box->width / 2) * kFrameWidth,
                                 (face.box->y + face.box->height / 2) * kFrameHeight);
        near = std::any_of(spell.path.begin(), spell.path.end(),
                           [&](const cv::Point2d &p) { return cv::norm(p - centre) < spell.width; });
      }
      if (overlap <= 0.15 || !near) continue;
      covered_by[t].push_back(i);
      if (std::find(people.begin(), people.end(), spell.person) == people.end()) people.push_back(spell.person);
    }
    if (people.size() > 1) {
      merges++;
      std::string names;
      for (const auto &person : people) names += (names.empty() ? "" : " and ") + person;
      g_print("  MERGE: face %s %.2f-%.2f s holds %s\n", face.id.c_str(), face.start_ns / 1e9, face.end_ns / 1e9,
              names.c_str());
    }
  }
  for (size_t t = 0; t < truth.size(); t++) {
    face_seconds += truth[t].end_s - truth[t].start_s;
    if (covered_by[t].size() <= 1) continue;
    splits += covered_by[t].size() - 1;
    std::string ids;
    for (size_t i : covered_by[t]) ids += " " + result->faces[i].id;
    g_print("  SPLIT: %s %.2f-%.2f s is %zu faces:%s\n", truth[t].person.c_str(), truth[t].start_s, truth[t].end_s,
            covered_by[t].size(), ids.c_str());
  }
  totals.merges += merges;
  totals.false_splits += splits;
  totals.face_seconds += face_seconds;
  g_print("  -> %zu merges, %zu false splits, %.1f face-seconds\n", merges, splits, face_seconds);
  for (size_t i = 0; i < result->faces.size(); i++) {
    const auto &face = result->faces[i];
    for (double cut : cuts)
      if (face.start_ns / 1e9 < cut - 0.15 && face.end_ns / 1e9 > cut + 0.15) {
        totals.across_cuts++;
        g_print("  face %s %.2f-%.2f s runs across the cut at %.2f s\n", face.id.c_str(), face.start_ns / 1e9,
                face.end_ns / 1e9, cut);
      }
    if (used[i]) continue;
    totals.extra++;
    g_print("  extra face %s %.2f-%.2f s at x %.2f y %.2f, score %.2f\n", face.id.c_str(), face.start_ns / 1e9,
            face.end_ns / 1e9, face.box ? face.box->x : -1, face.box ? face.box->y : -1, face.score.value_or(0));
  }
}

}  // namespace

int main(int argc, char **argv) {
  gchar *labels_path = nullptr, *work_dir = nullptr;
  gint seed = 1;
  gboolean skip_clips = FALSE, skip_stills = FALSE, sweep = FALSE;
  gchar *only_clip = nullptr;
  gboolean face_check = FALSE;
  GOptionEntry entries[] = {
      {"labels", 0, 0, G_OPTION_ARG_FILENAME, &labels_path, "The labelled photos (face_eval_labels.json)", "FILE"},
      {"work-dir", 0, 0, G_OPTION_ARG_FILENAME, &work_dir, "Where the clips are written (default: a temporary dir)",
       "DIR"},
      {"seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the random placements (default 1)", "N"},
      {"no-clips", 0, 0, G_OPTION_ARG_NONE, &skip_clips, "Stills and face-free frames only", nullptr},
      {"no-stills", 0, 0, G_OPTION_ARG_NONE, &skip_stills, "Clips only", nullptr},
      {"sweep", 0, 0, G_OPTION_ARG_NONE, &sweep, "Also compare score thresholds on the stills", nullptr},
      {"face-check", 0, 0, G_OPTION_ARG_NONE, &face_check, "The face check's distances (also run with the stills)",
       nullptr},
      {"clip", 0, 0, G_OPTION_ARG_STRING, &only_clip, "Only the clip of this name (with --no-stills)", "NAME"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext *context = g_option_context_new("- evaluate provider=local's face detection and tracking");
  g_option_context_add_main_entries(context, entries, nullptr);
  g_option_context_add_group(context, gst_init_get_option_group());
  GError *error = nullptr;
  if (!g_option_context_parse(context, &argc, &argv, &error) || !labels_path) {
    g_printerr("%s\n", error ? error->message : "usage: eval-local-detector --labels FILE [--work-dir DIR] [--seed N]");
    return 2;
  }
  g_option_context_free(context);

  const Labels labels = load_labels(labels_path);
  std::string model_error;
  const std::string model = idf::local::locate_face_model(&model_error);
  if (model.empty()) {
    g_printerr("%s\n", model_error.c_str());
    return 1;
  }
  auto analyser = FaceAnalyser::create(model, {}, &model_error);
  if (!analyser) {
    g_printerr("%s\n", model_error.c_str());
    return 1;
  }
  std::mt19937 random(static_cast<unsigned>(seed));
  if (sweep) g_sweep_detector = idf::local::FaceDetector::load(model, &model_error);
  const auto started = std::chrono::steady_clock::now();

  g_print("eval-local-detector: %zu labelled photos, %zu face-free pictures, seed %d\n", labels.photos.size(),
          labels.face_free.size(), seed);
  if (!skip_stills) {
    StillResults stills;
    evaluate_stills(*analyser, labels, random, stills);
    g_print("\n## Stills: %zu frames of 1280x720\n", stills.frames);
    print_recall_table(
        "Recall, detection as on the first key sample of a shot (whole frame + all tiles + tiles around "
        "candidates):",
        stills.key);
    print_recall_table("Recall, whole frame only:", stills.whole);
    g_print("\nRecall of faces >= 64 px by degradation (key sample):");
    for (const auto &[name, tally] : stills.by_degradation) g_print(" %s %s;", name.c_str(), tally.percent().c_str());
    g_print("\nRecall of faces >= 64 px by photo (key sample):");
    for (const auto &[name, tally] : stills.by_photo) g_print(" %s %s;", name.c_str(), tally.percent().c_str());
    g_print("\nDetections matching no face, per frame with faces: key sample %.3f, whole frame %.3f\n",
            static_cast<double>(stills.extra_key) / stills.frames,
            static_cast<double>(stills.extra_whole) / stills.frames);

    FaceFreeResults free;
    evaluate_face_free(*analyser, labels, random, free);
    g_print("\n## Face-free frames: %zu\n\nfalse faces per frame: key sample %.3f (%zu), whole frame %.3f (%zu)\n",
            free.frames, static_cast<double>(free.false_key) / free.frames, free.false_key,
            static_cast<double>(free.false_whole) / free.frames, free.false_whole);
    if (!free.by_picture.empty()) {
      g_print("false faces (key sample) by picture:");
      for (const auto &[name, count] : free.by_picture) g_print(" %s %zu;", name.c_str(), count);
      g_print("\n");
    }
  }

  if (sweep) print_sweep();
  if (!skip_stills || face_check) evaluate_face_check(*analyser, labels);

  if (!skip_clips) {
    std::string dir;
    if (work_dir) {
      // Absolute: the engine takes a file:// URI.
      gchar *absolute = g_canonicalize_filename(work_dir, nullptr);
      dir = absolute;
      g_free(absolute);
      g_mkdir_with_parents(dir.c_str(), 0755);
    } else {
      gchar *made = g_dir_make_tmp("eval-local-XXXXXX", nullptr);
      dir = made;
      g_free(made);
    }
    g_print("\n## Clips (1280x720, 25 fps, H.264; in %s)\n", dir.c_str());
    auto wanted = [&](const ClipSpec &spec) { return !only_clip || spec.name == only_clip; };
    ClipTotals totals;
    // Their own random numbers: the same clips with or without the stills.
    std::mt19937 clip_random(static_cast<unsigned>(seed));
    for (const ClipSpec &spec : clip_specs())
      if (wanted(spec)) evaluate_clip(labels, spec, dir, clip_random, totals);
    std::sort(totals.errors_s.begin(), totals.errors_s.end());
    const double median = totals.errors_s.empty() ? 0 : totals.errors_s[totals.errors_s.size() / 2];
    g_print(
        "\nclips: %zu/%zu true face intervals found, %zu extra faces, %zu intervals across a cut; "
        "boundary errors: median %.3f s, worst %.3f s\n",
        totals.found, totals.truths, totals.extra, totals.across_cuts, median, totals.worst_error_s);

    g_print("clips: %zu merges, %zu false splits in %.1f face-minutes\n", totals.merges, totals.false_splits,
            totals.face_seconds / 60);

    g_print("\n## Identity clips: two people at one place (must be two faces), one person changing (must be one)\n");
    ClipTotals identity;
    std::mt19937 identity_random(static_cast<unsigned>(seed));
    // The clips where nobody is replaced: the false split rate's own
    // face-minutes.
    size_t steady_splits = 0;
    double steady_seconds = 0;
    for (const ClipSpec &spec : identity_clip_specs()) {
      if (!wanted(spec)) continue;
      const size_t splits_before = identity.false_splits;
      const double seconds_before = identity.face_seconds;
      evaluate_clip(labels, spec, dir, identity_random, identity);
      if (spec.name.rfind("swap-", 0) == 0) continue;
      steady_splits += identity.false_splits - splits_before;
      steady_seconds += identity.face_seconds - seconds_before;
    }
    g_print("\nclips where nobody is replaced: %zu false splits in %.1f face-minutes (%.2f per 10 face-minutes)\n",
            steady_splits, steady_seconds / 60, steady_seconds > 0 ? steady_splits / (steady_seconds / 600) : 0.0);
    g_print(
        "\nidentity clips: %zu/%zu true face intervals found, %zu extra faces, %zu intervals across a cut; %zu "
        "merges, %zu false splits in %.1f face-minutes (%.2f per 10 face-minutes)\n",
        identity.found, identity.truths, identity.extra, identity.across_cuts, identity.merges, identity.false_splits,
        identity.face_seconds / 60,
        identity.face_seconds > 0 ? identity.false_splits / (identity.face_seconds / 600) : 0.0);

    ClipTotals small;
    std::mt19937 small_random(static_cast<unsigned>(seed));
    const ClipSpec small_spec = small_faces_clip();
    if (wanted(small_spec)) evaluate_clip(labels, small_spec, dir, small_random, small);
    std::vector<double> delays = small.start_errors_s;
    std::sort(delays.begin(), delays.end());
    double worst_end = 0;
    for (double error : small.end_errors_s) worst_end = std::max(worst_end, std::fabs(error));
    g_print(
        "\nsmall faces appearing mid-shot: %zu/%zu found, %zu extra faces; found after they appeared (start "
        "error): median %.2f s, worst %.2f s; end errors: worst %.3f s\n",
        small.found, small.truths, small.extra, delays.empty() ? 0 : delays[delays.size() / 2],
        delays.empty() ? 0 : delays.back(), worst_end);
  }
  g_print("\n(took %.0f s; %zu model forward passes)\n",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
          analyser->stats().forward_passes);
  g_free(labels_path);
  g_free(work_dir);
  g_free(only_clip);
  return 0;
}
