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
// Scales at which the second picture is read from its wide one: the
// detector's box around one face varies by up to a fifth between passes.
constexpr double kScales[] = {1.0, 0.9, 1.1, 0.8, 1.2};
constexpr double kMinCellDeviation = 16.0;
// A cell a third lighter or darker than the rest of the face (log 0.3)
// weighs as much as a grey pattern changed by one deviation.
constexpr double kLayoutWeight = 3.0;
// Grey levels added before the log: dark cells' noise is not a change.
constexpr float kLayoutFloor = 8.f;

}  // namespace

namespace {

// The cells' distances with `b` shifted by (dx, dy) pixels of the grey
// picture (pixels shifted out of it are not compared).
std::vector<double> shifted_cell_distances(const Appearance &a, const Appearance &b, const std::vector<float> &b_grey,
                                           const std::vector<double> &layout, int dx, int dy) {
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
          grey += std::fabs(a.grey[y * Appearance::kSide + x] - b_grey[by * Appearance::kSide + bx]);
          compared++;
        }
      }
      grey = compared ? grey / compared : 0;
      const size_t cell = static_cast<size_t>(row * Appearance::kCells + column);
      const double chroma = std::fabs(a.chroma[2 * cell] - b.chroma[2 * cell]) +
                            std::fabs(a.chroma[2 * cell + 1] - b.chroma[2 * cell + 1]);
      const double light = layout.empty() ? 0 : layout[cell];
      cells.push_back(grey + kChromaWeight * chroma + kLayoutWeight * light);
    }
  return cells;
}

// How much lighter or darker each cell of `b` is than in `a`, less what
// the light changed everywhere (the change most cells agree on: a brighter
// light, or something over part of the face, does not move it). Empty
// when either layout is unknown.
std::vector<double> layout_differences(const std::vector<float> &a, const std::vector<float> &b) {
  if (a.empty() || a.size() != b.size()) return {};
  std::vector<double> changes(a.size());
  for (size_t i = 0; i < a.size(); i++) changes[i] = static_cast<double>(b[i]) - a[i];
  // The change most cells agree on: of the cells' own changes, the one
  // that the kQuantileCell + 1 nearest cells are nearest to.
  double everywhere = 0, best_spread = INFINITY;
  std::vector<double> spreads(changes.size());
  for (double candidate : changes) {
    for (size_t i = 0; i < changes.size(); i++) spreads[i] = std::fabs(changes[i] - candidate);
    std::nth_element(spreads.begin(), spreads.begin() + static_cast<long>(kQuantileCell), spreads.end());
    if (spreads[kQuantileCell] < best_spread) {
      best_spread = spreads[kQuantileCell];
      everywhere = candidate;
    }
  }
  for (double &change : changes) change = std::fabs(change - everywhere);
  return changes;
}

// The kSide picture at the centre of `wide`, read `scale` times as large
// (a larger scale takes in more of the wide picture), normalised.
std::vector<float> window_at(const std::vector<float> &wide, double scale, std::vector<float> &layout) {
  constexpr int kSide = Appearance::kSide, kWide = Appearance::kWideSide;
  std::vector<float> window(kSide * kSide);
  for (int y = 0; y < kSide; y++) {
    const double v = std::clamp((y + 0.5 - kSide / 2.0) * scale + kWide / 2.0 - 0.5, 0.0, kWide - 1.0);
    const int y0 = std::min(static_cast<int>(v), kWide - 2);
    const double fy = v - y0;
    for (int x = 0; x < kSide; x++) {
      const double u = std::clamp((x + 0.5 - kSide / 2.0) * scale + kWide / 2.0 - 0.5, 0.0, kWide - 1.0);
      const int x0 = std::min(static_cast<int>(u), kWide - 2);
      const double fx = u - x0;
      const float *row = &wide[static_cast<size_t>(y0 * kWide + x0)];
      const double top = row[0] + fx * (row[1] - row[0]);
      const double bottom = row[kWide] + fx * (row[kWide + 1] - row[kWide]);
      window[static_cast<size_t>(y * kSide + x)] = static_cast<float>(top + fy * (bottom - top));
    }
  }
  normalise_cells(window, &layout);
  return window;
}

double quantile(std::vector<double> cells) {
  const size_t at = std::min(kQuantileCell, cells.size() - 1);
  std::nth_element(cells.begin(), cells.begin() + static_cast<long>(at), cells.end());
  return cells[at];
}

}  // namespace

void normalise_cells(std::vector<float> &grey, std::vector<float> *layout) {
  constexpr int kSide = Appearance::kSide, kCellSide = Appearance::kSide / Appearance::kCells;
  if (layout) {
    layout->assign(Appearance::kCells * Appearance::kCells, 0.f);
    for (int y = 0; y < kSide; y++)
      for (int x = 0; x < kSide; x++)
        (*layout)[static_cast<size_t>((y / kCellSide) * Appearance::kCells + x / kCellSide)] +=
            grey[static_cast<size_t>(y * kSide + x)] / (kCellSide * kCellSide);
    for (float &mean : *layout) mean = static_cast<float>(std::log(std::max(0.f, mean) + kLayoutFloor));
  }
  for (int row = 0; row < Appearance::kCells; row++)
    for (int column = 0; column < Appearance::kCells; column++) {
      double sum = 0, squares = 0;
      for (int y = row * kCellSide; y < (row + 1) * kCellSide; y++)
        for (int x = column * kCellSide; x < (column + 1) * kCellSide; x++) {
          const double value = grey[static_cast<size_t>(y * kSide + x)];
          sum += value;
          squares += value * value;
        }
      constexpr double kCount = kCellSide * kCellSide;
      const double mean = sum / kCount;
      const double spread = std::max(std::sqrt(std::max(0.0, squares / kCount - mean * mean)), kMinCellDeviation);
      for (int y = row * kCellSide; y < (row + 1) * kCellSide; y++)
        for (int x = column * kCellSide; x < (column + 1) * kCellSide; x++) {
          float &value = grey[static_cast<size_t>(y * kSide + x)];
          value = static_cast<float>((value - mean) / spread);
        }
    }
}

// The detector's box moves a little around a face from one sample to the
// next, and its size varies: the pictures are compared as they line up
// best, shifted by up to kMaxShift pixels, the second read at each of
// kScales where it has a wide picture.
std::vector<double> appearance_cell_distances(const Appearance &a, const Appearance &b) {
  if (a.empty() || b.empty() || a.grey.size() != b.grey.size() || a.chroma.size() != b.chroma.size()) return {};
  std::vector<double> best;
  double best_distance = INFINITY;
  const bool scaled = b.wide.size() == static_cast<size_t>(Appearance::kWideSide * Appearance::kWideSide);
  for (double scale : kScales) {
    if (scale != 1.0 && !scaled) continue;
    std::vector<float> b_layout = b.layout;
    const std::vector<float> b_grey = scale == 1.0 ? b.grey : window_at(b.wide, scale, b_layout);
    const std::vector<double> layout = layout_differences(a.layout, b_layout);
    for (int dy = -kMaxShift; dy <= kMaxShift; dy++)
      for (int dx = -kMaxShift; dx <= kMaxShift; dx++) {
        std::vector<double> cells = shifted_cell_distances(a, b, b_grey, layout, dx, dy);
        const double distance = quantile(cells);
        if (distance < best_distance) {
          best_distance = distance;
          best = std::move(cells);
        }
      }
  }
  return best;
}

double appearance_distance(const Appearance &a, const Appearance &b) {
  const std::vector<double> cells = appearance_cell_distances(a, b);
  return cells.empty() ? 0 : quantile(cells);
}

}  // namespace idf::local
