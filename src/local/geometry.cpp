// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/geometry.h"

#include <algorithm>
#include <cmath>

namespace idf::local {

double intersection_area(const Box &a, const Box &b) {
  const double width = std::min(a.right(), b.right()) - std::max(a.x, b.x);
  const double height = std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y);
  return (width > 0 && height > 0) ? width * height : 0.0;
}

double intersection_over_union(const Box &a, const Box &b) {
  const double intersection = intersection_area(a, b);
  if (intersection <= 0) return 0.0;
  const double united = a.area() + b.area() - intersection;
  return united > 0 ? intersection / united : 0.0;
}

std::vector<Box> square_tiles(double width, double height, double pixel_aspect, double min_overlap) {
  std::vector<Box> tiles;
  if (pixel_aspect <= 0) pixel_aspect = 1;
  const double display_width = width * pixel_aspect;
  const bool landscape = display_width >= height;
  const double longer = landscape ? display_width : height, shorter = landscape ? height : display_width;
  if (shorter <= 0 || longer < 1.15 * shorter) return tiles;
  // n tiles of side s over a length L overlap by (n s - L) / (n - 1).
  const double step_limit = shorter * (1.0 - min_overlap);
  const int count = 1 + static_cast<int>(std::ceil((longer - shorter) / step_limit - 1e-9));
  const double step = (longer - shorter) / (count - 1);
  for (int i = 0; i < count; i++) {
    if (landscape)
      tiles.push_back({i * step / pixel_aspect, 0, shorter / pixel_aspect, height});
    else
      tiles.push_back({0, i * step, width, shorter});
  }
  return tiles;
}

}  // namespace idf::local
