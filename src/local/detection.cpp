// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/detection.h"

#include <cmath>

namespace idf::local {

namespace {

double distance(const Point &a, const Point &b) {
  return std::hypot(a.x - b.x, a.y - b.y);
}

// 1 when `middle` is as far from `a` as from `b`, towards 0 as it nears one.
double balance(const Point &middle, const Point &a, const Point &b) {
  const double to_a = distance(middle, a), to_b = distance(middle, b);
  if (to_a + to_b <= 0) return 0;
  return 1.0 - std::fabs(to_a - to_b) / (to_a + to_b);
}

}  // namespace

double frontality(const Detection &detection) {
  const auto &k = detection.keypoints;
  return (balance(k[kNoseTip], k[kRightEar], k[kLeftEar]) + balance(k[kNoseTip], k[kRightEye], k[kLeftEye])) / 2;
}

}  // namespace idf::local
