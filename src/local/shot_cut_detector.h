// SPDX-License-Identifier: LGPL-2.1-or-later
// Hard cuts between consecutive samples, from small copies of the frames: a
// cut changes the picture everywhere, a moving face or an object entering
// only in some places. Colour histograms (of the whole picture and of 3x3
// regions) do not mind motion; where the colours stay alike (another
// framing of the same place), the pixels changing in every region tell.
// A change of light changes colours everywhere too, but not the shapes: where
// the grey picture still correlates with the previous one in nearly every
// region, the shot goes on, lit otherwise.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <optional>
#include <vector>

namespace idf::local {

struct ShotCutConfig {
  // Histogram distance (1 - intersection, 0..1) of the whole picture from
  // which two samples belong to different shots...
  double cut_distance = 0.55;
  // ...or from which they may, if also this many of the picture's 3x3
  // regions changed by more than `min_region_distance` (an object entering
  // or leaving changes some regions, a cut nearly all).
  double min_whole_distance = 0.3;
  int min_changed_regions = 7;
  double min_region_distance = 0.35;
  // ...or, when the pixels of nearly every region changed (this many
  // regions, mean absolute difference over `min_pixel_change` of 255),
  // from this whole distance and this many regions' histograms changed.
  int reframed_pixel_regions = 8;
  double min_pixel_change = 25;
  double reframed_whole_distance = 0.2;
  int reframed_changed_regions = 5;
  // Not a cut, whatever the colours say, when this many regions' grey
  // pictures still correlate (zero-mean normalised cross-correlation) by
  // at least `relit_correlation`: the same shapes at the same places, lit
  // otherwise. A region flat in both does not count: two framings of a
  // plain wall have nothing to correlate (0 regions turns this off).
  int relit_regions = 8;
  double relit_correlation = 0.8;
};

class ShotCutDetector {
 public:
  explicit ShotCutDetector(ShotCutConfig config = {});

  // Takes the next sample (a small RGB or BGR picture, CV_8UC3) and says
  // whether a cut lies between it and the previous one.
  bool next(const cv::Mat &picture);
  // Distance of the whole pictures at the latest next(), and how many
  // regions changed, for diagnostics.
  double last_distance() const { return last_distance_; }
  int last_changed_regions() const { return last_changed_regions_; }
  int last_changed_pixel_regions() const { return last_changed_pixel_regions_; }
  int last_correlated_regions() const { return last_correlated_regions_; }
  void reset() { previous_.reset(); }

  static constexpr int kRegions = 3;
  static constexpr int kBins = 8;        // per channel
  using Histogram = std::vector<float>;  // kBins^3, normalised to sum 1
  struct Histograms {
    Histogram whole;
    std::array<Histogram, kRegions * kRegions> regions;
    cv::Mat grey;  // the picture in grey levels (CV_16S)
  };
  static Histograms histograms(const cv::Mat &picture);
  static double distance(const Histogram &a, const Histogram &b);

 private:
  ShotCutConfig config_;
  std::optional<Histograms> previous_;
  double last_distance_ = 0;
  int last_changed_regions_ = 0;
  int last_changed_pixel_regions_ = 0;
  int last_correlated_regions_ = 0;
};

}  // namespace idf::local
