// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local: decodes the clip with a GStreamer pipeline of its own and
// hands sampled frames to the FaceAnalyser (BlazeFace through OpenCV's DNN
// module, tracking, shot cuts, face pictures), which issue-10 style callers
// can also feed with the buffers flowing through the element.
//
// Threads of one analysis:
//  - the engine's worker thread builds and owns the pipeline, runs the
//    analyser, writes the face images and calls the callbacks;
//  - GStreamer's streaming threads decode. A pad probe behind the decoder lets
//    through only one frame per kSampleIntervalNs (8 a second), the appsink
//    callback copies that frame's planes into a small bounded queue (blocking
//    when detection is behind: no frame is ever dropped for lack of time) and
//    returns the decoder's buffer at once.
//
// The callbacks must not be blocked on a lock that the caller of cancel()
// holds: cancel() waits for a callback that is already running.
#include "local/local_engine.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <string>

#include "base/package_info.h"

namespace idf {

std::string LocalEngine::default_face_image_dir() {
  char *dir = g_build_filename(g_get_user_cache_dir(), "gst-identify-face", "faces", nullptr);
  std::string result(dir);
  g_free(dir);
  return result;
}

}  // namespace idf

#ifndef IDF_HAVE_LOCAL_ENGINE

namespace idf {

namespace {
// Nothing runs, so there is nothing to cancel.
class UnavailableLocalEngine : public LocalEngine {
 public:
  void cancel() override {}
};
}  // namespace

bool LocalEngine::available() {
  return false;
}

std::string LocalEngine::result_identity() {
  return IDF_PACKAGE_NAME "/" IDF_VERSION " without a local engine";
}

std::optional<std::string> LocalEngine::unavailable_reason() {
  return std::string(
      "the plugin was built without the local engine (it needs OpenCV's dnn module, "
      "libopencv-dnn-dev, at build time)");
}

// Without OpenCV the failure is reported synchronously, from start() itself.
std::shared_ptr<LocalEngine> LocalEngine::start(LocalEngineOptions options, ProgressFn, DoneFn done) {
  Failure failure;
  failure.kind = Failure::Kind::Local;
  failure.message = "provider=local cannot analyse " + options.uri +
                    ": the plugin was built without the local engine (it needs OpenCV's dnn module, "
                    "libopencv-dnn-dev, at build time)";
  if (done) done(std::move(failure));
  return std::make_shared<UnavailableLocalEngine>();
}

}  // namespace idf

#else  // IDF_HAVE_LOCAL_ENGINE

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "local/face_analyser.h"
#include "local/face_image_folders.h"
#include "local/face_model.h"
#include "local/local_result.h"

namespace idf {

namespace {

using local::AnalyserConfig;
using local::FaceAnalyser;
using local::FoundFace;
using local::FrameView;

// Frames are sampled 8 times a second; boundaries land within half a sample
// interval (~63 ms) of the truth.
constexpr uint64_t kSampleIntervalNs = kNsPerSecond / 8;
// Sampled frames waiting for the worker. Small: each is a full-size copy.
constexpr size_t kMaxQueuedFrames = 2;
constexpr auto kProgressMinInterval = std::chrono::milliseconds(500);
constexpr double kProgressMinStep = 0.05;
constexpr auto kWorkerPollInterval = std::chrono::milliseconds(100);

// Owning references to GStreamer objects.
struct GstObjectUnref {
  void operator()(gpointer object) const { gst_object_unref(object); }
};
template <typename T>
using GstObjectPtr = std::unique_ptr<T, GstObjectUnref>;
struct GstSampleUnref {
  void operator()(GstSample *sample) const { gst_sample_unref(sample); }
};
using GstSamplePtr = std::unique_ptr<GstSample, GstSampleUnref>;
struct GstCapsUnref {
  void operator()(GstCaps *caps) const { gst_caps_unref(caps); }
};
using GstCapsPtr = std::unique_ptr<GstCaps, GstCapsUnref>;
struct GstMessageUnref {
  void operator()(GstMessage *message) const { gst_message_unref(message); }
};
using GstMessagePtr = std::unique_ptr<GstMessage, GstMessageUnref>;
struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};
using GCharPtr = std::unique_ptr<gchar, GFree>;

std::string take_string(gchar *text) {
  GCharPtr owned(text);
  return owned ? std::string(owned.get()) : std::string();
}

std::string caps_description(const GstCaps *caps) {
  if (!caps || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return "unknown";
  return gst_structure_get_name(gst_caps_get_structure(caps, 0));
}

Failure local_failure(std::string message) {
  Failure failure;
  failure.kind = Failure::Kind::Local;
  failure.message = std::move(message);
  return failure;
}

// One sampled frame: its own copy of the I420 planes, and its stream time.
struct SampledFrame {
  uint64_t time_ns = 0;
  double pixel_aspect = 1.0;
  cv::Mat y, u, v;
};

// State shared by the engine handle and its worker thread; the worker holds
// a reference, so it outlives a handle destroyed from within a callback.
class Session {
 public:
  Session(LocalEngineOptions options, LocalEngine::ProgressFn progress, LocalEngine::DoneFn done)
      : options_(std::move(options)), progress_(std::move(progress)), done_(std::move(done)) {
    if (options_.face_image_dir.empty()) options_.face_image_dir = LocalEngine::default_face_image_dir();
    // Image URLs need an absolute path.
    options_.face_image_dir = take_string(g_canonicalize_filename(options_.face_image_dir.c_str(), nullptr));
    session_id_ = take_string(g_uuid_string_random());
  }

  void request_cancel() {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    wake_worker_.notify_all();
    space_available_.notify_all();
  }

  void run();

 private:
  // --- pipeline ---
  std::optional<Failure> build_pipeline();
  void teardown_pipeline();
  static void on_pad_added(GstElement *decodebin, GstPad *pad, Session *self);
  static void on_no_more_pads(GstElement *decodebin, Session *self);
  static gboolean on_autoplug_continue(GstElement *decodebin, GstPad *pad, GstCaps *caps, Session *self);
  static GstPadProbeReturn on_decoded_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer self);
  static GstFlowReturn on_new_sample(GstAppSink *appsink, gpointer self);
  static GstBusSyncReply on_bus_message(GstBus *bus, GstMessage *message, gpointer self);
  void link_to_fakesink(GstPad *pad);
  bool queue_frame(SampledFrame frame);
  std::optional<Failure> failure_from_message(GstMessage *message);

  // --- analysis ---
  std::optional<Failure> load_analyser();
  Outcome analyse();
  void report_progress(uint64_t time_ns);
  void emit_progress(double fraction);
  std::optional<uint64_t> query_duration();
  void remove_written_images();
  bool cancelled() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cancelled_;
  }

  LocalEngineOptions options_;
  LocalEngine::ProgressFn progress_;
  LocalEngine::DoneFn done_;
  std::string session_id_;

  // Guards the frame queue and every flag below; wake_worker_ tells the
  // worker that a frame, a bus message or a cancellation arrived.
  std::mutex mutex_;
  std::condition_variable wake_worker_;
  std::condition_variable space_available_;
  std::deque<SampledFrame> frames_;
  bool cancelled_ = false;
  bool queue_closed_ = false;           // streaming threads must not wait any more
  std::deque<GstMessagePtr> messages_;  // taken off the bus for the worker
  bool video_linked_ = false;
  std::string undecodable_video_;          // caps of a video stream without decoder
  std::string other_streams_;              // caps of the streams that are not video, for "no video"
  std::optional<Failure> stream_failure_;  // found by a streaming thread

  // Owned by the worker thread (and streaming threads, where noted).
  GstElement *pipeline_ = nullptr;
  GstElement *converter_ = nullptr;
  std::atomic<uint64_t> next_sample_ns_{0};     // decoder probe only
  std::atomic<bool> sampled_any_{false};        // decoder probe only
  std::atomic<uint64_t> last_frame_end_ns_{0};  // decoder probe only
  std::unique_ptr<FaceAnalyser> analyser_;
  std::optional<uint64_t> duration_ns_;
  std::chrono::steady_clock::time_point last_progress_time_;
  double last_progress_ = -1;
  std::string session_dir_;
  std::vector<std::string> written_files_;
};

// ---------------------------------------------------------------- pipeline

std::optional<Failure> Session::build_pipeline() {
  pipeline_ = gst_pipeline_new("identifyface-local");
  GstElement *decodebin = gst_element_factory_make("uridecodebin", nullptr);
  converter_ = gst_element_factory_make("videoconvert", nullptr);
  GstElement *appsink = gst_element_factory_make("appsink", nullptr);
  if (!decodebin || !converter_ || !appsink) {
    for (GstElement *element : {decodebin, converter_, appsink})
      if (element) gst_object_unref(gst_object_ref_sink(element));
    converter_ = nullptr;
    return local_failure("cannot analyse " + options_.uri +
                         ": GStreamer elements uridecodebin, videoconvert or appsink are missing "
                         "(gst-plugins-base)");
  }
  gst_bin_add_many(GST_BIN(pipeline_), decodebin, converter_, appsink, nullptr);

  g_object_set(decodebin, "uri", options_.uri.c_str(), nullptr);
  g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_pad_added), this);
  g_signal_connect(decodebin, "no-more-pads", G_CALLBACK(on_no_more_pads), this);
  g_signal_connect(decodebin, "autoplug-continue", G_CALLBACK(on_autoplug_continue), this);

  // I420 is what software H.264/H.265/VP9 decoders output, so the converter
  // usually passes buffers through untouched; other formats are converted,
  // but only for the frames that are sampled.
  GstCapsPtr i420(gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", nullptr));
  g_object_set(appsink, "caps", i420.get(), "sync", FALSE, "max-buffers", 1u, "enable-last-sample", FALSE, nullptr);
  GstAppSinkCallbacks callbacks = {};
  callbacks.new_sample = &Session::on_new_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &callbacks, this, nullptr);
  gst_element_link(converter_, appsink);

  GstObjectPtr<GstPad> converter_sink(gst_element_get_static_pad(converter_, "sink"));
  gst_pad_add_probe(converter_sink.get(), GST_PAD_PROBE_TYPE_BUFFER, &Session::on_decoded_buffer, this, nullptr);

  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline_));
  gst_bus_set_sync_handler(bus.get(), &Session::on_bus_message, this, nullptr);
  return std::nullopt;
}

void Session::teardown_pipeline() {
  if (!pipeline_) return;
  {
    // A streaming thread waiting for room in the queue must return before
    // the pipeline can stop.
    std::lock_guard<std::mutex> lock(mutex_);
    queue_closed_ = true;
    space_available_.notify_all();
  }
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline_));
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
  gst_bus_set_flushing(bus.get(), TRUE);
  gst_object_unref(pipeline_);
  pipeline_ = nullptr;
  converter_ = nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  frames_.clear();
  messages_.clear();
}

// Only video matters: other streams are exposed undecoded and discarded.
gboolean Session::on_autoplug_continue(GstElement *, GstPad *, GstCaps *caps, Session *) {
  const std::string name = caps_description(caps);
  for (const char *prefix : {"audio/", "text/", "subpicture/", "closedcaption/", "application/x-subtitle"}) {
    if (name.rfind(prefix, 0) == 0) return FALSE;
  }
  return TRUE;
}

void Session::link_to_fakesink(GstPad *pad) {
  GstElement *fakesink = gst_element_factory_make("fakesink", nullptr);
  if (!fakesink) return;
  g_object_set(fakesink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), fakesink);
  gst_element_sync_state_with_parent(fakesink);
  GstObjectPtr<GstPad> sink(gst_element_get_static_pad(fakesink, "sink"));
  gst_pad_link(pad, sink.get());
}

void Session::on_pad_added(GstElement *, GstPad *pad, Session *self) {
  GstCapsPtr caps(gst_pad_get_current_caps(pad));
  if (!caps) caps.reset(gst_pad_query_caps(pad, nullptr));
  const std::string name = caps_description(caps.get());

  if (name == "video/x-raw") {
    bool first_video;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      first_video = !self->video_linked_;
      self->video_linked_ = true;
    }
    if (first_video) {
      GstObjectPtr<GstPad> sink(gst_element_get_static_pad(self->converter_, "sink"));
      const GstPadLinkReturn linked = gst_pad_link(pad, sink.get());
      if (linked != GST_PAD_LINK_OK) {
        std::lock_guard<std::mutex> lock(self->mutex_);
        self->stream_failure_ =
            local_failure("cannot analyse " + self->options_.uri + ": the decoded video cannot be converted (" +
                          gst_pad_link_get_name(linked) + ")");
        self->wake_worker_.notify_all();
      }
      return;
    }
  } else if (name.rfind("video/", 0) == 0 || name.rfind("image/", 0) == 0) {
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (self->undecodable_video_.empty()) self->undecodable_video_ = name;
  }
  // Further video streams, audio, subtitles: not analysed.
  if (name.rfind("video/", 0) != 0 && name.rfind("image/", 0) != 0) {
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->other_streams_ += (self->other_streams_.empty() ? "" : ", ") + (name.empty() ? "unknown" : name);
  }
  self->link_to_fakesink(pad);
}

void Session::on_no_more_pads(GstElement *, Session *self) {
  std::lock_guard<std::mutex> lock(self->mutex_);
  if (self->video_linked_ || self->stream_failure_) return;
  if (!self->undecodable_video_.empty())
    self->stream_failure_ = local_failure("cannot analyse " + self->options_.uri + ": no decoder for its " +
                                          self->undecodable_video_ + " video is installed");
  else
    self->stream_failure_ =
        local_failure("cannot analyse " + self->options_.uri + ": it has no video stream" +
                      (self->other_streams_.empty() ? "" : " (it has " + self->other_streams_ + ")"));
  self->wake_worker_.notify_all();
}

// Runs right behind the decoder: lets through the first frame at or after
// each sampling point and drops the others before any conversion.
GstPadProbeReturn Session::on_decoded_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  auto *self = static_cast<Session *>(data);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstClockTime timestamp = GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer) : GST_BUFFER_DTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(timestamp)) return GST_PAD_PROBE_OK;  // cannot place it in time: analyse it anyway
  GstEvent *segment_event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  if (!segment_event) return GST_PAD_PROBE_OK;
  const GstSegment *segment = nullptr;
  gst_event_parse_segment(segment_event, &segment);
  const guint64 time_ns = gst_segment_to_stream_time(segment, GST_FORMAT_TIME, timestamp);
  gst_event_unref(segment_event);
  if (!GST_CLOCK_TIME_IS_VALID(time_ns)) return GST_PAD_PROBE_DROP;  // outside the segment

  const uint64_t end_ns = time_ns + (GST_BUFFER_DURATION_IS_VALID(buffer) ? GST_BUFFER_DURATION(buffer) : 0);
  if (end_ns > self->last_frame_end_ns_.load()) self->last_frame_end_ns_.store(end_ns);

  if (self->sampled_any_.load() && time_ns < self->next_sample_ns_.load()) return GST_PAD_PROBE_DROP;
  self->sampled_any_.store(true);
  self->next_sample_ns_.store((time_ns / kSampleIntervalNs + 1) * kSampleIntervalNs);
  return GST_PAD_PROBE_OK;
}

GstFlowReturn Session::on_new_sample(GstAppSink *appsink, gpointer data) {
  auto *self = static_cast<Session *>(data);
  GstSamplePtr sample(gst_app_sink_pull_sample(appsink));
  if (!sample) return GST_FLOW_FLUSHING;
  GstBuffer *buffer = gst_sample_get_buffer(sample.get());
  GstVideoInfo info;
  if (!buffer || !gst_sample_get_caps(sample.get()) ||
      !gst_video_info_from_caps(&info, gst_sample_get_caps(sample.get())))
    return GST_FLOW_OK;

  SampledFrame frame;
  const GstSegment *segment = gst_sample_get_segment(sample.get());
  const GstClockTime timestamp = GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer) : GST_BUFFER_DTS(buffer);
  guint64 time_ns = GST_CLOCK_TIME_NONE;
  if (segment && GST_CLOCK_TIME_IS_VALID(timestamp))
    time_ns = gst_segment_to_stream_time(segment, GST_FORMAT_TIME, timestamp);
  // Frames without a timestamp continue from the latest sample.
  frame.time_ns = GST_CLOCK_TIME_IS_VALID(time_ns) ? time_ns : self->next_sample_ns_.load();
  if (GST_VIDEO_INFO_PAR_N(&info) > 0 && GST_VIDEO_INFO_PAR_D(&info) > 0)
    frame.pixel_aspect = static_cast<double>(GST_VIDEO_INFO_PAR_N(&info)) / GST_VIDEO_INFO_PAR_D(&info);

  GstVideoFrame mapped;
  if (!gst_video_frame_map(&mapped, &info, buffer, GST_MAP_READ)) return GST_FLOW_OK;
  auto copy_plane = [&](int plane) {
    return cv::Mat(GST_VIDEO_FRAME_COMP_HEIGHT(&mapped, plane), GST_VIDEO_FRAME_COMP_WIDTH(&mapped, plane), CV_8UC1,
                   GST_VIDEO_FRAME_PLANE_DATA(&mapped, plane), GST_VIDEO_FRAME_PLANE_STRIDE(&mapped, plane))
        .clone();
  };
  frame.y = copy_plane(0);
  frame.u = copy_plane(1);
  frame.v = copy_plane(2);
  gst_video_frame_unmap(&mapped);
  sample.reset();  // the decoder gets its buffer back before we may wait

  return self->queue_frame(std::move(frame)) ? GST_FLOW_OK : GST_FLOW_FLUSHING;
}

// Streaming thread: waits while detection is behind (so decoding never runs
// far ahead of detection), until the worker takes frames or stops.
bool Session::queue_frame(SampledFrame frame) {
  std::unique_lock<std::mutex> lock(mutex_);
  space_available_.wait(lock, [&] { return queue_closed_ || cancelled_ || frames_.size() < kMaxQueuedFrames; });
  if (queue_closed_ || cancelled_) return false;
  frames_.push_back(std::move(frame));
  wake_worker_.notify_all();
  return true;
}

GstBusSyncReply Session::on_bus_message(GstBus *, GstMessage *message, gpointer data) {
  auto *self = static_cast<Session *>(data);
  bool keep = false;
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_EOS: keep = true; break;
    case GST_MESSAGE_ELEMENT: keep = gst_message_has_name(message, "missing-plugin"); break;
    default: break;
  }
  // Returning GST_BUS_DROP hands the message to this handler. The ones
  // that matter go straight to the worker (no race with the bus's own
  // queue); the others are released so that they don't pile up.
  if (keep) {
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->messages_.emplace_back(message);
    self->wake_worker_.notify_all();
  } else {
    gst_message_unref(message);
  }
  return GST_BUS_DROP;
}

std::optional<Failure> Session::failure_from_message(GstMessage *message) {
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  std::string text = "cannot analyse " + options_.uri + ": " + (error ? error->message : "unknown GStreamer error");
  // The debug text starts with the source location and the element's path;
  // what follows, if anything, is the useful detail (e.g. "No such file").
  std::string details = debug ? debug : "";
  const size_t newline = details.find('\n');
  details = newline == std::string::npos ? "" : details.substr(newline + 1);
  // Keep it on one line.
  for (char &c : details)
    if (c == '\n' || c == '\r') c = ' ';
  while (!details.empty() && details.back() == ' ') details.pop_back();
  const std::string element = GST_MESSAGE_SRC_NAME(message) ? GST_MESSAGE_SRC_NAME(message) : "";
  if (!details.empty() || !element.empty())
    text += " (" + element + (details.empty() || element.empty() ? "" : ": ") + details + ")";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!undecodable_video_.empty()) text += "; no decoder for its " + undecodable_video_ + " video is installed";
  }
  if (error) g_error_free(error);
  g_free(debug);
  return local_failure(text);
}

// ---------------------------------------------------------------- analysis

// The analyser's settings for a clip the engine decodes itself.
static AnalyserConfig engine_config() {
  AnalyserConfig config;
  config.sample_interval_ns = kSampleIntervalNs;
  return config;
}

std::optional<Failure> Session::load_analyser() {
  std::string error;
  const std::string model = local::locate_face_model(&error, options_.face_model);
  if (!model.empty()) {
    analyser_ = FaceAnalyser::create(model, engine_config(), &error);
  }
  if (!analyser_) return local_failure("cannot analyse " + options_.uri + ": " + error);
  return std::nullopt;
}

std::optional<uint64_t> Session::query_duration() {
  if (duration_ns_) return duration_ns_;
  gint64 duration = -1;
  if (pipeline_ && gst_element_query_duration(pipeline_, GST_FORMAT_TIME, &duration) && duration > 0)
    duration_ns_ = static_cast<uint64_t>(duration);
  return duration_ns_;
}

void Session::report_progress(uint64_t time_ns) {
  if (!progress_) return;
  std::optional<uint64_t> duration = options_.duration_ns;
  if (!duration || *duration == 0) duration = query_duration();
  if (!duration || *duration == 0) return;
  const double fraction = std::min(1.0, static_cast<double>(time_ns) / static_cast<double>(*duration));
  const auto now = std::chrono::steady_clock::now();
  if (fraction <= last_progress_ ||
      (fraction < last_progress_ + kProgressMinStep && now - last_progress_time_ < kProgressMinInterval))
    return;
  emit_progress(fraction);
}

void Session::emit_progress(double fraction) {
  last_progress_ = fraction;
  last_progress_time_ = std::chrono::steady_clock::now();
  {
    // Checked right before the call: once cancel() returned, none comes.
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_) return;
  }
  if (progress_) progress_(fraction);
}

Outcome Session::analyse() {
  const std::string unwritable = make_face_image_dir(options_.face_image_dir);
  if (!unwritable.empty()) return local_failure(unwritable);
  if (auto failure = load_analyser()) return *failure;
  if (auto failure = build_pipeline()) {
    teardown_pipeline();
    return *failure;
  }

  std::optional<Failure> failure;
  bool end_of_stream = false;
  bool was_cancelled = false;
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The reason is among the messages; if not, say so.
    std::lock_guard<std::mutex> lock(mutex_);
    if (messages_.empty())
      failure = local_failure("cannot analyse " + options_.uri + ": the decoding pipeline refused to start");
  }

  while (!failure && !was_cancelled) {
    std::optional<SampledFrame> frame;
    std::deque<GstMessagePtr> messages;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_worker_.wait_for(lock, kWorkerPollInterval,
                            [&] { return cancelled_ || !messages_.empty() || stream_failure_ || !frames_.empty(); });
      if (cancelled_) {
        was_cancelled = true;
        break;
      }
      if (stream_failure_) {
        failure = stream_failure_;
        break;
      }
      messages.swap(messages_);
      if (!frames_.empty()) {
        frame = std::move(frames_.front());
        frames_.pop_front();
        space_available_.notify_all();
      }
    }
    if (frame) {
      // The planes are this sample's own copy: kept without another one.
      analyser_->analyse_owned(FrameView::i420(frame->y, frame->u, frame->v, frame->pixel_aspect), frame->time_ns);
      report_progress(frame->time_ns);
    }
    for (auto &message : messages) {
      if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) {
        failure = failure_from_message(message.get());
        break;
      }
      if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_EOS) {
        end_of_stream = true;
      } else if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ELEMENT) {
        // missing-plugin: remember what could not be decoded.
        const GstStructure *details = gst_message_get_structure(message.get());
        const GstCaps *caps = nullptr;
        if (gst_structure_has_field_typed(details, "detail", GST_TYPE_CAPS))
          caps = gst_value_get_caps(gst_structure_get_value(details, "detail"));
        std::lock_guard<std::mutex> lock(mutex_);
        if (caps && undecodable_video_.empty() && caps_description(caps).rfind("video/", 0) == 0)
          undecodable_video_ = caps_description(caps);
      }
    }
    if (end_of_stream && !failure) {
      // Every sample reached the queue before the appsink saw EOS.
      std::lock_guard<std::mutex> lock(mutex_);
      if (frames_.empty()) break;
    }
  }

  const std::optional<uint64_t> duration = query_duration();
  teardown_pipeline();
  if (was_cancelled) return local_failure("cancelled");
  if (failure) return *failure;
  // The last sample closes the clip: analyse what waits for a key sample.
  analyser_->flush();
  {
    // Where the analysis spent its time (G_MESSAGES_DEBUG=all shows it).
    const local::AnalyserStats &stats = analyser_->stats();
    g_debug(
        "provider=local: %zu samples, detection on %zu, %zu forward passes (%.2f CPU-s), %zu cuts, "
        "appearances %.3f CPU-s",
        stats.samples, stats.samples_detected, stats.forward_passes, stats.detection_s, stats.cuts, stats.appearance_s);
  }

  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!video_linked_) return local_failure("cannot analyse " + options_.uri + ": it has no video stream");
  }
  if (analyser_->sample_count() == 0)
    return local_failure("cannot analyse " + options_.uri + ": no video frame could be decoded");

  const uint64_t clip_end_ns = duration ? *duration : last_frame_end_ns_.load();
  // The same writer as the analysis of raw frames: a marked session folder.
  Outcome out = local::write_local_result(analyser_->faces(clip_end_ns),
                                          local::LocalResultOptions{options_.face_image_dir, session_id_});
  if (auto *result = std::get_if<Result>(&out)) {
    result->video_url = options_.uri;
    result->shot_cuts_ns = analyser_->cuts();
    clamp_faces_to_duration(result->faces, duration ? duration : std::optional<uint64_t>(clip_end_ns));
    // Kept so that a cancel() racing the report removes them.
    if (!result->faces.empty()) {
      session_dir_ = take_string(g_build_filename(options_.face_image_dir.c_str(), session_id_.c_str(), nullptr));
      for (const Face &face : result->faces)
        written_files_.push_back(take_string(g_filename_from_uri(face.image.c_str(), nullptr, nullptr)));
      written_files_.push_back(take_string(g_build_filename(session_dir_.c_str(), kSessionFolderMarker, nullptr)));
    }
  }
  return out;
}

void Session::remove_written_images() {
  for (const auto &path : written_files_) g_remove(path.c_str());
  written_files_.clear();
  if (!session_dir_.empty()) g_rmdir(session_dir_.c_str());
  session_dir_.clear();
}

void Session::run() {
  Outcome outcome;
  try {
    outcome = analyse();
  } catch (const std::exception &error) {
    // OpenCV reports trouble (e.g. memory) with exceptions.
    teardown_pipeline();
    remove_written_images();
    outcome = local_failure("cannot analyse " + options_.uri + ": " + error.what());
  }
  if (std::holds_alternative<Result>(outcome) && last_progress_ < 1.0) emit_progress(1.0);
  bool report;
  {
    // Decided under the lock: either cancel() came first and nothing is
    // reported (and the images go), or the outcome is reported and stays.
    std::lock_guard<std::mutex> lock(mutex_);
    report = !cancelled_;
  }
  if (!report) {
    remove_written_images();
    return;
  }
  // The last thing this thread does with the session's callbacks: done()
  // may well drop the engine handle.
  if (done_) done_(std::move(outcome));
}

// The handle given to the caller: owns the worker thread.
class LocalEngineImpl : public LocalEngine {
 public:
  explicit LocalEngineImpl(std::shared_ptr<Session> session) : session_(std::move(session)) {
    worker_ = std::thread([session = session_] { session->run(); });
  }
  ~LocalEngineImpl() override { cancel(); }

  void cancel() override {
    session_->request_cancel();
    std::lock_guard<std::mutex> lock(join_mutex_);
    if (!worker_.joinable()) return;
    if (worker_.get_id() == std::this_thread::get_id())
      worker_.detach();  // from a callback: the thread ends on its own
    else
      worker_.join();
  }

 private:
  std::shared_ptr<Session> session_;
  std::mutex join_mutex_;
  std::thread worker_;
};

}  // namespace

bool LocalEngine::available() {
  return true;
}

std::optional<std::string> LocalEngine::unavailable_reason() {
  std::string error;
  if (local::locate_face_model(&error).empty()) return error;
  return std::nullopt;
}

std::string LocalEngine::result_identity() {
  return std::string(IDF_PACKAGE_NAME "/" IDF_VERSION " model ") + local::kFaceModelSha256 + " " +
         engine_config().fingerprint();
}

std::shared_ptr<LocalEngine> LocalEngine::start(LocalEngineOptions options, ProgressFn progress, DoneFn done) {
  auto session = std::make_shared<Session>(std::move(options), std::move(progress), std::move(done));
  return std::make_shared<LocalEngineImpl>(std::move(session));
}

}  // namespace idf

#endif  // IDF_HAVE_LOCAL_ENGINE
