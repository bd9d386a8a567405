// SPDX-License-Identifier: LGPL-2.1-or-later
// What a face looks like, in a form the tracker compares without OpenCV: a
// small grey picture of the face, turned upright on its eyes and scaled to
// its box, with the mean colour of each of its cells. Tracking by place
// alone carries a face into the next person framed at the same spot when a
// cut is missed; comparing looks tells them apart.
//
// The comparison is per cell of a 4x4 grid, and the face's distance is a
// low quantile of its cells': another person changes most of the face,
// while a hand or an object passing in front of it (or a turn of the head)
// changes only some cells. Grey levels are normalised in each cell (zero
// mean, unit deviation), so that brighter or dimmer light changes nothing;
// the cells' mean grey levels (their logs, compared less the change common
// to most cells) keep the face's layout of light and dark (hair, a beard),
// whatever the light's brightness; colours are
// chromaticities (r and g over r+g+b), which a change of
// brightness does not move either, taken relative to the face's mean, so
// that a coloured light (tinting every cell alike) does not move them much.
// The detector's box around one face varies in size from one pass to the
// next (the whole frame, a tile): a wider grey picture around the face lets
// the comparison read it at a few scales and take the one that fits best.
#pragma once

#include <cstddef>
#include <vector>

namespace idf::local {

struct Appearance {
  static constexpr int kSide = 24;      // grey picture, pixels a side
  static constexpr int kCells = 4;      // cells a side
  static constexpr int kWideSide = 32;  // the grey picture with a margin, at the same scale
  std::vector<float> grey;              // kSide * kSide, normalised in each cell; empty: unknown
  std::vector<float> chroma;            // kCells * kCells * 2: each cell's r and g chromaticity less the face's
  std::vector<float> wide;              // kWideSide * kWideSide grey levels, not normalised; empty: one scale only
  std::vector<float> layout;            // kCells * kCells: the log of each cell's mean grey (light and dark)

  bool empty() const { return grey.empty(); }
};

// Normalises a kSide * kSide grey picture cell by cell (zero mean, unit
// deviation; a cell flatter than a deviation of 16 grey levels is divided
// by 16, so that its noise does not read as shapes), and gives the cells'
// layout (the log of each cell's mean grey): where the face is darker or
// lighter (hair, a beard, the eyes), which that normalisation takes out.
void normalise_cells(std::vector<float> &grey, std::vector<float> *layout = nullptr);

// How unlike two appearances look: about 0.1-0.3 for one face between
// samples, more for two people (see docs/performance.md for the numbers);
// 0 when either is unknown.
double appearance_distance(const Appearance &a, const Appearance &b);

// The distance of each cell, in row order (for diagnostics and tests).
std::vector<double> appearance_cell_distances(const Appearance &a, const Appearance &b);

}  // namespace idf::local
