// SPDX-License-Identifier: LGPL-2.1-or-later
// FaceTracker on its own: the service's 1 s rule, ids given on
// confirmation, motion, shot cuts, a face replaced by another person at its
// place (appearances made up here, no model), marks between samples.
#include <glib.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "local/face_tracker.h"

using idf::kNsPerMs;
using idf::kNsPerSecond;
using idf::local::Appearance;
using idf::local::Box;
using idf::local::Detection;
using idf::local::FaceTracker;
using idf::local::TrackedFace;
using idf::local::TrackerConfig;

namespace {

constexpr uint64_t kStep = 125 * kNsPerMs;  // 8 samples a second
const Box kLeft{100, 100, 80, 80};
const Box kRight{400, 120, 80, 80};

std::vector<Detection> detections(const std::vector<Box> &boxes, double score = 0.9) {
  std::vector<Detection> result;
  for (const Box &box : boxes) {
    Detection d;
    d.box = box;
    d.score = score;
    result.push_back(d);
  }
  return result;
}

// Feeds samples every kStep from `from` to `to` (exclusive) with `boxes`.
void feed(FaceTracker &tracker, uint64_t from, uint64_t to, const std::vector<Box> &boxes) {
  for (uint64_t t = from; t < to; t += kStep) tracker.add_sample(t, detections(boxes));
}

void test_gap_up_to_one_second_continues() {
  FaceTracker tracker;
  feed(tracker, 0, 2 * kNsPerSecond, {kLeft});
  // Last seen at 1.875 s; unseen for exactly 1 s, back at 2.875 s.
  feed(tracker, 2 * kNsPerSecond, 2875 * kNsPerMs, {});
  feed(tracker, 2875 * kNsPerMs, 4 * kNsPerSecond, {kLeft});
  const auto faces = tracker.faces(4 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpstr(faces[0].id.c_str(), ==, "0");
  g_assert_cmpuint(faces[0].start_ns, ==, 0);
  g_assert_cmpuint(faces[0].end_ns, ==, 4 * kNsPerSecond);
}

void test_longer_gap_gives_new_id() {
  FaceTracker tracker;
  feed(tracker, 0, 2 * kNsPerSecond, {kLeft});
  // Last seen at 1.875 s, back at 3 s: 1.125 s unseen.
  feed(tracker, 2 * kNsPerSecond, 3 * kNsPerSecond, {});
  feed(tracker, 3 * kNsPerSecond, 4 * kNsPerSecond, {kLeft});
  const auto faces = tracker.faces(4 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 2);
  g_assert_cmpstr(faces[0].id.c_str(), ==, "0");
  g_assert_cmpstr(faces[1].id.c_str(), ==, "1");
  // Boundaries half way between the last sample with and the first without.
  g_assert_cmpuint(faces[0].end_ns, ==, 1875 * kNsPerMs + kStep / 2);
  g_assert_cmpuint(faces[1].start_ns, ==, 3 * kNsPerSecond - kStep / 2);
  g_assert_cmpuint(faces[1].end_ns, ==, 4 * kNsPerSecond);
}

void test_ids_in_order_of_confirmation() {
  FaceTracker tracker;
  // Right appears first, left later; then both at once in a second round.
  feed(tracker, 0, kNsPerSecond, {kRight});
  feed(tracker, kNsPerSecond, 2 * kNsPerSecond, {kRight, kLeft});
  feed(tracker, 2 * kNsPerSecond, 4 * kNsPerSecond, {});
  feed(tracker, 4 * kNsPerSecond, 5 * kNsPerSecond, {kRight, kLeft});
  const auto faces = tracker.faces(5 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 4);
  // 0: right from 0 s; 1: left from 1 s; 2 and 3 appear together at 4 s,
  // numbered left to right.
  g_assert_cmpuint(faces[0].start_ns, ==, 0);
  g_assert_cmpfloat(faces[0].largest.box.x, ==, kRight.x);
  g_assert_cmpuint(faces[1].start_ns, ==, kNsPerSecond - kStep / 2);
  g_assert_cmpuint(faces[2].start_ns, ==, faces[3].start_ns);
  g_assert_cmpfloat(faces[2].largest.box.x, ==, kLeft.x);
  g_assert_cmpfloat(faces[3].largest.box.x, ==, kRight.x);
  for (size_t i = 0; i < faces.size(); i++) {
    const std::string expected_id = std::to_string(i);
    g_assert_cmpstr(faces[i].id.c_str(), ==, expected_id.c_str());
  }
}

void test_id_is_known_at_confirmation_and_kept() {
  FaceTracker tracker;
  // A face seen once, then 0.75 s later again (so confirmed late), while
  // another appears in between and is confirmed first: ids follow
  // confirmation, and the id given at confirmation is the final one.
  const auto first = tracker.add_sample(0, detections({kLeft}));
  g_assert_false(tracker.face_id(first[0]).has_value());
  feed(tracker, kStep, 6 * kStep, {});
  const auto right_keys = tracker.add_sample(6 * kStep, detections({kRight}));
  const auto both = tracker.add_sample(7 * kStep, detections({kRight}));
  g_assert_true(tracker.face_id(both[0]) == std::optional<std::string>("0"));
  const auto left_back = tracker.add_sample(8 * kStep, detections({kRight, kLeft}));
  g_assert_cmpuint(left_back[1], ==, first[0]);  // the same track, within 1 s
  g_assert_true(tracker.face_id(first[0]) == std::optional<std::string>("1"));
  g_assert_cmpuint(right_keys[0], ==, both[0]);
  const auto faces = tracker.faces(kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 2);
  g_assert_cmpstr(faces[0].id.c_str(), ==, "0");
  g_assert_cmpuint(faces[0].track_key, ==, both[0]);
  g_assert_cmpstr(faces[1].id.c_str(), ==, "1");
  g_assert_cmpuint(faces[1].start_ns, ==, 0);  // still from its first sample
}

void test_faces_at_different_places_are_different() {
  FaceTracker tracker;
  feed(tracker, 0, kNsPerSecond, {kLeft, kRight});
  const auto faces = tracker.faces(kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 2);
  g_assert_cmpuint(faces[0].samples, ==, 8);
  g_assert_cmpuint(faces[1].samples, ==, 8);
}

void test_moving_face_is_followed() {
  FaceTracker tracker;
  Box box = kLeft;
  for (uint64_t t = 0; t < 3 * kNsPerSecond; t += kStep) {
    tracker.add_sample(t, detections({box}));
    box.x += 25;  // a fast pan: ~30% of the face per sample
    box.width += 1;
    box.height += 1;
  }
  g_assert_cmpuint(tracker.faces(3 * kNsPerSecond).size(), ==, 1);
}

// Steps of a face speeding up to 60 px a sample (75 % of its size: without
// a prediction the boxes of two samples barely touch).
const double kSpeedUp[] = {20, 40, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60};

void test_motion_prediction_bridges_sparse_samples() {
  // A second face comes to where the first one started: each keeps its id.
  FaceTracker tracker;
  Box mover{0, 300, 80, 80};
  for (int i = 0; i < 16; i++) {
    std::vector<Box> boxes = {mover};
    if (i >= 4) boxes.push_back({0, 300, 80, 80});
    tracker.add_sample(i * kStep, detections(boxes));
    if (i < 15) mover.x += kSpeedUp[i];
  }
  auto faces = tracker.faces(2 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 2);
  g_assert_cmpuint(faces[0].samples, ==, 16);
  g_assert_cmpuint(faces[1].samples, ==, 12);

  // The same motion then a sudden stop: the prediction overshoots, the
  // last place holds the face.
  FaceTracker stopping;
  Box box{0, 0, 80, 80};
  for (int i = 0; i < 8; i++) {
    stopping.add_sample(i * kStep, detections({box}));
    box.x += kSpeedUp[i];
  }
  box.x -= kSpeedUp[7];
  feed(stopping, 8 * kStep, 16 * kStep, {box});
  faces = stopping.faces(2 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpuint(faces[0].samples, ==, 16);

  // Without a prediction (a fresh track) such a jump is another face.
  FaceTracker jump;
  jump.add_sample(0, detections({{0, 0, 80, 80}}));
  jump.add_sample(kStep, detections({{60, 0, 80, 80}}));
  g_assert_cmpuint(jump.faces(kNsPerSecond).size(), ==, 0);
}

void test_single_sample_detections_are_ignored() {
  FaceTracker tracker;
  feed(tracker, 0, kNsPerSecond, {});
  tracker.add_sample(kNsPerSecond, detections({kRight}));  // a flash of a false positive
  feed(tracker, kNsPerSecond + kStep, 3 * kNsPerSecond, {kLeft});
  const auto faces = tracker.faces(3 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpstr(faces[0].id.c_str(), ==, "0");  // the flash took no id
  g_assert_cmpuint(faces[0].start_ns, ==, kNsPerSecond + kStep / 2);
  // Its key is released once it cannot continue any more.
  g_assert_cmpuint(tracker.take_discarded().size(), ==, 1);
  g_assert_cmpuint(tracker.take_discarded().size(), ==, 0);
}

void test_duplicate_detections_are_one_face() {
  FaceTracker tracker;
  const Box inner{110, 110, 60, 60};  // the same face found at two scales
  const auto keys = tracker.add_sample(0, detections({inner, kLeft}));
  g_assert_cmpuint(keys[0], ==, FaceTracker::kSuppressed);
  g_assert_cmpuint(keys[1], !=, FaceTracker::kSuppressed);
  tracker.add_sample(kStep, detections({kLeft, inner}));
  g_assert_cmpuint(tracker.faces(kNsPerSecond).size(), ==, 1);
}

void test_flicker_within_gap_keeps_id() {
  FaceTracker tracker;
  // Seen in every third sample only: gaps of 0.25 s.
  for (int i = 0; i < 40; i++)
    tracker.add_sample(i * kStep, detections(i % 3 == 0 ? std::vector<Box>{kLeft} : std::vector<Box>{}));
  const auto faces = tracker.faces(40 * kStep);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpuint(faces[0].samples, ==, 14);
}

void test_cut_ends_every_face() {
  FaceTracker tracker;
  feed(tracker, 0, 2 * kNsPerSecond, {kLeft, kRight});
  // A cut before the sample at 2 s; another person where the left one was,
  // and the right one's place empty.
  tracker.cut(2 * kNsPerSecond);
  feed(tracker, 2 * kNsPerSecond, 4 * kNsPerSecond, {kLeft});
  const auto faces = tracker.faces(4 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 3);
  // Both first faces end half way to the cut's sample; the new one starts there.
  const uint64_t boundary = 2 * kNsPerSecond - kStep / 2;
  g_assert_cmpuint(faces[0].end_ns, ==, boundary);
  g_assert_cmpuint(faces[1].end_ns, ==, boundary);
  g_assert_cmpstr(faces[2].id.c_str(), ==, "2");
  g_assert_cmpuint(faces[2].start_ns, ==, boundary);
  g_assert_cmpuint(faces[2].end_ns, ==, 4 * kNsPerSecond);
  // A single sample before a cut does not become a face.
  FaceTracker brief;
  feed(brief, 0, kNsPerSecond, {});
  brief.add_sample(kNsPerSecond, detections({kLeft}));
  brief.cut(kNsPerSecond + kStep);
  brief.add_sample(kNsPerSecond + kStep, detections({kLeft}));
  g_assert_cmpuint(brief.faces(2 * kNsPerSecond).size(), ==, 0);
  g_assert_cmpuint(brief.take_discarded().size(), ==, 1);
}

// A made-up appearance: person `who`'s own grey pattern and colouring,
// blended by `towards` (0..1) into person `other`'s.
Appearance look(unsigned who, double towards = 0, unsigned other = 0) {
  auto pattern = [](unsigned person) {
    std::vector<float> grey(Appearance::kSide * Appearance::kSide);
    uint32_t state = 2654435761u * (person + 1);
    for (float &value : grey) {
      state = state * 1664525u + 1013904223u;
      value = static_cast<float>((state >> 8) / 16777216.0 * 3.4 - 1.7);  // about unit deviation
    }
    return grey;
  };
  const std::vector<float> mine = pattern(who), theirs = pattern(other);
  Appearance appearance;
  for (size_t i = 0; i < mine.size(); i++)
    appearance.grey.push_back(static_cast<float>(mine[i] * (1 - towards) + theirs[i] * towards));
  const double red = (0.38 + 0.03 * who) * (1 - towards) + (0.38 + 0.03 * other) * towards;
  for (int cell = 0; cell < Appearance::kCells * Appearance::kCells; cell++) {
    appearance.chroma.push_back(static_cast<float>(red));
    appearance.chroma.push_back(0.33f);
  }
  return appearance;
}

// Faces large enough to be compared by their looks.
const Box kBigLeft{100, 100, 140, 140};
const Box kBigRight{400, 120, 140, 140};

Detection looking(const Box &box, const Appearance &appearance) {
  Detection detection = detections({box})[0];
  detection.appearance = appearance;
  return detection;
}

void test_appearance_distance() {
  g_assert_cmpfloat(idf::local::appearance_distance(look(1), look(1)), ==, 0);
  // Unknown looks are never told apart.
  g_assert_cmpfloat(idf::local::appearance_distance(look(1), Appearance()), ==, 0);
  const double default_limit = idf::local::TrackerConfig().max_appearance_distance;
  g_assert_cmpfloat(idf::local::appearance_distance(look(1), look(2)), >, default_limit);
  g_assert_cmpfloat(idf::local::appearance_distance(look(1), look(1, 0.05, 2)), <, default_limit);
  // A part of the face hidden (its lower half another pattern) is still it.
  Appearance covered = look(1);
  const Appearance cover = look(7);
  std::copy(cover.grey.begin() + covered.grey.size() / 2, cover.grey.end(),
            covered.grey.begin() + covered.grey.size() / 2);
  g_assert_cmpfloat(idf::local::appearance_distance(look(1), covered), <, default_limit);
}

// Two people at the same place one after the other, no cut found between
// them: the first face ends where the second person appears, and only it
// (the face beside it goes on).
void test_face_change_ends_that_face_only() {
  FaceTracker tracker;
  for (uint64_t t = 0; t < 4 * kNsPerSecond; t += kStep)
    tracker.add_sample(t, {looking(kBigLeft, look(t < 2 * kNsPerSecond ? 1 : 2)), looking(kBigRight, look(3))});
  const auto faces = tracker.faces(4 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 3);
  const uint64_t boundary = 2 * kNsPerSecond - kStep / 2;
  g_assert_cmpstr(faces[0].id.c_str(), ==, "0");
  g_assert_cmpuint(faces[0].start_ns, ==, 0);
  g_assert_cmpuint(faces[0].end_ns, ==, boundary);
  g_assert_cmpfloat(faces[0].largest.box.x, ==, kBigLeft.x);
  g_assert_cmpstr(faces[1].id.c_str(), ==, "1");
  g_assert_cmpfloat(faces[1].largest.box.x, ==, kBigRight.x);
  g_assert_cmpuint(faces[1].start_ns, ==, 0);
  g_assert_cmpuint(faces[1].end_ns, ==, 4 * kNsPerSecond);
  g_assert_cmpstr(faces[2].id.c_str(), ==, "2");
  g_assert_cmpuint(faces[2].start_ns, ==, boundary);
  g_assert_cmpuint(faces[2].end_ns, ==, 4 * kNsPerSecond);
  g_assert_cmpuint(faces[0].samples + faces[2].samples, ==, 32);

  // The same, seen only at key samples: they disagree, so the samples
  // between them get looked at.
  FaceTracker keys;
  keys.add_sample(0, {looking(kBigLeft, look(1))});
  keys.add_sample(kNsPerSecond, {looking(kBigLeft, look(1))});
  g_assert_true(keys.same_faces(2 * kNsPerSecond, {looking(kBigLeft, look(1, 0.05, 4))}));
  g_assert_false(keys.same_faces(2 * kNsPerSecond, {looking(kBigLeft, look(2))}));
  // A person replaced after a short gap (under 1 s) is another face too.
  FaceTracker gap;
  for (uint64_t t = 0; t < kNsPerSecond; t += kStep) gap.add_sample(t, {looking(kBigLeft, look(1))});
  for (uint64_t t = kNsPerSecond; t < 1500 * kNsPerMs; t += kStep) gap.add_sample(t, {});
  for (uint64_t t = 1500 * kNsPerMs; t < 3 * kNsPerSecond; t += kStep) gap.add_sample(t, {looking(kBigLeft, look(2))});
  g_assert_cmpuint(gap.faces(3 * kNsPerSecond).size(), ==, 2);
  // Faces too small to be told apart by their looks are followed by place.
  FaceTracker small;
  for (uint64_t t = 0; t < 2 * kNsPerSecond; t += kStep)
    small.add_sample(t, {looking(kLeft, look(t < kNsPerSecond ? 1 : 2))});
  g_assert_cmpuint(small.faces(2 * kNsPerSecond).size(), ==, 1);
}

// One person whose looks change a little at each sample (a head turning,
// the light changing, a hand passing over part of the face) is one face.
void test_same_face_changing_slowly_is_kept() {
  FaceTracker tracker;
  for (int i = 0; i < 32; i++) {
    Appearance appearance = look(1, i / 32.0, 5);
    if (i >= 10 && i < 14) {  // half an second with the lower half hidden
      const Appearance hand = look(9);
      std::copy(hand.grey.begin() + appearance.grey.size() / 2, hand.grey.end(),
                appearance.grey.begin() + appearance.grey.size() / 2);
    }
    tracker.add_sample(i * kStep, {looking(kBigLeft, appearance)});
  }
  // Back after 0.5 s unseen, looking as before.
  for (int i = 32; i < 36; i++) tracker.add_sample(i * kStep, {});
  for (int i = 36; i < 48; i++) tracker.add_sample(i * kStep, {looking(kBigLeft, look(5))});
  const auto faces = tracker.faces(48 * kStep);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpuint(faces[0].samples, ==, 44);
}

// Something sliding over a face (a board passing in front of it): each
// sample hides one more column of its cells, until the face is lost for
// 0.375 s; it comes back uncovered. Its looks uncovered are far from how
// it looked last (three quarters hidden), but match how it looked before:
// one face, since the track keeps its latest appearances. With only the
// latest one kept, the same samples split it.
void test_face_uncovered_after_occlusion_is_kept() {
  auto run = [](size_t kept) {
    TrackerConfig config;
    config.kept_appearances = kept;
    FaceTracker tracker(config);
    int i = 0;
    for (; i < 8; i++) tracker.add_sample(i * kStep, {looking(kBigLeft, look(1))});
    const Appearance board = look(8);
    for (int columns = 1; columns <= 3; columns++, i++) {
      Appearance covered = look(1);
      constexpr int kCellSide = Appearance::kSide / Appearance::kCells;
      for (int y = 0; y < Appearance::kSide; y++)
        for (int x = 0; x < columns * kCellSide; x++)
          covered.grey[y * Appearance::kSide + x] = board.grey[y * Appearance::kSide + x];
      tracker.add_sample(i * kStep, {looking(kBigLeft, covered)});
    }
    for (int gap = 0; gap < 3; gap++, i++) tracker.add_sample(i * kStep, {});
    for (int end = i + 8; i < end; i++) tracker.add_sample(i * kStep, {looking(kBigLeft, look(1))});
    return tracker.faces(i * kStep);
  };
  const Appearance hidden_three_quarters = [] {
    Appearance covered = look(1);
    const Appearance board = look(8);
    for (int y = 0; y < Appearance::kSide; y++)
      for (int x = 0; x < 3 * Appearance::kSide / 4; x++)
        covered.grey[y * Appearance::kSide + x] = board.grey[y * Appearance::kSide + x];
    return covered;
  }();
  g_assert_cmpfloat(idf::local::appearance_distance(hidden_three_quarters, look(1)), >,
                    TrackerConfig().max_appearance_distance);
  const auto faces = run(TrackerConfig().kept_appearances);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpuint(faces[0].samples, ==, 19);
  g_assert_cmpuint(run(1).size(), ==, 2);
}

// A hand over three quarters of a face for three samples, all at once: the
// detections there do not look like it, but its own looks come back before
// another face there is confirmed (half a second): one face, which did
// not take the hidden samples. Confirming the other face after two samples
// splits it.
void test_face_hidden_for_a_moment_is_kept() {
  auto run = [](unsigned replacement_samples) {
    TrackerConfig config;
    config.min_replacement_samples = replacement_samples;
    FaceTracker tracker(config);
    Appearance hidden = look(1);
    const Appearance hand = look(8);
    std::copy(hand.grey.begin() + hidden.grey.size() / 4, hand.grey.end(),
              hidden.grey.begin() + hidden.grey.size() / 4);
    int i = 0;
    for (; i < 8; i++) tracker.add_sample(i * kStep, {looking(kBigLeft, look(1))});
    for (int end = i + 3; i < end; i++) tracker.add_sample(i * kStep, {looking(kBigLeft, hidden)});
    for (int end = i + 8; i < end; i++) tracker.add_sample(i * kStep, {looking(kBigLeft, look(1))});
    return tracker.faces(i * kStep);
  };
  const auto faces = run(TrackerConfig().min_replacement_samples);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpuint(faces[0].samples, ==, 16);
  g_assert_cmpuint(faces[0].start_ns, ==, 0);
  g_assert_cmpuint(faces[0].end_ns, ==, 19 * kStep);
  g_assert_cmpuint(run(2).size(), >, 1);
}

void test_same_faces_and_unmatched() {
  FaceTracker tracker;
  g_assert_true(tracker.same_faces(0, {}));
  feed(tracker, 0, 2 * kStep, {kLeft, kRight});
  const Box left_moved{110, 104, 82, 82};
  const uint64_t next = kNsPerSecond;
  g_assert_true(tracker.same_faces(next, detections({kRight, left_moved})));
  g_assert_false(tracker.same_faces(next, detections({kLeft})));                              // one left
  g_assert_false(tracker.same_faces(next, detections({kLeft, kRight, {700, 100, 80, 80}})));  // one came
  g_assert_false(tracker.same_faces(next, detections({kLeft, {700, 120, 80, 80}})));          // one replaced another
  // A duplicate of the same face does not count as another face.
  g_assert_true(tracker.same_faces(next, detections({kLeft, kRight, {110, 110, 60, 60}})));

  // The right face is about to be lost: its predicted box.
  const auto lost = tracker.unmatched(next, detections({kLeft}));
  g_assert_cmpuint(lost.size(), ==, 1);
  g_assert_cmpfloat_with_epsilon(lost[0].x, kRight.x, 1e-9);
  g_assert_cmpuint(tracker.unmatched(next, detections({kLeft, kRight})).size(), ==, 0);
}

void test_marks_between_samples() {
  FaceTracker tracker;
  // Seen at 0 and 1 s (key samples), moving right by 40 px; unseen in the
  // sample at 1.5 s, back at 1.875 s (a gap under 1 s: the same face).
  tracker.add_sample(0, detections({{0, 0, 80, 80}}));
  tracker.add_sample(kNsPerSecond, detections({{40, 0, 80, 80}}));
  tracker.add_sample(1500 * kNsPerMs, {});
  tracker.add_sample(1875 * kNsPerMs, detections({{40, 0, 80, 80}}));
  tracker.add_sample(2 * kNsPerSecond, detections({{40, 0, 80, 80}}));

  auto marks = tracker.marks_at(250 * kNsPerMs);
  g_assert_cmpuint(marks.size(), ==, 1);
  g_assert_cmpstr(marks[0].id.c_str(), ==, "0");
  g_assert_true(marks[0].interpolated);
  g_assert_cmpfloat_with_epsilon(marks[0].detection.box.x, 10, 1e-9);
  marks = tracker.marks_at(kNsPerSecond);
  g_assert_cmpuint(marks.size(), ==, 1);
  g_assert_false(marks[0].interpolated);
  // Up to half way to the sample without it; not during the gap.
  g_assert_cmpuint(tracker.marks_at(1200 * kNsPerMs).size(), ==, 1);
  g_assert_cmpuint(tracker.marks_at(1300 * kNsPerMs).size(), ==, 0);
  g_assert_cmpuint(tracker.marks_at(1600 * kNsPerMs).size(), ==, 0);
  // Back from half way between 1.5 s and 1.875 s, with the same id.
  marks = tracker.marks_at(1700 * kNsPerMs);
  g_assert_cmpuint(marks.size(), ==, 1);
  g_assert_cmpstr(marks[0].id.c_str(), ==, "0");
  // Not past the latest sample.
  g_assert_cmpuint(tracker.marks_at(2100 * kNsPerMs).size(), ==, 0);
  // Forgetting the past keeps what later times need.
  tracker.forget_before(1800 * kNsPerMs);
  g_assert_cmpuint(tracker.marks_at(1900 * kNsPerMs).size(), ==, 1);
  const auto faces = tracker.faces(3 * kNsPerSecond);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpuint(faces[0].start_ns, ==, 0);
  g_assert_cmpuint(faces[0].end_ns, ==, 3 * kNsPerSecond);
}

void test_iou() {
  g_assert_cmpfloat_with_epsilon(idf::local::intersection_over_union(kLeft, kLeft), 1.0, 1e-9);
  g_assert_cmpfloat(idf::local::intersection_over_union(kLeft, kRight), ==, 0.0);
  const Box half{140, 100, 80, 80};
  g_assert_cmpfloat_with_epsilon(idf::local::intersection_over_union(kLeft, half), 1.0 / 3.0, 1e-9);
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/local/tracker/gap-up-to-1s-continues", test_gap_up_to_one_second_continues);
  g_test_add_func("/local/tracker/longer-gap-new-id", test_longer_gap_gives_new_id);
  g_test_add_func("/local/tracker/id-order", test_ids_in_order_of_confirmation);
  g_test_add_func("/local/tracker/id-at-confirmation", test_id_is_known_at_confirmation_and_kept);
  g_test_add_func("/local/tracker/different-places", test_faces_at_different_places_are_different);
  g_test_add_func("/local/tracker/moving-face", test_moving_face_is_followed);
  g_test_add_func("/local/tracker/motion-prediction", test_motion_prediction_bridges_sparse_samples);
  g_test_add_func("/local/tracker/single-sample-ignored", test_single_sample_detections_are_ignored);
  g_test_add_func("/local/tracker/duplicates", test_duplicate_detections_are_one_face);
  g_test_add_func("/local/tracker/flicker", test_flicker_within_gap_keeps_id);
  g_test_add_func("/local/tracker/cut", test_cut_ends_every_face);
  g_test_add_func("/local/tracker/same-faces", test_same_faces_and_unmatched);
  g_test_add_func("/local/tracker/marks", test_marks_between_samples);
  g_test_add_func("/local/tracker/appearance-distance", test_appearance_distance);
  g_test_add_func("/local/tracker/face-change-new-id", test_face_change_ends_that_face_only);
  g_test_add_func("/local/tracker/same-face-changing-slowly", test_same_face_changing_slowly_is_kept);
  g_test_add_func("/local/tracker/uncovered-face-kept", test_face_uncovered_after_occlusion_is_kept);
  g_test_add_func("/local/tracker/hidden-for-a-moment", test_face_hidden_for_a_moment_is_kept);
  g_test_add_func("/local/tracker/iou", test_iou);
  return g_test_run();
}
