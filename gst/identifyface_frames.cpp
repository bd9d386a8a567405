// SPDX-License-Identifier: LGPL-2.1-or-later
#include "identifyface_frames.h"

#include <gst/identifyface/identifyface.h>

#ifdef IDF_HAVE_ANALYTICS_META
#include <gst/analytics/analytics.h>
#endif

#include <algorithm>
#include <cmath>
#include <string>

namespace {

// A mark's box in whole buffer pixels, the same in both metas.
struct PixelBox {
  guint x, y, w, h;
};

PixelBox pixel_box(const idf::local::Mark &m) {
  return {(guint)std::max(0.0, std::round(m.x)), (guint)std::max(0.0, std::round(m.y)),
          (guint)std::max(0.0, std::round(m.width)), (guint)std::max(0.0, std::round(m.height))};
}

#ifdef IDF_HAVE_ANALYTICS_META
void add_analytics_meta(GstBuffer *buffer, const std::vector<idf::local::Mark> &marks,
                        const std::vector<idf::local::MarkTrack> &tracks) {
  if (marks.empty() && tracks.empty()) return;
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buffer);
  if (!rmeta) rmeta = gst_buffer_add_analytics_relation_meta(buffer);
  if (!rmeta) return;
  const GQuark face = g_quark_from_static_string(IDENTIFYFACE_ROI_TYPE);
  std::vector<std::optional<guint>> od_ids(marks.size());
  for (size_t i = 0; i < marks.size(); i++) {
    PixelBox b = pixel_box(marks[i]);
    GstAnalyticsODMtd od;
    if (gst_analytics_relation_meta_add_od_mtd(rmeta, face, (gint)b.x, (gint)b.y, (gint)b.w, (gint)b.h,
                                               (gfloat)marks[i].score, &od))
      od_ids[i] = od.id;
  }
  for (const auto &t : tracks) {
    GstAnalyticsTrackingMtd tracking;
    if (!gst_analytics_relation_meta_add_tracking_mtd(rmeta, t.id, t.first_seen, &tracking)) continue;
    gst_analytics_tracking_mtd_update_last_seen(&tracking, t.last_seen);
    if (t.lost) gst_analytics_tracking_mtd_set_lost(&tracking);
    // As ioutracker: the detection relates to its track.
    if (t.mark && *t.mark < od_ids.size() && od_ids[*t.mark])
      gst_analytics_relation_meta_set_relation(rmeta, GST_ANALYTICS_REL_TYPE_RELATE_TO, *od_ids[*t.mark], tracking.id);
  }
}
#endif

// The id of a face's mark: the face's id as a number (the engine's ids are
// "0", "1", ...), so that every face of a buffer has its own, which readers
// look marks up by (identifyface_buffer_get_mark()).
gint face_mark_id(const std::string &face_id) {
  guint64 id = 0;
  if (g_ascii_string_to_unsigned(face_id.c_str(), 10, 0, G_MAXINT, &id, nullptr)) return (gint)id;
  return -1;  // not an id the engine gives
}

}  // namespace

bool idf_frames_have_analytics_meta() {
#ifdef IDF_HAVE_ANALYTICS_META
  return true;
#else
  return false;
#endif
}

void idf_add_face_marks(GstBuffer *buffer, const std::vector<idf::local::Mark> &marks,
                        const std::vector<idf::local::MarkTrack> &tracks) {
  for (const auto &m : marks) {
    PixelBox b = pixel_box(m);
    GstVideoRegionOfInterestMeta *roi =
        gst_buffer_add_video_region_of_interest_meta(buffer, IDENTIFYFACE_ROI_TYPE, b.x, b.y, b.w, b.h);
    GstStructure *params = gst_structure_new(
        IDENTIFYFACE_FACE, IDENTIFYFACE_FIELD_FACE_ID, G_TYPE_STRING, m.face_id.c_str(), IDENTIFYFACE_FIELD_SCORE,
        G_TYPE_DOUBLE, m.score, IDENTIFYFACE_FIELD_MOUTH_X, G_TYPE_DOUBLE, m.mouth_x, IDENTIFYFACE_FIELD_MOUTH_Y,
        G_TYPE_DOUBLE, m.mouth_y, IDENTIFYFACE_FIELD_INTERPOLATED, G_TYPE_BOOLEAN, (gboolean)m.interpolated, nullptr);
    roi->id = face_mark_id(m.face_id);
    gst_video_region_of_interest_meta_add_param(roi, params);  // takes it
  }
#ifdef IDF_HAVE_ANALYTICS_META
  add_analytics_meta(buffer, marks, tracks);
#else
  (void)tracks;
#endif
}
