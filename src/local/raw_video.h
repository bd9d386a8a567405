// SPDX-License-Identifier: LGPL-2.1-or-later
// The raw video formats provider=local reads as they are, written once: the
// element offers them upstream (so that upstream converts), names them when
// it refuses another, and maps buffers of them for the stream analysis; the
// engine's own decoding converts to them.
#pragma once

#include <gst/video/video.h>

#include "local/stream_analysis.h"

namespace idf::local {

// video/x-raw in system memory, format one of the list (caller unrefs).
GstCaps *raw_video_caps();
// The formats for messages: "I420, NV12, RGB, BGR, RGBA, RGBx, BGRA, BGRx".
const char *raw_video_formats_text();
bool raw_video_format_supported(GstVideoFormat format);
// The planes of a mapped frame, no copy; false for a format not listed.
bool raw_frame_from_video_frame(const GstVideoFrame *frame, RawFrame *out);

}  // namespace idf::local
