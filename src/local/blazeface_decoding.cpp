// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/blazeface_decoding.h"

#include <algorithm>
#include <cmath>

namespace idf::local {

namespace {

// MediaPipe's score_clipping_thresh for BlazeFace.
constexpr double kLogitClip = 100.0;

void add_grid(std::vector<Anchor> &anchors, int cells, int per_cell) {
  for (int row = 0; row < cells; row++)
    for (int column = 0; column < cells; column++)
      for (int i = 0; i < per_cell; i++) anchors.push_back({(column + 0.5) / cells, (row + 0.5) / cells});
}

}  // namespace

const std::vector<Anchor> &blazeface_anchors() {
  static const std::vector<Anchor> anchors = [] {
    std::vector<Anchor> made;
    made.reserve(kBlazeFaceAnchors);
    add_grid(made, 16, 2);
    add_grid(made, 8, 6);
    return made;
  }();
  return anchors;
}

double blazeface_score(float logit) {
  const double clipped = std::clamp(static_cast<double>(logit), -kLogitClip, kLogitClip);
  return 1.0 / (1.0 + std::exp(-clipped));
}

std::vector<Detection> decode_blazeface(const float *scores, const float *regressors, double min_score) {
  const std::vector<Anchor> &anchors = blazeface_anchors();
  const double side = kBlazeFaceInputSize;
  std::vector<Detection> detections;
  for (size_t i = 0; i < kBlazeFaceAnchors; i++) {
    const double score = blazeface_score(scores[i]);
    if (score < min_score) continue;
    const float *raw = regressors + i * kBlazeFaceValuesPerAnchor;
    // Offsets and sizes are in input pixels; anchors have unit size.
    const double centre_x = anchors[i].x * side + raw[0];
    const double centre_y = anchors[i].y * side + raw[1];
    Detection detection;
    detection.box = {centre_x - raw[2] / 2.0, centre_y - raw[3] / 2.0, raw[2], raw[3]};
    detection.score = score;
    for (size_t k = 0; k < kKeypointCount; k++)
      detection.keypoints[k] = {anchors[i].x * side + raw[4 + 2 * k], anchors[i].y * side + raw[5 + 2 * k]};
    if (detection.box.width > 0 && detection.box.height > 0) detections.push_back(detection);
  }
  return detections;
}

LetterboxMapping LetterboxMapping::fit(double region_x, double region_y, double width, double height,
                                       double pixel_aspect, int side) {
  LetterboxMapping mapping;
  mapping.region_x = region_x;
  mapping.region_y = region_y;
  if (pixel_aspect <= 0) pixel_aspect = 1.0;
  width = std::max(width, 1.0);
  height = std::max(height, 1.0);
  const double display_width = width * pixel_aspect;
  const double scale = side / std::max(display_width, height);
  mapping.content_width = std::clamp(static_cast<int>(std::lround(display_width * scale)), 1, side);
  mapping.content_height = std::clamp(static_cast<int>(std::lround(height * scale)), 1, side);
  mapping.pad_x = (side - mapping.content_width) / 2;
  mapping.pad_y = (side - mapping.content_height) / 2;
  mapping.scale_x = mapping.content_width / width;
  mapping.scale_y = mapping.content_height / height;
  return mapping;
}

Detection LetterboxMapping::to_frame(const Detection &in_input) const {
  auto x = [&](double input_x) { return region_x + (input_x - pad_x) / scale_x; };
  auto y = [&](double input_y) { return region_y + (input_y - pad_y) / scale_y; };
  Detection out = in_input;
  out.box = {x(in_input.box.x), y(in_input.box.y), in_input.box.width / scale_x, in_input.box.height / scale_y};
  for (size_t k = 0; k < kKeypointCount; k++)
    out.keypoints[k] = {x(in_input.keypoints[k].x), y(in_input.keypoints[k].y)};
  return out;
}

std::vector<Detection> weighted_non_max_suppression(std::vector<Detection> detections, double min_iou) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection &a, const Detection &b) { return a.score > b.score; });
  std::vector<Detection> merged;
  std::vector<Detection> remaining = std::move(detections);
  while (!remaining.empty()) {
    const Detection best = remaining.front();
    std::vector<Detection> rest;
    double total = 0, left = 0, top = 0, right = 0, bottom = 0;
    std::array<Point, kKeypointCount> keypoints{};
    for (const Detection &candidate : remaining) {
      // The best one overlaps itself fully, so it is always part of the mean.
      if (intersection_over_union(best.box, candidate.box) > min_iou || &candidate == &remaining.front()) {
        const double weight = candidate.score;
        total += weight;
        left += weight * candidate.box.x;
        top += weight * candidate.box.y;
        right += weight * candidate.box.right();
        bottom += weight * candidate.box.bottom();
        for (size_t k = 0; k < kKeypointCount; k++) {
          keypoints[k].x += weight * candidate.keypoints[k].x;
          keypoints[k].y += weight * candidate.keypoints[k].y;
        }
      } else {
        rest.push_back(candidate);
      }
    }
    Detection result = best;
    if (total > 0) {
      result.box = {left / total, top / total, (right - left) / total, (bottom - top) / total};
      for (size_t k = 0; k < kKeypointCount; k++)
        result.keypoints[k] = {keypoints[k].x / total, keypoints[k].y / total};
    }
    merged.push_back(result);
    remaining = std::move(rest);
  }
  return merged;
}

std::vector<Box> candidates_to_zoom(std::vector<Detection> candidates, const std::vector<Detection> &accepted,
                                    double min_iou, double max_width, size_t limit) {
  std::vector<Box> zoom;
  for (const Detection &candidate : weighted_non_max_suppression(std::move(candidates), min_iou)) {
    if (zoom.size() >= limit) break;
    if (candidate.box.width > max_width) continue;
    const bool covered = std::any_of(accepted.begin(), accepted.end(), [&](const Detection &face) {
      return intersection_area(face.box, candidate.box) >= 0.5 * candidate.box.area();
    });
    if (!covered) zoom.push_back(candidate.box);
  }
  return zoom;
}

}  // namespace idf::local
