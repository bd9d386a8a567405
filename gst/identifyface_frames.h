// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local on raw video: what the element hands the stream analysis
// (its frames, mapped without a copy) and what it gives back to the stream
// (a GstVideoRegionOfInterestMeta per face on each buffer).
#pragma once

#include <gst/video/video.h>

#include <vector>

#include "local/stream_analysis.h"

// The planes of a mapped frame in a format the analysis reads; false for
// other formats (see idf_frames_supported_formats()).
bool idf_raw_frame_from_video_frame(const GstVideoFrame *frame, idf::local::RawFrame *out);
// "I420, NV12, RGB, BGR, RGBA, BGRA, RGBx, BGRx" for error messages.
const char *idf_frames_supported_formats();

// One ROI meta of type "face" per mark, its id the face's id as a number,
// with a "face" param structure: face-id, score, mouth-x, mouth-y (buffer
// pixels) and interpolated. Every mark the element writes is written here.
void idf_add_face_marks(GstBuffer *buffer, const std::vector<idf::local::Mark> &marks);
