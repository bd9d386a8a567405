// SPDX-License-Identifier: LGPL-2.1-or-later
// A video frame as the face analyser reads it: views of its planes in one of
// the formats decoders and converters commonly give, without a copy, and the
// few picture operations the analyser needs on it.
#pragma once

#include <array>
#include <opencv2/core.hpp>

namespace idf::local {

struct FrameView {
  enum class Format {
    RGB,   // packed, 3 bytes a pixel
    BGR,   // packed, 3 bytes a pixel
    RGBA,  // packed, 4 bytes a pixel, the 4th ignored (RGBx too)
    BGRA,  // packed, 4 bytes a pixel, the 4th ignored (BGRx too)
    I420,  // planes Y, U, V (U and V at half width and height)
    NV12,  // planes Y, UV (UV interleaved, CV_8UC2, half width and height)
  };
  Format format = Format::BGR;
  int width = 0, height = 0;
  // planes[0] holds the packed pixels or Y; rows may have any stride.
  std::array<cv::Mat, 3> planes;
  double pixel_aspect = 1.0;  // display width of a pixel over its height

  // A view of packed pixels (CV_8UC3 or CV_8UC4 to match `format`).
  static FrameView packed(Format format, const cv::Mat &pixels, double pixel_aspect = 1.0);
  static FrameView i420(const cv::Mat &y, const cv::Mat &u, const cv::Mat &v, double pixel_aspect = 1.0);
  static FrameView nv12(const cv::Mat &y, const cv::Mat &uv, double pixel_aspect = 1.0);

  // Whether the planes match the format and size (odd sizes of I420 and
  // NV12 frames round their chroma planes up).
  bool valid() const;
  // A copy that owns its pixels.
  FrameView deep_copy() const;
};

// A region of the frame (frame pixels; clipped to the frame) scaled to
// `size`, as RGB (CV_8UC3).
cv::Mat region_to_rgb(const FrameView &frame, cv::Rect region, cv::Size size);

// A region of the frame at full resolution as BGR (for a JPEG), stretched
// horizontally by the pixel aspect so that it looks right on square pixels.
cv::Mat region_to_bgr(const FrameView &frame, cv::Rect region);

}  // namespace idf::local
