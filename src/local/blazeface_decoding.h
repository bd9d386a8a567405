// SPDX-License-Identifier: LGPL-2.1-or-later
// Decoding of MediaPipe's BlazeFace "back camera" model (256x256 input):
// its anchors, the conversion of its raw outputs to face detections, the
// mapping from a letterboxed model input back to the frame, and MediaPipe's
// weighted non-maximum suppression. Pure C++ without OpenCV, so that it can
// be tested without the model.
#pragma once

#include <cstddef>
#include <vector>

#include "local/detection.h"

namespace idf::local {

// The model's input side, in pixels.
constexpr int kBlazeFaceInputSize = 256;
// Rows of its two output heads: a 16x16 grid with 2 anchors per cell, then
// an 8x8 grid with 6.
constexpr size_t kBlazeFaceRows16 = 16 * 16 * 2;
constexpr size_t kBlazeFaceRows8 = 8 * 8 * 6;
constexpr size_t kBlazeFaceAnchors = kBlazeFaceRows16 + kBlazeFaceRows8;
// Regressor values per anchor: box centre offset (2), size (2), then 6
// keypoints (2 each).
constexpr size_t kBlazeFaceValuesPerAnchor = 16;

// An anchor centre in units of the input side (0..1).
struct Anchor {
  double x = 0, y = 0;
};

// The 896 anchors, in the order of the joined outputs (16x16 grid first,
// row-major, 2 per cell; then the 8x8 grid with 6 per cell).
const std::vector<Anchor> &blazeface_anchors();

// Logistic function of a raw score, with the logit clipped first (as
// MediaPipe does) so that extreme values cannot overflow.
double blazeface_score(float logit);

// Converts the raw outputs to detections in input pixels. `scores` holds
// kBlazeFaceAnchors logits and `regressors` kBlazeFaceAnchors x 16 values,
// both with the 512 rows of the 16x16 grid first. Only anchors whose score
// reaches `min_score` are kept. No suppression is done here.
std::vector<Detection> decode_blazeface(const float *scores, const float *regressors, double min_score);

// Where a region of the frame goes in the model input: cropped at
// (region_x, region_y) frame pixels, scaled to content_width x
// content_height input pixels (aspect kept, on screen: `pixel_aspect` is a
// pixel's display width over its height) and centred, black bars around.
struct LetterboxMapping {
  double region_x = 0, region_y = 0;
  int content_width = 0, content_height = 0;
  int pad_x = 0, pad_y = 0;
  double scale_x = 1, scale_y = 1;  // input pixels per frame pixel

  // For a region of `width` x `height` frame pixels in a `side` x `side`
  // input.
  static LetterboxMapping fit(double region_x, double region_y, double width, double height, double pixel_aspect,
                              int side = kBlazeFaceInputSize);

  Detection to_frame(const Detection &in_input) const;
};

// MediaPipe's weighted non-maximum suppression: the best remaining
// detection and every other one overlapping it by more than `min_iou` are
// merged into one, whose box and keypoints are their score-weighted mean and
// whose score is the best one. Output ordered by descending score.
std::vector<Detection> weighted_non_max_suppression(std::vector<Detection> detections, double min_iou);

// Where to look again, closer: a face too small for the region it was in
// reaches the model a few pixels wide and scores low. `candidates` (scores
// below the acceptance threshold) are merged (weighted NMS at `min_iou`);
// those at most `max_width` wide that no `accepted` detection covers (half
// of the candidate inside it) are returned, best score first, at most
// `limit` of them.
std::vector<Box> candidates_to_zoom(std::vector<Detection> candidates, const std::vector<Detection> &accepted,
                                    double min_iou, double max_width, size_t limit);

}  // namespace idf::local
