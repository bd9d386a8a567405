// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/face_appearance.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace idf::local {

namespace {

// The region read around the box (room to turn it upright), and its size
// once read: the box then covers about kSide * 1.5 pixels, smoothed by
// the shrinking (the wide picture reaches a sixth of the box beyond it).
constexpr double kReadMargin = 0.5;
constexpr int kReadSide = 2 * Appearance::kSide;
// Of the grey picture, in its pixels (a 24th of the face).
constexpr double kSmoothing = 1.5;

}  // namespace

Appearance describe_appearance(const FrameView &frame, const Detection &detection) {
  Appearance appearance;
  const Box &box = detection.box;
  const double side = std::max(box.width, box.height);
  if (side <= 1 || frame.width <= 0 || frame.height <= 0) return appearance;
  const double centre_x = box.centre_x(), centre_y = box.centre_y();
  const double read_side = side * (1 + 2 * kReadMargin);
  const cv::Rect wanted(static_cast<int>(std::floor(centre_x - read_side / 2)),
                        static_cast<int>(std::floor(centre_y - read_side / 2)), static_cast<int>(std::ceil(read_side)),
                        static_cast<int>(std::ceil(read_side)));
  const cv::Rect inside = wanted & cv::Rect(0, 0, frame.width, frame.height);
  if (inside.width < 2 || inside.height < 2) return appearance;
  // Read at a scale where the wanted square is kReadSide pixels a side.
  const double scale = static_cast<double>(kReadSide) / wanted.width;
  const cv::Size read_size(std::max(1, static_cast<int>(std::lround(inside.width * scale))),
                           std::max(1, static_cast<int>(std::lround(inside.height * scale))));
  const cv::Mat read = region_to_rgb(frame, inside, read_size);
  if (read.empty()) return appearance;
  const double scale_x = static_cast<double>(read.cols) / inside.width;
  const double scale_y = static_cast<double>(read.rows) / inside.height;

  // Upright on the eyes: the right eye (image left) to the left eye.
  const Point &right_eye = detection.keypoints[kRightEye], &left_eye = detection.keypoints[kLeftEye];
  double roll = 0;
  if (std::hypot(left_eye.x - right_eye.x, left_eye.y - right_eye.y) > 0.1 * side)
    roll = std::atan2(left_eye.y - right_eye.y, left_eye.x - right_eye.x) * 180 / CV_PI;
  const cv::Point2f centre(static_cast<float>((centre_x - inside.x) * scale_x),
                           static_cast<float>((centre_y - inside.y) * scale_y));
  // The wide picture: the box covers its central kSide pixels.
  constexpr int kWide = Appearance::kWideSide, kInset = (Appearance::kWideSide - Appearance::kSide) / 2;
  cv::Mat transform = cv::getRotationMatrix2D(centre, roll, Appearance::kSide / (side * scale_x));
  transform.at<double>(0, 2) += kWide / 2.0 - centre.x;
  transform.at<double>(1, 2) += kWide / 2.0 - centre.y;
  cv::Mat wide;
  cv::warpAffine(read, wide, transform, cv::Size(kWide, kWide), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  const cv::Mat face = wide(cv::Rect(kInset, kInset, Appearance::kSide, Appearance::kSide));

  cv::Mat grey;
  cv::cvtColor(wide, grey, cv::COLOR_RGB2GRAY);
  grey.convertTo(grey, CV_32F);
  // Smoothed: the same face found by another pass lines up a pixel or two
  // differently (its box a tenth larger, a little off), which sharp edges
  // (hair, glasses) would take for a change.
  cv::GaussianBlur(grey, grey, cv::Size(0, 0), kSmoothing, kSmoothing, cv::BORDER_REPLICATE);
  appearance.wide.assign(grey.begin<float>(), grey.end<float>());
  // Normalised cell by cell: what covers or lights one part of the face
  // does not change how the others read.
  appearance.grey.resize(Appearance::kSide * Appearance::kSide);
  for (int y = 0; y < Appearance::kSide; y++)
    for (int x = 0; x < Appearance::kSide; x++)
      appearance.grey[static_cast<size_t>(y * Appearance::kSide + x)] = grey.at<float>(y + kInset, x + kInset);
  normalise_cells(appearance.grey, &appearance.layout);

  constexpr int kCellSide = Appearance::kSide / Appearance::kCells;
  appearance.chroma.reserve(Appearance::kCells * Appearance::kCells * 2);
  for (int row = 0; row < Appearance::kCells; row++)
    for (int column = 0; column < Appearance::kCells; column++) {
      const cv::Scalar colour = cv::mean(face(cv::Rect(column * kCellSide, row * kCellSide, kCellSide, kCellSide)));
      const double sum = std::max(colour[0] + colour[1] + colour[2], 1.0);
      appearance.chroma.push_back(static_cast<float>(colour[0] / sum));
      appearance.chroma.push_back(static_cast<float>(colour[1] / sum));
    }
  // Relative to the face's own colour: a coloured light tints every cell
  // alike; the pattern (hair, skin, lips, what is around) stays.
  for (int channel = 0; channel < 2; channel++) {
    double mean_chroma = 0;
    for (size_t i = channel; i < appearance.chroma.size(); i += 2) mean_chroma += appearance.chroma[i];
    mean_chroma /= Appearance::kCells * Appearance::kCells;
    for (size_t i = channel; i < appearance.chroma.size(); i += 2)
      appearance.chroma[i] = static_cast<float>(appearance.chroma[i] - mean_chroma);
  }
  return appearance;
}

}  // namespace idf::local
