// SPDX-License-Identifier: LGPL-2.1-or-later
// BlazeFace's output decoding, without the model: anchors, boxes and
// keypoints, the letterbox mapping back to the frame, weighted NMS, tiles.
#include <glib.h>

#include <cmath>
#include <vector>

#include "local/blazeface_decoding.h"
#include "local/detection.h"
#include "local/geometry.h"

using namespace idf::local;

namespace {

void test_anchors() {
  const auto &anchors = blazeface_anchors();
  g_assert_cmpuint(anchors.size(), ==, 896);
  // 16x16 grid, 2 per cell, row-major: the first two share cell (0, 0).
  g_assert_cmpfloat_with_epsilon(anchors[0].x, 0.5 / 16, 1e-12);
  g_assert_cmpfloat_with_epsilon(anchors[0].y, 0.5 / 16, 1e-12);
  g_assert_cmpfloat_with_epsilon(anchors[1].x, 0.5 / 16, 1e-12);
  g_assert_cmpfloat_with_epsilon(anchors[2].x, 1.5 / 16, 1e-12);   // next column
  g_assert_cmpfloat_with_epsilon(anchors[32].y, 1.5 / 16, 1e-12);  // next row
  g_assert_cmpfloat_with_epsilon(anchors[511].x, 15.5 / 16, 1e-12);
  g_assert_cmpfloat_with_epsilon(anchors[511].y, 15.5 / 16, 1e-12);
  // Then the 8x8 grid with 6 per cell.
  for (size_t i = 512; i < 518; i++) {
    g_assert_cmpfloat_with_epsilon(anchors[i].x, 0.5 / 8, 1e-12);
    g_assert_cmpfloat_with_epsilon(anchors[i].y, 0.5 / 8, 1e-12);
  }
  g_assert_cmpfloat_with_epsilon(anchors[518].x, 1.5 / 8, 1e-12);
  g_assert_cmpfloat_with_epsilon(anchors[512 + 8 * 6].y, 1.5 / 8, 1e-12);
  g_assert_cmpfloat_with_epsilon(anchors[895].x, 7.5 / 8, 1e-12);
  g_assert_cmpfloat_with_epsilon(anchors[895].y, 7.5 / 8, 1e-12);
}

void test_score_is_clipped_sigmoid() {
  g_assert_cmpfloat_with_epsilon(blazeface_score(0.f), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(blazeface_score(2.f), 1.0 / (1.0 + std::exp(-2.0)), 1e-12);
  // Huge logits do not overflow into NaN or exactly 0/1 beyond the clip.
  g_assert_cmpfloat(blazeface_score(1e30f), >, 0.99);
  g_assert_cmpfloat(blazeface_score(-1e30f), <, 1e-40);
  g_assert_false(std::isnan(blazeface_score(-1e30f)));
  g_assert_false(std::isnan(blazeface_score(INFINITY)));
}

// Raw outputs with one confident anchor.
struct RawOutputs {
  std::vector<float> scores = std::vector<float>(kBlazeFaceAnchors, -20.f);
  std::vector<float> regressors = std::vector<float>(kBlazeFaceAnchors * kBlazeFaceValuesPerAnchor, 0.f);
  float *row(size_t anchor) { return &regressors[anchor * kBlazeFaceValuesPerAnchor]; }
};

void test_decode_box_and_keypoints() {
  RawOutputs raw;
  // Anchor 600: 8x8 grid, cell index (600 - 512) / 6 = 14 -> row 1, column 6.
  const size_t anchor = 600;
  raw.scores[anchor] = 3.f;
  float *r = raw.row(anchor);
  r[0] = 4;   // centre x offset, input pixels
  r[1] = -6;  // centre y offset
  r[2] = 40;  // width
  r[3] = 50;  // height
  r[4 + 2 * kMouthCentre] = 2;
  r[5 + 2 * kMouthCentre] = 15;
  const auto detections = decode_blazeface(raw.scores.data(), raw.regressors.data(), 0.5);
  g_assert_cmpuint(detections.size(), ==, 1);
  const Detection &d = detections[0];
  const double anchor_x = 6.5 / 8 * 256, anchor_y = 1.5 / 8 * 256;
  g_assert_cmpfloat_with_epsilon(d.box.centre_x(), anchor_x + 4, 1e-6);
  g_assert_cmpfloat_with_epsilon(d.box.centre_y(), anchor_y - 6, 1e-6);
  g_assert_cmpfloat_with_epsilon(d.box.width, 40, 1e-6);
  g_assert_cmpfloat_with_epsilon(d.box.height, 50, 1e-6);
  g_assert_cmpfloat_with_epsilon(d.keypoints[kMouthCentre].x, anchor_x + 2, 1e-6);
  g_assert_cmpfloat_with_epsilon(d.keypoints[kMouthCentre].y, anchor_y + 15, 1e-6);
  g_assert_cmpfloat_with_epsilon(d.score, blazeface_score(3.f), 1e-9);

  // Below the threshold: nothing.
  g_assert_cmpuint(decode_blazeface(raw.scores.data(), raw.regressors.data(), 0.99).size(), ==, 0);
}

void test_letterbox_maps_back_to_the_frame() {
  // A 1280x720 frame in a 256 input: 256x144 content, 56 px bars above and
  // below.
  const LetterboxMapping whole = LetterboxMapping::fit(0, 0, 1280, 720, 1.0);
  g_assert_cmpint(whole.content_width, ==, 256);
  g_assert_cmpint(whole.content_height, ==, 144);
  g_assert_cmpint(whole.pad_x, ==, 0);
  g_assert_cmpint(whole.pad_y, ==, 56);
  Detection in_input;
  in_input.box = {128 - 10, 56 + 72 - 10, 20, 20};  // centre of the content
  in_input.keypoints[kNoseTip] = {128, 128};
  const Detection in_frame = whole.to_frame(in_input);
  g_assert_cmpfloat_with_epsilon(in_frame.box.centre_x(), 640, 1e-6);
  g_assert_cmpfloat_with_epsilon(in_frame.box.centre_y(), 360, 1e-6);
  g_assert_cmpfloat_with_epsilon(in_frame.box.width, 100, 1e-6);
  g_assert_cmpfloat_with_epsilon(in_frame.keypoints[kNoseTip].x, 640, 1e-6);
  g_assert_cmpfloat_with_epsilon(in_frame.keypoints[kNoseTip].y, 360, 1e-6);

  // A tile at x = 560 of the same frame: 720x720 -> 256x256, no bars.
  const LetterboxMapping tile = LetterboxMapping::fit(560, 0, 720, 720, 1.0);
  g_assert_cmpint(tile.pad_x, ==, 0);
  const Detection from_tile = tile.to_frame(in_input);
  g_assert_cmpfloat_with_epsilon(from_tile.box.x, 560 + 118 * 720.0 / 256, 1e-6);

  // Anamorphic pixels (PAR 2:1, 640x720 shown as 1280x720): boxes come
  // back in stored pixels, half as wide.
  const LetterboxMapping anamorphic = LetterboxMapping::fit(0, 0, 640, 720, 2.0);
  g_assert_cmpint(anamorphic.content_width, ==, 256);
  g_assert_cmpint(anamorphic.content_height, ==, 144);
  const Detection stored = anamorphic.to_frame(in_input);
  g_assert_cmpfloat_with_epsilon(stored.box.centre_x(), 320, 1e-6);
  g_assert_cmpfloat_with_epsilon(stored.box.width, 50, 1e-6);
  g_assert_cmpfloat_with_epsilon(stored.box.height, 100, 1e-6);
}

Detection detection(double x, double y, double size, double score) {
  Detection d;
  d.box = {x, y, size, size};
  d.score = score;
  for (auto &k : d.keypoints) k = {x + size / 2, y + size / 2};
  return d;
}

void test_weighted_nms_merges_overlaps() {
  // Two overlapping detections of one face (IoU 0.68) and one elsewhere.
  const auto merged = weighted_non_max_suppression(
      {detection(100, 100, 50, 0.6), detection(110, 100, 50, 0.9), detection(400, 100, 40, 0.7)}, 0.3);
  g_assert_cmpuint(merged.size(), ==, 2);
  // Best first; its score is the best one; its box the score-weighted mean.
  g_assert_cmpfloat_with_epsilon(merged[0].score, 0.9, 1e-12);
  g_assert_cmpfloat_with_epsilon(merged[0].box.x, (100 * 0.6 + 110 * 0.9) / 1.5, 1e-9);
  g_assert_cmpfloat_with_epsilon(merged[0].box.width, 50, 1e-9);
  g_assert_cmpfloat_with_epsilon(merged[0].keypoints[kMouthCentre].x, (125 * 0.6 + 135 * 0.9) / 1.5, 1e-9);
  g_assert_cmpfloat_with_epsilon(merged[1].score, 0.7, 1e-12);
  g_assert_cmpfloat_with_epsilon(merged[1].box.x, 400, 1e-9);

  // Overlapping less than the threshold (IoU 1/7): kept apart.
  const auto apart = weighted_non_max_suppression({detection(0, 0, 40, 0.8), detection(30, 0, 40, 0.8)}, 0.3);
  g_assert_cmpuint(apart.size(), ==, 2);
  g_assert_cmpuint(weighted_non_max_suppression({}, 0.3).size(), ==, 0);
}

void test_candidates_to_zoom() {
  // Two low-score detections of one small face, merged into one; one on
  // a face already accepted; one too wide for a tile around it; two more
  // elsewhere.
  const std::vector<Detection> accepted = {detection(600, 100, 120, 0.9)};
  const std::vector<Detection> candidates = {detection(100, 100, 16, 0.4),  detection(102, 100, 16, 0.5),
                                             detection(640, 140, 30, 0.6),  detection(900, 300, 200, 0.55),
                                             detection(300, 400, 20, 0.35), detection(500, 600, 24, 0.45)};
  auto zoom = candidates_to_zoom(candidates, accepted, 0.3, 150, 10);
  g_assert_cmpuint(zoom.size(), ==, 3);
  // Best first: the merged one (score 0.5, box the weighted mean), 0.45,
  // then 0.35.
  g_assert_cmpfloat_with_epsilon(zoom[0].x, (100 * 0.4 + 102 * 0.5) / 0.9, 1e-9);
  g_assert_cmpfloat_with_epsilon(zoom[1].x, 500, 1e-9);
  g_assert_cmpfloat_with_epsilon(zoom[2].x, 300, 1e-9);
  // At most `limit`, the best ones.
  zoom = candidates_to_zoom(candidates, accepted, 0.3, 150, 1);
  g_assert_cmpuint(zoom.size(), ==, 1);
  g_assert_cmpfloat_with_epsilon(zoom[0].y, 100, 1e-9);
  g_assert_cmpuint(candidates_to_zoom(candidates, accepted, 0.3, 150, 0).size(), ==, 0);
  g_assert_cmpuint(candidates_to_zoom({}, accepted, 0.3, 150, 2).size(), ==, 0);
}

void test_square_tiles() {
  // 16:9: two tiles as high as the frame, at both edges, overlapping by
  // 2 * 720 - 1280 = 160 px (22 % of a tile).
  auto tiles = square_tiles(1280, 720, 1.0, 0.2);
  g_assert_cmpuint(tiles.size(), ==, 2);
  g_assert_cmpfloat(tiles[0].x, ==, 0);
  g_assert_cmpfloat(tiles[0].width, ==, 720);
  g_assert_cmpfloat(tiles[0].height, ==, 720);
  g_assert_cmpfloat(tiles[1].right(), ==, 1280);
  // 2.35:1 needs three for 20 % overlap.
  tiles = square_tiles(1692, 720, 1.0, 0.2);
  g_assert_cmpuint(tiles.size(), ==, 3);
  for (size_t i = 1; i < tiles.size(); i++) g_assert_cmpfloat(tiles[i - 1].right() - tiles[i].x, >=, 0.2 * 720 - 1e-9);
  // Portrait: tiles go down.
  tiles = square_tiles(720, 1280, 1.0, 0.2);
  g_assert_cmpuint(tiles.size(), ==, 2);
  g_assert_cmpfloat(tiles[1].bottom(), ==, 1280);
  // About square: no tiles.
  g_assert_cmpuint(square_tiles(640, 600, 1.0, 0.2).size(), ==, 0);
  // Anamorphic 1440x1080 shown as 1920x1080: square on screen.
  tiles = square_tiles(1440, 1080, 4.0 / 3.0, 0.2);
  g_assert_cmpuint(tiles.size(), ==, 2);
  g_assert_cmpfloat_with_epsilon(tiles[0].width, 810, 1e-9);
  g_assert_cmpfloat_with_epsilon(tiles[1].right(), 1440, 1e-9);
}

void test_frontality() {
  Detection frontal;
  frontal.keypoints[kRightEye] = {40, 40};
  frontal.keypoints[kLeftEye] = {60, 40};
  frontal.keypoints[kNoseTip] = {50, 50};
  frontal.keypoints[kMouthCentre] = {50, 60};
  frontal.keypoints[kRightEar] = {25, 45};
  frontal.keypoints[kLeftEar] = {75, 45};
  g_assert_cmpfloat_with_epsilon(frontality(frontal), 1.0, 1e-9);
  Detection turned = frontal;  // nose towards the left ear
  turned.keypoints[kNoseTip] = {64, 50};
  g_assert_cmpfloat(frontality(turned), <, 0.8);
  g_assert_cmpfloat(frontality(turned), >, 0.0);
  g_assert_cmpfloat(frontality(Detection{}), ==, 0.0);  // degenerate
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/local/blazeface/anchors", test_anchors);
  g_test_add_func("/local/blazeface/score", test_score_is_clipped_sigmoid);
  g_test_add_func("/local/blazeface/decode", test_decode_box_and_keypoints);
  g_test_add_func("/local/blazeface/letterbox", test_letterbox_maps_back_to_the_frame);
  g_test_add_func("/local/blazeface/weighted-nms", test_weighted_nms_merges_overlaps);
  g_test_add_func("/local/blazeface/square-tiles", test_square_tiles);
  g_test_add_func("/local/blazeface/candidates-to-zoom", test_candidates_to_zoom);
  g_test_add_func("/local/blazeface/frontality", test_frontality);
  return g_test_run();
}
