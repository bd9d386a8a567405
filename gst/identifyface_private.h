// SPDX-License-Identifier: LGPL-2.1-or-later
// The identifyface element's private state and the functions its two source
// files share: gstidentifyface.cpp (the element: properties, events, the
// job) and identifyface_frame_analysis.cpp (provider=local on the raw
// frames that flow through). Not installed; the plugin's symbols are hidden.
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "gstidentifyface.h"
#include "identifyface_enums.h"
#include "job/job.h"
#include "job/job_settings.h"
#include "local/mark_tracks.h"
#include "local/stream_analysis.h"
#include "wire/jwt.h"

GST_DEBUG_CATEGORY_EXTERN(gst_identify_face_debug);

// Property defaults are the core's (job_settings.h); only the element's own
// behaviour is defined here.
#define DEFAULT_PROVIDER ((IdfProviderEnum)idf::defaults::kProvider)
#define DEFAULT_VALIDATION ((IdfValidationEnum)idf::defaults::kValidation)
#define DEFAULT_ON_ERROR IDF_ON_ERROR_ERROR
#define DEFAULT_REQUEST_TIMEOUT idf::defaults::kRequestTimeoutS
#define DEFAULT_TIMEOUT idf::defaults::kTimeoutS
#define DEFAULT_POLL_INTERVAL idf::defaults::kPollIntervalMs
#define DEFAULT_POLL_INTERVAL_MAX idf::defaults::kPollIntervalMaxMs
#define DEFAULT_MAX_RETRIES idf::defaults::kMaxRetries
#define DEFAULT_HOLD_EOS TRUE
#define DEFAULT_WAIT_FOR_RESULT FALSE

// The element's own types and functions: named, so that nothing else in
// the plugin can define another `Settings` or `fail_stream` by accident.
namespace idf::element {

struct Settings {
  IdfProviderEnum provider = DEFAULT_PROVIDER;
  std::string api_url, poll_url, api_key, access_key, secret_key;
  std::string model = idf::defaults::kModel;
  std::string task_id;  // kirin: collect this task instead of submitting
  std::string video_url, video_id, face_image_dir, cache_dir, ssl_ca_file;
  guint cache_ttl = idf::defaults::kCacheTtlS;
  bool cache_only = false;
  guint max_concurrent = idf::defaults::kMaxConcurrent;
  IdfValidationEnum validation = DEFAULT_VALIDATION;
  bool validation_set = false;  // provider=local refuses for the limits only when asked to
  guint request_timeout = DEFAULT_REQUEST_TIMEOUT;
  guint timeout = DEFAULT_TIMEOUT;
  guint poll_interval = DEFAULT_POLL_INTERVAL;
  guint poll_interval_max = DEFAULT_POLL_INTERVAL_MAX;
  guint max_retries = DEFAULT_MAX_RETRIES;
  IdfOnErrorEnum on_error = DEFAULT_ON_ERROR;
  bool hold_eos = DEFAULT_HOLD_EOS;
  bool wait_for_result = DEFAULT_WAIT_FOR_RESULT;
  bool mark_frames = true;
};

// Lets the worker thread reach the element without keeping it alive: the
// element clears it when it is disposed.
struct ElementLink {
  std::mutex lock;
  GstIdentifyFace *element;
  explicit ElementLink(GstIdentifyFace *e) : element(e) {}
  // A reference to the element, or nullptr once it is gone.
  GstIdentifyFace *ref() {
    std::lock_guard<std::mutex> g(lock);
    return element ? (GstIdentifyFace *)gst_object_ref(element) : nullptr;
  }
  void detach() {
    std::lock_guard<std::mutex> g(lock);
    element = nullptr;
  }
};

enum class JobState { None, Running, Done, Abandoned };

// What the streaming thread, the worker thread and the application share
// about the current stream. Lock rule: every field is read and written with
// `lock` held, and `changed` is waited on with it; never cancel a job, post
// a message or push an event while holding it (the worker may be waiting
// for it).
struct StreamState {
  std::mutex lock;
  std::condition_variable changed;
  std::string stream_id;
  JobState job_state = JobState::None;
  std::shared_ptr<idf::Job> job;
  std::shared_ptr<ElementLink> link;
  // A flush or stop is under way: held buffers and EOS are released and no
  // job starts until FLUSH_STOP or the next start().
  bool flushing = false;
  // What buffers get once the job failed with on-error=error.
  GstFlowReturn flow_error = GST_FLOW_OK;
  GstTagList *result_tags = nullptr;    // ours, once known
  bool tags_pending = false;            // result_tags not pushed yet
  GstTagList *upstream_tags = nullptr;  // upstream's last STREAM tags
  GstStructure *result = nullptr;
  std::string session_id;
  // provider=local on raw video: the analysis of the frames flowing through.
  std::shared_ptr<idf::local::StreamAnalysis> frames;
  bool frames_live = false;
  GstVideoInfo frames_info;
  uint64_t frames_end_ns = 0;  // stream time just past the last buffer
  // The marked faces as tracks (analytics meta); the streaming thread's.
  std::shared_ptr<idf::local::MarkTracks> frames_tracks;
  idf::ServiceVerdict frames_verdict;  // would the service accept the clip (known at the start)
  std::string frames_clip_uri;         // upstream's URI at the start, for the result's video-url
};

}  // namespace idf::element

struct GstIdentifyFacePrivate {
  std::mutex settings_lock;
  idf::element::Settings settings;  // with settings_lock

  // Streaming thread only: what caps, tags and queries told about the clip.
  idf::ClipInfo clip;

  // Written by start() before streaming begins, then only read.
  std::shared_ptr<idf::JwtIssuer> jwt;

  idf::element::StreamState state;
};

struct _GstIdentifyFace {
  GstBaseTransform parent;
  GstIdentifyFacePrivate *priv;
};

namespace idf::element {

// --- gstidentifyface.cpp ---

// An identify-face-progress element message.
void post_progress(GstIdentifyFace *self, const idf::Progress &progress);
// The stream's identification failed: message, then ERROR or WARNING.
void fail_stream(GstIdentifyFace *self, const idf::Failure &f, const char *provider);
// The stream's identification ended (any thread): result or failure.
void on_job_done(GstIdentifyFace *self, const idf::Outcome &outcome, const char *provider);
// Learns what upstream can tell about the clip: duration, URI, byte size.
void query_upstream(GstIdentifyFace *self, idf::ClipInfo &clip);

// --- identifyface_frame_analysis.cpp: provider=local on raw video ---

// Raw video in system memory with provider=local.
bool wants_frame_analysis(GstIdentifyFace *self, const Settings &s);
// Streaming thread, first buffer: checks, then starts the analysis.
void start_frame_analysis(GstIdentifyFace *self, const Settings &s);
std::optional<uint64_t> stream_time_of(GstBaseTransform *trans, GstBuffer *buffer);
// Streaming thread: hands the buffer's frame over when a sample is due.
void feed_frame(GstIdentifyFace *self, const std::shared_ptr<idf::local::StreamAnalysis> &frames, GstBuffer *buffer);
// The result (complete=false when the stream stopped early).
void finish_frame_analysis(GstIdentifyFace *self, bool complete);
// Drops the analysis without a result (flush, new stream).
void drop_frame_analysis(GstIdentifyFace *self);

}  // namespace idf::element
