// FaceTracker on its own: the service's 1 s rule, id order, association.
#include <glib.h>

#include "local/face_tracker.h"

using idf::kNsPerMs;
using idf::kNsPerSecond;
using idf::local::Box;
using idf::local::FaceTracker;
using idf::local::TrackedFace;

namespace {

constexpr uint64_t kStep = 125 * kNsPerMs;  // 8 samples a second
const Box kLeft{100, 100, 80, 80};
const Box kRight{400, 120, 80, 80};

// Feeds samples every kStep from `from` to `to` (exclusive) with `boxes`.
void feed(FaceTracker &tracker, uint64_t from, uint64_t to, const std::vector<Box> &boxes) {
  for (uint64_t t = from; t < to; t += kStep) tracker.add_sample(t, boxes);
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

void test_ids_in_order_of_first_appearance() {
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
  g_assert_cmpuint(faces[1].start_ns, ==, kNsPerSecond - kStep / 2);
  g_assert_cmpuint(faces[2].start_ns, ==, faces[3].start_ns);
  for (size_t i = 0; i < faces.size(); i++) {
    const std::string expected_id = std::to_string(i);
    g_assert_cmpstr(faces[i].id.c_str(), ==, expected_id.c_str());
  }
  const uint64_t left_key = faces[1].track_key;
  g_assert_true(tracker.is_confirmed(left_key));
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
    tracker.add_sample(t, {box});
    box.x += 25;  // a fast pan: ~30% of the face per sample
    box.width += 1;
    box.height += 1;
  }
  g_assert_cmpuint(tracker.faces(3 * kNsPerSecond).size(), ==, 1);
}

void test_single_sample_detections_are_ignored() {
  FaceTracker tracker;
  feed(tracker, 0, kNsPerSecond, {});
  tracker.add_sample(kNsPerSecond, {kRight});  // a flash of a false positive
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
  const auto keys = tracker.add_sample(0, {inner, kLeft});
  g_assert_cmpuint(keys[0], ==, FaceTracker::kSuppressed);
  g_assert_cmpuint(keys[1], !=, FaceTracker::kSuppressed);
  tracker.add_sample(kStep, {kLeft, inner});
  g_assert_cmpuint(tracker.faces(kNsPerSecond).size(), ==, 1);
}

void test_flicker_within_gap_keeps_id() {
  FaceTracker tracker;
  // Seen in every third sample only: gaps of 0.25 s.
  for (int i = 0; i < 40; i++) tracker.add_sample(i * kStep, i % 3 == 0 ? std::vector<Box>{kLeft} : std::vector<Box>{});
  const auto faces = tracker.faces(40 * kStep);
  g_assert_cmpuint(faces.size(), ==, 1);
  g_assert_cmpuint(faces[0].samples, ==, 14);
}

void test_same_faces() {
  FaceTracker tracker;
  const Box left_moved{110, 104, 82, 82};
  g_assert_true(tracker.same_faces({}, {}));
  g_assert_true(tracker.same_faces({kLeft, kRight}, {kRight, left_moved}));
  g_assert_false(tracker.same_faces({kLeft}, {kLeft, kRight}));   // one appeared
  g_assert_false(tracker.same_faces({kLeft, kRight}, {kRight}));  // one left
  g_assert_false(tracker.same_faces({kLeft}, {kRight}));          // one replaced another
  // A duplicate of the same face does not count as another face.
  g_assert_true(tracker.same_faces({kLeft}, {kLeft, Box{110, 110, 60, 60}}));
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
  g_test_add_func("/local/tracker/id-order", test_ids_in_order_of_first_appearance);
  g_test_add_func("/local/tracker/different-places", test_faces_at_different_places_are_different);
  g_test_add_func("/local/tracker/moving-face", test_moving_face_is_followed);
  g_test_add_func("/local/tracker/single-sample-ignored", test_single_sample_detections_are_ignored);
  g_test_add_func("/local/tracker/duplicates", test_duplicate_detections_are_one_face);
  g_test_add_func("/local/tracker/flicker", test_flicker_within_gap_keeps_id);
  g_test_add_func("/local/tracker/same-faces", test_same_faces);
  g_test_add_func("/local/tracker/iou", test_iou);
  return g_test_run();
}
