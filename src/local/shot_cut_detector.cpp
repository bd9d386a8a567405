// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/shot_cut_detector.h"

#include <algorithm>
#include <array>
#include <opencv2/imgproc.hpp>
#include <utility>

namespace idf::local {

ShotCutDetector::ShotCutDetector(ShotCutConfig config) : config_(config) {}

// Soft binning: each channel value is shared between its two nearest bin
// centres (trilinear over the three channels), so that a small change of
// brightness moves a little weight instead of whole pixels across a bin
// edge.
ShotCutDetector::Histograms ShotCutDetector::histograms(const cv::Mat &picture) {
  CV_Assert(picture.type() == CV_8UC3);
  constexpr double kBinWidth = 256.0 / kBins;
  // Lower bin and the upper bin's weight of each channel value.
  static const auto table = [] {
    std::array<std::pair<int, float>, 256> made{};
    for (int value = 0; value < 256; value++) {
      const double position = std::clamp((value + 0.5) / kBinWidth - 0.5, 0.0, kBins - 1.0);
      const int lower = std::min(static_cast<int>(position), kBins - 2);
      made[value] = {lower, static_cast<float>(position - lower)};
    }
    return made;
  }();
  Histograms result;
  result.whole.assign(kBins * kBins * kBins, 0.f);
  for (auto &region : result.regions) region.assign(kBins * kBins * kBins, 0.f);
  std::array<int, kRegions * kRegions> counts{};
  for (int y = 0; y < picture.rows; y++) {
    const uchar *row = picture.ptr<uchar>(y);
    const int region_row = std::min(kRegions - 1, y * kRegions / picture.rows);
    for (int x = 0; x < picture.cols; x++) {
      const uchar *pixel = row + 3 * x;
      const int region = region_row * kRegions + std::min(kRegions - 1, x * kRegions / picture.cols);
      counts[region]++;
      const auto [a, wa] = table[pixel[0]];
      const auto [b, wb] = table[pixel[1]];
      const auto [c, wc] = table[pixel[2]];
      Histogram &local = result.regions[region];
      for (int i = 0; i < 2; i++) {
        const float fa = i ? wa : 1 - wa;
        for (int j = 0; j < 2; j++) {
          const float fab = fa * (j ? wb : 1 - wb);
          const int base = ((a + i) * kBins + (b + j)) * kBins + c;
          local[base] += fab * (1 - wc);
          local[base + 1] += fab * wc;
        }
      }
    }
  }
  double total = 0;
  for (int r = 0; r < kRegions * kRegions; r++) total += counts[r];
  for (int r = 0; r < kRegions * kRegions; r++) {
    for (size_t bin = 0; bin < result.whole.size(); bin++) result.whole[bin] += result.regions[r][bin];
    if (counts[r] > 0)
      for (float &value : result.regions[r]) value /= counts[r];
  }
  if (total > 0)
    for (float &value : result.whole) value = static_cast<float>(value / total);
  cv::Mat grey;
  cv::cvtColor(picture, grey, cv::COLOR_RGB2GRAY);  // for BGR the weights swap: no matter here
  grey.convertTo(result.grey, CV_16S);
  return result;
}

double ShotCutDetector::distance(const Histogram &a, const Histogram &b) {
  double common = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); i++) common += std::min(a[i], b[i]);
  return std::clamp(1.0 - common, 0.0, 1.0);
}

bool ShotCutDetector::next(const cv::Mat &picture) {
  Histograms current = histograms(picture);
  bool cut = false;
  last_distance_ = 0;
  last_changed_regions_ = last_changed_pixel_regions_ = 0;
  if (previous_ && previous_->grey.size() == current.grey.size()) {
    last_distance_ = distance(previous_->whole, current.whole);
    cv::Mat difference = cv::abs(current.grey - previous_->grey);
    for (int r = 0; r < kRegions * kRegions; r++) {
      if (distance(previous_->regions[r], current.regions[r]) > config_.min_region_distance) last_changed_regions_++;
      const int row = r / kRegions, column = r % kRegions;
      const cv::Rect region(column * difference.cols / kRegions, row * difference.rows / kRegions,
                            (column + 1) * difference.cols / kRegions - column * difference.cols / kRegions,
                            (row + 1) * difference.rows / kRegions - row * difference.rows / kRegions);
      if (region.area() > 0 && cv::mean(difference(region))[0] > config_.min_pixel_change)
        last_changed_pixel_regions_++;
    }
    cut = last_distance_ >= config_.cut_distance ||
          (last_distance_ >= config_.min_whole_distance && last_changed_regions_ >= config_.min_changed_regions) ||
          (last_changed_pixel_regions_ >= config_.reframed_pixel_regions &&
           last_distance_ >= config_.reframed_whole_distance &&
           last_changed_regions_ >= config_.reframed_changed_regions);
  }
  previous_ = std::move(current);
  return cut;
}

}  // namespace idf::local
