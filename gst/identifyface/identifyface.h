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

G_BEGIN_DECLS

#define IDENTIFYFACE_ELEMENT "identifyface"

/* ---- Element properties a program sets by name ---- */

/* string, provider=kirin: collect this existing task instead of submitting
 * the clip (polls only: no submission, no new charge). The id is the TASK_ID
 * field of any message about a task: the answer, an error (timeout,
 * failure) or the "cancelled" progress step. */
#define IDENTIFYFACE_PROPERTY_TASK_ID "task-id"

/* ---- Element messages (GST_MESSAGE_ELEMENT, structure names) ---- */

/* The answer: fields PROVIDER ... FACES below. */
#define IDENTIFYFACE_MESSAGE_RESULT "identify-face"
/* A failure, posted before the ERROR or WARNING (whose details carry the
 * same fields): PROVIDER, KIND, CODE, MESSAGE, HTTP_STATUS, REQUEST_ID,
 * TASK_ID, STREAM_ID. */
#define IDENTIFYFACE_MESSAGE_ERROR "identify-face-error"
/* Progress of an identification: PHASE, TEXT, ELAPSED, optional STATUS,
 * FRACTION, QUEUE_POSITION, TASK_ID (once the service created a task, on
 * every step after it, "cancelled" included). */
#define IDENTIFYFACE_MESSAGE_PROGRESS "identify-face-progress"

/* ---- Stream tags (STREAM scope) ---- */

/* G_TYPE_STRING: the session id. */
#define IDENTIFYFACE_TAG_SESSION_ID "lipsync-session-id"
/* GST_TYPE_STRUCTURE named IDENTIFYFACE_FACE: one value per face. */
#define IDENTIFYFACE_TAG_FACE "lipsync-face"
/* G_TYPE_STRING: ISO 8601 UTC of when the session was made (sessions live 24 h). */
#define IDENTIFYFACE_TAG_SESSION_CREATED "lipsync-session-created"

/* ---- identify-face fields ---- */

#define IDENTIFYFACE_FIELD_PROVIDER "provider"     /* string: kling, kirin, local */
#define IDENTIFYFACE_FIELD_SESSION_ID "session-id" /* string */
#define IDENTIFYFACE_FIELD_REQUEST_ID "request-id" /* string */
#define IDENTIFYFACE_FIELD_TASK_ID "task-id"       /* string, "" when synchronous */
#define IDENTIFYFACE_FIELD_FINAL_UNIT_DEDUCTION \
  "final-unit-deduction"                         /* string: credits this run spent, "0" when CACHED */
#define IDENTIFYFACE_FIELD_VIDEO_URL "video-url" /* string (or VIDEO_ID) */
#define IDENTIFYFACE_FIELD_VIDEO_ID "video-id"   /* string (or VIDEO_URL) */
#define IDENTIFYFACE_FIELD_STREAM_ID "stream-id" /* string */
#define IDENTIFYFACE_FIELD_COST "cost"           /* string, kirin only: USD this run spent */
#define IDENTIFYFACE_FIELD_DISCOUNT "discount"   /* double, kirin only */
#define IDENTIFYFACE_FIELD_FACES "faces"         /* GstValueList of face structures */
#define IDENTIFYFACE_FIELD_COMPLETE "complete"   /* boolean, local on raw video: false when the stream stopped early */
#define IDENTIFYFACE_FIELD_SAMPLES_DROPPED \
  "samples-dropped"                              /* guint64, local on raw video: samples a live stream skipped */
#define IDENTIFYFACE_FIELD_SHOT_CUTS "shot-cuts" /* GstValueList of guint64 ns, local only: shot cuts found */
#define IDENTIFYFACE_FIELD_CACHED "cached"       /* boolean: answered from the result cache, nothing sent */
#define IDENTIFYFACE_FIELD_CACHED_AT "cached-at" /* string, when CACHED: ISO 8601 UTC of when it was stored */
/* Only when CACHED: what the request that got the answer was charged (this
 * run spent nothing: FINAL_UNIT_DEDUCTION is "0", COST "0"). */
#define IDENTIFYFACE_FIELD_ORIGINAL_FINAL_UNIT_DEDUCTION "original-final-unit-deduction" /* string: credits */
#define IDENTIFYFACE_FIELD_ORIGINAL_COST "original-cost"                                 /* string, kirin only: USD */
/* string, local only: would the paid service accept the clip? "accepted", "refused" or "unknown" */
#define IDENTIFYFACE_FIELD_SERVICE_VERDICT "service-verdict"
/* string, local only: why not (the broken or unknown limits); "" when accepted */
#define IDENTIFYFACE_FIELD_SERVICE_REFUSAL "service-refusal"
#define IDENTIFYFACE_FIELD_SESSION_CREATED \
  "session-created" /* string, kling/kirin: ISO 8601 UTC of when the session was made (it lives 24 h) */

/* ---- face structures (in FACES, and the lipsync-face tag) ---- */

#define IDENTIFYFACE_FACE "face"                         /* the structure's name */
#define IDENTIFYFACE_FIELD_FACE_ID "face-id"             /* string */
#define IDENTIFYFACE_FIELD_FACE_IMAGE "face-image"       /* string: URL of a screenshot of the face */
#define IDENTIFYFACE_FIELD_START_TIME "start-time"       /* guint64 ns */
#define IDENTIFYFACE_FIELD_END_TIME "end-time"           /* guint64 ns */
#define IDENTIFYFACE_FIELD_LIPSYNC_READY "lipsync-ready" /* boolean: the interval lasts >= 2 s */
/* provider=local only: the face's box where it was largest, 0-1 of the frame, and the best score */
#define IDENTIFYFACE_FIELD_X "x"           /* double */
#define IDENTIFYFACE_FIELD_Y "y"           /* double */
#define IDENTIFYFACE_FIELD_WIDTH "width"   /* double */
#define IDENTIFYFACE_FIELD_HEIGHT "height" /* double */
#define IDENTIFYFACE_FIELD_SCORE "score"   /* double 0-1: the detector's best confidence */

/* ---- per-frame marks (provider=local on raw video) ----
 * A GstVideoRegionOfInterestMeta of type "face" per face visible in the
 * buffer, in its pixels. Its `id` is the face's id as a number (face "3":
 * id 3), distinct within a buffer and the same on every buffer the face is
 * on, so gst_buffer_get_video_region_of_interest_meta_id() (in Python
 * GstVideo.buffer_get_video_region_of_interest_meta_id, the only way to a
 * mark on GStreamer 1.22) reaches each face. Its param
 * structure, named IDENTIFYFACE_FACE, holds FACE_ID and: */
#define IDENTIFYFACE_ROI_TYPE "face"
#define IDENTIFYFACE_FIELD_SCORE "score"               /* double 0-1: the detector's confidence */
#define IDENTIFYFACE_FIELD_MOUTH_X "mouth-x"           /* double: the mouth's centre, buffer pixels */
#define IDENTIFYFACE_FIELD_MOUTH_Y "mouth-y"           /* double */
#define IDENTIFYFACE_FIELD_INTERPOLATED "interpolated" /* boolean: between two detections */

/* ---- identify-face-error fields (also the ERROR/WARNING details) ---- */
/* PROVIDER, REQUEST_ID, TASK_ID and STREAM_ID as above, and: */

#define IDENTIFYFACE_FIELD_KIND "kind"               /* string: one of IDENTIFYFACE_KIND_* */
#define IDENTIFYFACE_FIELD_CODE "code"               /* string: the service's code, "" when none */
#define IDENTIFYFACE_FIELD_MESSAGE "message"         /* string: human readable */
#define IDENTIFYFACE_FIELD_HTTP_STATUS "http-status" /* guint, 0 when there was no HTTP answer */

/* Failure kinds. */
#define IDENTIFYFACE_KIND_CONFIG "config"         /* the settings cannot work */
#define IDENTIFYFACE_KIND_VALIDATION "validation" /* the clip breaks the service's limits */
#define IDENTIFYFACE_KIND_AUTH "auth"             /* the service refused the credentials */
#define IDENTIFYFACE_KIND_SERVICE "service"       /* the service answered with an error code */
#define IDENTIFYFACE_KIND_HTTP "http"             /* an HTTP error without a service envelope */
#define IDENTIFYFACE_KIND_TRANSPORT "transport"   /* the connection failed */
#define IDENTIFYFACE_KIND_AMBIGUOUS "ambiguous"   /* a submission failed after it may have been billed */
#define IDENTIFYFACE_KIND_TIMEOUT "timeout"       /* the overall deadline passed */
#define IDENTIFYFACE_KIND_PARSE "parse"           /* the answer could not be understood */
#define IDENTIFYFACE_KIND_LOCAL "local"           /* the local engine failed */

/* ---- identify-face-progress fields ---- */

#define IDENTIFYFACE_FIELD_PHASE "phase"                   /* string: one of IDENTIFYFACE_PHASE_* */
#define IDENTIFYFACE_FIELD_TEXT "text"                     /* string: human readable */
#define IDENTIFYFACE_FIELD_ELAPSED "elapsed"               /* double: seconds since the identification started */
#define IDENTIFYFACE_FIELD_STATUS "status"                 /* string, optional: the service's task status */
#define IDENTIFYFACE_FIELD_FRACTION "fraction"             /* double 0-1, optional: share analysed (local) */
#define IDENTIFYFACE_FIELD_QUEUE_POSITION "queue-position" /* guint, optional */

#define IDENTIFYFACE_PHASE_CHECKING "checking"
#define IDENTIFYFACE_PHASE_SUBMITTING "submitting"
#define IDENTIFYFACE_PHASE_QUEUED "queued"
#define IDENTIFYFACE_PHASE_POLLING "polling"
#define IDENTIFYFACE_PHASE_ANALYSING "analysing"
#define IDENTIFYFACE_PHASE_COMPLETE "complete"
#define IDENTIFYFACE_PHASE_ERROR "error"
#define IDENTIFYFACE_PHASE_CANCELLED "cancelled"

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
