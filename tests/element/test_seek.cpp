// SPDX-License-Identifier: LGPL-2.1-or-later
// identifyface in a player: flushing seeks (from the application, while
// PLAYING and while PAUSED, as GStreamer's validate scenarios do them) while
// the identification runs. The identification is about the clip, not the
// playback position: a seek neither cancels nor restarts it, and its answer
// still reaches the bus and, in the new segment, downstream.
#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "support/fake_service.h"
#include "support/test_util.h"

static std::string g_clip;  // 1280x720, 3 s, mp4

static const char *kKlingRoute = "POST /kling/v1/videos/identify-face";
static const char *kKirinSubmit = "POST /model/v1/generation";
static const char *kKirinPoll = "GET /model/v1/generation/task/t-seek";

static std::string kling_ok() {
  return "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"req-s\",\"data\":{\"session_id\":\"sess-seek\","
         "\"final_unit_deduction\":\"1\",\"face_data\":[{\"face_id\":\"0\",\"face_image\":\"https://img.example/"
         "0.png\",\"start_time\":0,\"end_time\":2500}]}}";
}

static std::string kirin_task(const char *status, const std::string &extra = "") {
  return std::string("{\"task_id\":\"t-seek\",\"status\":\"") + status + "\"" + extra + "}";
}

static std::string kirin_completed() {
  gchar *escaped = g_strescape(kling_ok().c_str(), nullptr);
  std::string out = kirin_task("completed", std::string(",\"output\":[{\"content\":[{\"type\":\"text\",\"text\":\"") +
                                                escaped + "\",\"url\":\"\"}]}],\"usage\":{\"cost\":\"0.05\"}");
  g_free(escaped);
  return out;
}

// What reached the sink, in order: flush stops, segments after them, and
// our tags.
struct SinkEvents {
  std::mutex lock;
  int flush_stops = 0;
  bool segment_after_flush = false;
  bool tags_after_flush = false;  // our tags, after a FLUSH_STOP and the new SEGMENT
  bool tags_at_all = false;
  std::string session;  // of the last of our tags
};

static GstPadProbeReturn on_sink_event(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *seen = static_cast<SinkEvents *>(data);
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
  std::lock_guard<std::mutex> g(seen->lock);
  switch (GST_EVENT_TYPE(ev)) {
    case GST_EVENT_FLUSH_STOP:
      seen->flush_stops++;
      seen->segment_after_flush = false;
      seen->tags_after_flush = false;
      break;
    case GST_EVENT_SEGMENT: seen->segment_after_flush = seen->flush_stops > 0; break;
    case GST_EVENT_TAG: {
      GstTagList *tags;
      gst_event_parse_tag(ev, &tags);
      gchar *sid = nullptr;
      if (gst_tag_list_get_string(tags, "lipsync-session-id", &sid)) {
        seen->session = sid;
        seen->tags_at_all = true;
        if (seen->segment_after_flush) seen->tags_after_flush = true;
        g_free(sid);
      }
      break;
    }
    default: break;
  }
  return GST_PAD_PROBE_OK;
}

// A player: the sink synchronises on the clock, so the 3 s clip plays for
// 3 s and a seek one second in lands while the service is still working.
static GstElement *player(const std::string &props, SinkEvents *seen) {
  GstElement *p = launch("filesrc location=\"" + g_clip + "\" ! qtdemux ! h264parse ! identifyface name=idf " + props +
                         " ! fakesink name=sink sync=true");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, (GstPadProbeType)(GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH),
                    on_sink_event, seen, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
  return p;
}

// Pops messages into `log` until one of `type` (true) or EOS/ERROR/timeout.
static bool pop_until(GstBus *bus, BusLog &log, GstMessageType type, GstElement *from, unsigned timeout_ms) {
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  for (gint64 left; (left = deadline - g_get_monotonic_time()) > 0;) {
    GstMessage *m = gst_bus_timed_pop(bus, left * GST_USECOND);
    if (!m) break;
    log.messages.push_back(m);
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) log.eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) log.error = true;
    if (GST_MESSAGE_TYPE(m) == type && (!from || GST_MESSAGE_SRC(m) == GST_OBJECT(from))) return true;
    if (log.eos || log.error) return false;
  }
  log.timed_out = true;
  return false;
}

static gint64 position_ms(GstElement *p) {
  gint64 pos = -1;
  if (!gst_element_query_position(p, GST_FORMAT_TIME, &pos)) return -1;
  return pos / (gint64)GST_MSECOND;
}

enum class SeekWhile { Playing, Paused };

// Plays until the stream is `seek_after_ms` in (a second by default) and
// `busy` says the service is at work, seeks (flushing) to 0.5 s, and plays to
// the end.
static void play_and_seek(GstElement *p, BusLog &log, SeekWhile when, const std::function<bool()> &busy,
                          gint64 seek_after_ms = 1000) {
  GstBus *bus = gst_element_get_bus(p);
  gst_element_set_state(p, GST_STATE_PLAYING);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while ((position_ms(p) < seek_after_ms || !busy()) && g_get_monotonic_time() < deadline) {
    while (GstMessage *m = gst_bus_pop(bus)) log.messages.push_back(m);
    g_usleep(20 * 1000);
  }
  g_assert_cmpint(position_ms(p), >=, seek_after_ms);
  g_assert_true(busy());
  g_assert_null(log.element_message("identify-face"));  // still at work when the seek comes
  if (when == SeekWhile::Paused) {
    gst_element_set_state(p, GST_STATE_PAUSED);
    gst_element_get_state(p, nullptr, nullptr, 5 * GST_SECOND);
  }
  g_assert_true(gst_element_seek_simple(
      p, GST_FORMAT_TIME, (GstSeekFlags)(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), 500 * GST_MSECOND));
  if (when == SeekWhile::Paused) {
    g_assert_true(pop_until(bus, log, GST_MESSAGE_ASYNC_DONE, nullptr, 5000));
    gst_element_set_state(p, GST_STATE_PLAYING);
  }
  pop_until(bus, log, GST_MESSAGE_EOS, nullptr, 20000);
  gst_object_unref(bus);
}

static void assert_answer_delivered(BusLog &log, SinkEvents &seen) {
  g_assert_false(log.timed_out);
  g_assert_false(log.error);
  g_assert_true(log.eos);
  const GstStructure *s = log.element_message("identify-face");
  g_assert_nonnull(s);
  g_assert_cmpstr(gst_structure_get_string(s, "session-id"), ==, "sess-seek");
  g_assert_cmpint(log.index_of_element("identify-face"), <, log.index_of_type(GST_MESSAGE_EOS));
  for (const auto &step : log.progress()) g_assert_cmpstr(step.phase.c_str(), !=, "cancelled");
  std::lock_guard<std::mutex> g(seen.lock);
  g_assert_cmpint(seen.flush_stops, ==, 1);
  g_assert_true(seen.tags_after_flush);
  g_assert_cmpstr(seen.session.c_str(), ==, "sess-seek");
}

static void test_kling_seek_while_playing() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_ok(), 2000)});
  SinkEvents seen;
  GstElement *p = player(
      "api-key=k api-url=" + svc.url("/kling/v1/videos/identify-face") + " video-url=https://cdn.example/clip.mp4",
      &seen);
  BusLog log;
  play_and_seek(p, log, SeekWhile::Playing, [&] { return svc.count(kKlingRoute) == 1; });
  assert_answer_delivered(log, seen);
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 1);
  stop(p);
}

// The answer came before the seek: the flush does not lose it downstream.
static void test_kling_answer_before_seek_tagged_again() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_ok())});
  SinkEvents seen;
  GstElement *p = player(
      "api-key=k api-url=" + svc.url("/kling/v1/videos/identify-face") + " video-url=https://cdn.example/clip.mp4",
      &seen);
  BusLog log;
  GstBus *bus = gst_element_get_bus(p);
  gst_element_set_state(p, GST_STATE_PLAYING);
  g_assert_true(pop_until(bus, log, GST_MESSAGE_ELEMENT, nullptr, 10000));
  while (!log.element_message("identify-face") && pop_until(bus, log, GST_MESSAGE_ELEMENT, nullptr, 10000)) {
  }
  g_assert_nonnull(log.element_message("identify-face"));
  while (position_ms(p) < 1000) g_usleep(20 * 1000);
  g_assert_true(gst_element_seek_simple(
      p, GST_FORMAT_TIME, (GstSeekFlags)(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), 500 * GST_MSECOND));
  pop_until(bus, log, GST_MESSAGE_EOS, nullptr, 20000);
  gst_object_unref(bus);
  assert_answer_delivered(log, seen);
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 1);
  stop(p);
}

static void test_kirin_seek_while_polling_paused() {
  FakeService svc;
  std::atomic<gint64> submitted_us{0};
  svc.script(kKirinSubmit, {CannedResponse::json(200, kirin_task("pending"))});
  // The task completes 2.5 s after its submission: polled before and after the seek.
  svc.handle(kKirinPoll, [&](const RecordedRequest &req) {
    if (!submitted_us) submitted_us = req.received_us;
    bool done = req.received_us - submitted_us > 2500 * 1000;
    return CannedResponse::json(200, done ? kirin_completed() : kirin_task("processing"));
  });
  SinkEvents seen;
  GstElement *p = player("provider=kirin api-key=k poll-interval=100 api-url=" + svc.url("/model/v1/generation") +
                             " video-url=https://cdn.example/clip.mp4",
                         &seen);
  BusLog log;
  play_and_seek(p, log, SeekWhile::Paused, [&] { return svc.count(kKirinPoll) >= 2; });
  assert_answer_delivered(log, seen);
  g_assert_cmpuint(svc.count(kKirinSubmit), ==, 1);
  const GstStructure *s = log.element_message("identify-face");
  g_assert_cmpstr(gst_structure_get_string(s, "task-id"), ==, "t-seek");
  stop(p);
}

// provider=local on the encoded stream: the engine analyses the file, not
// the playback; a seek neither stops nor restarts that analysis.
static void test_local_uri_seek_while_analysing() {
  std::string dir = make_temp_dir();
  ClipSpec spec;
  // An analysis that lasts beyond the seek, even on a quiet machine: 300
  // frames to decode (a 10 fps clip was analysed in under a second).
  spec.seconds = 10;
  spec.fps = 30;
  std::string clip = make_clip(dir, "long.mp4", spec);
  SinkEvents seen;
  GstElement *p = launch("filesrc location=\"" + clip +
                         "\" ! qtdemux ! h264parse ! identifyface provider=local face-image-dir=" + dir +
                         "/faces ! fakesink name=sink sync=true");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, (GstPadProbeType)(GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH),
                    on_sink_event, &seen, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
  BusLog log;
  play_and_seek(
      p, log, SeekWhile::Playing,
      [&] {
        for (const auto &step : log.progress())
          if (step.phase == "analysing") return true;
        return false;
      },
      200);
  g_assert_false(log.timed_out);
  g_assert_false(log.error);
  g_assert_true(log.eos);
  const GstStructure *s = log.element_message("identify-face");
  g_assert_nonnull(s);
  g_assert_cmpstr(gst_structure_get_string(s, "provider"), ==, "local");
  // One analysis: started once, never cancelled.
  size_t starts = 0;
  for (const auto &step : log.progress()) {
    g_assert_cmpstr(step.phase.c_str(), !=, "cancelled");
    starts += step.text == "analysing the clip locally";
  }
  g_assert_cmpuint(starts, ==, 1);
  std::lock_guard<std::mutex> g(seen.lock);
  g_assert_cmpint(seen.flush_stops, ==, 1);
  g_assert_true(seen.tags_after_flush);
  g_assert_cmpstr(seen.session.c_str(), ==, gst_structure_get_string(s, "session-id"));
  stop(p);
  remove_dir(dir);
}

// A new stream-id still stops the identification of the old one (the flush
// alone does not): covered by test_kling's /kling/harness/new-stream.

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  std::string dir = make_temp_dir();
  g_clip = make_clip(dir, "clip.mp4", ClipSpec{});
  g_test_add_func("/seek/kling/while-playing-during-request", test_kling_seek_while_playing);
  g_test_add_func("/seek/kling/answer-before-seek-tagged-again", test_kling_answer_before_seek_tagged_again);
  g_test_add_func("/seek/kirin/while-paused-during-polling", test_kirin_seek_while_polling_paused);
#ifdef IDF_HAVE_LOCAL_ENGINE
  g_test_add_func("/seek/local/uri-while-analysing", test_local_uri_seek_while_analysing);
#endif
  int ret = g_test_run();
  remove_dir(dir);
  return ret;
}
