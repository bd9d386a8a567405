// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/appearance.h"

#include <algorithm>
#include <cmath>

namespace idf::local {

namespace {

// A chromaticity difference of 0.01 (a slight change of skin tone) weighs
// as much as a mean grey difference of 0.1 deviations.
constexpr double kChromaWeight = 10.0;
// The face's distance is the 6th smallest of its 16 cells': another person
// changes nearly every cell, while up to 10 cells (the lower half of the
// face, or one side) may be hidden or turned away before it rises.
constexpr size_t kQuantileCell = 5;
// Pixels of the grey picture (24 a side): about 8 % of the face.
constexpr int kMaxShift = 2;

}  // namespace

namespace {

// The cells' distances with `b` shifted by (dx, dy) pixels of the grey
// picture (pixels shifted out of it are not compared).
std::vector<double> shifted_cell_distances(const Appearance &a, const Appearance &b, int dx, int dy) {
  constexpr int kCellSide = Appearance::kSide / Appearance::kCells;
  std::vector<double> cells;
  for (int row = 0; row < Appearance::kCells; row++)
    for (int column = 0; column < Appearance::kCells; column++) {
      double grey = 0;
      int compared = 0;
      for (int y = row * kCellSide; y < (row + 1) * kCellSide; y++) {
        const int by = y + dy;
        if (by < 0 || by >= Appearance::kSide) continue;
        for (int x = column * kCellSide; x < (column + 1) * kCellSide; x++) {
          const int bx = x + dx;
          if (bx < 0 || bx >= Appearance::kSide) continue;
          grey += std::fabs(a.grey[y * Appearance::kSide + x] - b.grey[by * Appearance::kSide + bx]);
          compared++;
        }
      }
      grey = compared ? grey / compared : 0;
      const size_t cell = static_cast<size_t>(row * Appearance::kCells + column);
      const double chroma = std::fabs(a.chroma[2 * cell] - b.chroma[2 * cell]) +
                            std::fabs(a.chroma[2 * cell + 1] - b.chroma[2 * cell + 1]);
      cells.push_back(grey + kChromaWeight * chroma);
    }
  return cells;
}

double quantile(std::vector<double> cells) {
  const size_t at = std::min(kQuantileCell, cells.size() - 1);
  std::nth_element(cells.begin(), cells.begin() + static_cast<long>(at), cells.end());
  return cells[at];
}

}  // namespace

// The detector's box moves a little around a face from one sample to the
// next: the pictures are compared as they line up best, shifted by up to
// kMaxShift pixels.
std::vector<double> appearance_cell_distances(const Appearance &a, const Appearance &b) {
  if (a.empty() || b.empty() || a.grey.size() != b.grey.size() || a.chroma.size() != b.chroma.size()) return {};
  std::vector<double> best;
  double best_distance = INFINITY;
  for (int dy = -kMaxShift; dy <= kMaxShift; dy++)
    for (int dx = -kMaxShift; dx <= kMaxShift; dx++) {
      std::vector<double> cells = shifted_cell_distances(a, b, dx, dy);
      const double distance = quantile(cells);
      if (distance < best_distance) {
        best_distance = distance;
        best = std::move(cells);
      }
    }
  return best;
}

double appearance_distance(const Appearance &a, const Appearance &b) {
  const std::vector<double> cells = appearance_cell_distances(a, b);
  return cells.empty() ? 0 : quantile(cells);
}

}  // namespace idf::local
