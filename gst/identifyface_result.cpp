#include "identifyface_result.h"

void idf_register_tags(void) {
  gst_tag_register(IDF_TAG_SESSION_ID, GST_TAG_FLAG_META, G_TYPE_STRING, "lip-sync session id",
                   "session id of the face identification, valid for 24 hours", gst_tag_merge_use_first);
  gst_tag_register(IDF_TAG_FACE, GST_TAG_FLAG_META, GST_TYPE_STRUCTURE, "lip-sync face",
                   "a face that can be lip-synced: structure \"face\" with face-id, face-image, start-time, "
                   "end-time (ns), lipsync-ready; local: x, y, width, height (0..1), score",
                   gst_tag_merge_use_first);
}

static GstStructure *face_to_structure(const idf::Face &face) {
  GstStructure *s = gst_structure_new("face", "face-id", G_TYPE_STRING, face.id.c_str(), "face-image", G_TYPE_STRING,
                                      face.image.c_str(), "start-time", G_TYPE_UINT64, (guint64)face.start_ns,
                                      "end-time", G_TYPE_UINT64, (guint64)face.end_ns, "lipsync-ready", G_TYPE_BOOLEAN,
                                      (gboolean)face.lipsync_ready(), nullptr);
  // Only what the provider knows (the local engine): box and score.
  if (face.box)
    gst_structure_set(s, "x", G_TYPE_DOUBLE, face.box->x, "y", G_TYPE_DOUBLE, face.box->y, "width", G_TYPE_DOUBLE,
                      face.box->width, "height", G_TYPE_DOUBLE, face.box->height, nullptr);
  if (face.score) gst_structure_set(s, "score", G_TYPE_DOUBLE, *face.score, nullptr);
  return s;
}

GstStructure *idf_result_to_structure(const idf::Result &r) {
  GstStructure *s =
      gst_structure_new("identify-face", "provider", G_TYPE_STRING, r.provider.c_str(), "session-id", G_TYPE_STRING,
                        r.session_id.c_str(), "request-id", G_TYPE_STRING, r.request_id.c_str(), "task-id",
                        G_TYPE_STRING, r.task_id.c_str(), "final-unit-deduction", G_TYPE_STRING,
                        r.final_unit_deduction.c_str(), "stream-id", G_TYPE_STRING, r.stream_id.c_str(), nullptr);
  if (!r.video_id.empty())
    gst_structure_set(s, "video-id", G_TYPE_STRING, r.video_id.c_str(), nullptr);
  else
    gst_structure_set(s, "video-url", G_TYPE_STRING, r.video_url.c_str(), nullptr);
  if (r.cost) gst_structure_set(s, "cost", G_TYPE_STRING, r.cost->c_str(), nullptr);
  if (r.discount) gst_structure_set(s, "discount", G_TYPE_DOUBLE, *r.discount, nullptr);

  GValue faces = G_VALUE_INIT;
  gst_value_list_init(&faces, (guint)r.faces.size());
  for (const auto &face : r.faces) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&v, face_to_structure(face));
    gst_value_list_append_and_take_value(&faces, &v);
  }
  gst_structure_take_value(s, "faces", &faces);
  return s;
}

GstStructure *idf_failure_to_structure(const idf::Failure &f, const char *provider, const char *stream_id) {
  return gst_structure_new("identify-face-error", "provider", G_TYPE_STRING, provider, "kind", G_TYPE_STRING,
                           idf::failure_kind_name(f.kind), "code", G_TYPE_STRING, f.code.c_str(), "message",
                           G_TYPE_STRING, f.message.c_str(), "http-status", G_TYPE_UINT, f.http_status, "request-id",
                           G_TYPE_STRING, f.request_id.c_str(), "task-id", G_TYPE_STRING, f.task_id.c_str(),
                           "stream-id", G_TYPE_STRING, stream_id ? stream_id : "", nullptr);
}

GstTagList *idf_result_to_tags(const idf::Result &r) {
  GstTagList *tags = gst_tag_list_new_empty();
  gst_tag_list_set_scope(tags, GST_TAG_SCOPE_STREAM);
  if (!r.session_id.empty())
    gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDF_TAG_SESSION_ID, r.session_id.c_str(), nullptr);
  for (const auto &face : r.faces) {
    GstStructure *s = face_to_structure(face);
    gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDF_TAG_FACE, s, nullptr);
    gst_structure_free(s);
  }
  return tags;
}
