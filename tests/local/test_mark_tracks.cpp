// SPDX-License-Identifier: LGPL-2.1-or-later
// MarkTracks on its own: the tracks the analytics meta carries per buffer
// (first and last seen, carried while unseen, lost once when ended).
#include <glib.h>

#include <set>

#include "local/mark_tracks.h"

using idf::local::MarkTrack;
using idf::local::MarkTracks;

namespace {

const MarkTracks::EndedFn kNeverEnded = [](const std::string &) { return false; };

const MarkTrack *track_of(const std::vector<MarkTrack> &tracks, uint64_t id) {
  for (const auto &t : tracks)
    if (t.id == id) return &t;
  return nullptr;
}

void test_first_and_last_seen() {
  MarkTracks tracks;
  auto a = tracks.update(100, {"0"}, kNeverEnded);
  g_assert_cmpuint(a.size(), ==, 1);
  g_assert_cmpuint(a[0].id, ==, 0);
  g_assert_cmpuint(a[0].first_seen, ==, 100);
  g_assert_cmpuint(a[0].last_seen, ==, 100);
  g_assert_false(a[0].lost);
  g_assert_true(a[0].mark.has_value() && *a[0].mark == 0);
  auto b = tracks.update(200, {"3", "0"}, kNeverEnded);
  g_assert_cmpuint(b.size(), ==, 2);
  // Visible ones in mark order, each pointing at its mark.
  g_assert_cmpuint(b[0].id, ==, 3);
  g_assert_cmpuint(*b[0].mark, ==, 0);
  g_assert_cmpuint(b[0].first_seen, ==, 200);
  g_assert_cmpuint(b[1].id, ==, 0);
  g_assert_cmpuint(*b[1].mark, ==, 1);
  g_assert_cmpuint(b[1].first_seen, ==, 100);
  g_assert_cmpuint(b[1].last_seen, ==, 200);
}

// Unseen but not ended: carried with its last seen time and no mark; it
// comes back under its id with its first seen time.
void test_unseen_face_is_carried() {
  MarkTracks tracks;
  tracks.update(100, {"1"}, kNeverEnded);
  std::set<std::string> asked;
  auto gap = tracks.update(200, {}, [&](const std::string &id) {
    asked.insert(id);
    return false;
  });
  g_assert_true(asked == std::set<std::string>{"1"});
  g_assert_cmpuint(gap.size(), ==, 1);
  g_assert_false(gap[0].mark.has_value());
  g_assert_false(gap[0].lost);
  g_assert_cmpuint(gap[0].last_seen, ==, 100);
  auto back = tracks.update(300, {"1"}, kNeverEnded);
  g_assert_cmpuint(back.size(), ==, 1);
  g_assert_cmpuint(back[0].first_seen, ==, 100);
  g_assert_cmpuint(back[0].last_seen, ==, 300);
}

// Ended: carried once more, lost, then never again; a visible face is never
// asked about.
void test_ended_face_is_lost_once() {
  MarkTracks tracks;
  tracks.update(100, {"0", "1"}, kNeverEnded);
  auto ended = [](const std::string &id) {
    g_assert_cmpstr(id.c_str(), ==, "0");
    return true;
  };
  auto a = tracks.update(200, {"1"}, ended);
  g_assert_cmpuint(a.size(), ==, 2);
  const MarkTrack *lost = track_of(a, 0);
  g_assert_nonnull(lost);
  g_assert_true(lost->lost);
  g_assert_false(lost->mark.has_value());
  g_assert_cmpuint(lost->last_seen, ==, 100);
  auto b = tracks.update(300, {"1"}, ended);
  g_assert_cmpuint(b.size(), ==, 1);
  g_assert_null(track_of(b, 0));
  g_assert_false(tracks.empty());
  tracks.update(400, {}, [](const std::string &) { return true; });
  g_assert_true(tracks.empty());
}

void test_numeric_ids() {
  g_assert_true(idf::local::numeric_face_id("0") == 0u);
  g_assert_true(idf::local::numeric_face_id("42") == 42u);
  g_assert_false(idf::local::numeric_face_id("").has_value());
  g_assert_false(idf::local::numeric_face_id("a1").has_value());
  g_assert_false(idf::local::numeric_face_id("-1").has_value());
  g_assert_false(idf::local::numeric_face_id("99999999999999999999").has_value());
  MarkTracks tracks;
  auto a = tracks.update(1, {"face", "2"}, kNeverEnded);
  g_assert_cmpuint(a.size(), ==, 1);
  g_assert_cmpuint(a[0].id, ==, 2);
  g_assert_cmpuint(*a[0].mark, ==, 1);
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/local/mark-tracks/first-and-last-seen", test_first_and_last_seen);
  g_test_add_func("/local/mark-tracks/unseen-carried", test_unseen_face_is_carried);
  g_test_add_func("/local/mark-tracks/ended-lost-once", test_ended_face_is_lost_once);
  g_test_add_func("/local/mark-tracks/numeric-ids", test_numeric_ids);
  return g_test_run();
}
