// SPDX-License-Identifier: LGPL-2.1-or-later
// The frame analyser fed directly with frames (as the element will feed it
// the buffers flowing through it), and the shot-cut detector. Frames are
// composed in memory from matplotlib's portrait of Grace Hopper.
#include <glib.h>

#include <cmath>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "local/face_analyser.h"
#include "local/face_appearance.h"
#include "local/face_model.h"
#include "local/local_engine.h"
#include "local/shot_cut_detector.h"
#include "support/local_test_util.h"

using namespace idf;
using namespace idf::local;

namespace {

constexpr uint64_t kStep = kNsPerSecond / 8;

const cv::Mat &portrait() {
  static const cv::Mat picture = cv::imread(test::kPortraitPath);
  if (picture.empty()) g_error("cannot read %s (python-matplotlib-data)", test::kPortraitPath);
  return picture;
}
// The portrait's face, as labelled in tests/bench/face_eval_labels.json.
const cv::Rect kPortraitFace(172, 142, 193, 193);

// A 1280x720 scene (the same for the same seed): a tinted gradient with a
// hundred muted rectangles on it, like the things in a room.
cv::Mat background(int seed, const cv::Scalar &tint) {
  cv::Mat scene(720, 1280, CV_8UC3);
  for (int y = 0; y < scene.rows; y++) scene.row(y).setTo(tint * (0.6 + 0.4 * y / scene.rows));
  cv::RNG rng(seed);
  for (int i = 0; i < 100; i++) {
    const cv::Point corner(rng.uniform(-100, 1280), rng.uniform(-100, 720));
    const cv::Size size(rng.uniform(30, 260), rng.uniform(30, 260));
    const double shade = rng.uniform(0.4, 1.3);
    cv::rectangle(scene, cv::Rect(corner, size), tint * shade + cv::Scalar::all(rng.uniform(-30, 30)), cv::FILLED);
  }
  cv::GaussianBlur(scene, scene, cv::Size(0, 0), 1.5);
  return scene;
}

// The background with the portrait (optionally mirrored) at each of
// `places`.
cv::Mat frame_with(const cv::Mat &scene, const std::vector<cv::Point> &places, bool mirrored = false) {
  cv::Mat frame = scene.clone();
  // Flipped into a picture of its own: flipping in place would flip the
  // shared portrait, so that every other call showed it the other way.
  cv::Mat picture;
  if (mirrored)
    cv::flip(portrait(), picture, 1);
  else
    picture = portrait();
  for (const cv::Point &place : places) {
    const cv::Rect target = cv::Rect(place, picture.size()) & cv::Rect(0, 0, frame.cols, frame.rows);
    picture(cv::Rect(0, 0, target.width, target.height)).copyTo(frame(target));
  }
  return frame;
}

// Shot cuts: a different picture everywhere is a cut; a face entering,
// moving or leaving, or the light changing a little, is not.
void test_shot_cuts() {
  ShotCutDetector cuts;
  const cv::Mat room = background(1, cv::Scalar(130, 140, 150)), garden = background(2, cv::Scalar(60, 160, 70));
  auto next = [&](const cv::Mat &bgr, const char *what) {
    cv::Mat small;
    cv::resize(bgr, small, cv::Size(256, 144), 0, 0, cv::INTER_AREA);
    cv::cvtColor(small, small, cv::COLOR_BGR2RGB);
    const bool cut = cuts.next(small);
    g_test_message("%s: distance %.3f, colours of %d regions and pixels of %d changed, %d regions correlated, %s", what,
                   cuts.last_distance(), cuts.last_changed_regions(), cuts.last_changed_pixel_regions(),
                   cuts.last_correlated_regions(), cut ? "cut" : "no cut");
    return cut;
  };
  g_assert_false(next(frame_with(room, {}), "first"));  // nothing to compare with
  g_assert_false(next(frame_with(room, {{80, 60}}), "a face enters"));
  g_assert_false(next(frame_with(room, {{200, 60}}), "it moves"));
  g_assert_false(next(frame_with(room, {}), "it leaves"));
  g_assert_false(next(frame_with(room, {{400, 60}}, true), "another enters"));
  g_assert_false(next(frame_with(room + cv::Scalar::all(8), {{400, 60}}, true), "the light changes"));
  // A dim warm light switched on at once: every colour changes, the shapes
  // stay where they were (the same shot, lit otherwise).
  {
    cv::Mat dim;
    cv::multiply(frame_with(room + cv::Scalar::all(8), {{400, 60}}, true), cv::Scalar(0.45, 0.45 * 0.92, 0.45 * 0.8),
                 dim);
    g_assert_false(next(dim, "a dim warm light switched on"));
    g_assert_cmpint(cuts.last_correlated_regions(), >=, ShotCutConfig().relit_regions);
    g_assert_false(next(frame_with(room + cv::Scalar::all(8), {{400, 60}}, true), "and off again"));
  }
  // Cuts: another scene with a face at the same place, the same scene again.
  g_assert_true(next(frame_with(garden, {{400, 60}}, true), "cut to the garden"));
  g_assert_false(next(frame_with(garden, {{400, 60}}, true), "the garden still"));
  g_assert_true(next(frame_with(room, {{400, 60}}), "cut back to the room"));
  g_assert_cmpfloat(cuts.last_distance(), >, 0.3);
  // A close-up in the same room (the same colours, other shapes
  // everywhere), the face larger at about the same spot. (With the same
  // colours in every region, as two framings of a plain wall, a cut is
  // not seen.)
  cv::Mat closer;
  cv::resize(room(cv::Rect(320, 180, 640, 360)), closer, room.size(), 0, 0, cv::INTER_LINEAR);
  cv::Mat face;
  cv::resize(portrait()(cv::Rect(100, 80, 340, 320)), face, cv::Size(510, 480));
  face.copyTo(closer(cv::Rect(cv::Point(390, 100), face.size())));
  g_assert_true(next(closer, "cut to a close-up"));
}

// The portrait's face in `frame`, its box placed at `box` (keypoints: the
// eyes level across its upper half, turned by `roll` degrees around the
// box's centre as the picture was).
Detection portrait_face(const Box &box, double roll = 0) {
  Detection detection;
  detection.box = box;
  detection.score = 0.9;
  const double radians = roll * CV_PI / 180;
  auto turned = [&](double fx, double fy) {
    const double dx = (fx - 0.5) * box.width, dy = (fy - 0.5) * box.height;
    return Point{box.centre_x() + dx * std::cos(radians) + dy * std::sin(radians),
                 box.centre_y() - dx * std::sin(radians) + dy * std::cos(radians)};
  };
  detection.keypoints[kRightEye] = turned(0.3, 0.38);
  detection.keypoints[kLeftEye] = turned(0.7, 0.38);
  detection.keypoints[kMouthCentre] = turned(0.5, 0.8);
  return detection;
}

// The face check on real pictures, without the model: the portrait stays
// itself when moved, enlarged, lit otherwise, rolled or half hidden, and
// is told apart from another face drawn at its place.
void test_appearance() {
  const cv::Mat scene = background(1, cv::Scalar(130, 140, 150));
  const cv::Point at(300, 60);
  const Box face{kPortraitFace.x + at.x + 0.0, kPortraitFace.y + at.y + 0.0, 193, 193};
  const cv::Mat frame = frame_with(scene, {at});
  const Appearance reference =
      describe_appearance(FrameView::packed(FrameView::Format::BGR, frame), portrait_face(face));
  g_assert_cmpuint(reference.grey.size(), ==, Appearance::kSide * Appearance::kSide);
  const double limit = TrackerConfig().max_appearance_distance;
  auto distance_to = [&](const cv::Mat &picture, const Detection &detection, const char *what) {
    const double distance = appearance_distance(
        reference, describe_appearance(FrameView::packed(FrameView::Format::BGR, picture), detection));
    g_test_message("%s: appearance distance %.3f (limit %.2f)", what, distance, limit);
    return distance;
  };
  // Moved 12 px, the detector's box off by a few pixels.
  g_assert_cmpfloat(distance_to(frame_with(scene, {at + cv::Point(12, 0)}),
                                portrait_face({face.x + 15, face.y - 3, 190, 196}), "moved"),
                    <, limit / 2);
  // Closer: the picture 1.3 times larger.
  {
    cv::Mat larger;
    cv::resize(portrait(), larger, cv::Size(), 1.3, 1.3, cv::INTER_CUBIC);
    cv::Mat closer = scene.clone();
    larger(cv::Rect(0, 0, larger.cols, std::min(larger.rows, 650)))
        .copyTo(closer(cv::Rect(200, 40, larger.cols, std::min(larger.rows, 650))));
    g_assert_cmpfloat(
        distance_to(closer, portrait_face({200 + 172 * 1.3, 40 + 142 * 1.3, 193 * 1.3, 193 * 1.3}), "closer"), <,
        limit);
  }
  // A dim, warm light.
  {
    cv::Mat dim;
    cv::multiply(frame, cv::Scalar(0.35, 0.45, 0.55), dim);
    g_assert_cmpfloat(distance_to(dim, portrait_face(face), "dim warm light"), <, limit);
  }
  // Rolled 20 degrees around the face's centre: turned back upright on the eyes.
  {
    cv::Mat rolled;
    const cv::Mat rotation = cv::getRotationMatrix2D(
        cv::Point2f(static_cast<float>(face.centre_x()), static_cast<float>(face.centre_y())), 20, 1);
    cv::warpAffine(frame, rolled, rotation, frame.size());
    const double rolled_distance = distance_to(rolled, portrait_face(face, 20), "rolled 20 degrees");
    g_assert_cmpfloat(rolled_distance, <, limit);
    // Not turned upright (eyes unknown), the same picture is further away.
    g_assert_cmpfloat(distance_to(
                          rolled,
                          [&] {
                            Detection unknown = portrait_face(face);
                            unknown.keypoints = {};
                            return unknown;
                          }(),
                          "rolled, not turned upright"),
                      >, rolled_distance);
  }
  // The lower half hidden behind something, all at once: nearer than
  // another face (it may read above the limit: the tracker keeps a face
  // whose own looks come back within half a second, see the tracker's
  // /local/tracker/hidden-for-a-moment).
  double hidden_distance = 0;
  {
    cv::Mat hidden = frame.clone();
    cv::rectangle(hidden, cv::Rect(static_cast<int>(face.x) - 20, static_cast<int>(face.centre_y()) + 10, 240, 200),
                  cv::Scalar(40, 90, 160), cv::FILLED);
    hidden_distance = distance_to(hidden, portrait_face(face), "lower half hidden");
  }
  // Another face drawn at the same place: a pale oval, dark eyes and brows,
  // a red mouth, on the same scene.
  {
    cv::Mat other = scene.clone();
    const cv::Point centre(static_cast<int>(face.centre_x()), static_cast<int>(face.centre_y()));
    cv::ellipse(other, centre, cv::Size(80, 105), 0, 0, 360, cv::Scalar(150, 180, 230), cv::FILLED);
    for (int side : {-1, 1}) {
      cv::circle(other, centre + cv::Point(side * 36, -20), 10, cv::Scalar(40, 30, 30), cv::FILLED);
      cv::line(other, centre + cv::Point(side * 20, -45), centre + cv::Point(side * 55, -42), cv::Scalar(30, 40, 60),
               6);
    }
    cv::ellipse(other, centre + cv::Point(0, 50), cv::Size(30, 10), 0, 0, 360, cv::Scalar(60, 60, 190), cv::FILLED);
    cv::GaussianBlur(other, other, cv::Size(0, 0), 2);
    const double other_distance = distance_to(other, portrait_face(face), "another face");
    g_assert_cmpfloat(other_distance, >, limit);
    g_assert_cmpfloat(other_distance, >, hidden_distance);
  }
  // A box without area has no appearance, and is never told apart.
  g_assert_true(describe_appearance(FrameView::packed(FrameView::Format::BGR, frame), Detection()).empty());
}

std::unique_ptr<FaceAnalyser> make_analyser(AnalyserConfig config = {}) {
  std::string error;
  const std::string model = locate_face_model(&error);
  if (model.empty()) {
    g_test_skip(("no face detection model in this build: " + error).c_str());
    return nullptr;
  }
  auto analyser = FaceAnalyser::create(model, config, &error);
  if (!analyser) g_error("%s", error.c_str());
  return analyser;
}

// Feeds 8 samples a second of `frame_at(t)` from `from` to `to`; collects
// what comes out.
template <typename FrameAt>
void feed(FaceAnalyser &analyser, uint64_t from, uint64_t to, FrameAt frame_at, std::vector<AnalysedSample> &out) {
  for (uint64_t t = from; t < to; t += kStep) {
    const cv::Mat frame = frame_at(t);
    for (auto &sample : analyser.analyse(FrameView::packed(FrameView::Format::BGR, frame), t))
      out.push_back(std::move(sample));
  }
}

void test_faces_across_a_cut() {
  auto analyser = make_analyser();
  if (!analyser) return;
  std::vector<AnalysedSample> samples;
  const cv::Mat grey = background(1, cv::Scalar(130, 140, 150)), green = background(2, cv::Scalar(60, 160, 70));
  // 0-3 s: the portrait moving right 10 px a sample on grey; 3-5 s: cut to
  // green with the mirrored portrait at the same place (another "person"
  // for the tracker: the cut ends the first face); 5-6 s: green, no face.
  auto frame_at = [&](uint64_t t) {
    const int step = static_cast<int>(t / kStep);
    if (t < 3 * kNsPerSecond) return frame_with(grey, {{100 + 10 * step, 60}});
    if (t < 5 * kNsPerSecond) return frame_with(green, {{400, 60}}, true);
    return frame_with(green, {});
  };
  feed(*analyser, 0, 6 * kNsPerSecond, frame_at, samples);
  for (auto &sample : analyser->flush()) samples.push_back(std::move(sample));

  // Every sample came out once, in order; the cut is marked.
  g_assert_cmpuint(samples.size(), ==, 48);
  for (size_t i = 0; i < samples.size(); i++) g_assert_cmpuint(samples[i].time_ns, ==, i * kStep);
  for (const auto &sample : samples) g_assert_cmpint(sample.cut_before, ==, sample.time_ns == 3 * kNsPerSecond);
  g_assert_cmpuint(analyser->stats().cuts, ==, 1);
  // Where it is reported: where the faces on both sides end and start.
  g_assert_cmpuint(analyser->cuts().size(), ==, 1);
  g_assert_cmpuint(analyser->cuts()[0], ==, 3 * kNsPerSecond - kStep / 2);

  const auto faces = analyser->faces(6 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 2);
  g_assert_cmpstr(faces[0].tracked.id.c_str(), ==, "0");
  g_assert_cmpuint(faces[0].tracked.start_ns, ==, 0);
  g_assert_cmpuint(faces[0].tracked.end_ns, ==, 3 * kNsPerSecond - kStep / 2);
  g_assert_cmpuint(faces[1].tracked.start_ns, ==, 3 * kNsPerSecond - kStep / 2);
  g_assert_cmpuint(faces[1].tracked.end_ns, ==, 5 * kNsPerSecond - kStep / 2);
  // The box where it was largest, normalised; the best score; a picture.
  for (const auto &face : faces) {
    g_assert_cmpfloat(face.box.width * 1280, >, 150);
    g_assert_cmpfloat(face.box.width * 1280, <, 240);
    g_assert_cmpfloat(face.tracked.best_score, >=, 0.5);
    g_assert_false(face.picture_bgr.empty());
    g_assert_cmpint(face.picture_bgr.cols, >, 193);
  }
  // The second face's box is where the mirrored portrait's face was.
  g_assert_cmpfloat(std::fabs(faces[1].box.x * 1280 - (400 + 512 - 365)), <, 20);

  // Ids in the samples agree with the final ones, and each sample's faces
  // are where the frame shows them, detected or interpolated.
  std::set<std::string> ids_seen;
  for (const auto &sample : samples) {
    const bool face_shown = sample.time_ns < 5 * kNsPerSecond;
    g_assert_cmpuint(sample.faces.size(), ==, face_shown ? 1 : 0);
    for (const auto &face : sample.faces) {
      if (face.id) ids_seen.insert(*face.id);
      const int step = static_cast<int>(sample.time_ns / kStep);
      const double truth_x = sample.time_ns < 3 * kNsPerSecond ? 100 + 10 * step + 268 : 400 + 512 - 268;
      g_assert_cmpfloat(std::fabs(face.detection.box.centre_x() - truth_x), <, 25);
      g_assert_cmpfloat(face.detection.keypoints[kMouthCentre].y, >, 60 + 240);
      g_assert_cmpfloat(face.detection.keypoints[kMouthCentre].y, <, 60 + 340);
      const std::string expected = sample.time_ns < 3 * kNsPerSecond ? "0" : "1";
      if (face.id) g_assert_cmpstr(face.id->c_str(), ==, expected.c_str());
    }
  }
  g_assert_true(ids_seen == (std::set<std::string>{"0", "1"}));
  // Marks between samples, interpolated: half way between two samples of
  // the moving face, 5 px further than at the first.
  const auto before = analyser->marks_at(kNsPerSecond);
  const auto between = analyser->marks_at(kNsPerSecond + kStep / 2);
  g_assert_cmpuint(between.size(), ==, 1);
  g_assert_cmpstr(between[0].id.c_str(), ==, "0");
  g_assert_cmpfloat(between[0].detection.box.x - before[0].detection.box.x, >, 0);
  g_assert_cmpfloat(between[0].detection.box.x - before[0].detection.box.x, <, 12);
  g_assert_cmpuint(analyser->marks_at(5500 * kNsPerMs).size(), ==, 0);

  // Detection ran on key samples and around changes only, not on all 48.
  g_test_message("samples detected %zu of %zu, forward passes %zu", analyser->stats().samples_detected,
                 analyser->stats().samples, analyser->stats().forward_passes);
  g_assert_cmpuint(analyser->stats().samples_detected, <, 48);
}

// For a live stream: every sample analysed at once, its faces known when
// analyse() returns, with the ids of the result.
void test_every_sample_at_once() {
  AnalyserConfig config;
  config.key_interval_ns = 0;
  auto analyser = make_analyser(config);
  if (!analyser) return;
  const cv::Mat scene = background(3, cv::Scalar(120, 130, 140));
  for (uint64_t t = 0; t < 2 * kNsPerSecond; t += kStep) {
    const cv::Mat frame =
        frame_with(scene, t < kNsPerSecond ? std::vector<cv::Point>{{200, 60}} : std::vector<cv::Point>{});
    const auto samples = analyser->analyse(FrameView::packed(FrameView::Format::BGR, frame), t);
    g_assert_cmpuint(samples.size(), ==, 1);
    g_assert_cmpuint(samples[0].time_ns, ==, t);
    g_assert_true(samples[0].detected);
    g_assert_cmpuint(samples[0].faces.size(), ==, t < kNsPerSecond ? 1 : 0);
    // Confirmed from its second sample on.
    if (t >= kStep && t < kNsPerSecond) g_assert_cmpstr(samples[0].faces[0].id->c_str(), ==, "0");
    g_assert_cmpuint(*analyser->analysed_until(), ==, t);
  }
  g_assert_cmpuint(analyser->flush().size(), ==, 0);
  const auto faces = analyser->faces(2 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpuint(faces[0].tracked.end_ns, ==, kNsPerSecond - kStep / 2);
  // The whole frame on each of the 16 samples, all tiles (2) once a second,
  // and while the face is missing (up to its 1 s gap), the tile where it was.
  g_assert_cmpuint(analyser->stats().samples_detected, ==, 16);
  g_assert_cmpuint(analyser->stats().forward_passes, ==, 16 + 2 * 2 + 8);
}

// The frame formats the element may hand over give the same faces.
void test_frame_formats() {
  auto analyser = make_analyser();
  if (!analyser) return;
  const cv::Mat bgr = frame_with(background(1, cv::Scalar(130, 140, 150)), {{300, 60}});
  cv::Mat rgb, rgba, bgra, i420;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  cv::cvtColor(bgr, rgba, cv::COLOR_BGR2RGBA);
  cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
  cv::cvtColor(bgr, i420, cv::COLOR_BGR2YUV_I420);
  const cv::Mat y = i420.rowRange(0, 720);
  const cv::Mat u(360, 640, CV_8UC1, i420.ptr(720)), v(360, 640, CV_8UC1, i420.ptr(720) + 640 * 360);
  cv::Mat uv(360, 640, CV_8UC2);
  cv::merge(std::vector<cv::Mat>{u, v}, uv);
  const std::vector<std::pair<const char *, FrameView>> views = {
      {"BGR", FrameView::packed(FrameView::Format::BGR, bgr)},
      {"RGB", FrameView::packed(FrameView::Format::RGB, rgb)},
      {"RGBA", FrameView::packed(FrameView::Format::RGBA, rgba)},
      {"BGRA", FrameView::packed(FrameView::Format::BGRA, bgra)},
      {"I420", FrameView::i420(y, u, v)},
      {"NV12", FrameView::nv12(y, uv)},
  };
  for (const auto &[name, view] : views) {
    const auto found = analyser->detect(view, true);
    g_test_message("%s: %zu face(s)", name, found.size());
    g_assert_cmpuint(found.size(), ==, 1);
    g_assert_cmpfloat(std::fabs(found[0].box.centre_x() - (300 + 268)), <, 12);
    g_assert_cmpfloat(std::fabs(found[0].box.centre_y() - (60 + 238)), <, 12);
    g_assert_cmpfloat(found[0].score, >, 0.7);
  }
  // Planes that do not match the format are refused, not read out of bounds.
  bool refused = false;
  try {
    analyser->analyse(FrameView::i420(y, u, cv::Mat()), 0);
  } catch (const std::invalid_argument &) {
    refused = true;
  }
  g_assert_true(refused);
  // Nothing in a face-free frame.
  cv::Mat noise(720, 1280, CV_8UC3);
  cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(255));
  g_assert_cmpuint(analyser->detect(FrameView::packed(FrameView::Format::BGR, noise), true).size(), ==, 0);
}

// A face too small for the frame-high tiles (in the eval's photos from
// ~40 px, this easy portrait from ~24 px) scores too low there; a tile
// around where it scored something finds it, for a pass or two more.
void test_small_face_looked_at_closer() {
  auto analyser = make_analyser();
  if (!analyser) return;
  AnalyserConfig without;
  without.max_zoom_tiles = 0;
  auto tiles_only = make_analyser(without);
  const double scale = 22.0 / kPortraitFace.width;
  cv::Mat small;
  cv::resize(portrait(), small, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::Mat frame = background(1, cv::Scalar(130, 140, 150));
  const cv::Point at(600, 380);
  small.copyTo(frame(cv::Rect(at, small.size())));
  const double truth_x = at.x + (kPortraitFace.x + kPortraitFace.width / 2.0) * scale;
  const double truth_y = at.y + (kPortraitFace.y + kPortraitFace.height / 2.0) * scale;
  const FrameView view = FrameView::packed(FrameView::Format::BGR, frame);

  g_assert_cmpuint(tiles_only->detect(view, true).size(), ==, 0);
  const size_t before = analyser->stats().forward_passes;
  const auto found = analyser->detect(view, true);
  g_assert_cmpuint(found.size(), ==, 1);
  g_assert_cmpfloat(std::fabs(found[0].box.centre_x() - truth_x), <, 8);
  g_assert_cmpfloat(std::fabs(found[0].box.centre_y() - truth_y), <, 8);
  g_assert_cmpfloat(found[0].box.width, >, 11);
  g_assert_cmpfloat(found[0].box.width, <, 44);
  // The whole frame, the two tiles, at most two tiles around candidates.
  g_assert_cmpuint(analyser->stats().forward_passes - before, >=, 4);
  g_assert_cmpuint(analyser->stats().forward_passes - before, <=, 5);
}

}  // namespace

// What a cached local result is keyed by: every analyser setting, the
// model and the version (a change to any is another engine).
void test_engine_identity() {
  // (Texts kept in variables: g_assert_cmpstr reads them after its statement.)
  const AnalyserConfig defaults;
  const std::string same = AnalyserConfig().fingerprint(), base = defaults.fingerprint();
  g_assert_cmpstr(same.c_str(), ==, base.c_str());
  AnalyserConfig other_threshold = defaults, more_zoom = defaults;
  other_threshold.tile_min_score += 0.05;
  more_zoom.max_zoom_tiles++;
  const std::string threshold_text = other_threshold.fingerprint(), zoom_text = more_zoom.fingerprint();
  g_assert_cmpstr(threshold_text.c_str(), !=, base.c_str());
  g_assert_cmpstr(zoom_text.c_str(), !=, base.c_str());
  // A retuned face check makes other faces: not the same engine either.
  AnalyserConfig other_face_check = defaults;
  other_face_check.tracker.max_appearance_distance += 0.1;
  const std::string face_check_text = other_face_check.fingerprint();
  g_assert_cmpstr(face_check_text.c_str(), !=, base.c_str());
  const std::string identity = idf::LocalEngine::result_identity();
  g_assert_nonnull(strstr(identity.c_str(), kFaceModelSha256));
  g_assert_nonnull(strstr(identity.c_str(), "gst-identify-face/"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/local/analyser/shot-cuts", test_shot_cuts);
  g_test_add_func("/local/analyser/appearance", test_appearance);
  g_test_add_func("/local/analyser/engine-identity", test_engine_identity);
  g_test_add_func("/local/analyser/faces-across-a-cut", test_faces_across_a_cut);
  g_test_add_func("/local/analyser/every-sample-at-once", test_every_sample_at_once);
  g_test_add_func("/local/analyser/frame-formats", test_frame_formats);
  g_test_add_func("/local/analyser/small-face-looked-at-closer", test_small_face_looked_at_closer);
  return g_test_run();
}
