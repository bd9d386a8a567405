// SPDX-License-Identifier: LGPL-2.1-or-later
// A face found in one picture by the detector: its box, score and keypoints.
#pragma once

#include <array>
#include <cstddef>

#include "local/appearance.h"
#include "local/geometry.h"

namespace idf::local {

// The keypoints BlazeFace gives, in its order.
enum Keypoint : size_t {
  kRightEye = 0,  // the person's right eye (on the left of a frontal face)
  kLeftEye = 1,
  kNoseTip = 2,
  kMouthCentre = 3,
  kRightEar = 4,  // ear tragion
  kLeftEar = 5,
  kKeypointCount = 6,
};

struct Detection {
  Box box;
  double score = 0;  // 0..1
  std::array<Point, kKeypointCount> keypoints{};
  // What the face looks like, once the analyser has read it from the frame
  // (empty until then, and in interpolated detections).
  Appearance appearance;
};

// How frontal the face is, 0..1 (1: the nose is midway between the ears
// and between the eyes), from the keypoints; rolling the head does not
// change it. 0 when the keypoints are degenerate.
double frontality(const Detection &detection);

}  // namespace idf::local
