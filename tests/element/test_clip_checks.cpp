// SPDX-License-Identifier: LGPL-2.1-or-later
// Credits are only spent on clips the element could check: wherever it sits
// (before the demuxer too), on video only, with URLs that can work.
#include <gst/check/gstharness.h>
#include <gst/gst.h>

#include <string>

#include "support/fake_service.h"
#include "support/test_util.h"

static std::string g_dir;
static std::string g_clip;  // 1280x720, 3 s, mp4
static const char *kKey = "sk-test-0123456789abcdef";
static const char *kRoute = "POST /kling/v1/videos/identify-face";
static const char *kOk =
    R"({"code":0,"message":"SUCCEED","request_id":"r","data":{"session_id":"sess-1","final_unit_deduction":"1",)"
    R"("face_data":[{"face_id":"0","face_image":"https://img/0.png","start_time":0,"end_time":2500}]}})";

static std::string props(FakeService &svc, const std::string &extra = "") {
  return "api-url=" + svc.url("/kling/v1/videos/identify-face") +
         " video-url=https://cdn.example/clip.mp4 api-key=" + kKey + " " + extra;
}

// filesrc ! identifyface ! qtdemux: the element sees only video/quicktime.
static GstElement *before_demuxer(const std::string &clip, const std::string &props,
                                  const char *demux = "qtdemux ! h264parse") {
  return launch("filesrc location=\"" + clip + "\" ! identifyface name=idf " + props + " ! " + demux +
                " ! fakesink sync=false");
}

static void test_before_demuxer_valid_clip_is_sent_and_eos_held() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kOk, 800)});  // answers after the clip has been read
  GstElement *p = before_demuxer(g_clip, props(svc));
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  // hold-eos held the end of the stream although qtdemux sits downstream:
  // the answer comes before EOS.
  int result = log.index_of_element("identify-face");
  g_assert_cmpint(result, >=, 0);
  g_assert_cmpint(result, <, log.index_of_type(GST_MESSAGE_EOS));
  stop(p);
}

static void test_before_demuxer_limits_are_read_from_the_clip() {
  std::string long_clip = make_clip(g_dir, "long.mp4", ClipSpec{1280, 720, 61.0, 1, "mp4"});
  std::string mkv = make_clip(g_dir, "clip.mkv", ClipSpec{1280, 720, 2.5, 10, "mkv"});
  struct {
    std::string clip;
    const char *demux;
    const char *needle;
  } cases[] = {{long_clip, "qtdemux ! h264parse", "duration 61.00 s"},
               {mkv, "matroskademux ! h264parse", "container \"mkv\""}};
  for (auto &c : cases) {
    FakeService svc;
    svc.script(kRoute, {CannedResponse::json(200, kOk)});
    GstElement *p = before_demuxer(c.clip, props(svc), c.demux);
    BusLog log;
    run_until_done(p, log, 20000);
    g_assert_true(log.error);
    log.problem(GST_MESSAGE_ERROR).assert_contains({c.needle, "no request sent"});
    g_assert_cmpuint(svc.requests().size(), ==, 0);
    stop(p);
  }
}

// An http source without a demuxer, and a "clip" that cannot be read: the
// limits stay unknown, so strict sends nothing; warn sends with a warning.
static void test_unknown_limits_are_not_sent_under_strict() {
  std::string junk = g_dir + "/junk.mp4";
  g_assert_true(g_file_set_contents(junk.c_str(), std::string(64 * 1024, 'x').c_str(), 64 * 1024, nullptr));
  for (const char *mode : {"strict", "warn"}) {
    FakeService svc;
    svc.serve_file("/media/junk.mp4", junk);
    svc.script(kRoute, {CannedResponse::json(200, kOk)});
    std::string desc = "souphttpsrc location=" + svc.url("/media/junk.mp4") +
                       " ! identifyface api-url=" + svc.url("/kling/v1/videos/identify-face") + " api-key=" + kKey +
                       " validation=" + mode + " ! fakesink sync=false";
    GstElement *p = launch(desc);
    BusLog log;
    run_until_done(p, log, 20000);
    if (g_str_equal(mode, "strict")) {
      g_assert_true(log.error);
      log.problem(GST_MESSAGE_ERROR)
          .assert_contains(
              {"duration, width, height unknown", "place identifyface after the demuxer", "validation=warn"});
      g_assert_cmpuint(svc.count(kRoute), ==, 0);
    } else {
      log.problem(GST_MESSAGE_WARNING).assert_contains({"unknown"});
      g_assert_cmpuint(svc.count(kRoute), ==, 1);
    }
    stop(p);
  }
}

static void test_audio_only_clip_is_never_sent() {
  std::string audio = g_dir + "/audio.mp4";
  GstElement *enc = launch("audiotestsrc num-buffers=100 ! avenc_aac ! mp4mux ! filesink location=\"" + audio + "\"");
  BusLog enc_log;
  run_until_done(enc, enc_log, 20000);
  g_assert_true(enc_log.eos);
  stop(enc);
  // After the demuxer: the audio pad does not link to a video-only element.
  // Before it: the probe finds no video stream and says what it found.
  for (bool before : {false, true}) {
    FakeService svc;
    svc.script(kRoute, {CannedResponse::json(200, kOk)});
    GstElement *p = before ? before_demuxer(audio, props(svc), "qtdemux")
                           : launch("filesrc location=\"" + audio + "\" ! qtdemux ! identifyface " + props(svc) +
                                    " ! fakesink sync=false");
    BusLog log;
    run_until_done(p, log, 20000);
    g_assert_true(log.error);
    if (before) log.problem(GST_MESSAGE_ERROR).assert_contains({"no video stream", "audio/mpeg"});
    g_assert_cmpuint(svc.requests().size(), ==, 0);
    stop(p);
  }
}

static void test_non_video_caps_are_an_error_naming_them() {
  GError *err = nullptr;
  GstElement *p = gst_parse_launch("audiotestsrc ! identifyface ! fakesink", &err);
  g_assert_nonnull(err);  // the templates tell the truth: no link
  g_error_free(err);
  if (p) gst_object_unref(p);

#ifndef IDF_HAVE_LOCAL_ENGINE
  g_test_skip("built without the local engine: provider=local does not start");
  return;
#endif
  GstHarness *h = gst_harness_new_parse("identifyface validation=off provider=local");
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_set_src_caps_str(h, "audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved");
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  g_assert_nonnull(m);
  GError *e = nullptr;
  gst_message_parse_error(m, &e, nullptr);
  g_assert_nonnull(strstr(e->message, "audio/x-raw"));
  g_assert_nonnull(strstr(e->message, "video"));
  g_error_free(e);
  gst_message_unref(m);
  gst_element_set_bus(h->element, nullptr);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

static void test_bad_urls_are_settings_errors_at_start() {
  struct {
    const char *property, *value, *needle;
  } cases[] = {{"api-url", "ftp://api.example/identify", "scheme must be http or https"},
               {"api-url", "not a url", "api-url \"not a url\""},
               {"poll-url", "https:///tasks/{task_id}", "poll-url \"https:///tasks/{task_id}\""},
               {"video-url", "file:///home/u/clip.mp4", "video-url \"file:///home/u/clip.mp4\""}};
  for (auto &c : cases) {
    std::string p_str = std::string("api-key=") + kKey + " provider=kirin " + c.property + "=\"" + c.value + "\"";
    if (!g_str_equal(c.property, "video-url")) p_str += " video-url=https://cdn.example/clip.mp4";
    GstElement *p = launch("filesrc location=\"" + g_clip + "\" ! qtdemux ! identifyface " + p_str + " ! fakesink");
    GstStateChangeReturn ret = gst_element_set_state(p, GST_STATE_PAUSED);
    g_assert_cmpint(ret, ==, GST_STATE_CHANGE_FAILURE);
    GstBus *bus = gst_element_get_bus(p);
    GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    g_assert_nonnull(m);
    GError *e = nullptr;
    gst_message_parse_error(m, &e, nullptr);
    g_assert_true(g_error_matches(e, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
    if (!strstr(e->message, c.needle)) g_error("\"%s\" not in \"%s\"", c.needle, e->message);
    g_error_free(e);
    gst_message_unref(m);
    gst_object_unref(bus);
    stop(p);
  }
}

static void test_plaintext_api_url_warns() {
  for (const char *url : {"http://api.example.com/identify", "http://127.0.0.1:9/identify"}) {
    // appsrc pushes nothing: start() runs, no job does.
    GstElement *p = launch(std::string("appsrc caps=video/x-raw,width=1280,height=720 ! identifyface api-key=") + kKey +
                           " video-url=https://cdn.example/clip.mp4 api-url=" + url + " ! fakesink async=false");
    gst_element_set_state(p, GST_STATE_PAUSED);
    GstBus *bus = gst_element_get_bus(p);
    GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING);
    if (strstr(url, "127.0.0.1")) {
      g_assert_null(m);
    } else {
      g_assert_nonnull(m);
      GError *e = nullptr;
      gst_message_parse_warning(m, &e, nullptr);
      g_assert_nonnull(strstr(e->message, "api-url"));
      g_assert_nonnull(strstr(e->message, "in clear"));
      g_error_free(e);
      gst_message_unref(m);
    }
    gst_object_unref(bus);
    stop(p);
  }
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_dir = make_temp_dir();
  g_clip = make_clip(g_dir, "clip.mp4", ClipSpec{});
  g_test_add_func("/clip-checks/before-demuxer/sent-and-eos-held", test_before_demuxer_valid_clip_is_sent_and_eos_held);
  g_test_add_func("/clip-checks/before-demuxer/limits-read-from-clip",
                  test_before_demuxer_limits_are_read_from_the_clip);
  g_test_add_func("/clip-checks/unknown-limits-not-sent-under-strict", test_unknown_limits_are_not_sent_under_strict);
  g_test_add_func("/clip-checks/audio-only-never-sent", test_audio_only_clip_is_never_sent);
  g_test_add_func("/clip-checks/non-video-caps-named", test_non_video_caps_are_an_error_naming_them);
  g_test_add_func("/clip-checks/bad-urls-at-start", test_bad_urls_are_settings_errors_at_start);
  g_test_add_func("/clip-checks/plaintext-api-url-warns", test_plaintext_api_url_warns);
  int ret = g_test_run();
  remove_dir(g_dir);
  return ret;
}
