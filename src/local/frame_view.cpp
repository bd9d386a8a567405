// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/frame_view.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace idf::local {

namespace {

int channels_of(FrameView::Format format) {
  switch (format) {
    case FrameView::Format::RGB:
    case FrameView::Format::BGR: return 3;
    case FrameView::Format::RGBA:
    case FrameView::Format::BGRA: return 4;
    default: return 1;
  }
}

bool is_yuv(FrameView::Format format) {
  return format == FrameView::Format::I420 || format == FrameView::Format::NV12;
}

// Chroma planes cover 2x2 pixels: regions of YUV frames start and end on
// even coordinates (the frame's odd last column or row aside).
cv::Rect clip_region(const FrameView &frame, cv::Rect region) {
  region &= cv::Rect(0, 0, frame.width, frame.height);
  if (is_yuv(frame.format) && region.area() > 0) {
    const int left = region.x & ~1, top = region.y & ~1;
    const int right = std::min(frame.width, (region.x + region.width + 1) & ~1);
    const int bottom = std::min(frame.height, (region.y + region.height + 1) & ~1);
    region = cv::Rect(left, top, right - left, bottom - top);
  }
  return region;
}

cv::Rect chroma_of(const cv::Rect &region) {
  return cv::Rect(region.x / 2, region.y / 2, (region.width + 1) / 2, (region.height + 1) / 2);
}

// Scales `source` to `size`. Shrinking by an exact integer factor takes
// OpenCV's fast path for pixel-area averaging (4-7x faster than a
// fractional factor on full-HD frames), so the picture is first shrunk by
// the largest integer factor (after dropping the few last rows and columns
// that do not fill a whole block: under 0.5 % of the picture), then scaled
// the rest of the way bilinearly.
void scale_to(const cv::Mat &source, cv::Mat &target, cv::Size size) {
  const int factor = std::min(source.cols / std::max(size.width, 1), source.rows / std::max(size.height, 1));
  if (factor >= 2) {
    const cv::Mat whole_blocks =
        source(cv::Rect(0, 0, source.cols - source.cols % factor, source.rows - source.rows % factor));
    cv::Mat shrunk;
    cv::resize(whole_blocks, shrunk, cv::Size(whole_blocks.cols / factor, whole_blocks.rows / factor), 0, 0,
               cv::INTER_AREA);
    if (shrunk.size() == size)
      shrunk.copyTo(target);
    else
      cv::resize(shrunk, target, size, 0, 0, cv::INTER_LINEAR);
    return;
  }
  cv::resize(source, target, size, 0, 0, size.area() < source.size().area() ? cv::INTER_AREA : cv::INTER_LINEAR);
}

// Converts a YUV region scaled to `size` (even sizes only) to `code`'s
// packed format, reassembling a small contiguous I420 or NV12 picture so
// that only the small picture is converted.
cv::Mat yuv_region(const FrameView &frame, const cv::Rect &region, cv::Size size, bool to_rgb) {
  const cv::Size even((size.width + 1) & ~1, (size.height + 1) & ~1);
  const cv::Size half(even.width / 2, even.height / 2);
  const cv::Rect chroma = chroma_of(region);
  cv::Mat packed(even.height * 3 / 2, even.width, CV_8UC1);
  cv::Mat y_target = packed.rowRange(0, even.height);
  scale_to(frame.planes[0](region), y_target, even);
  uchar *chroma_start = packed.ptr(even.height);
  int code;
  if (frame.format == FrameView::Format::I420) {
    cv::Mat u_target(half, CV_8UC1, chroma_start), v_target(half, CV_8UC1, chroma_start + half.area());
    scale_to(frame.planes[1](chroma), u_target, half);
    scale_to(frame.planes[2](chroma), v_target, half);
    code = to_rgb ? cv::COLOR_YUV2RGB_I420 : cv::COLOR_YUV2BGR_I420;
  } else {
    cv::Mat uv_target(half, CV_8UC2, chroma_start);
    scale_to(frame.planes[1](chroma), uv_target, half);
    code = to_rgb ? cv::COLOR_YUV2RGB_NV12 : cv::COLOR_YUV2BGR_NV12;
  }
  cv::Mat converted;
  cv::cvtColor(packed, converted, code);
  if (even != size) converted = converted(cv::Rect(0, 0, size.width, size.height)).clone();
  return converted;
}

cv::Mat packed_region(const FrameView &frame, const cv::Rect &region, cv::Size size, bool to_rgb) {
  cv::Mat scaled;
  const cv::Mat source = frame.planes[0](region);
  if (size == region.size())
    scaled = source;
  else
    scale_to(source, scaled, size);
  const bool source_rgb = frame.format == FrameView::Format::RGB || frame.format == FrameView::Format::RGBA;
  cv::Mat converted;
  if (channels_of(frame.format) == 3) {
    if (source_rgb == to_rgb)
      converted = scaled.clone();
    else
      cv::cvtColor(scaled, converted, cv::COLOR_BGR2RGB);
  } else {
    cv::cvtColor(scaled, converted, source_rgb == to_rgb ? cv::COLOR_BGRA2BGR : cv::COLOR_BGRA2RGB);
  }
  return converted;
}

cv::Mat region_as(const FrameView &frame, cv::Rect region, cv::Size size, bool to_rgb) {
  region = clip_region(frame, region);
  if (region.area() <= 0 || size.width <= 0 || size.height <= 0) return cv::Mat();
  return is_yuv(frame.format) ? yuv_region(frame, region, size, to_rgb) : packed_region(frame, region, size, to_rgb);
}

}  // namespace

FrameView FrameView::packed(Format format, const cv::Mat &pixels, double pixel_aspect) {
  FrameView view;
  view.format = format;
  view.width = pixels.cols;
  view.height = pixels.rows;
  view.planes[0] = pixels;
  view.pixel_aspect = pixel_aspect;
  return view;
}

FrameView FrameView::i420(const cv::Mat &y, const cv::Mat &u, const cv::Mat &v, double pixel_aspect) {
  FrameView view;
  view.format = Format::I420;
  view.width = y.cols;
  view.height = y.rows;
  view.planes = {y, u, v};
  view.pixel_aspect = pixel_aspect;
  return view;
}

FrameView FrameView::nv12(const cv::Mat &y, const cv::Mat &uv, double pixel_aspect) {
  FrameView view;
  view.format = Format::NV12;
  view.width = y.cols;
  view.height = y.rows;
  view.planes = {y, uv, cv::Mat()};
  view.pixel_aspect = pixel_aspect;
  return view;
}

bool FrameView::valid() const {
  if (width < 2 || height < 2 || !(pixel_aspect > 0)) return false;
  const cv::Size size(width, height), half((width + 1) / 2, (height + 1) / 2);
  switch (format) {
    case Format::RGB:
    case Format::BGR: return planes[0].type() == CV_8UC3 && planes[0].size() == size;
    case Format::RGBA:
    case Format::BGRA: return planes[0].type() == CV_8UC4 && planes[0].size() == size;
    case Format::I420:
      return planes[0].type() == CV_8UC1 && planes[0].size() == size && planes[1].type() == CV_8UC1 &&
             planes[1].size() == half && planes[2].type() == CV_8UC1 && planes[2].size() == half;
    case Format::NV12:
      return planes[0].type() == CV_8UC1 && planes[0].size() == size && planes[1].type() == CV_8UC2 &&
             planes[1].size() == half;
  }
  return false;
}

FrameView FrameView::deep_copy() const {
  FrameView copy = *this;
  for (auto &plane : copy.planes)
    if (!plane.empty()) plane = plane.clone();
  return copy;
}

cv::Mat region_to_rgb(const FrameView &frame, cv::Rect region, cv::Size size) {
  return region_as(frame, region, size, true);
}

cv::Mat region_to_bgr(const FrameView &frame, cv::Rect region) {
  region = clip_region(frame, region);
  if (region.area() <= 0) return cv::Mat();
  const cv::Size size(std::max(1, static_cast<int>(std::lround(region.width * frame.pixel_aspect))), region.height);
  return region_as(frame, region, size, false);
}

}  // namespace idf::local
