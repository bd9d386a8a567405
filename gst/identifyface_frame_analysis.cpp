// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local on raw video: the element analyses the frames that flow
// through it (no second decode), marks them, and reports the faces at EOS or
// when the stream stops.
#include <algorithm>
#include <atomic>

#include "identifyface_frames.h"
#include "identifyface_private.h"

#define GST_CAT_DEFAULT gst_identify_face_debug

namespace idf::element {

// Raw video in system memory: analysed as it flows, no second decode.
// Anything else (encoded video, a container) goes to the engine, which
// decodes the upstream URI itself.
bool wants_frame_analysis(GstIdentifyFace *self, const Settings &s) {
  if (s.provider != IDF_PROVIDER_LOCAL) return false;
  GstCaps *caps = gst_pad_get_current_caps(GST_BASE_TRANSFORM_SINK_PAD(self));
  bool raw = false;
  if (caps) {
    const GstStructure *st = gst_caps_get_structure(caps, 0);
    GstCapsFeatures *features = gst_caps_get_features(caps, 0);
    raw = gst_structure_has_name(st, "video/x-raw") &&
          (!features || gst_caps_features_is_equal(features, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY));
    gst_caps_unref(caps);
  }
  return raw;
}

static bool stream_is_live(GstIdentifyFace *self) {
  GstQuery *q = gst_query_new_latency();
  gboolean live = FALSE;
  if (gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(self), q)) gst_query_parse_latency(q, &live, nullptr, nullptr);
  gst_query_unref(q);
  return live;
}

// Streaming thread, first buffer of a raw stream with provider=local.
void start_frame_analysis(GstIdentifyFace *self, const Settings &s) {
  GstIdentifyFacePrivate *priv = self->priv;
  const char *provider = "local";
  if (s.wait_for_result) {
    // The faces are found in the very frames that flow through: holding
    // them until the result would wait forever.
    fail_stream(self,
                idf::Failure::config(
                    "wait-for-result=true cannot hold raw video with provider=local: the faces are found in the "
                    "frames that flow through identifyface, so no result can come while they are held. Set "
                    "wait-for-result=false (with mark-frames=true each frame still waits for its own faces), or "
                    "place identifyface on the encoded stream, before the decoder, where the engine reads the clip "
                    "itself"),
                provider);
    return;
  }
  GstCaps *caps = gst_pad_get_current_caps(GST_BASE_TRANSFORM_SINK_PAD(self));
  GstVideoInfo info;
  bool ok = caps && gst_video_info_from_caps(&info, caps);
  if (caps) gst_caps_unref(caps);
  if (!ok) {
    fail_stream(self, idf::Failure::config("provider=local cannot read the raw video's caps"), provider);
    return;
  }
  switch (GST_VIDEO_INFO_FORMAT(&info)) {
    case GST_VIDEO_FORMAT_I420:
    case GST_VIDEO_FORMAT_NV12:
    case GST_VIDEO_FORMAT_RGB:
    case GST_VIDEO_FORMAT_BGR:
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_RGBx:
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_BGRx: break;
    default:
      fail_stream(
          self,
          idf::Failure::config(std::string("provider=local analyses raw video in ") + idf_frames_supported_formats() +
                               ", not " + gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info)) +
                               ": put videoconvert before identifyface"),
          provider);
      return;
  }
  idf::ClipInfo clip = priv->clip;
  query_upstream(self, clip);
  // Nothing is billed: the limits are a verdict in the result unless
  // validation was set.
  if (s.validation != IDF_VALIDATION_OFF && s.validation_set) {
    auto violations = idf::validate_clip(clip, idf::VideoRef::Url);
    if (!violations.empty()) {
      std::string text = idf::describe_violations(violations);
      if (s.validation == IDF_VALIDATION_STRICT) {
        fail_stream(self, idf::Failure::validation(text + "; nothing analysed (set validation=warn or off)"), provider);
        return;
      }
      GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("%s", text.c_str()), ("validation=warn: analysing anyway"));
    }
  }
  bool live = stream_is_live(self);
  idf::local::StreamAnalysisOptions opts;
  opts.face_image_dir = s.face_image_dir;
  opts.live = live;
  gchar *name = gst_object_get_name(GST_OBJECT(self));
  opts.requester = name ? name : "identifyface";
  g_free(name);
  // Progress from the analysis thread, at most twice a second.
  auto link = std::make_shared<ElementLink>(self);
  auto last_us = std::make_shared<std::atomic<gint64>>(0);
  std::optional<uint64_t> duration = clip.duration_ns;
  auto progress = [link, last_us, duration](uint64_t analysed_until) {
    gint64 now = g_get_monotonic_time();
    if (now - last_us->load() < 500000) return;
    last_us->store(now);
    if (GstIdentifyFace *e = link->ref()) {
      idf::Progress p{IDENTIFYFACE_PHASE_ANALYSING, ""};
      char text[96];
      if (duration && *duration > 0) {
        p.fraction = std::min(1.0, (double)analysed_until / (double)*duration);
        g_snprintf(text, sizeof text, "analysed %.0f%% of the stream", *p.fraction * 100.0);
      } else {
        g_snprintf(text, sizeof text, "analysed %.1f s of the stream", analysed_until / 1e9);
      }
      p.text = text;
      p.elapsed_s = analysed_until / 1e9;
      post_progress(e, p);
      gst_object_unref(e);
    }
  };
  std::string error;
  std::shared_ptr<idf::local::StreamAnalysis> analysis = idf::local::StreamAnalysis::create(opts, progress, &error);
  if (!analysis) {
    fail_stream(self, idf::Failure::local(error), provider);
    return;
  }
  GST_INFO_OBJECT(self, "provider=local: analysing the %s raw video that flows through (no second decode)",
                  live ? "live" : "non-live");
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    if (priv->state.flushing) return;
    priv->state.link = link;
    priv->state.frames = analysis;
    priv->state.frames_tracks = std::make_shared<idf::local::MarkTracks>();
    priv->state.frames_live = live;
    priv->state.frames_info = info;
    priv->state.frames_end_ns = 0;
    priv->state.frames_verdict = idf::service_verdict(clip, idf::VideoRef::Url);
    priv->state.frames_clip_uri = clip.uri;
    priv->state.job_state = JobState::Running;
  }
  post_progress(self, {IDENTIFYFACE_PHASE_ANALYSING,
                       std::string("analysing the frames that flow through (") + (live ? "live" : "not live") + ")"});
}

std::optional<uint64_t> stream_time_of(GstBaseTransform *trans, GstBuffer *buffer) {
  if (!GST_BUFFER_PTS_IS_VALID(buffer)) return std::nullopt;
  guint64 t = gst_segment_to_stream_time(&trans->segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
  if (t == GST_CLOCK_TIME_NONE) return std::nullopt;
  return t;
}

// Streaming thread: hands the buffer's frame over when a sample is due.
void feed_frame(GstIdentifyFace *self, const std::shared_ptr<idf::local::StreamAnalysis> &frames, GstBuffer *buffer) {
  GstIdentifyFacePrivate *priv = self->priv;
  auto t = stream_time_of(GST_BASE_TRANSFORM(self), buffer);
  if (!t) return;
  GstVideoInfo info;
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    uint64_t end = *t + (GST_BUFFER_DURATION_IS_VALID(buffer) ? GST_BUFFER_DURATION(buffer) : 0);
    priv->state.frames_end_ns = std::max(priv->state.frames_end_ns, end);
    info = priv->state.frames_info;
  }
  if (!frames->wants(*t)) return;
  GstVideoFrame vf;
  if (!gst_video_frame_map(&vf, &info, buffer, GST_MAP_READ)) return;
  idf::local::RawFrame raw;
  if (idf_raw_frame_from_video_frame(&vf, &raw) && !frames->push(raw, *t))
    GST_LOG_OBJECT(self, "sample at %" GST_TIME_FORMAT " dropped: the analysis is behind", GST_TIME_ARGS(*t));
  gst_video_frame_unmap(&vf);
}

// Ends the analysis of the frames: the result (complete=false when the
// stream was stopped early), as the other providers' answers are posted.
void finish_frame_analysis(GstIdentifyFace *self, bool complete) {
  GstIdentifyFacePrivate *priv = self->priv;
  std::shared_ptr<idf::local::StreamAnalysis> frames;
  uint64_t end;
  std::string stream_id;
  idf::ServiceVerdict verdict;
  std::string clip_uri;
  {
    std::lock_guard<std::mutex> g(priv->state.lock);
    frames = std::move(priv->state.frames);
    clip_uri = priv->state.frames_clip_uri;
    end = priv->state.frames_end_ns;
    stream_id = priv->state.stream_id;
    verdict = priv->state.frames_verdict;
  }
  if (!frames) return;
  if (!complete) frames->stop();  // a held streaming thread lets go
  idf::Outcome outcome = frames->finish(end, complete);
  if (auto *r = std::get_if<idf::Result>(&outcome)) {
    Settings s;
    {
      std::lock_guard<std::mutex> g(priv->settings_lock);
      s = priv->settings;
    }
    r->provider = "local";
    r->video_url = !s.video_url.empty() ? s.video_url : clip_uri;  // reported only: the frames were analysed
    r->stream_id = stream_id;
    r->service_verdict = verdict.verdict;
    r->service_refusal = verdict.refusal;
  }
  on_job_done(self, outcome, "local");
}

// Drops the analysis of the frames without a result (flush, new stream).
void drop_frame_analysis(GstIdentifyFace *self) {
  std::shared_ptr<idf::local::StreamAnalysis> frames;
  {
    std::lock_guard<std::mutex> g(self->priv->state.lock);
    frames = std::move(self->priv->state.frames);
  }
  if (frames) frames->stop();
}

}  // namespace idf::element
