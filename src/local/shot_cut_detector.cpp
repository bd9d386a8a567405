// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/shot_cut_detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <opencv2/imgproc.hpp>
#include <utility>

namespace idf::local {

ShotCutDetector::ShotCutDetector(ShotCutConfig config) : config_(config) {}

namespace {

// Below this deviation (grey levels) a region has no shapes to compare.
constexpr double kFlatDeviation = 2.5;

// Whether two grey regions show the same shapes, whatever their
// brightness and contrast: 1 yes, 0 no, -1 flat in both (nothing to tell).
int correlated(const cv::Mat &a, const cv::Mat &b, double min_correlation) {
  CV_Assert(a.type() == CV_16S && b.type() == CV_16S && a.size() == b.size());
  double sum_a = 0, sum_b = 0, squares_a = 0, squares_b = 0, products = 0;
  for (int y = 0; y < a.rows; y++) {
    const int16_t *row_a = a.ptr<int16_t>(y), *row_b = b.ptr<int16_t>(y);
    for (int x = 0; x < a.cols; x++) {
      const double va = row_a[x], vb = row_b[x];
      sum_a += va;
      sum_b += vb;
      squares_a += va * va;
      squares_b += vb * vb;
      products += va * vb;
    }
  }
  const double count = static_cast<double>(a.total());
  if (count <= 0) return -1;
  const double mean_a = sum_a / count, mean_b = sum_b / count;
  const double variance_a = std::max(0.0, squares_a / count - mean_a * mean_a);
  const double variance_b = std::max(0.0, squares_b / count - mean_b * mean_b);
  const bool flat_a = variance_a < kFlatDeviation * kFlatDeviation,
             flat_b = variance_b < kFlatDeviation * kFlatDeviation;
  if (flat_a || flat_b) return flat_a && flat_b ? -1 : 0;
  const double covariance = products / count - mean_a * mean_b;
  return covariance / std::sqrt(variance_a * variance_b) >= min_correlation ? 1 : 0;
}

}  // namespace

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
  last_changed_regions_ = last_changed_pixel_regions_ = last_correlated_regions_ = 0;
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
      if (region.area() > 0 &&
          correlated(previous_->grey(region), current.grey(region), config_.relit_correlation) == 1)
        last_correlated_regions_++;
    }
    cut = last_distance_ >= config_.cut_distance ||
          (last_distance_ >= config_.min_whole_distance && last_changed_regions_ >= config_.min_changed_regions) ||
          (last_changed_pixel_regions_ >= config_.reframed_pixel_regions &&
           last_distance_ >= config_.reframed_whole_distance &&
           last_changed_regions_ >= config_.reframed_changed_regions);
    if (config_.relit_regions > 0 && last_correlated_regions_ >= config_.relit_regions) cut = false;
  }
  previous_ = std::move(current);
  return cut;
}

}  // namespace idf::local
