// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-identifyface
 * @title: identifyface
 *
 * Tells the pipeline which faces of the clip flowing through it can be
 * lip-synced, and when. The element is a passthrough: buffers go through
 * unchanged. It observes the clip (caps, duration, container, upstream URI,
 * file size), checks it against the service's documented limits, asks the
 * face-identification service (or, with provider=local, this machine) and
 * announces the answer.
 *
 * ## Element message IDENTIFYFACE_MESSAGE_RESULT
 * - provider (string): "kling", "kirin" or "local"
 * - session-id (string): the service's session id, valid for 24 hours
 * - request-id (string): the service's request id, for support
 * - task-id (string): the asynchronous task id, "" for a synchronous answer
 * - final-unit-deduction (string): credits charged
 * - video-url or video-id (string): what the request named
 * - stream-id (string): the stream the answer is about
 * - cost (string, kirin only): usage.cost in USD
 * - discount (double, kirin only): usage.discount
 * - faces (list of structures "face"):
 *   - face-id (string), face-image (string URL)
 *   - start-time, end-time (guint64): nanoseconds of stream time, clip start = 0
 *   - lipsync-ready (boolean): the interval lasts at least 2 s
 *
 * ## Collecting a Kirin task
 * A Kirin task outlives a cancel, a stop or a timeout: every message about it
 * carries its task-id. Setting the task-id property collects it later: the
 * element polls that task and submits nothing (no new charge).
 *
 * ## Element message "identify-face-error"
 * provider, kind, code, message, http-status (guint), request-id, task-id,
 * stream-id. The error or warning (see on-error) carries the same details.
 *
 * ## Stream tags
 * "lipsync-session-id" (string) and "lipsync-face" (one "face" structure per
 * face), pushed downstream in a STREAM-scope tag event merged with upstream's
 * stream tags.
 *
 * ## Example launch line
 * |[
 * IDENTIFYFACE_API_KEY=... gst-launch-1.0 -m filesrc location=clip.mp4 ! qtdemux ! h264parse ! \
 *     identifyface video-url=https://example.com/clip.mp4 ! fakesink
 * ]|
 */
#include "gstidentifyface.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/debug_categories.h"
#include "base/package_info.h"
#include "identifyface_enums.h"
#include "identifyface_frames.h"
#include "identifyface_private.h"
#include "identifyface_result.h"
#include "job/job.h"
#include "local/local_engine.h"
#include "runtime/production_deps.h"
#include "wire/jwt.h"

GST_DEBUG_CATEGORY(gst_identify_face_debug);
#define GST_CAT_DEFAULT gst_identify_face_debug

using namespace idf::element;

// The GEnums mirror the core's enums value for value.
static_assert((int)IDF_PROVIDER_KLING == (int)idf::Provider::Kling);
static_assert((int)IDF_PROVIDER_KIRIN == (int)idf::Provider::Kirin);
static_assert((int)IDF_PROVIDER_LOCAL == (int)idf::Provider::Local);
static_assert((int)IDF_VALIDATION_STRICT == (int)idf::ValidationMode::Strict);
static_assert((int)IDF_VALIDATION_WARN == (int)idf::ValidationMode::Warn);
static_assert((int)IDF_VALIDATION_OFF == (int)idf::ValidationMode::Off);

#define API_KEY_ENV "IDENTIFYFACE_API_KEY"

enum {
  PROP_0,
  PROP_PROVIDER,
  PROP_API_URL,
  PROP_POLL_URL,
  PROP_API_KEY,
  PROP_ACCESS_KEY,
  PROP_SECRET_KEY,
  PROP_MODEL,
  PROP_TASK_ID,
  PROP_VIDEO_URL,
  PROP_VIDEO_ID,
  PROP_VALIDATION,
  PROP_REQUEST_TIMEOUT,
  PROP_TIMEOUT,
  PROP_POLL_INTERVAL,
  PROP_POLL_INTERVAL_MAX,
  PROP_MAX_RETRIES,
  PROP_ON_ERROR,
  PROP_HOLD_EOS,
  PROP_WAIT_FOR_RESULT,
  PROP_FACE_IMAGE_DIR,
  PROP_CACHE_DIR,
  PROP_CACHE_TTL,
  PROP_CACHE_ONLY,
  PROP_MAX_CONCURRENT,
  PROP_SSL_CA_FILE,
  PROP_MARK_FRAMES,
  PROP_SESSION_ID,
  PROP_RESULT,
};

#define gst_identify_face_parent_class parent_class
G_DEFINE_TYPE(GstIdentifyFace, gst_identify_face, GST_TYPE_BASE_TRANSFORM);

// At plugin load, so that --gst-debug-help lists every category.
static gboolean identifyface_element_init(GstPlugin *plugin) {
  GST_DEBUG_CATEGORY_INIT(gst_identify_face_debug, "identifyface", 0, "identifyface element");
  idf::init_debug_categories();
  idf_register_tags();
  return gst_element_register(plugin, "identifyface", GST_RANK_NONE, GST_TYPE_IDENTIFY_FACE);
}
GST_ELEMENT_REGISTER_DEFINE_CUSTOM(identifyface, identifyface_element_init);

// Video only: raw, encoded, or a container as typefind names it (placed
// before the demuxer, the element reads the clip's limits with a probe).
#define IDF_VIDEO_CAPS                                                                                \
  "video/x-raw(ANY); video/x-h264; video/x-h265; video/x-vp8; video/x-vp9; video/x-av1; video/mpeg; " \
  "video/x-divx; video/x-xvid; video/x-prores; video/x-theora; image/jpeg; "                          \
  "video/quicktime; video/x-matroska; video/webm; video/x-msvideo; video/mpegts; video/x-flv; application/ogg"

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(IDF_VIDEO_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(IDF_VIDEO_CAPS));

/* ---- job lifecycle ---- */

// Progress is an element message beside the stream, not a
// GST_MESSAGE_PROGRESS: those tell gst-launch that a state change is under
// way, and would keep a prerolled pipeline from going to PLAYING until the
// service answers.
void idf::element::post_progress(GstIdentifyFace *self, const idf::Progress &progress) {
  gst_element_post_message(GST_ELEMENT(self),
                           gst_message_new_element(GST_OBJECT(self), idf_progress_to_structure(progress)));
}

// Cancels the running job, if any. Synchronous: nothing is sent afterwards.
// A job cancelled after its submission is not restarted for the same stream:
// the service may already have billed it.
static void cancel_job(GstIdentifyFace *self, bool post_canceled) {
  GstIdentifyFacePrivate *priv = self->priv;
  drop_frame_analysis(self);
  std::shared_ptr<idf::Job> job;
  std::shared_ptr<ElementLink> link;
  bool was_running, abandoned = false;
  std::string task_id;
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    job = std::move(priv->state.job);
    link = std::move(priv->state.link);
    was_running = priv->state.job_state == JobState::Running;
    if (was_running) {
      abandoned = job && job->submitted();
      priv->state.job_state = abandoned ? JobState::Abandoned : JobState::None;
    }
    priv->state.changed.notify_all();
  }
  if (link) link->detach();
  if (job) {
    job->cancel();  // never with state_lock held: the worker may be waiting for it
    task_id = job->task_id();
  }
  if (!was_running || !post_canceled) return;
  // A task the service created may still finish, and was paid for: its id,
  // and how to collect it.
  idf::Progress cancelled{
      IDENTIFYFACE_PHASE_CANCELLED,
      !task_id.empty()
          ? "identification cancelled; task " + task_id + " may still finish: collect it with task-id=" + task_id +
                " (gst-identify-face --task-id=" + task_id + "), which polls it without a new charge"
      : abandoned ? "identification cancelled after the clip was submitted: not resubmitted for "
                    "this stream"
                  : "identification cancelled"};
  cancelled.task_id = task_id;
  post_progress(self, cancelled);
}

// A stop (PAUSED to READY): release a streaming thread held in wait_for_job(), then
// cancel the job.
static void release_and_cancel(GstIdentifyFace *self) {
  {
    std::lock_guard<std::mutex> g(self->priv->state.lock);
    self->priv->state.flushing = true;
  }
  cancel_job(self, true);  // notifies the waiters
}

// FLUSH_START (a flushing seek or step): releases a streaming thread held in
// wait_for_job() or at EOS. The identification is about the clip, not the
// playback position: a running job goes on, and its answer is delivered as
// always (the tags after the flush, in the new segment). Only the analysis
// of raw frames, which is of what flows, starts again after the flush.
static void release_for_flush(GstIdentifyFace *self) {
  bool frames;
  {
    std::lock_guard<std::mutex> g(self->priv->state.lock);
    self->priv->state.flushing = true;
    frames = self->priv->state.frames != nullptr;
    self->priv->state.changed.notify_all();
  }
  if (frames) cancel_job(self, true);
}

// Forgets everything about the previous stream.
static void reset_stream_state(GstIdentifyFace *self) {
  GstIdentifyFacePrivate *priv = self->priv;
  priv->clip = idf::ClipInfo();
  std::lock_guard<std::mutex> g(priv->state.lock);
  priv->state.job_state = JobState::None;
  priv->state.flow_error = GST_FLOW_OK;
  priv->state.tags_pending = false;
  g_clear_pointer(&priv->state.result_tags, gst_tag_list_unref);
  g_clear_pointer(&priv->state.upstream_tags, gst_tag_list_unref);
}

static GstResourceError resource_error_for(const idf::Failure &f) {
  switch (f.kind) {
    case idf::Failure::Kind::Config:
    case idf::Failure::Kind::Validation: return GST_RESOURCE_ERROR_SETTINGS;
    case idf::Failure::Kind::Auth: return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
    case idf::Failure::Kind::Transport: return GST_RESOURCE_ERROR_OPEN_READ;
    default: return GST_RESOURCE_ERROR_FAILED;
  }
}

// Any failure of a stream's identification, found on the streaming thread or
// the worker: the identify-face-error message, then an ERROR or WARNING (per
// on-error) with the same details. The stream's job is over.
void idf::element::fail_stream(GstIdentifyFace *self, const idf::Failure &f, const char *provider) {
  GstIdentifyFacePrivate *priv = self->priv;
  bool as_error;
  {
    std::lock_guard<std::mutex> g(priv->settings_lock);
    as_error = priv->settings.on_error == IDF_ON_ERROR_ERROR;
  }
  std::string stream_id;
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    stream_id = priv->state.stream_id;
  }
  // The message and the ERROR/WARNING details are one structure: one list of
  // fields.
  GstStructure *details = idf_failure_to_structure(f, provider, stream_id.c_str());
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), gst_structure_copy(details)));

  GST_WARNING_OBJECT(self, "identification failed: %s", f.message.c_str());
  gst_element_message_full_with_details(
      GST_ELEMENT(self), as_error ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING, GST_RESOURCE_ERROR, resource_error_for(f),
      g_strdup_printf("Face identification failed: %s", f.message.c_str()),
      f.detail.empty() ? nullptr : g_strdup(f.detail.c_str()), __FILE__, GST_FUNCTION, __LINE__, details);

  std::lock_guard<std::mutex> g(priv->state.lock);
  priv->state.flow_error = as_error ? GST_FLOW_ERROR : GST_FLOW_OK;
  priv->state.job_state = JobState::Done;
  priv->state.changed.notify_all();
}

// The answer or failure, posted and kept for the tags. Called by the job's
// listener on the HTTP worker's thread, and for raw-frame analysis by
// whichever thread ends it (streaming thread at EOS, the application's at
// a state change): it takes only the state lock.
void idf::element::on_job_done(GstIdentifyFace *self, const idf::Outcome &outcome, const char *provider) {
  GstIdentifyFacePrivate *priv = self->priv;
  if (const auto *f = std::get_if<idf::Failure>(&outcome)) {
    fail_stream(self, *f, provider);
    return;
  }
  const auto &r = std::get<idf::Result>(outcome);
  GstStructure *s = idf_result_to_structure(r);
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    if (priv->state.result) gst_structure_free(priv->state.result);
    priv->state.result = gst_structure_copy(s);
    priv->state.session_id = r.session_id;
    g_clear_pointer(&priv->state.result_tags, gst_tag_list_unref);
    priv->state.result_tags = idf_result_to_tags(r);
  }
  GST_INFO_OBJECT(self, "identified %zu face(s), session %s", r.faces.size(), r.session_id.c_str());
  // The message goes out before a held EOS or buffer is released, so the
  // bus shows the answer before EOS.
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  g_object_notify(G_OBJECT(self), "session-id");
  std::lock_guard<std::mutex> g(priv->state.lock);
  priv->state.tags_pending = true;
  priv->state.job_state = JobState::Done;
  priv->state.changed.notify_all();
}

// Learns what upstream can tell about the clip: duration, URI, byte size.
void idf::element::query_upstream(GstIdentifyFace *self, idf::ClipInfo &clip) {
  GstPad *sinkpad = GST_BASE_TRANSFORM_SINK_PAD(self);
  gint64 value = -1;
  if (gst_pad_peer_query_duration(sinkpad, GST_FORMAT_TIME, &value) && value > 0) clip.duration_ns = (uint64_t)value;
  value = -1;
  if (gst_pad_peer_query_duration(sinkpad, GST_FORMAT_BYTES, &value) && value > 0) clip.size_bytes = (uint64_t)value;
  GstQuery *q = gst_query_new_uri();
  if (gst_pad_peer_query(sinkpad, q)) {
    gchar *uri = nullptr;
    gst_query_parse_uri(q, &uri);
    if (uri) clip.uri = uri;
    g_free(uri);
  }
  gst_query_unref(q);
}

static std::string authorization_value(const std::shared_ptr<idf::JwtIssuer> &jwt, const Settings &s, int64_t wall_s) {
  if (!s.api_key.empty()) return "Bearer " + s.api_key;
  if (jwt) return "Bearer " + jwt->token(wall_s);
  const char *env = g_getenv(API_KEY_ENV);
  return env ? std::string("Bearer ") + env : std::string();
}

// What names the account (never logged): the API key, else the access key
// of the JWT scheme, else the environment's key.
static std::string account_credential(const Settings &s) {
  if (!s.api_key.empty()) return s.api_key;
  if (!s.access_key.empty()) return s.access_key;
  const char *env = g_getenv(API_KEY_ENV);
  return env ? env : "";
}

// Streaming thread, first buffer of a stream.
static void start_job(GstIdentifyFace *self) {
  GstIdentifyFacePrivate *priv = self->priv;
  Settings s;
  {
    std::lock_guard<std::mutex> g(priv->settings_lock);
    s = priv->settings;
  }
  idf::ClipInfo clip = priv->clip;
  query_upstream(self, clip);
  GST_DEBUG_OBJECT(self,
                   "clip: %dx%d @ %d/%d fps, duration %" G_GUINT64_FORMAT
                   " ns, container \"%s\", size %" G_GUINT64_FORMAT " (0: unknown), uri %s",
                   clip.width.value_or(-1), clip.height.value_or(-1), clip.fps_n.value_or(0), clip.fps_d.value_or(1),
                   clip.duration_ns.value_or(0), clip.container.c_str(), clip.size_bytes.value_or(0), clip.uri.c_str());

  idf::JobConfig cfg;
  cfg.provider = (idf::Provider)s.provider;
  const char *provider = idf::provider_name(cfg.provider);
  if (!s.task_id.empty()) {
    // Collecting a task: nothing names the clip to the service; the answer
    // reports the video-url it was given, if any.
    cfg.task_id = s.task_id;
    cfg.target.video_url = s.video_url;
  } else {
    auto target = idf::resolve_target(cfg.provider, s.video_url, s.video_id, clip.uri);
    if (auto *f = std::get_if<idf::Failure>(&target)) {
      fail_stream(self, *f, provider);
      return;
    }
    cfg.target = std::get<idf::VideoTarget>(target);
  }
  cfg.api_url = s.api_url;
  cfg.poll_url = s.poll_url;
  cfg.model = s.model;
  cfg.clip = clip;
  cfg.validation = (idf::ValidationMode)s.validation;
  cfg.validation_explicit = s.validation_set;
  cfg.request_timeout_s = s.request_timeout;
  cfg.timeout_s = s.timeout;
  cfg.poll_interval_ms = s.poll_interval;
  cfg.poll_interval_max_ms = s.poll_interval_max;
  cfg.max_retries = s.max_retries;
  cfg.face_image_dir = s.face_image_dir;  // "": the engine picks its default
  cfg.cache_dir = s.cache_dir;
  cfg.cache_ttl_s = s.cache_ttl;
  cfg.cache_only = s.cache_only;
  cfg.max_concurrent = s.max_concurrent;
  cfg.ca_file = s.ssl_ca_file;
  cfg.credential = account_credential(s);
  cfg.authorization = [jwt = priv->jwt, s](int64_t wall_s) { return authorization_value(jwt, s, wall_s); };
  gchar *name = gst_object_get_name(GST_OBJECT(self));
  cfg.requester = name ? name : "identifyface";
  g_free(name);

  auto link = std::make_shared<ElementLink>(self);
  idf::JobListener listener;
  listener.progress = [link](const idf::Progress &progress) {
    if (GstIdentifyFace *e = link->ref()) {
      post_progress(e, progress);
      gst_object_unref(e);
    }
  };
  listener.warning = [link](const std::string &text) {
    if (GstIdentifyFace *e = link->ref()) {
      GST_ELEMENT_WARNING(e, STREAM, FORMAT, ("%s", text.c_str()), ("validation=warn: sending anyway"));
      gst_object_unref(e);
    }
  };
  listener.done = [link, provider](const idf::Outcome &outcome) {
    if (GstIdentifyFace *e = link->ref()) {
      on_job_done(e, outcome, provider);
      gst_object_unref(e);
    }
  };

  std::lock_guard<std::mutex> g(priv->state.lock);
  if (priv->state.flushing)  // a flush or stop raced with us: don't start
    return;
  cfg.stream_id = priv->state.stream_id;
  priv->state.link = link;
  priv->state.job_state = JobState::Running;
  priv->state.job = idf::Job::start(std::move(cfg), std::move(listener), idf::production_job_deps());
}

// Streaming thread: waits for the job, released by flush and stop.
static void wait_for_job(GstIdentifyFace *self) {
  GstIdentifyFacePrivate *priv = self->priv;
  std::unique_lock<std::mutex> lk(priv->state.lock);
  GST_DEBUG_OBJECT(self, "waiting for the identification");
  priv->state.changed.wait(lk, [priv] { return priv->state.job_state != JobState::Running || priv->state.flushing; });
}

// Upstream's STREAM tags with ours replacing any of the same name, as one
// STREAM-scope list: a new STREAM tag event replaces the previous one
// downstream, so ours must ride in every one (the taginject pattern).
static GstTagList *merged_stream_tags(const GstTagList *upstream, const GstTagList *ours) {
  GstTagList *merged = upstream ? gst_tag_list_merge(upstream, ours, GST_TAG_MERGE_REPLACE) : gst_tag_list_copy(ours);
  gst_tag_list_set_scope(merged, GST_TAG_SCOPE_STREAM);
  return merged;
}

// Streaming thread: pushes our tags (merged with upstream's) once.
static void push_pending_tags(GstIdentifyFace *self) {
  GstIdentifyFacePrivate *priv = self->priv;
  GstTagList *tags = nullptr;
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    if (!priv->state.tags_pending || !priv->state.result_tags) return;
    priv->state.tags_pending = false;
    tags = merged_stream_tags(priv->state.upstream_tags, priv->state.result_tags);
  }
  GST_DEBUG_OBJECT(self, "pushing tags %" GST_PTR_FORMAT, tags);
  gst_pad_push_event(GST_BASE_TRANSFORM_SRC_PAD(self), gst_event_new_tag(tags));
}

/* ---- GstBaseTransform ---- */

// A stream that is not video is refused with an error that says what it
// is, rather than the bare not-negotiated of a template mismatch.
static gboolean gst_identify_face_accept_caps(GstBaseTransform *trans, GstPadDirection direction, GstCaps *caps) {
  gboolean ok = GST_BASE_TRANSFORM_CLASS(parent_class)->accept_caps(trans, direction, caps);
  if (!ok && direction == GST_PAD_SINK && gst_caps_is_fixed(caps)) {
    gchar *got = gst_caps_to_string(caps);
    GST_ELEMENT_ERROR(trans, STREAM, WRONG_TYPE,
                      ("identifyface identifies faces in video, but the stream is %s: place it on a video stream", got),
                      ("sink caps must be one of: %s", IDF_VIDEO_CAPS));
    g_free(got);
  }
  return ok;
}

// Before a demuxer, the element would be pulled from (getrange) and EOS
// would never pass it: answering "push only" makes upstream push, so
// hold-eos works wherever the element sits.
// With provider=local, raw video is offered in the formats the analysis
// reads, so that upstream converts (or picks one) rather than failing.
static void restrict_raw_caps_for_local(GstQuery *query) {
  static GstStaticCaps local_raw =
      GST_STATIC_CAPS("video/x-raw, format=(string){ I420, NV12, RGB, BGR, RGBA, RGBx, BGRA, BGRx }");
  GstCaps *caps = nullptr;
  gst_query_parse_caps_result(query, &caps);
  if (!caps || gst_caps_is_any(caps)) return;
  GstCaps *raw = gst_static_caps_get(&local_raw);
  GstCaps *out = gst_caps_new_empty();
  for (guint i = 0; i < gst_caps_get_size(caps); i++) {
    GstCaps *one = gst_caps_copy_nth(caps, i);
    GstCapsFeatures *features = gst_caps_get_features(one, 0);
    bool system_raw = gst_structure_has_name(gst_caps_get_structure(one, 0), "video/x-raw") &&
                      (!features || gst_caps_features_is_equal(features, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY));
    if (system_raw) {
      GstCaps *narrowed = gst_caps_intersect(one, raw);
      gst_caps_unref(one);
      one = narrowed;
    }
    out = gst_caps_merge(out, one);
  }
  gst_caps_unref(raw);
  gst_query_set_caps_result(query, out);
  gst_caps_unref(out);
}

static gboolean gst_identify_face_query(GstBaseTransform *trans, GstPadDirection direction, GstQuery *query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    gboolean ok = GST_BASE_TRANSFORM_CLASS(parent_class)->query(trans, direction, query);
    bool local;
    {
      auto *self = GST_IDENTIFY_FACE(trans);
      std::lock_guard<std::mutex> g(self->priv->settings_lock);
      local = self->priv->settings.provider == IDF_PROVIDER_LOCAL;
    }
    if (ok && local) restrict_raw_caps_for_local(query);
    return ok;
  }
  if (direction == GST_PAD_SRC && GST_QUERY_TYPE(query) == GST_QUERY_SCHEDULING) {
    GstQuery *upstream = gst_query_new_scheduling();
    GstSchedulingFlags flags = (GstSchedulingFlags)0;
    if (gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(trans), upstream))
      gst_query_parse_scheduling(upstream, &flags, nullptr, nullptr, nullptr);
    gst_query_unref(upstream);
    // Seekable stays as upstream says: qtdemux seeks in push mode too.
    gst_query_set_scheduling(query, (GstSchedulingFlags)(flags & GST_SCHEDULING_FLAG_SEEKABLE), 1, -1, 0);
    gst_query_add_scheduling_mode(query, GST_PAD_MODE_PUSH);
    return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS(parent_class)->query(trans, direction, query);
}

static GstFlowReturn gst_identify_face_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) {
  auto *self = GST_IDENTIFY_FACE(trans);
  GstIdentifyFacePrivate *priv = self->priv;
  JobState state;
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    state = priv->state.job_state;
  }
  if (state == JobState::None) {
    Settings s;
    {
      std::lock_guard<std::mutex> g(priv->settings_lock);
      s = priv->settings;
    }
    if (wants_frame_analysis(self, s))
      start_frame_analysis(self, s);
    else
      start_job(self);
  }
  std::shared_ptr<idf::local::StreamAnalysis> frames;
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    frames = priv->state.frames;
  }
  if (frames) feed_frame(self, frames, buffer);

  bool wait;
  {
    std::lock_guard<std::mutex> g(priv->settings_lock);
    wait = priv->settings.wait_for_result;
  }
  if (wait) wait_for_job(self);
  push_pending_tags(self);

  std::lock_guard<std::mutex> g(priv->state.lock);
  if (priv->state.flushing) return GST_FLOW_FLUSHING;
  return priv->state.flow_error;
}

// After the buffer went through transform_ip: the marks of the faces visible
// at its time. The buffer is made writable only when a mark is added.
static GstFlowReturn gst_identify_face_generate_output(GstBaseTransform *trans, GstBuffer **outbuf) {
  GstFlowReturn ret = GST_BASE_TRANSFORM_CLASS(parent_class)->generate_output(trans, outbuf);
  if (ret != GST_FLOW_OK || !*outbuf) return ret;
  auto *self = GST_IDENTIFY_FACE(trans);
  GstIdentifyFacePrivate *priv = self->priv;
  bool mark;
  {
    std::lock_guard<std::mutex> g(priv->settings_lock);
    mark = priv->settings.mark_frames;
  }
  std::shared_ptr<idf::local::StreamAnalysis> frames;
  std::shared_ptr<idf::local::MarkTracks> tracks;
  bool live = false;
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    frames = priv->state.frames;
    tracks = priv->state.frames_tracks;
    live = priv->state.frames_live;
  }
  auto t = frames && mark ? stream_time_of(trans, *outbuf) : std::nullopt;
  if (!t) return ret;
  // Not live: the stream waits for the analysis of this time (bounded by
  // the analysis of one sample; a flush or stop releases it). Live: never.
  if (!live) frames->wait_analysed(*t);
  auto marks = frames->marks_at(*t);
  std::vector<idf::local::MarkTrack> carried;
  guint64 running = gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, GST_BUFFER_PTS(*outbuf));
  if (idf_frames_have_analytics_meta() && tracks && running != GST_CLOCK_TIME_NONE) {
    // Tracks in running time, as ioutracker sets first and last seen.
    std::vector<std::string> ids;
    for (const auto &m : marks) ids.push_back(m.face_id);
    carried = tracks->update(running, ids, [&](const std::string &id) { return frames->ended_by(id, *t); });
  }
  if (!marks.empty() || !carried.empty()) {
    *outbuf = gst_buffer_make_writable(*outbuf);
    idf_add_face_marks(*outbuf, marks, carried);
  }
  return ret;
}

static void update_clip_from_caps(GstIdentifyFace *self, GstCaps *caps) {
  GstStructure *s = gst_caps_get_structure(caps, 0);
  if (!s) return;
  idf::ClipInfo &clip = self->priv->clip;
  gint w, h, n, d;
  if (gst_structure_get_int(s, "width", &w) && gst_structure_get_int(s, "height", &h)) {
    clip.width = w;
    clip.height = h;
  }
  if (gst_structure_get_fraction(s, "framerate", &n, &d)) {
    clip.fps_n = n;
    clip.fps_d = d;
  }
  std::string container =
      idf::container_from_caps(gst_structure_get_name(s), gst_structure_get_string(s, "variant") ?: "");
  if (!container.empty()) clip.container = container;
}

static gboolean gst_identify_face_sink_event(GstBaseTransform *trans, GstEvent *event) {
  auto *self = GST_IDENTIFY_FACE(trans);
  GstIdentifyFacePrivate *priv = self->priv;

  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_STREAM_START: {
      const gchar *sid = nullptr;
      gst_event_parse_stream_start(event, &sid);
      std::string new_id = sid ? sid : "";
      std::string old_id;
      {
        std::lock_guard<std::mutex> g(priv->state.lock);
        old_id = priv->state.stream_id;
      }
      if (new_id != old_id) {
        GST_DEBUG_OBJECT(self, "new stream %s", new_id.c_str());
        cancel_job(self, true);
        reset_stream_state(self);
        std::lock_guard<std::mutex> g(priv->state.lock);
        priv->state.stream_id = new_id;
      }
      break;
    }
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps(event, &caps);
      update_clip_from_caps(self, caps);
      break;
    }
    case GST_EVENT_TAG: {
      GstTagList *tags;
      gst_event_parse_tag(event, &tags);
      gchar *container = nullptr;
      if (gst_tag_list_get_string(tags, GST_TAG_CONTAINER_FORMAT, &container)) {
        priv->clip.container = idf::container_from_tag(container);
        g_free(container);
      }
      if (gst_tag_list_get_scope(tags) == GST_TAG_SCOPE_STREAM) {
        std::lock_guard<std::mutex> g(priv->state.lock);
        g_clear_pointer(&priv->state.upstream_tags, gst_tag_list_unref);
        priv->state.upstream_tags = gst_tag_list_copy(tags);
        if (priv->state.result_tags && !priv->state.tags_pending) {
          GstTagList *merged = merged_stream_tags(tags, priv->state.result_tags);
          gst_event_unref(event);
          event = gst_event_new_tag(merged);
        }
      }
      break;
    }
    case GST_EVENT_FLUSH_START: release_for_flush(self); break;
    case GST_EVENT_FLUSH_STOP: {
      std::lock_guard<std::mutex> g(priv->state.lock);
      priv->state.flushing = false;
      // Downstream may have dropped what it knew with the flush: our tags go
      // out again, after the new segment.
      if (priv->state.result_tags) priv->state.tags_pending = true;
      break;
    }
    case GST_EVENT_EOS: {
      finish_frame_analysis(self, true);
      bool hold;
      {
        std::lock_guard<std::mutex> g(priv->settings_lock);
        hold = priv->settings.hold_eos;
      }
      if (hold) wait_for_job(self);
      push_pending_tags(self);
      break;
    }
    default: break;
  }
  return GST_BASE_TRANSFORM_CLASS(parent_class)->sink_event(trans, event);
}

static gboolean gst_identify_face_start(GstBaseTransform *trans) {
  auto *self = GST_IDENTIFY_FACE(trans);
  GstIdentifyFacePrivate *priv = self->priv;
  Settings s;
  {
    std::lock_guard<std::mutex> g(priv->settings_lock);
    s = priv->settings;
  }
  auto provider = (idf::Provider)s.provider;
  if (!s.task_id.empty() && provider != idf::Provider::Kirin) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("task-id=%s names a Kirin task: it needs provider=kirin, not provider=%s (unset task-id to "
                       "identify the clip)",
                       s.task_id.c_str(), idf::provider_name(provider)),
                      (nullptr));
    return FALSE;
  }
  auto settings_error = idf::check_video_settings(provider, s.video_url, s.video_id);
  if (!settings_error) settings_error = idf::check_urls(provider, s.api_url, s.poll_url, s.video_url);
  if (settings_error) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", settings_error->message.c_str()), (nullptr));
    return FALSE;
  }
  if (auto warning = idf::cleartext_key_warning(provider, s.api_url))
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("%s", warning->c_str()), (nullptr));
  priv->jwt.reset();
  if (s.provider == IDF_PROVIDER_LOCAL) {
    // No local engine built, or no face model: say so now, and how to get it.
    if (auto why = idf::LocalEngine::unavailable_reason()) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", why->c_str()), (nullptr));
      return FALSE;
    }
  } else {
    if (s.access_key.empty() != s.secret_key.empty()) {
      GST_ELEMENT_ERROR(
          self, RESOURCE, SETTINGS,
          ("%s is set but %s is not: the access-key/secret-key scheme needs both",
           s.access_key.empty() ? "secret-key" : "access-key", s.access_key.empty() ? "access-key" : "secret-key"),
          (nullptr));
      return FALSE;
    }
    if (!s.access_key.empty() && s.api_key.empty())
      priv->jwt = std::make_shared<idf::JwtIssuer>(s.access_key, s.secret_key);
    const char *env = g_getenv(API_KEY_ENV);
    if (s.api_key.empty() && !priv->jwt && (!env || !*env)) {
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_AUTHORIZED,
                        ("No API key for provider=%s: set the api-key property (or access-key and secret-key), "
                         "or the " API_KEY_ENV " environment variable",
                         s.provider == IDF_PROVIDER_KIRIN ? "kirin" : "kling"),
                        (nullptr));
      return FALSE;
    }
  }
  std::lock_guard<std::mutex> g(priv->state.lock);
  priv->state.flushing = false;
  return TRUE;
}

static gboolean gst_identify_face_stop(GstBaseTransform *trans) {
  auto *self = GST_IDENTIFY_FACE(trans);
  cancel_job(self, true);
  reset_stream_state(self);
  std::lock_guard<std::mutex> g(self->priv->state.lock);
  self->priv->state.stream_id.clear();
  return TRUE;
}

static GstStateChangeReturn gst_identify_face_change_state(GstElement *element, GstStateChange transition) {
  auto *self = GST_IDENTIFY_FACE(element);
  // Before the pads are deactivated, which takes the stream lock a held
  // streaming thread owns.
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    // The stream ends by a state change: what was seen so far, complete=false.
    finish_frame_analysis(self, false);
    release_and_cancel(self);
  }
  return GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
}

/* ---- GObject ---- */

static void set_string(GstIdentifyFacePrivate *priv, std::string Settings::*field, const GValue *value) {
  const gchar *s = g_value_get_string(value);
  std::lock_guard<std::mutex> g(priv->settings_lock);
  priv->settings.*field = s ? s : "";
}

static void get_string(GstIdentifyFacePrivate *priv, std::string Settings::*field, GValue *value) {
  std::lock_guard<std::mutex> g(priv->settings_lock);
  const std::string &s = priv->settings.*field;
  g_value_set_string(value, s.empty() ? nullptr : s.c_str());
}

static void gst_identify_face_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  auto *self = GST_IDENTIFY_FACE(object);
  GstIdentifyFacePrivate *priv = self->priv;
  switch (prop_id) {
    case PROP_API_URL: set_string(priv, &Settings::api_url, value); return;
    case PROP_POLL_URL: set_string(priv, &Settings::poll_url, value); return;
    case PROP_API_KEY: set_string(priv, &Settings::api_key, value); return;
    case PROP_ACCESS_KEY: set_string(priv, &Settings::access_key, value); return;
    case PROP_SECRET_KEY: set_string(priv, &Settings::secret_key, value); return;
    case PROP_MODEL: set_string(priv, &Settings::model, value); return;
    case PROP_TASK_ID: set_string(priv, &Settings::task_id, value); return;
    case PROP_VIDEO_URL: set_string(priv, &Settings::video_url, value); return;
    case PROP_VIDEO_ID: set_string(priv, &Settings::video_id, value); return;
    case PROP_FACE_IMAGE_DIR: set_string(priv, &Settings::face_image_dir, value); return;
    case PROP_CACHE_DIR: set_string(priv, &Settings::cache_dir, value); return;
    case PROP_SSL_CA_FILE: set_string(priv, &Settings::ssl_ca_file, value); return;
    default: break;
  }
  std::lock_guard<std::mutex> g(priv->settings_lock);
  Settings &s = priv->settings;
  switch (prop_id) {
    case PROP_PROVIDER: s.provider = (IdfProviderEnum)g_value_get_enum(value); break;
    case PROP_VALIDATION:
      s.validation = (IdfValidationEnum)g_value_get_enum(value);
      s.validation_set = true;
      break;
    case PROP_REQUEST_TIMEOUT: s.request_timeout = g_value_get_uint(value); break;
    case PROP_TIMEOUT: s.timeout = g_value_get_uint(value); break;
    case PROP_POLL_INTERVAL: s.poll_interval = g_value_get_uint(value); break;
    case PROP_POLL_INTERVAL_MAX: s.poll_interval_max = g_value_get_uint(value); break;
    case PROP_MAX_RETRIES: s.max_retries = g_value_get_uint(value); break;
    case PROP_ON_ERROR: s.on_error = (IdfOnErrorEnum)g_value_get_enum(value); break;
    case PROP_HOLD_EOS: s.hold_eos = g_value_get_boolean(value); break;
    case PROP_WAIT_FOR_RESULT: s.wait_for_result = g_value_get_boolean(value); break;
    case PROP_CACHE_TTL: s.cache_ttl = g_value_get_uint(value); break;
    case PROP_CACHE_ONLY: s.cache_only = g_value_get_boolean(value); break;
    case PROP_MAX_CONCURRENT: s.max_concurrent = g_value_get_uint(value); break;
    case PROP_MARK_FRAMES: s.mark_frames = g_value_get_boolean(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static void gst_identify_face_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_IDENTIFY_FACE(object);
  GstIdentifyFacePrivate *priv = self->priv;
  switch (prop_id) {
    case PROP_API_URL: get_string(priv, &Settings::api_url, value); return;
    case PROP_POLL_URL: get_string(priv, &Settings::poll_url, value); return;
    case PROP_MODEL: get_string(priv, &Settings::model, value); return;
    case PROP_TASK_ID: get_string(priv, &Settings::task_id, value); return;
    case PROP_VIDEO_URL: get_string(priv, &Settings::video_url, value); return;
    case PROP_VIDEO_ID: get_string(priv, &Settings::video_id, value); return;
    case PROP_FACE_IMAGE_DIR: get_string(priv, &Settings::face_image_dir, value); return;
    case PROP_CACHE_DIR: get_string(priv, &Settings::cache_dir, value); return;
    case PROP_SSL_CA_FILE: get_string(priv, &Settings::ssl_ca_file, value); return;
    case PROP_SESSION_ID: {
      std::lock_guard<std::mutex> g(priv->state.lock);
      g_value_set_string(value, priv->state.session_id.empty() ? nullptr : priv->state.session_id.c_str());
      return;
    }
    case PROP_RESULT: {
      std::lock_guard<std::mutex> g(priv->state.lock);
      g_value_set_boxed(value, priv->state.result);
      return;
    }
    default: break;
  }
  std::lock_guard<std::mutex> g(priv->settings_lock);
  const Settings &s = priv->settings;
  switch (prop_id) {
    case PROP_PROVIDER: g_value_set_enum(value, s.provider); break;
    case PROP_VALIDATION: g_value_set_enum(value, s.validation); break;
    case PROP_REQUEST_TIMEOUT: g_value_set_uint(value, s.request_timeout); break;
    case PROP_TIMEOUT: g_value_set_uint(value, s.timeout); break;
    case PROP_POLL_INTERVAL: g_value_set_uint(value, s.poll_interval); break;
    case PROP_POLL_INTERVAL_MAX: g_value_set_uint(value, s.poll_interval_max); break;
    case PROP_MAX_RETRIES: g_value_set_uint(value, s.max_retries); break;
    case PROP_ON_ERROR: g_value_set_enum(value, s.on_error); break;
    case PROP_HOLD_EOS: g_value_set_boolean(value, s.hold_eos); break;
    case PROP_WAIT_FOR_RESULT: g_value_set_boolean(value, s.wait_for_result); break;
    case PROP_CACHE_TTL: g_value_set_uint(value, s.cache_ttl); break;
    case PROP_CACHE_ONLY: g_value_set_boolean(value, s.cache_only); break;
    case PROP_MAX_CONCURRENT: g_value_set_uint(value, s.max_concurrent); break;
    case PROP_MARK_FRAMES: g_value_set_boolean(value, s.mark_frames); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static void gst_identify_face_dispose(GObject *object) {
  auto *self = GST_IDENTIFY_FACE(object);
  cancel_job(self, false);
  G_OBJECT_CLASS(parent_class)->dispose(object);
}

static void gst_identify_face_finalize(GObject *object) {
  auto *self = GST_IDENTIFY_FACE(object);
  GstIdentifyFacePrivate *priv = self->priv;
  g_clear_pointer(&priv->state.result_tags, gst_tag_list_unref);
  g_clear_pointer(&priv->state.upstream_tags, gst_tag_list_unref);
  g_clear_pointer(&priv->state.result, gst_structure_free);
  delete priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_identify_face_init(GstIdentifyFace *self) {
  self->priv = new GstIdentifyFacePrivate();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}

static void gst_identify_face_class_init(GstIdentifyFaceClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  gobject_class->set_property = gst_identify_face_set_property;
  gobject_class->get_property = gst_identify_face_get_property;
  gobject_class->dispose = gst_identify_face_dispose;
  gobject_class->finalize = gst_identify_face_finalize;

  const auto rw = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  // Secrets are write-only: no get_property, no notify::, nothing to print.
  const auto wo = (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto ro = (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_property(gobject_class, PROP_PROVIDER,
                                  g_param_spec_enum("provider", "Provider", "Which service identifies the faces",
                                                    idf_provider_get_type(), DEFAULT_PROVIDER, rw));
  g_object_class_install_property(gobject_class, PROP_API_URL,
                                  g_param_spec_string("api-url", "API URL",
                                                      "Endpoint to POST to (NULL: the provider's default, kling: "
                                                      "https://api.chainhub.tech/kling/v1/videos/identify-face, kirin: "
                                                      "https://cloud.vtrix.ai/model/v1/generation)",
                                                      nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_POLL_URL,
      g_param_spec_string("poll-url", "Poll URL",
                          "kirin: task status URL template, {task_id} is replaced (NULL: api-url/task/{task_id})",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_API_KEY,
      g_param_spec_string("api-key", "API key",
                          "Bearer API key (write-only; falls back to the " API_KEY_ENV " environment variable)",
                          nullptr, wo));
  g_object_class_install_property(
      gobject_class, PROP_ACCESS_KEY,
      g_param_spec_string("access-key", "Access key",
                          "Kling access key (write-only): with secret-key, requests carry an HS256 JWT", nullptr, wo));
  g_object_class_install_property(
      gobject_class, PROP_SECRET_KEY,
      g_param_spec_string("secret-key", "Secret key", "Kling secret key that signs the JWT (write-only)", nullptr, wo));
  g_object_class_install_property(
      gobject_class, PROP_MODEL,
      g_param_spec_string("model", "Model", "kirin: the model id sent with the task", idf::defaults::kModel, rw));
  g_object_class_install_property(
      gobject_class, PROP_TASK_ID,
      g_param_spec_string(IDENTIFYFACE_PROPERTY_TASK_ID, "Task ID",
                          "kirin: collect this existing task instead of submitting the clip: polls only, no new "
                          "charge (NULL: submit the clip)",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_VIDEO_URL,
      g_param_spec_string("video-url", "Video URL",
                          "Public URL of this clip for the service to fetch (NULL: the upstream URI when it is "
                          "http(s)); exclusive with video-id",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_VIDEO_ID,
      g_param_spec_string("video-id", "Video ID", "Id of a Kling-generated video; exclusive with video-url", nullptr,
                          rw));
  g_object_class_install_property(
      gobject_class, PROP_VALIDATION,
      g_param_spec_enum("validation", "Validation", "Check the clip against the service's limits before sending",
                        idf_validation_get_type(), DEFAULT_VALIDATION, rw));
  g_object_class_install_property(
      gobject_class, PROP_REQUEST_TIMEOUT,
      g_param_spec_uint("request-timeout", "Request timeout", "Seconds to wait for one HTTP answer", 1, 3600,
                        DEFAULT_REQUEST_TIMEOUT, rw));
  g_object_class_install_property(
      gobject_class, PROP_TIMEOUT,
      g_param_spec_uint("timeout", "Timeout", "Overall deadline of one identification, in seconds", 1, 86400,
                        DEFAULT_TIMEOUT, rw));
  g_object_class_install_property(gobject_class, PROP_POLL_INTERVAL,
                                  g_param_spec_uint("poll-interval", "Poll interval",
                                                    "kirin: milliseconds between status polls during the first 30 s",
                                                    10, 600000, DEFAULT_POLL_INTERVAL, rw));
  g_object_class_install_property(
      gobject_class, PROP_POLL_INTERVAL_MAX,
      g_param_spec_uint("poll-interval-max", "Maximum poll interval",
                        "kirin: after 30 s the interval grows x1.5 per poll up to this many milliseconds", 10, 600000,
                        DEFAULT_POLL_INTERVAL_MAX, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_RETRIES,
      g_param_spec_uint("max-retries", "Maximum retries",
                        "Retries of a transient failure (refused connection, 429, 502-504, codes 1302, 1303, 5000, "
                        "5001); a submission that may have been billed is never resent",
                        0, 100, DEFAULT_MAX_RETRIES, rw));
  g_object_class_install_property(gobject_class, PROP_ON_ERROR,
                                  g_param_spec_enum("on-error", "On error", "What a failed identification posts",
                                                    idf_on_error_get_type(), DEFAULT_ON_ERROR, rw));
  g_object_class_install_property(
      gobject_class, PROP_HOLD_EOS,
      g_param_spec_boolean("hold-eos", "Hold EOS", "Hold EOS until the result or failure is known", DEFAULT_HOLD_EOS,
                           rw));
  g_object_class_install_property(
      gobject_class, PROP_WAIT_FOR_RESULT,
      g_param_spec_boolean("wait-for-result", "Wait for result",
                           "Hold buffers until the result tags are pushed, so downstream sees the faces before "
                           "the first frame",
                           DEFAULT_WAIT_FOR_RESULT, rw));
  g_object_class_install_property(
      gobject_class, PROP_FACE_IMAGE_DIR,
      g_param_spec_string("face-image-dir", "Face image folder",
                          "local: folder for the JPEG face crops (NULL: gst-identify-face/faces in the user's cache "
                          "dir)",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_SSL_CA_FILE,
      g_param_spec_string("ssl-ca-file", "SSL CA file",
                          "A PEM file of CA certificates trusted besides the system's, for a corporate proxy or a "
                          "test server (as souphttpsrc's ssl-ca-file)",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_MARK_FRAMES,
      g_param_spec_boolean("mark-frames", "Mark frames",
                           "local, raw video: put a GstVideoRegionOfInterestMeta of type \"face\" on each buffer "
                           "per face visible in it and, built against GStreamer >= 1.24, a GstAnalyticsRelationMeta",
                           TRUE, rw));
  g_object_class_install_property(
      gobject_class, PROP_CACHE_DIR,
      g_param_spec_string("cache-dir", "Result cache folder",
                          "Where finished identifications are kept for reuse (NULL: gst-identify-face/results in the "
                          "user's cache dir)",
                          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_CACHE_TTL,
      g_param_spec_uint("cache-ttl", "Result cache lifetime",
                        "Seconds a finished identification is reused for the same clip, at most while its session "
                        "has 1 h left (sessions live 24 h); 0 disables the cache",
                        0, 82800, idf::defaults::kCacheTtlS, rw));
  g_object_class_install_property(
      gobject_class, PROP_CACHE_ONLY,
      g_param_spec_boolean("cache-only", "Result cache only",
                           "Answer only from the result cache: without a cached identification of the clip, fail "
                           "(kind config) and send nothing",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_CONCURRENT,
      g_param_spec_uint("max-concurrent", "Maximum concurrent tasks",
                        "Tasks in flight at once for this endpoint and account, shared by every element of the "
                        "process (the smallest non-zero value wins); 0: no fixed limit, learned from the service's "
                        "refusals",
                        0, 1000, idf::defaults::kMaxConcurrent, rw));
  g_object_class_install_property(
      gobject_class, PROP_SESSION_ID,
      g_param_spec_string("session-id", "Session ID", "Session id of the last result (NULL until known)", nullptr, ro));
  g_object_class_install_property(
      gobject_class, PROP_RESULT,
      g_param_spec_boxed("result", "Result",
                         "The last result: the \"identify-face\" structure of the message (NULL until known)",
                         GST_TYPE_STRUCTURE, ro));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  // What gst-inspect-1.0 shows a newcomer: what comes out, where the docs are,
  // whom to tell.
  gst_element_class_set_static_metadata(
      element_class, "Lip-sync face identification", "Filter/Analyzer/Video",
      "Identifies the faces of a clip that can be lip-synced, and when. The answer is the "
      "\"" IDENTIFYFACE_MESSAGE_RESULT "\" element message on the bus (failures: \"" IDENTIFYFACE_MESSAGE_ERROR
      "\", progress: \"" IDENTIFYFACE_MESSAGE_PROGRESS "\") and the stream tags " IDENTIFYFACE_TAG_SESSION_ID
      " and " IDENTIFYFACE_TAG_FACE
      ". Every property, message field, tag and error: docs/element-reference.md, " IDF_DOC_URI,
      "gst-identify-face engineers <" IDF_PACKAGE_ORIGIN "/issues>");
  gst_element_class_add_static_metadata(element_class, GST_ELEMENT_METADATA_DOC_URI, IDF_DOC_URI);

  element_class->change_state = GST_DEBUG_FUNCPTR(gst_identify_face_change_state);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_identify_face_transform_ip);
  trans_class->generate_output = GST_DEBUG_FUNCPTR(gst_identify_face_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_identify_face_sink_event);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_identify_face_start);
  trans_class->accept_caps = GST_DEBUG_FUNCPTR(gst_identify_face_accept_caps);
  trans_class->query = GST_DEBUG_FUNCPTR(gst_identify_face_query);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_identify_face_stop);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = TRUE;

  gst_type_mark_as_plugin_api(idf_provider_get_type(), (GstPluginAPIFlags)0);
  gst_type_mark_as_plugin_api(idf_validation_get_type(), (GstPluginAPIFlags)0);
  gst_type_mark_as_plugin_api(idf_on_error_get_type(), (GstPluginAPIFlags)0);
}
