/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names of the identifyface element's bus messages, stream tags, their
 * fields and values: the one definition that the core library (src/), the
 * plugin and programs use. Installed as
 * <gst/identifyface/identifyface-names.h>, which
 * <gst/identifyface/identifyface.h> includes; programs include that one.
 * Macros only: C and C++, no dependency.
 */
#ifndef __GST_IDENTIFYFACE_NAMES_H__
#define __GST_IDENTIFYFACE_NAMES_H__

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

#endif /* __GST_IDENTIFYFACE_NAMES_H__ */
