// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local on raw video: what the element gives back to the stream
// (a GstVideoRegionOfInterestMeta per face on each buffer and, with
// GStreamer's analytics library, a GstAnalyticsRelationMeta).
#pragma once

#include <gst/video/video.h>

#include <vector>

#include "local/mark_tracks.h"
#include "local/stream_analysis.h"

// Whether the plugin was built with GStreamer's analytics library (1.24+):
// then marked buffers also carry a GstAnalyticsRelationMeta.
bool idf_frames_have_analytics_meta();

// The marks of one buffer (it must be writable). One ROI meta of type "face"
// per mark, its id the face's id as a number, with a "face" param structure: face-id, score, mouth-x, mouth-y
// (buffer pixels) and interpolated. With the analytics library, one
// GstAnalyticsRelationMeta: per mark an object-detection mtd (type "face",
// the same box, the score) related to its face's tracking mtd, as
// ioutracker relates them, and the tracking mtds of `tracks` not visible.
void idf_add_face_marks(GstBuffer *buffer, const std::vector<idf::local::Mark> &marks,
                        const std::vector<idf::local::MarkTrack> &tracks);
