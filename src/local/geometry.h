// SPDX-License-Identifier: LGPL-2.1-or-later
// Rectangles and points shared by the detector, the tracker and the
// analyser. Units are up to the user (pixels of some picture, or 0..1).
#pragma once

#include <vector>

namespace idf::local {

struct Point {
  double x = 0, y = 0;
};

// An axis-aligned rectangle: top-left corner and size.
struct Box {
  double x = 0, y = 0, width = 0, height = 0;
  double area() const { return width * height; }
  double centre_x() const { return x + width / 2; }
  double centre_y() const { return y + height / 2; }
  double right() const { return x + width; }
  double bottom() const { return y + height; }
};

double intersection_area(const Box &a, const Box &b);
double intersection_over_union(const Box &a, const Box &b);

// Square tiles covering a `width` x `height` picture along its longer side:
// each as high (or wide) as the picture's shorter side, neighbours
// overlapping by at least `min_overlap` of a tile, spread evenly, the first
// and last at the picture's edges. `pixel_aspect` (a pixel's display width
// over its height) makes them square on screen. Empty when the picture is
// about square (less than 15 % longer than wide): one tile would be the
// whole picture.
std::vector<Box> square_tiles(double width, double height, double pixel_aspect, double min_overlap);

}  // namespace idf::local
