// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/raw_video.h"

#include <string>

namespace idf::local {

namespace {

struct RawVideoFormat {
  GstVideoFormat gst;
  RawFrame::Format format;  // an unused fourth byte is read as alpha
};

// I420 first: what software decoders output, so that conversion is rare.
constexpr RawVideoFormat kRawVideoFormats[] = {
    {GST_VIDEO_FORMAT_I420, RawFrame::Format::I420}, {GST_VIDEO_FORMAT_NV12, RawFrame::Format::NV12},
    {GST_VIDEO_FORMAT_RGB, RawFrame::Format::RGB},   {GST_VIDEO_FORMAT_BGR, RawFrame::Format::BGR},
    {GST_VIDEO_FORMAT_RGBA, RawFrame::Format::RGBA}, {GST_VIDEO_FORMAT_RGBx, RawFrame::Format::RGBA},
    {GST_VIDEO_FORMAT_BGRA, RawFrame::Format::BGRA}, {GST_VIDEO_FORMAT_BGRx, RawFrame::Format::BGRA},
};

const RawVideoFormat *find_format(GstVideoFormat format) {
  for (const auto &f : kRawVideoFormats)
    if (f.gst == format) return &f;
  return nullptr;
}

}  // namespace

GstCaps *raw_video_caps() {
  GValue list = G_VALUE_INIT;
  gst_value_list_init(&list, G_N_ELEMENTS(kRawVideoFormats));
  for (const auto &f : kRawVideoFormats) {
    GValue name = G_VALUE_INIT;
    g_value_init(&name, G_TYPE_STRING);
    g_value_set_static_string(&name, gst_video_format_to_string(f.gst));
    gst_value_list_append_and_take_value(&list, &name);
  }
  GstCaps *caps = gst_caps_new_empty_simple("video/x-raw");
  gst_caps_set_value(caps, "format", &list);
  g_value_unset(&list);
  return caps;
}

const char *raw_video_formats_text() {
  static const std::string text = [] {
    std::string t;
    for (const auto &f : kRawVideoFormats) t += std::string(t.empty() ? "" : ", ") + gst_video_format_to_string(f.gst);
    return t;
  }();
  return text.c_str();
}

bool raw_video_format_supported(GstVideoFormat format) {
  return find_format(format) != nullptr;
}

bool raw_frame_from_video_frame(const GstVideoFrame *frame, RawFrame *out) {
  const RawVideoFormat *format = find_format(GST_VIDEO_FRAME_FORMAT(frame));
  if (!format) return false;
  out->format = format->format;
  out->width = GST_VIDEO_FRAME_WIDTH(frame);
  out->height = GST_VIDEO_FRAME_HEIGHT(frame);
  for (guint i = 0; i < GST_VIDEO_FRAME_N_PLANES(frame) && i < 3; i++) {
    out->planes[i] = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(frame, i));
    out->strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE(frame, i);
  }
  const GstVideoInfo *info = &frame->info;
  out->pixel_aspect = info->par_d > 0 && info->par_n > 0 ? (double)info->par_n / info->par_d : 1.0;
  return true;
}

}  // namespace idf::local
