// SPDX-License-Identifier: LGPL-2.1-or-later
#include "identifyface_result.h"

#include <cstdint>
#include <string>

void idf_register_tags(void) {
  gst_tag_register(IDENTIFYFACE_TAG_SESSION_CREATED, GST_TAG_FLAG_META, G_TYPE_STRING, "lip-sync session created",
                   "when the session was made (ISO 8601 UTC); a session lives 24 hours", gst_tag_merge_use_first);
  gst_tag_register(IDENTIFYFACE_TAG_SESSION_ID, GST_TAG_FLAG_META, G_TYPE_STRING, "lip-sync session id",
                   "session id of the face identification, valid for 24 hours", gst_tag_merge_use_first);
  gst_tag_register(IDENTIFYFACE_TAG_FACE, GST_TAG_FLAG_META, GST_TYPE_STRUCTURE, "lip-sync face",
                   "a face that can be lip-synced: structure \"" IDENTIFYFACE_FACE "\" with " IDENTIFYFACE_FIELD_FACE_ID
                   ", " IDENTIFYFACE_FIELD_FACE_IMAGE ", " IDENTIFYFACE_FIELD_START_TIME
                   ", " IDENTIFYFACE_FIELD_END_TIME " (ns), " IDENTIFYFACE_FIELD_LIPSYNC_READY
                   "; local: " IDENTIFYFACE_FIELD_X ", " IDENTIFYFACE_FIELD_Y ", " IDENTIFYFACE_FIELD_WIDTH
                   ", " IDENTIFYFACE_FIELD_HEIGHT " (0..1), " IDENTIFYFACE_FIELD_SCORE,
                   gst_tag_merge_use_first);
}

static GstStructure *face_to_structure(const idf::Face &face) {
  GstStructure *s = gst_structure_new(
      IDENTIFYFACE_FACE, IDENTIFYFACE_FIELD_FACE_ID, G_TYPE_STRING, face.id.c_str(), IDENTIFYFACE_FIELD_FACE_IMAGE,
      G_TYPE_STRING, face.image.c_str(), IDENTIFYFACE_FIELD_START_TIME, G_TYPE_UINT64, (guint64)face.start_ns,
      IDENTIFYFACE_FIELD_END_TIME, G_TYPE_UINT64, (guint64)face.end_ns, IDENTIFYFACE_FIELD_LIPSYNC_READY,
      G_TYPE_BOOLEAN, (gboolean)face.lipsync_ready(), nullptr);
  // Only what the provider knows (the local engine): box and score.
  if (face.box)
    gst_structure_set(s, IDENTIFYFACE_FIELD_X, G_TYPE_DOUBLE, face.box->x, IDENTIFYFACE_FIELD_Y, G_TYPE_DOUBLE,
                      face.box->y, IDENTIFYFACE_FIELD_WIDTH, G_TYPE_DOUBLE, face.box->width, IDENTIFYFACE_FIELD_HEIGHT,
                      G_TYPE_DOUBLE, face.box->height, nullptr);
  if (face.score) gst_structure_set(s, IDENTIFYFACE_FIELD_SCORE, G_TYPE_DOUBLE, *face.score, nullptr);
  return s;
}

GstStructure *idf_result_to_structure(const idf::Result &r) {
  // What this run spent: nothing for a cached answer (a script adding up the
  // charges must count the clip once). The cached Result keeps the charge of
  // the request that got it, which goes under names of its own.
  const std::string spent = r.cached ? "0" : r.final_unit_deduction;
  GstStructure *s =
      gst_structure_new(IDENTIFYFACE_MESSAGE_RESULT, IDENTIFYFACE_FIELD_PROVIDER, G_TYPE_STRING, r.provider.c_str(),
                        IDENTIFYFACE_FIELD_SESSION_ID, G_TYPE_STRING, r.session_id.c_str(),
                        IDENTIFYFACE_FIELD_REQUEST_ID, G_TYPE_STRING, r.request_id.c_str(), IDENTIFYFACE_FIELD_TASK_ID,
                        G_TYPE_STRING, r.task_id.c_str(), IDENTIFYFACE_FIELD_FINAL_UNIT_DEDUCTION, G_TYPE_STRING,
                        spent.c_str(), IDENTIFYFACE_FIELD_STREAM_ID, G_TYPE_STRING, r.stream_id.c_str(), nullptr);
  if (!r.video_id.empty())
    gst_structure_set(s, IDENTIFYFACE_FIELD_VIDEO_ID, G_TYPE_STRING, r.video_id.c_str(), nullptr);
  else
    gst_structure_set(s, IDENTIFYFACE_FIELD_VIDEO_URL, G_TYPE_STRING, r.video_url.c_str(), nullptr);
  if (r.cost) gst_structure_set(s, IDENTIFYFACE_FIELD_COST, G_TYPE_STRING, r.cached ? "0" : r.cost->c_str(), nullptr);
  if (r.discount) gst_structure_set(s, IDENTIFYFACE_FIELD_DISCOUNT, G_TYPE_DOUBLE, *r.discount, nullptr);
  if (r.complete) gst_structure_set(s, IDENTIFYFACE_FIELD_COMPLETE, G_TYPE_BOOLEAN, (gboolean)*r.complete, nullptr);
  if (r.samples_dropped)
    gst_structure_set(s, IDENTIFYFACE_FIELD_SAMPLES_DROPPED, G_TYPE_UINT64, (guint64)*r.samples_dropped, nullptr);
  if (r.shot_cuts_ns) {
    GValue cuts = G_VALUE_INIT;
    gst_value_list_init(&cuts, (guint)r.shot_cuts_ns->size());
    for (uint64_t t : *r.shot_cuts_ns) {
      GValue v = G_VALUE_INIT;
      g_value_init(&v, G_TYPE_UINT64);
      g_value_set_uint64(&v, t);
      gst_value_list_append_and_take_value(&cuts, &v);
    }
    gst_structure_take_value(s, IDENTIFYFACE_FIELD_SHOT_CUTS, &cuts);
  }
  if (r.service_verdict)
    gst_structure_set(s, IDENTIFYFACE_FIELD_SERVICE_VERDICT, G_TYPE_STRING, r.service_verdict->c_str(),
                      IDENTIFYFACE_FIELD_SERVICE_REFUSAL, G_TYPE_STRING, r.service_refusal.c_str(), nullptr);
  gst_structure_set(s, IDENTIFYFACE_FIELD_CACHED, G_TYPE_BOOLEAN, (gboolean)r.cached, nullptr);
  if (r.cached) {
    gst_structure_set(s, IDENTIFYFACE_FIELD_CACHED_AT, G_TYPE_STRING, r.cached_at.c_str(),
                      IDENTIFYFACE_FIELD_ORIGINAL_FINAL_UNIT_DEDUCTION, G_TYPE_STRING, r.final_unit_deduction.c_str(),
                      nullptr);
    if (r.cost) gst_structure_set(s, IDENTIFYFACE_FIELD_ORIGINAL_COST, G_TYPE_STRING, r.cost->c_str(), nullptr);
  }
  if (r.session_created_s && !r.session_id.empty())
    gst_structure_set(s, IDENTIFYFACE_FIELD_SESSION_CREATED, G_TYPE_STRING,
                      idf::iso8601_utc(r.session_created_s).c_str(), nullptr);

  GValue faces = G_VALUE_INIT;
  gst_value_list_init(&faces, (guint)r.faces.size());
  for (const auto &face : r.faces) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&v, face_to_structure(face));
    gst_value_list_append_and_take_value(&faces, &v);
  }
  gst_structure_take_value(s, IDENTIFYFACE_FIELD_FACES, &faces);
  return s;
}

GstStructure *idf_failure_to_structure(const idf::Failure &f, const char *provider, const char *stream_id) {
  GstStructure *s = gst_structure_new(
      IDENTIFYFACE_MESSAGE_ERROR, IDENTIFYFACE_FIELD_PROVIDER, G_TYPE_STRING, provider, IDENTIFYFACE_FIELD_KIND,
      G_TYPE_STRING, idf::failure_kind_name(f.kind), IDENTIFYFACE_FIELD_CODE, G_TYPE_STRING, f.code.c_str(),
      IDENTIFYFACE_FIELD_MESSAGE, G_TYPE_STRING, f.message.c_str(), IDENTIFYFACE_FIELD_HTTP_STATUS, G_TYPE_UINT,
      f.http_status, IDENTIFYFACE_FIELD_REQUEST_ID, G_TYPE_STRING, f.request_id.c_str(), IDENTIFYFACE_FIELD_TASK_ID,
      G_TYPE_STRING, f.task_id.c_str(), IDENTIFYFACE_FIELD_STREAM_ID, G_TYPE_STRING, stream_id ? stream_id : "",
      nullptr);
  if (!f.task_status.empty())
    gst_structure_set(s, IDENTIFYFACE_FIELD_STATUS, G_TYPE_STRING, f.task_status.c_str(), nullptr);
  return s;
}

GstTagList *idf_result_to_tags(const idf::Result &r) {
  GstTagList *tags = gst_tag_list_new_empty();
  gst_tag_list_set_scope(tags, GST_TAG_SCOPE_STREAM);
  if (!r.session_id.empty())
    gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDENTIFYFACE_TAG_SESSION_ID, r.session_id.c_str(), nullptr);
  if (!r.session_id.empty() && r.session_created_s)
    gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDENTIFYFACE_TAG_SESSION_CREATED,
                     idf::iso8601_utc(r.session_created_s).c_str(), nullptr);
  for (const auto &face : r.faces) {
    GstStructure *s = face_to_structure(face);
    gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDENTIFYFACE_TAG_FACE, s, nullptr);
    gst_structure_free(s);
  }
  return tags;
}

GstStructure *idf_progress_to_structure(const idf::Progress &p) {
  GstStructure *s = gst_structure_new(IDENTIFYFACE_MESSAGE_PROGRESS, IDENTIFYFACE_FIELD_PHASE, G_TYPE_STRING,
                                      p.phase.c_str(), IDENTIFYFACE_FIELD_TEXT, G_TYPE_STRING, p.text.c_str(),
                                      IDENTIFYFACE_FIELD_ELAPSED, G_TYPE_DOUBLE, p.elapsed_s, nullptr);
  if (!p.status.empty()) gst_structure_set(s, IDENTIFYFACE_FIELD_STATUS, G_TYPE_STRING, p.status.c_str(), nullptr);
  if (p.fraction) gst_structure_set(s, IDENTIFYFACE_FIELD_FRACTION, G_TYPE_DOUBLE, *p.fraction, nullptr);
  if (p.queue_position)
    gst_structure_set(s, IDENTIFYFACE_FIELD_QUEUE_POSITION, G_TYPE_UINT, (guint)*p.queue_position, nullptr);
  if (!p.task_id.empty()) gst_structure_set(s, IDENTIFYFACE_FIELD_TASK_ID, G_TYPE_STRING, p.task_id.c_str(), nullptr);
  return s;
}
