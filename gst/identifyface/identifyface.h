/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The identifyface element's contract with programs: the names of its bus
 * messages, stream tags and their fields, and small inline readers for a
 * face. Header only, C and C++; the plugin uses the same names.
 *
 *   #include <gst/identifyface/identifyface.h>
 *   pkg-config --cflags gstreamer-identifyface-1.0
 *
 * Times are nanoseconds of stream time (clip start = 0).
 */
#ifndef __GST_IDENTIFYFACE_H__
#define __GST_IDENTIFYFACE_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

/* The names: messages, tags, fields, kinds, phases. */
#include <gst/identifyface/identifyface-names.h>

G_BEGIN_DECLS

/* ---- Readers ---- */

/* A face, read from a face structure. The strings belong to the structure
 * (or the tag list or message holding it): copy them to keep them longer. */
typedef struct {
  const gchar *face_id;
  const gchar *face_image; /* "" when the service gave none */
  GstClockTime start_time;
  GstClockTime end_time;
  gboolean lipsync_ready;
} IdentifyFaceFace;

/* Fills `face` from a face structure. FALSE (and `face` zeroed) when `s` is
 * not a face structure or lacks face-id, start-time or end-time. */
static inline gboolean identifyface_face_from_structure(const GstStructure *s, IdentifyFaceFace *face) {
  guint64 start = 0, end = 0;
  gboolean ready = FALSE;
  memset(face, 0, sizeof *face);
  if (s == NULL || !gst_structure_has_name(s, IDENTIFYFACE_FACE)) return FALSE;
  face->face_id = gst_structure_get_string(s, IDENTIFYFACE_FIELD_FACE_ID);
  if (face->face_id == NULL || !gst_structure_get_uint64(s, IDENTIFYFACE_FIELD_START_TIME, &start) ||
      !gst_structure_get_uint64(s, IDENTIFYFACE_FIELD_END_TIME, &end)) {
    memset(face, 0, sizeof *face);
    return FALSE;
  }
  face->face_image = gst_structure_get_string(s, IDENTIFYFACE_FIELD_FACE_IMAGE);
  if (face->face_image == NULL) face->face_image = "";
  if (!gst_structure_get_boolean(s, IDENTIFYFACE_FIELD_LIPSYNC_READY, &ready)) ready = FALSE;
  face->start_time = start;
  face->end_time = end;
  face->lipsync_ready = ready;
  return TRUE;
}

/* The number of faces of an identify-face structure (the message's, or the
 * element's `result` property). */
static inline guint identifyface_result_n_faces(const GstStructure *result) {
  const GValue *faces = result ? gst_structure_get_value(result, IDENTIFYFACE_FIELD_FACES) : NULL;
  return faces && GST_VALUE_HOLDS_LIST(faces) ? gst_value_list_get_size(faces) : 0;
}

/* Face `index` of an identify-face structure. */
static inline gboolean identifyface_result_get_face(const GstStructure *result, guint index, IdentifyFaceFace *face) {
  const GValue *faces = result ? gst_structure_get_value(result, IDENTIFYFACE_FIELD_FACES) : NULL;
  const GValue *v;
  memset(face, 0, sizeof *face);
  if (faces == NULL || !GST_VALUE_HOLDS_LIST(faces) || index >= gst_value_list_get_size(faces)) return FALSE;
  v = gst_value_list_get_value(faces, index);
  return GST_VALUE_HOLDS_STRUCTURE(v) && identifyface_face_from_structure(gst_value_get_structure(v), face);
}

/* The number of lipsync-face values of a tag list. */
static inline guint identifyface_tags_n_faces(const GstTagList *tags) {
  return tags ? gst_tag_list_get_tag_size(tags, IDENTIFYFACE_TAG_FACE) : 0;
}

/* lipsync-face value `index` of a tag list. */
static inline gboolean identifyface_tags_get_face(const GstTagList *tags, guint index, IdentifyFaceFace *face) {
  const GValue *v = tags ? gst_tag_list_get_value_index(tags, IDENTIFYFACE_TAG_FACE, index) : NULL;
  memset(face, 0, sizeof *face);
  return v != NULL && GST_VALUE_HOLDS_STRUCTURE(v) &&
         identifyface_face_from_structure(gst_value_get_structure(v), face);
}

/* TRUE when `stream_time` (ns) lies in the face's interval [start, end). */
static inline gboolean identifyface_face_is_active(const IdentifyFaceFace *face, GstClockTime stream_time) {
  return GST_CLOCK_TIME_IS_VALID(stream_time) && stream_time >= face->start_time && stream_time < face->end_time;
}

/* A failure, read from an identify-face-error structure or from the details
 * of the element's ERROR/WARNING. Strings as for IdentifyFaceFace. */
typedef struct {
  const gchar *kind;    /* IDENTIFYFACE_KIND_*, "" when unknown */
  const gchar *code;    /* "" when none */
  const gchar *message; /* "" when none */
  guint http_status;    /* 0 when there was no HTTP answer */
  const gchar *request_id;
  const gchar *task_id;
} IdentifyFaceError;

static inline const gchar *identifyface_string_or_empty_(const GstStructure *s, const gchar *field) {
  const gchar *v = s ? gst_structure_get_string(s, field) : NULL;
  return v ? v : "";
}

/* Fills `error`. FALSE (and empty strings) when `s` carries no kind. */
static inline gboolean identifyface_error_from_structure(const GstStructure *s, IdentifyFaceError *error) {
  error->kind = identifyface_string_or_empty_(s, IDENTIFYFACE_FIELD_KIND);
  error->code = identifyface_string_or_empty_(s, IDENTIFYFACE_FIELD_CODE);
  error->message = identifyface_string_or_empty_(s, IDENTIFYFACE_FIELD_MESSAGE);
  error->request_id = identifyface_string_or_empty_(s, IDENTIFYFACE_FIELD_REQUEST_ID);
  error->task_id = identifyface_string_or_empty_(s, IDENTIFYFACE_FIELD_TASK_ID);
  if (s == NULL || !gst_structure_get_uint(s, IDENTIFYFACE_FIELD_HTTP_STATUS, &error->http_status))
    error->http_status = 0;
  return error->kind[0] != '\0';
}

/* Progress, read from an identify-face-progress structure. */
typedef struct {
  const gchar *phase;   /* IDENTIFYFACE_PHASE_* */
  const gchar *text;    /* "" when none */
  gdouble elapsed;      /* seconds */
  const gchar *status;  /* NULL when absent */
  gdouble fraction;     /* < 0 when absent */
  gint queue_position;  /* < 0 when absent */
  const gchar *task_id; /* "" before the service created a task */
} IdentifyFaceProgress;

/* Fills `progress`. FALSE when `s` is not an identify-face-progress. */
static inline gboolean identifyface_progress_from_structure(const GstStructure *s, IdentifyFaceProgress *progress) {
  guint position = 0;
  memset(progress, 0, sizeof *progress);
  progress->fraction = -1;
  progress->queue_position = -1;
  if (s == NULL || !gst_structure_has_name(s, IDENTIFYFACE_MESSAGE_PROGRESS)) return FALSE;
  progress->phase = identifyface_string_or_empty_(s, IDENTIFYFACE_FIELD_PHASE);
  progress->text = identifyface_string_or_empty_(s, IDENTIFYFACE_FIELD_TEXT);
  if (!gst_structure_get_double(s, IDENTIFYFACE_FIELD_ELAPSED, &progress->elapsed)) progress->elapsed = 0;
  progress->status = gst_structure_get_string(s, IDENTIFYFACE_FIELD_STATUS);
  if (!gst_structure_get_double(s, IDENTIFYFACE_FIELD_FRACTION, &progress->fraction)) progress->fraction = -1;
  if (gst_structure_get_uint(s, IDENTIFYFACE_FIELD_QUEUE_POSITION, &position))
    progress->queue_position = (gint)position;
  progress->task_id = identifyface_string_or_empty_(s, IDENTIFYFACE_FIELD_TASK_ID);
  return TRUE;
}

/* ---- The lipsync element ----
 * Downstream of identifyface (it reads the lipsync-session-id and
 * lipsync-face tags) or standalone (session-id, face-id), it lip-syncs one
 * face to an audio with the provider's lip-sync service. */

#define LIPSYNC_ELEMENT "lipsync"

/* The answer: fields PROVIDER, SESSION_ID, FACE_ID, LIPSYNC_FIELD_INSERT_TIME,
 * TASK_ID, REQUEST_ID, STATUS, FINAL_UNIT_DEDUCTION, LIPSYNC_FIELD_RESULT_URL,
 * LIPSYNC_FIELD_RESULT_DURATION, LIPSYNC_FIELD_VIDEOS, LIPSYNC_FIELD_CHOICE,
 * and COST, DISCOUNT (kirin). Also the element's `result` property. */
#define LIPSYNC_MESSAGE_RESULT "lipsync"
/* A failure, as identify-face-error (same fields; the ERROR or WARNING
 * carries them too). TASK_ID is set once the task was submitted. */
#define LIPSYNC_MESSAGE_ERROR "lipsync-error"
/* Progress, shaped like identify-face-progress (PHASE, TEXT, ELAPSED, ...). */
#define LIPSYNC_MESSAGE_PROGRESS "lipsync-progress"

#define LIPSYNC_FIELD_INSERT_TIME "insert-time"         /* guint64 ns: where the audio goes in the video */
#define LIPSYNC_FIELD_RESULT_URL "result-url"           /* string: the first video's URL */
#define LIPSYNC_FIELD_RESULT_DURATION "result-duration" /* guint64 ns: the first video's duration, 0 unknown */
#define LIPSYNC_FIELD_VIDEOS "videos"                   /* GstValueList of LIPSYNC_VIDEO structures */
#define LIPSYNC_FIELD_CHOICE "choice"                   /* string: which face, where, and why */

/* One video the service made (in VIDEOS). */
#define LIPSYNC_VIDEO "video"
#define LIPSYNC_FIELD_VIDEO_ID "id"             /* string */
#define LIPSYNC_FIELD_VIDEO_URL "url"           /* string */
#define LIPSYNC_FIELD_VIDEO_DURATION "duration" /* guint64 ns, 0 unknown */

/* A face mark, read from a GstVideoRegionOfInterestMeta of a raw video
 * buffer (see "per-frame marks"). Strings belong to the buffer's meta. */
typedef struct {
  const gchar *face_id;
  guint x, y, width, height; /* the face's box, buffer pixels */
  gdouble score;             /* 0-1 */
  gdouble mouth_x, mouth_y;  /* the mouth's centre, buffer pixels */
  gboolean interpolated;     /* between two detections */
} IdentifyFaceMark;

/* Fills `mark`. FALSE (and `mark` zeroed) when `roi` is not a face mark of
 * identifyface (type "face" with a face param holding face-id). */
static inline gboolean identifyface_mark_from_roi(GstVideoRegionOfInterestMeta *roi, IdentifyFaceMark *mark) {
  const GstStructure *p;
  memset(mark, 0, sizeof *mark);
  if (roi == NULL || roi->roi_type != g_quark_from_string(IDENTIFYFACE_ROI_TYPE)) return FALSE;
  p = gst_video_region_of_interest_meta_get_param(roi, IDENTIFYFACE_FACE);
  if (p == NULL || (mark->face_id = gst_structure_get_string(p, IDENTIFYFACE_FIELD_FACE_ID)) == NULL) return FALSE;
  mark->x = roi->x;
  mark->y = roi->y;
  mark->width = roi->w;
  mark->height = roi->h;
  if (!gst_structure_get_double(p, IDENTIFYFACE_FIELD_SCORE, &mark->score)) mark->score = 0;
  if (!gst_structure_get_double(p, IDENTIFYFACE_FIELD_MOUTH_X, &mark->mouth_x)) mark->mouth_x = 0;
  if (!gst_structure_get_double(p, IDENTIFYFACE_FIELD_MOUTH_Y, &mark->mouth_y)) mark->mouth_y = 0;
  if (!gst_structure_get_boolean(p, IDENTIFYFACE_FIELD_INTERPOLATED, &mark->interpolated)) mark->interpolated = FALSE;
  return TRUE;
}

/* The mark of face `face_id` on `buffer`, or NULL when the face is not on it. */
static inline GstVideoRegionOfInterestMeta *identifyface_buffer_get_mark(GstBuffer *buffer, const gchar *face_id) {
  gchar *end = NULL;
  guint64 id = face_id ? g_ascii_strtoull(face_id, &end, 10) : 0;
  if (face_id == NULL || end == face_id || *end != '\0' || id > G_MAXINT) return NULL;
  return gst_buffer_get_video_region_of_interest_meta_id(buffer, (gint)id);
}

G_END_DECLS

#endif /* __GST_IDENTIFYFACE_H__ */
