// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-lipsync
 * @title: lipsync
 *
 * Lip-syncs one face of the clip to an audio with the provider's lip-sync
 * service (Kling's advanced lip-sync, Kirin's kirin_lipsync), after checking
 * every documented rule: nothing is submitted that the service would refuse.
 * A passthrough: buffers go through unchanged. Downstream of identifyface it
 * takes the session and the faces from the lipsync-session-id and
 * lipsync-face tags; standalone, from session-id and face-id.
 *
 * ## Example launch line
 * |[
 * IDENTIFYFACE_API_KEY=... gst-launch-1.0 -m filesrc location=clip.mp4 ! qtdemux ! h264parse ! \
 *     identifyface video-url=https://example.com/clip.mp4 ! lipsync audio-uri=dub.wav ! fakesink
 * ]|
 */
#include "gstlipsync.h"

#include <gst/identifyface/identifyface.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/debug_categories.h"
#include "identifyface_enums.h"
#include "identifyface_result.h"
#include "job/job.h"
#include "job/lipsync_flow.h"
#include "job/lipsync_preflight.h"
#include "runtime/audio_probe.h"
#include "runtime/production_deps.h"
#include "wire/jwt.h"

GST_DEBUG_CATEGORY_STATIC(gst_lipsync_debug);
#define GST_CAT_DEFAULT gst_lipsync_debug

#define API_KEY_ENV "IDENTIFYFACE_API_KEY"
#define DEFAULT_FACE_ID "auto"

enum {
  PROP_0,
  PROP_PROVIDER,
  PROP_API_URL,
  PROP_POLL_URL,
  PROP_API_KEY,
  PROP_ACCESS_KEY,
  PROP_SECRET_KEY,
  PROP_MODEL,
  PROP_SESSION_ID,
  PROP_FACE_ID,
  PROP_AUDIO_URI,
  PROP_AUDIO_ID,
  PROP_AUDIO_START,
  PROP_AUDIO_END,
  PROP_INSERT_TIME,
  PROP_AUDIO_VOLUME,
  PROP_ORIGINAL_VOLUME,
  PROP_VALIDATION,
  PROP_REQUEST_TIMEOUT,
  PROP_TIMEOUT,
  PROP_POLL_INTERVAL,
  PROP_MAX_RETRIES,
  PROP_MAX_CONCURRENT,
  PROP_SSL_CA_FILE,
  PROP_ON_ERROR,
  PROP_HOLD_EOS,
  PROP_TASK_ID,
  PROP_CHECK_ONLY,
  PROP_RESULT,
};

namespace {

struct Settings {
  IdfProviderEnum provider = (IdfProviderEnum)idf::defaults::kProvider;
  std::string api_url, poll_url, api_key, access_key, secret_key, ssl_ca_file;
  std::string model = idf::kKirinLipsyncDefaultModel;
  std::string session_id, face_id = DEFAULT_FACE_ID, audio_uri, audio_id, task_id;
  guint64 audio_start = 0, audio_end = 0, insert_time = GST_CLOCK_TIME_NONE;
  double audio_volume = 1.0, original_volume = 1.0;
  IdfValidationEnum validation = (IdfValidationEnum)idf::defaults::kValidation;
  guint request_timeout = idf::defaults::kRequestTimeoutS;
  guint timeout = idf::defaults::kTimeoutS;
  guint poll_interval = idf::defaults::kPollIntervalMs;
  guint max_retries = idf::defaults::kMaxRetries;
  guint max_concurrent = idf::defaults::kMaxConcurrent;
  IdfOnErrorEnum on_error = IDF_ON_ERROR_ERROR;
  bool hold_eos = true;
  bool check_only = false;
};

// Lets the worker thread reach the element without keeping it alive.
struct Link {
  std::mutex lock;
  GstLipsync *element;
  explicit Link(GstLipsync *e) : element(e) {}
  GstLipsync *ref() {
    std::lock_guard<std::mutex> g(lock);
    return element ? (GstLipsync *)gst_object_ref(element) : nullptr;
  }
  void detach() {
    std::lock_guard<std::mutex> g(lock);
    element = nullptr;
  }
};

// Ending: the job has ended and its messages are being posted; the
// streaming thread still waits for them, and a stop then cancels nothing.
enum class JobState { None, Running, Ending, Done };

}  // namespace

struct _GstLipsync {
  GstBaseTransform parent;
  std::mutex *settings_lock;
  Settings *settings;
  // Stream state: every field with `lock`; never cancel a job or post with it held.
  std::mutex *lock;
  std::condition_variable *changed;
  JobState job_state;
  bool flushing;
  bool started;  // a lip-sync was started (or refused) for this stream
  std::string *session_id;
  std::vector<idf::Face> *faces;
  bool faces_known;
  gint64 session_created_s;  // from the lipsync-session-created tag; 0 unknown
  std::shared_ptr<idf::Job> *job;
  std::shared_ptr<Link> *link;
  GstStructure *result;
  GstFlowReturn flow_error;
};

#define gst_lipsync_parent_class parent_class
G_DEFINE_TYPE(GstLipsync, gst_lipsync, GST_TYPE_BASE_TRANSFORM);

static gboolean lipsync_element_init(GstPlugin *plugin) {
  GST_DEBUG_CATEGORY_INIT(gst_lipsync_debug, "lipsync", 0, "lipsync element");
  idf::init_debug_categories();
  idf_register_tags();
  return gst_element_register(plugin, LIPSYNC_ELEMENT, GST_RANK_NONE, GST_TYPE_LIPSYNC);
}
GST_ELEMENT_REGISTER_DEFINE_CUSTOM(lipsync, lipsync_element_init);

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- messages ---- */

static void post_structure(GstLipsync *self, GstStructure *s) {
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static void post_progress(GstLipsync *self, const idf::Progress &p) {
  GstStructure *s = idf_progress_to_structure(p);
  gst_structure_set_name(s, LIPSYNC_MESSAGE_PROGRESS);
  post_structure(self, s);
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

// Before the ending's messages: an application that stops on them is told
// nothing was cancelled (the task ended; it will not "still finish").
static void mark_ending(GstLipsync *self) {
  std::lock_guard<std::mutex> g(*self->lock);
  if (self->job_state == JobState::Running) self->job_state = JobState::Ending;
}

// The lipsync-error message, then an ERROR or WARNING (on-error) with the
// same details. The stream's lip-sync is over.
static void fail_stream(GstLipsync *self, const idf::Failure &f, const char *provider) {
  bool as_error;
  {
    std::lock_guard<std::mutex> g(*self->settings_lock);
    as_error = self->settings->on_error == IDF_ON_ERROR_ERROR;
  }
  mark_ending(self);
  GstStructure *details = idf_failure_to_structure(f, provider, "");
  gst_structure_set_name(details, LIPSYNC_MESSAGE_ERROR);
  post_structure(self, gst_structure_copy(details));
  GST_WARNING_OBJECT(self, "lip-sync failed: %s", f.message.c_str());
  gst_element_message_full_with_details(
      GST_ELEMENT(self), as_error ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING, GST_RESOURCE_ERROR, resource_error_for(f),
      g_strdup_printf("Lip-sync failed: %s", f.message.c_str()),
      f.detail.empty() ? nullptr : g_strdup(f.detail.c_str()), __FILE__, GST_FUNCTION, __LINE__, details);
  std::lock_guard<std::mutex> g(*self->lock);
  self->flow_error = as_error ? GST_FLOW_ERROR : GST_FLOW_OK;
  self->job_state = JobState::Done;
  self->changed->notify_all();
}

static GstStructure *result_structure(const idf::Result &r, const std::string &face_id, uint64_t insert_ns,
                                      const std::string &session_id, const std::string &choice) {
  GValue videos = G_VALUE_INIT;
  g_value_init(&videos, GST_TYPE_LIST);
  for (const auto &v : r.videos) {
    GValue item = G_VALUE_INIT;
    g_value_init(&item, GST_TYPE_STRUCTURE);
    GstStructure *vs = gst_structure_new(LIPSYNC_VIDEO, LIPSYNC_FIELD_VIDEO_ID, G_TYPE_STRING, v.id.c_str(),
                                         LIPSYNC_FIELD_VIDEO_URL, G_TYPE_STRING, v.url.c_str(),
                                         LIPSYNC_FIELD_VIDEO_DURATION, G_TYPE_UINT64, (guint64)v.duration_ns, nullptr);
    gst_value_set_structure(&item, vs);
    gst_structure_free(vs);
    gst_value_list_append_and_take_value(&videos, &item);
  }
  const idf::ResultVideo first = r.videos.empty() ? idf::ResultVideo() : r.videos[0];
  GstStructure *s = gst_structure_new(
      LIPSYNC_MESSAGE_RESULT, IDENTIFYFACE_FIELD_PROVIDER, G_TYPE_STRING, r.provider.c_str(),
      IDENTIFYFACE_FIELD_SESSION_ID, G_TYPE_STRING, session_id.c_str(), IDENTIFYFACE_FIELD_FACE_ID, G_TYPE_STRING,
      face_id.c_str(), LIPSYNC_FIELD_INSERT_TIME, G_TYPE_UINT64, (guint64)insert_ns, IDENTIFYFACE_FIELD_TASK_ID,
      G_TYPE_STRING, r.task_id.c_str(), IDENTIFYFACE_FIELD_REQUEST_ID, G_TYPE_STRING, r.request_id.c_str(),
      IDENTIFYFACE_FIELD_STATUS, G_TYPE_STRING, r.task_status.c_str(), IDENTIFYFACE_FIELD_FINAL_UNIT_DEDUCTION,
      G_TYPE_STRING, r.final_unit_deduction.c_str(), LIPSYNC_FIELD_RESULT_URL, G_TYPE_STRING, first.url.c_str(),
      LIPSYNC_FIELD_RESULT_DURATION, G_TYPE_UINT64, (guint64)first.duration_ns, LIPSYNC_FIELD_CHOICE, G_TYPE_STRING,
      choice.c_str(), nullptr);
  gst_structure_take_value(s, LIPSYNC_FIELD_VIDEOS, &videos);
  if (r.cost) gst_structure_set(s, IDENTIFYFACE_FIELD_COST, G_TYPE_STRING, r.cost->c_str(), nullptr);
  if (r.discount) gst_structure_set(s, IDENTIFYFACE_FIELD_DISCOUNT, G_TYPE_DOUBLE, *r.discount, nullptr);
  return s;
}

/* ---- the job ---- */

static void cancel_job(GstLipsync *self) {
  std::shared_ptr<idf::Job> job;
  std::shared_ptr<Link> link;
  bool was_running;
  {
    std::lock_guard<std::mutex> g(*self->lock);
    job = std::move(*self->job);
    link = std::move(*self->link);
    was_running = self->job_state == JobState::Running;
    if (was_running || self->job_state == JobState::Ending) self->job_state = JobState::Done;
    self->changed->notify_all();
  }
  if (link) link->detach();
  if (job) job->cancel();  // never with the lock held
  if (!was_running) return;
  // A submitted task was paid for and may still finish: say which, and how
  // to collect it without a new charge.
  std::string task_id = job ? job->task_id() : "";
  idf::Progress p{IDENTIFYFACE_PHASE_CANCELLED, "lip-sync cancelled"};
  if (!task_id.empty())
    p.text = "lip-sync cancelled after task " + task_id +
             " was submitted: it is not resubmitted and may still finish; collect it without a new charge with "
             "lipsync task-id=" +
             task_id + " (gst-identify-face --lipsync-task-id=" + task_id + " CLIP)";
  else if (job && job->submitted())
    p.text = "lip-sync cancelled after it was sent, before the service named its task: it is not resubmitted";
  p.task_id = task_id;
  GST_INFO_OBJECT(self, "%s", p.text.c_str());
  post_progress(self, p);
}

static std::string authorization_value(const std::shared_ptr<idf::JwtIssuer> &jwt, const Settings &s, int64_t wall_s) {
  if (!s.api_key.empty()) return "Bearer " + s.api_key;
  if (jwt) return "Bearer " + jwt->token(wall_s);
  const char *env = g_getenv(API_KEY_ENV);
  return env ? std::string("Bearer ") + env : std::string();
}

static std::string account_credential(const Settings &s) {
  if (!s.api_key.empty()) return s.api_key;
  if (!s.access_key.empty()) return s.access_key;
  const char *env = g_getenv(API_KEY_ENV);
  return env ? env : "";
}

// audio-uri as a URI: a plain path becomes file://.
static std::string audio_uri_of(const std::string &value) {
  if (gst_uri_is_valid(value.c_str())) return value;
  gchar *uri = gst_filename_to_uri(value.c_str(), nullptr);
  std::string out = uri ? uri : "";
  g_free(uri);
  return out;
}

// Streaming thread: checks everything, then starts the lip-sync; refuses
// with every broken rule otherwise. Once per stream.
static void start_job(GstLipsync *self) {
  Settings s;
  {
    std::lock_guard<std::mutex> g(*self->settings_lock);
    s = *self->settings;
  }
  idf::SessionFacts session;
  {
    std::lock_guard<std::mutex> g(*self->lock);
    if (self->started || self->flushing) return;
    self->started = true;
    session.session_id = !self->session_id->empty() ? *self->session_id : s.session_id;
    session.faces = *self->faces;
    session.faces_known = self->faces_known;
    if (self->session_created_s) session.created_wall_s = self->session_created_s;
  }
  idf::Provider provider = (idf::Provider)s.provider;
  const char *provider_name = idf::provider_name(provider);
  session.provider = provider_name;
  // A session id from tags that came with faces is what identifyface
  // reports; local's tags carry no session id.
  if (session.session_id.empty() && session.faces_known) session.provider = "local";

  std::string uri_problem;
  if (s.task_id.empty() && s.audio_uri.empty() == s.audio_id.empty()) {
    fail_stream(
        self,
        idf::Failure::config(s.audio_uri.empty() ? "no audio: set audio-uri (a file or an http(s) URL) or audio-id"
                                                 : "both audio-uri and audio-id are set: set one of them"),
        provider_name);
    return;
  }

  idf::LipsyncRequest req;
  req.session_id = session.session_id;
  req.task_id = s.task_id;
  req.sound_volume = s.audio_volume;
  req.original_volume = s.original_volume;
  idf::LipsyncPlan plan;
  std::string choice_text;
  if (s.task_id.empty()) {
    gint64 duration = -1;
    std::optional<uint64_t> video_duration;
    if (gst_pad_peer_query_duration(GST_BASE_TRANSFORM_SINK_PAD(self), GST_FORMAT_TIME, &duration) && duration > 0)
      video_duration = (uint64_t)duration;

    idf::AudioFacts audio;
    std::string uri;
    if (!s.audio_uri.empty()) {
      uri = audio_uri_of(s.audio_uri);
      bool file = g_str_has_prefix(uri.c_str(), "file:");
      if (!file && !g_str_has_prefix(uri.c_str(), "http://") && !g_str_has_prefix(uri.c_str(), "https://")) {
        fail_stream(self,
                    idf::Failure::config("audio-uri \"" + s.audio_uri + "\" is neither a file nor an http(s) URL"),
                    provider_name);
        return;
      }
      audio = idf::read_audio(uri, s.request_timeout, s.ssl_ca_file, &uri_problem);
      req.audio.kind = file ? idf::LipsyncAudio::Kind::Data : idf::LipsyncAudio::Kind::Url;
      GST_DEBUG_OBJECT(self, "audio %s: format \"%s\", %" G_GUINT64_FORMAT " ns, %" G_GUINT64_FORMAT " bytes %s",
                       uri.c_str(), audio.format.c_str(), audio.duration_ns.value_or(0), audio.size_bytes.value_or(0),
                       uri_problem.c_str());
    } else {
      req.audio = {idf::LipsyncAudio::Kind::Id, s.audio_id};
    }
    req.audio_start_ns = s.audio_start;
    req.audio_end_ns = s.audio_end ? s.audio_end : audio.duration_ns.value_or(0);
    uint64_t length = req.audio_end_ns > req.audio_start_ns ? req.audio_end_ns - req.audio_start_ns : 0;

    std::optional<uint64_t> insert;
    if (GST_CLOCK_TIME_IS_VALID(s.insert_time)) insert = s.insert_time;
    if (session.faces_known) {
      auto choice = idf::choose_lipsync_face(session.faces, s.face_id, length, insert, video_duration);
      if (auto *why = std::get_if<std::string>(&choice)) {
        if (s.validation == IDF_VALIDATION_STRICT || s.face_id.empty() || s.face_id == DEFAULT_FACE_ID) {
          fail_stream(self, idf::Failure::validation("no face to lip-sync: " + *why + "; no request sent"),
                      provider_name);
          return;
        }
        req.face_id = s.face_id;
        req.insert_ns = insert.value_or(0);
      } else {
        auto &c = std::get<idf::FaceChoice>(choice);
        req.face_id = c.face_id;
        req.insert_ns = c.insert_ns;
        choice_text = c.why;
      }
    } else {
      req.face_id = s.face_id == DEFAULT_FACE_ID ? "" : s.face_id;
      req.insert_ns = insert.value_or(0);
      if (req.face_id.empty()) {
        fail_stream(self,
                    idf::Failure::config("face-id=auto needs the faces: place identifyface upstream, or set face-id"),
                    provider_name);
        return;
      }
    }
    if (!choice_text.empty()) GST_INFO_OBJECT(self, "%s", choice_text.c_str());

    plan.session = session;
    plan.face_id = req.face_id;
    plan.audio_kind = req.audio.kind;
    plan.audio = audio;
    plan.audio_start_ns = req.audio_start_ns;
    plan.audio_end_ns = req.audio_end_ns;
    plan.insert_ns = req.insert_ns;
    plan.video_duration_ns = video_duration;
    plan.sound_volume = s.audio_volume;
    plan.original_volume = s.original_volume;
    plan.now_wall_s = g_get_real_time() / G_USEC_PER_SEC;
    // check-only checks as strict does, whatever validation says.
    if (s.validation != IDF_VALIDATION_OFF || s.check_only) {
      auto violations = idf::check_lipsync(plan);
      if (!violations.empty()) {
        std::string text = idf::describe_lipsync_violations(violations);
        if (!uri_problem.empty()) text += " (reading the audio: " + uri_problem + ")";
        if (s.validation == IDF_VALIDATION_STRICT || s.check_only) {
          fail_stream(self,
                      idf::Failure::validation("lip-sync refused before sending: " + text +
                                               "; no request sent (set validation=warn or off to send anyway)"),
                      provider_name);
          return;
        }
        GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("%s", text.c_str()), ("validation=warn: sending anyway"));
      }
    }
    if (req.audio.kind == idf::LipsyncAudio::Kind::Data) {
      gchar *path = g_filename_from_uri(uri.c_str(), nullptr, nullptr);
      gchar *contents = nullptr;
      gsize len = 0;
      bool ok = path && g_file_get_contents(path, &contents, &len, nullptr);
      g_free(path);
      if (!ok) {
        fail_stream(self, idf::Failure::config("cannot read audio-uri \"" + s.audio_uri + "\""), provider_name);
        return;
      }
      gchar *b64 = g_base64_encode((const guchar *)contents, len);
      req.audio.value = b64;
      g_free(b64);
      g_free(contents);
    } else if (req.audio.kind == idf::LipsyncAudio::Kind::Url) {
      req.audio.value = uri;
    }
  }

  idf::JobConfig cfg;
  cfg.provider = provider;
  cfg.api_url = s.api_url;
  cfg.poll_url = s.poll_url;
  cfg.model = s.model;
  cfg.validation = (idf::ValidationMode)s.validation;
  cfg.request_timeout_s = s.request_timeout;
  cfg.timeout_s = s.timeout;
  cfg.poll_interval_ms = s.poll_interval;
  cfg.max_retries = s.max_retries;
  cfg.max_concurrent = s.max_concurrent;
  cfg.ca_file = s.ssl_ca_file;
  cfg.credential = account_credential(s);
  std::shared_ptr<idf::JwtIssuer> jwt;
  if (s.api_key.empty() && !s.access_key.empty() && !s.secret_key.empty())
    jwt = std::make_shared<idf::JwtIssuer>(s.access_key, s.secret_key);
  cfg.authorization = [jwt, s](int64_t wall_s) { return authorization_value(jwt, s, wall_s); };
  if (provider != idf::Provider::Local && authorization_value(jwt, s, 0).empty()) {
    fail_stream(self,
                idf::Failure::config("no credentials: set api-key (or access-key and secret-key), or the " API_KEY_ENV
                                     " environment variable"),
                provider_name);
    return;
  }
  if (auto bad = idf::check_urls(provider, s.api_url, s.poll_url, "")) {
    fail_stream(self, *bad, provider_name);
    return;
  }
  if (s.check_only && s.task_id.empty()) {
    char at[32];
    g_snprintf(at, sizeof at, "%.3f", req.insert_ns / 1e9);
    idf::Progress p{IDENTIFYFACE_PHASE_COMPLETE, "checked, nothing sent: face " + req.face_id + ", audio inserted at " +
                                                     at + " s" + (choice_text.empty() ? "" : " (" + choice_text + ")") +
                                                     "; every documented rule passed"};
    GST_INFO_OBJECT(self, "%s", p.text.c_str());
    post_progress(self, p);
    std::lock_guard<std::mutex> g(*self->lock);
    self->job_state = JobState::Done;
    self->changed->notify_all();
    return;
  }
  gchar *name = gst_object_get_name(GST_OBJECT(self));
  cfg.requester = name ? name : LIPSYNC_ELEMENT;
  g_free(name);
  cfg.lipsync = req;

  auto link = std::make_shared<Link>(self);
  idf::JobListener listener;
  listener.progress = [link](const idf::Progress &p) {
    if (GstLipsync *e = link->ref()) {
      post_progress(e, p);
      gst_object_unref(e);
    }
  };
  std::string face_id = req.face_id, session_id = req.session_id;
  uint64_t insert_ns = req.insert_ns;
  listener.done = [link, provider_name, face_id, session_id, insert_ns, choice_text](const idf::Outcome &outcome) {
    GstLipsync *e = link->ref();
    if (!e) return;
    if (const auto *f = std::get_if<idf::Failure>(&outcome)) {
      fail_stream(e, *f, provider_name);
    } else {
      const auto &r = std::get<idf::Result>(outcome);
      mark_ending(e);
      GstStructure *st = result_structure(r, face_id, insert_ns, session_id, choice_text);
      {
        std::lock_guard<std::mutex> g(*e->lock);
        if (e->result) gst_structure_free(e->result);
        e->result = gst_structure_copy(st);
      }
      GST_INFO_OBJECT(e, "lip-sync task %s done: %s", r.task_id.c_str(),
                      r.videos.empty() ? "" : r.videos[0].url.c_str());
      post_structure(e, st);
      g_object_notify(G_OBJECT(e), "result");
      std::lock_guard<std::mutex> g(*e->lock);
      e->job_state = JobState::Done;
      e->changed->notify_all();
    }
    gst_object_unref(e);
  };
  std::lock_guard<std::mutex> g(*self->lock);
  if (self->flushing) return;
  *self->link = link;
  self->job_state = JobState::Running;
  *self->job = idf::Job::start(std::move(cfg), std::move(listener), idf::production_job_deps());
}

static void wait_for_job(GstLipsync *self) {
  std::unique_lock<std::mutex> lk(*self->lock);
  self->changed->wait(lk, [self] {
    return (self->job_state != JobState::Running && self->job_state != JobState::Ending) || self->flushing;
  });
}

/* ---- GstBaseTransform ---- */

// The session and faces identifyface tagged the stream with.
static void read_tags(GstLipsync *self, GstTagList *tags) {
  gchar *session = nullptr;
  bool has_session = gst_tag_list_get_string(tags, IDENTIFYFACE_TAG_SESSION_ID, &session);
  // When the session was made: its age is checked before sending.
  gint64 created_s = 0;
  gchar *created = nullptr;
  if (gst_tag_list_get_string(tags, IDENTIFYFACE_TAG_SESSION_CREATED, &created)) {
    if (GDateTime *t = g_date_time_new_from_iso8601(created, nullptr)) {
      created_s = g_date_time_to_unix(t);
      g_date_time_unref(t);
    } else {
      GST_WARNING_OBJECT(self, "ignoring " IDENTIFYFACE_TAG_SESSION_CREATED " \"%s\": not an ISO 8601 time", created);
    }
    g_free(created);
  }
  guint n = gst_tag_list_get_tag_size(tags, IDENTIFYFACE_TAG_FACE);
  if (!has_session && n == 0) return;
  std::vector<idf::Face> faces;
  for (guint i = 0; i < n; i++) {
    const GValue *v = gst_tag_list_get_value_index(tags, IDENTIFYFACE_TAG_FACE, i);
    if (!v || !GST_VALUE_HOLDS_STRUCTURE(v)) continue;
    const GstStructure *st = gst_value_get_structure(v);
    IdentifyFaceFace f;
    if (!identifyface_face_from_structure(st, &f)) continue;
    idf::Face face;
    face.id = f.face_id;
    face.start_ns = f.start_time;
    face.end_ns = f.end_time;
    double x, y, w, h;
    if (gst_structure_get_double(st, IDENTIFYFACE_FIELD_X, &x) &&
        gst_structure_get_double(st, IDENTIFYFACE_FIELD_Y, &y) &&
        gst_structure_get_double(st, IDENTIFYFACE_FIELD_WIDTH, &w) &&
        gst_structure_get_double(st, IDENTIFYFACE_FIELD_HEIGHT, &h))
      face.box = idf::FaceBox{x, y, w, h};
    faces.push_back(face);
  }
  std::lock_guard<std::mutex> g(*self->lock);
  *self->session_id = session ? session : "";
  *self->faces = std::move(faces);
  self->faces_known = true;
  self->session_created_s = created_s;
  g_free(session);
}

static gboolean gst_lipsync_sink_event(GstBaseTransform *trans, GstEvent *event) {
  auto *self = GST_LIPSYNC(trans);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_TAG: {
      GstTagList *tags;
      gst_event_parse_tag(event, &tags);
      read_tags(self, tags);
      bool ready;
      {
        std::lock_guard<std::mutex> g(*self->lock);
        ready = self->faces_known && !self->started;
      }
      if (ready) start_job(self);
      break;
    }
    case GST_EVENT_FLUSH_START: {
      {
        std::lock_guard<std::mutex> g(*self->lock);
        self->flushing = true;
      }
      cancel_job(self);
      break;
    }
    case GST_EVENT_FLUSH_STOP: {
      std::lock_guard<std::mutex> g(*self->lock);
      self->flushing = false;
      break;
    }
    case GST_EVENT_EOS: {
      bool standalone, hold;
      {
        std::lock_guard<std::mutex> g(*self->settings_lock);
        standalone = !self->settings->session_id.empty() || !self->settings->task_id.empty();
        hold = self->settings->hold_eos;
      }
      bool start;
      {
        std::lock_guard<std::mutex> g(*self->lock);
        start = !self->started && (standalone || self->faces_known);
        if (!self->started && !start) {
          self->started = true;
          GST_ELEMENT_WARNING(self, STREAM, FAILED,
                              ("lipsync got no session: place identifyface upstream, or set session-id"),
                              ("EOS without lipsync-session-id/lipsync-face tags"));
        }
      }
      if (start) start_job(self);
      if (hold) wait_for_job(self);
      break;
    }
    default: break;
  }
  return GST_BASE_TRANSFORM_CLASS(parent_class)->sink_event(trans, event);
}

static GstFlowReturn gst_lipsync_transform_ip(GstBaseTransform *trans, GstBuffer *) {
  auto *self = GST_LIPSYNC(trans);
  bool standalone;
  {
    std::lock_guard<std::mutex> g(*self->settings_lock);
    standalone = !self->settings->session_id.empty() || !self->settings->task_id.empty();
  }
  bool start;
  {
    std::lock_guard<std::mutex> g(*self->lock);
    start = standalone && !self->started;
    if (!start) return self->flow_error;
  }
  start_job(self);
  std::lock_guard<std::mutex> g(*self->lock);
  return self->flow_error;
}

static gboolean gst_lipsync_start(GstBaseTransform *trans) {
  auto *self = GST_LIPSYNC(trans);
  std::lock_guard<std::mutex> g(*self->lock);
  self->flushing = false;
  self->started = false;
  self->job_state = JobState::None;
  self->flow_error = GST_FLOW_OK;
  self->session_id->clear();
  self->faces->clear();
  self->faces_known = false;
  self->session_created_s = 0;
  return TRUE;
}

static gboolean gst_lipsync_stop(GstBaseTransform *trans) {
  auto *self = GST_LIPSYNC(trans);
  {
    std::lock_guard<std::mutex> g(*self->lock);
    self->flushing = true;
  }
  cancel_job(self);
  return TRUE;
}

// PAUSED→READY: release a streaming thread held at EOS before the base
// class deactivates the pads (which takes the stream lock).
static GstStateChangeReturn gst_lipsync_change_state(GstElement *element, GstStateChange transition) {
  auto *self = GST_LIPSYNC(element);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    {
      std::lock_guard<std::mutex> g(*self->lock);
      self->flushing = true;
    }
    cancel_job(self);
  }
  return GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
}

/* ---- properties ---- */

static std::string string_or_empty(const GValue *v) {
  const gchar *s = g_value_get_string(v);
  return s ? s : "";
}

static void gst_lipsync_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  auto *self = GST_LIPSYNC(object);
  std::lock_guard<std::mutex> g(*self->settings_lock);
  Settings &s = *self->settings;
  switch (id) {
    case PROP_PROVIDER: s.provider = (IdfProviderEnum)g_value_get_enum(value); break;
    case PROP_API_URL: s.api_url = string_or_empty(value); break;
    case PROP_POLL_URL: s.poll_url = string_or_empty(value); break;
    case PROP_API_KEY: s.api_key = string_or_empty(value); break;
    case PROP_ACCESS_KEY: s.access_key = string_or_empty(value); break;
    case PROP_SECRET_KEY: s.secret_key = string_or_empty(value); break;
    case PROP_MODEL: s.model = string_or_empty(value); break;
    case PROP_SESSION_ID: s.session_id = string_or_empty(value); break;
    case PROP_FACE_ID: s.face_id = string_or_empty(value); break;
    case PROP_AUDIO_URI: s.audio_uri = string_or_empty(value); break;
    case PROP_AUDIO_ID: s.audio_id = string_or_empty(value); break;
    case PROP_AUDIO_START: s.audio_start = g_value_get_uint64(value); break;
    case PROP_AUDIO_END: s.audio_end = g_value_get_uint64(value); break;
    case PROP_INSERT_TIME: s.insert_time = g_value_get_uint64(value); break;
    case PROP_AUDIO_VOLUME: s.audio_volume = g_value_get_double(value); break;
    case PROP_ORIGINAL_VOLUME: s.original_volume = g_value_get_double(value); break;
    case PROP_VALIDATION: s.validation = (IdfValidationEnum)g_value_get_enum(value); break;
    case PROP_REQUEST_TIMEOUT: s.request_timeout = g_value_get_uint(value); break;
    case PROP_TIMEOUT: s.timeout = g_value_get_uint(value); break;
    case PROP_POLL_INTERVAL: s.poll_interval = g_value_get_uint(value); break;
    case PROP_MAX_RETRIES: s.max_retries = g_value_get_uint(value); break;
    case PROP_MAX_CONCURRENT: s.max_concurrent = g_value_get_uint(value); break;
    case PROP_SSL_CA_FILE: s.ssl_ca_file = string_or_empty(value); break;
    case PROP_ON_ERROR: s.on_error = (IdfOnErrorEnum)g_value_get_enum(value); break;
    case PROP_HOLD_EOS: s.hold_eos = g_value_get_boolean(value); break;
    case PROP_TASK_ID: s.task_id = string_or_empty(value); break;
    case PROP_CHECK_ONLY: s.check_only = g_value_get_boolean(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
}

static void gst_lipsync_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_LIPSYNC(object);
  if (id == PROP_RESULT) {
    std::lock_guard<std::mutex> g(*self->lock);
    gst_value_set_structure(value, self->result);
    return;
  }
  std::lock_guard<std::mutex> g(*self->settings_lock);
  const Settings &s = *self->settings;
  auto str = [value](const std::string &v) { g_value_set_string(value, v.empty() ? nullptr : v.c_str()); };
  switch (id) {
    case PROP_PROVIDER: g_value_set_enum(value, s.provider); break;
    case PROP_API_URL: str(s.api_url); break;
    case PROP_POLL_URL: str(s.poll_url); break;
    case PROP_MODEL: str(s.model); break;
    case PROP_SESSION_ID: str(s.session_id); break;
    case PROP_FACE_ID: str(s.face_id); break;
    case PROP_AUDIO_URI: str(s.audio_uri); break;
    case PROP_AUDIO_ID: str(s.audio_id); break;
    case PROP_AUDIO_START: g_value_set_uint64(value, s.audio_start); break;
    case PROP_AUDIO_END: g_value_set_uint64(value, s.audio_end); break;
    case PROP_INSERT_TIME: g_value_set_uint64(value, s.insert_time); break;
    case PROP_AUDIO_VOLUME: g_value_set_double(value, s.audio_volume); break;
    case PROP_ORIGINAL_VOLUME: g_value_set_double(value, s.original_volume); break;
    case PROP_VALIDATION: g_value_set_enum(value, s.validation); break;
    case PROP_REQUEST_TIMEOUT: g_value_set_uint(value, s.request_timeout); break;
    case PROP_TIMEOUT: g_value_set_uint(value, s.timeout); break;
    case PROP_POLL_INTERVAL: g_value_set_uint(value, s.poll_interval); break;
    case PROP_MAX_RETRIES: g_value_set_uint(value, s.max_retries); break;
    case PROP_MAX_CONCURRENT: g_value_set_uint(value, s.max_concurrent); break;
    case PROP_SSL_CA_FILE: str(s.ssl_ca_file); break;
    case PROP_ON_ERROR: g_value_set_enum(value, s.on_error); break;
    case PROP_HOLD_EOS: g_value_set_boolean(value, s.hold_eos); break;
    case PROP_TASK_ID: str(s.task_id); break;
    case PROP_CHECK_ONLY: g_value_set_boolean(value, s.check_only); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
  }
}

static void gst_lipsync_finalize(GObject *object) {
  auto *self = GST_LIPSYNC(object);
  if (*self->link) (*self->link)->detach();
  if (*self->job) (*self->job)->cancel();
  delete self->job;
  delete self->link;
  delete self->faces;
  delete self->session_id;
  delete self->changed;
  delete self->lock;
  delete self->settings;
  delete self->settings_lock;
  if (self->result) gst_structure_free(self->result);
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_lipsync_init(GstLipsync *self) {
  self->settings_lock = new std::mutex;
  self->settings = new Settings;
  self->lock = new std::mutex;
  self->changed = new std::condition_variable;
  self->job_state = JobState::None;
  self->session_id = new std::string;
  self->faces = new std::vector<idf::Face>;
  self->session_created_s = 0;
  self->job = new std::shared_ptr<idf::Job>;
  self->link = new std::shared_ptr<Link>;
  self->result = nullptr;
  self->flow_error = GST_FLOW_OK;
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
}

static void gst_lipsync_class_init(GstLipsyncClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  gobject_class->set_property = gst_lipsync_set_property;
  gobject_class->get_property = gst_lipsync_get_property;
  gobject_class->finalize = gst_lipsync_finalize;
  element_class->change_state = gst_lipsync_change_state;

  const auto rw = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto wo = (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto ro = (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  auto string = [&](guint id, const char *name, const char *blurb, const char *def, GParamFlags flags) {
    g_object_class_install_property(gobject_class, id, g_param_spec_string(name, name, blurb, def, flags));
  };
  g_object_class_install_property(
      gobject_class, PROP_PROVIDER,
      g_param_spec_enum("provider", "Provider", "Which lip-sync service (kling or kirin; local makes no lip-sync)",
                        idf_provider_get_type(), (gint)idf::defaults::kProvider, rw));
  string(
      PROP_API_URL, "api-url",
      "Lip-sync endpoint (NULL: the provider's, kling: "
      "https://api.chainhub.tech/kling/v1/videos/advanced-lip-sync, kirin: https://cloud.vtrix.ai/model/v1/generation)",
      nullptr, rw);
  string(
      PROP_POLL_URL, "poll-url",
      "Task status URL template, {task_id} is replaced (NULL: kling api-url/{task_id}, kirin api-url/task/{task_id})",
      nullptr, rw);
  string(PROP_API_KEY, "api-key", "Bearer API key (write-only; falls back to " API_KEY_ENV ")", nullptr, wo);
  string(PROP_ACCESS_KEY, "access-key", "Kling access key (write-only): with secret-key, requests carry a JWT", nullptr,
         wo);
  string(PROP_SECRET_KEY, "secret-key", "Kling secret key that signs the JWT (write-only)", nullptr, wo);
  string(PROP_MODEL, "model", "kirin: the model id sent with the task", idf::kKirinLipsyncDefaultModel, rw);
  string(PROP_SESSION_ID, "session-id",
         "The identify-face session (NULL: from identifyface's lipsync-session-id tag upstream)", nullptr, rw);
  string(PROP_FACE_ID, "face-id",
         "The face to lip-sync; auto: the lip-sync-ready face the audio overlaps most (ties: longer, then larger)",
         DEFAULT_FACE_ID, rw);
  string(PROP_AUDIO_URI, "audio-uri",
         "The audio: a local file (checked, sent as Base64) or an http(s) URL (checked, sent as a URL); .mp3, .wav, "
         ".m4a or .aac, at most 5 MB, 2 to 60 s",
         nullptr, rw);
  string(PROP_AUDIO_ID, "audio-id", "A Kling TTS audio id (exclusive with audio-uri)", nullptr, rw);
  g_object_class_install_property(
      gobject_class, PROP_AUDIO_START,
      g_param_spec_uint64("audio-start", "Audio start", "Start of the audio's crop (ns)", 0, G_MAXUINT64, 0, rw));
  g_object_class_install_property(
      gobject_class, PROP_AUDIO_END,
      g_param_spec_uint64("audio-end", "Audio end", "End of the audio's crop (ns; 0: the audio's end)", 0, G_MAXUINT64,
                          0, rw));
  g_object_class_install_property(
      gobject_class, PROP_INSERT_TIME,
      g_param_spec_uint64("insert-time", "Insert time",
                          "Where the audio goes in the video (ns; none: where it overlaps the face most)", 0,
                          G_MAXUINT64, GST_CLOCK_TIME_NONE, rw));
  g_object_class_install_property(
      gobject_class, PROP_AUDIO_VOLUME,
      g_param_spec_double("audio-volume", "Audio volume", "Volume of the audio (0-2)", 0, 2, 1, rw));
  g_object_class_install_property(
      gobject_class, PROP_ORIGINAL_VOLUME,
      g_param_spec_double("original-volume", "Original volume", "Volume of the video's own sound (0-2)", 0, 2, 1, rw));
  g_object_class_install_property(
      gobject_class, PROP_VALIDATION,
      g_param_spec_enum("validation", "Validation", "Check every documented rule before sending",
                        idf_validation_get_type(), IDF_VALIDATION_STRICT, rw));
  g_object_class_install_property(
      gobject_class, PROP_REQUEST_TIMEOUT,
      g_param_spec_uint("request-timeout", "Request timeout", "Seconds for one HTTP request (and reading the audio)", 1,
                        3600, idf::defaults::kRequestTimeoutS, rw));
  g_object_class_install_property(gobject_class, PROP_TIMEOUT,
                                  g_param_spec_uint("timeout", "Timeout", "Seconds for the whole lip-sync (0: none)", 0,
                                                    G_MAXUINT, idf::defaults::kTimeoutS, rw));
  g_object_class_install_property(gobject_class, PROP_POLL_INTERVAL,
                                  g_param_spec_uint("poll-interval", "Poll interval", "Milliseconds between polls", 10,
                                                    600000, idf::defaults::kPollIntervalMs, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_RETRIES,
      g_param_spec_uint("max-retries", "Max retries", "Retries of a request that failed without being billed", 0, 20,
                        idf::defaults::kMaxRetries, rw));
  g_object_class_install_property(gobject_class, PROP_MAX_CONCURRENT,
                                  g_param_spec_uint("max-concurrent", "Max concurrent",
                                                    "Tasks of the account in flight at once (0: no fixed limit)", 0,
                                                    1000, idf::defaults::kMaxConcurrent, rw));
  string(PROP_SSL_CA_FILE, "ssl-ca-file", "CA certificates (PEM) trusted besides the system's", nullptr, rw);
  g_object_class_install_property(gobject_class, PROP_ON_ERROR,
                                  g_param_spec_enum("on-error", "On error", "Post failures as ERROR or WARNING",
                                                    idf_on_error_get_type(), IDF_ON_ERROR_ERROR, rw));
  g_object_class_install_property(
      gobject_class, PROP_HOLD_EOS,
      g_param_spec_boolean("hold-eos", "Hold EOS", "EOS waits for the lip-sync's answer", TRUE, rw));
  string(PROP_TASK_ID, "task-id", "Collect this lip-sync task (submitted before): polls only, no new charge", nullptr,
         rw);
  g_object_class_install_property(
      gobject_class, PROP_CHECK_ONLY,
      g_param_spec_boolean("check-only", "Check only",
                           "Check every rule as validation=strict does, then stop: a lipsync-progress (phase complete) "
                           "says what would be sent; nothing is sent",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_RESULT,
      g_param_spec_boxed("result", "Result", "The last lipsync message's structure (NULL until then)",
                         GST_TYPE_STRUCTURE, ro));

  gst_element_class_set_static_metadata(element_class, "Lip-sync", "Filter/Video",
                                        "Lip-syncs a face of the clip to an audio, checked before it is billed",
                                        "gst-identify-face");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_lipsync_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_lipsync_transform_ip);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_lipsync_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_lipsync_stop);
  trans_class->passthrough_on_same_caps = TRUE;
}
