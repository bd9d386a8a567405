// SPDX-License-Identifier: LGPL-2.1-or-later
// The lipsync element in a pipeline, downstream of identifyface, against
// the in-process fakes: both lip-sync dialects end to end, the automatic
// choice, and every pre-flight refusal with zero lip-sync requests.
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>

#include <string>

#include "support/fake_lipsync.h"
#include "support/fake_service.h"
#include "support/test_util.h"

namespace {

std::string g_dir, g_clip, g_wav;
const char *kKey = "test-key";
const char *kIdentifyRoute = "POST /kling/v1/videos/identify-face";

// Face 0 is visible 0-5 s (lip-sync ready), face 1 1-2.5 s (not ready).
const char *kFaces =
    "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"req-1\",\"data\":{\"session_id\":\"sess-1\","
    "\"final_unit_deduction\":\"1\",\"face_data\":["
    "{\"face_id\":\"0\",\"face_image\":\"https://img.example/0.png\",\"start_time\":0,\"end_time\":5000},"
    "{\"face_id\":\"1\",\"face_image\":\"https://img.example/1.png\",\"start_time\":1000,\"end_time\":2500}]}}";

std::string make_audio(const std::string &name, const std::string &encode, double seconds, int rate, int channels) {
  std::string path = g_dir + "/" + name;
  int per_buffer = rate / 10;
  std::string desc = "audiotestsrc num-buffers=" + std::to_string((int)(seconds * 10 + 0.5)) +
                     " samplesperbuffer=" + std::to_string(per_buffer) +
                     " ! audio/x-raw,format=S16LE,rate=" + std::to_string(rate) +
                     ",channels=" + std::to_string(channels) + " ! " + encode + " ! filesink location=\"" + path + "\"";
  std::string error;
  if (!run_to_eos(desc, 120, &error)) g_error("cannot make %s: %s", name.c_str(), error.c_str());
  return path;
}

struct Fakes {
  FakeService identify;
  FakeService lipsync_service;
  FakeLipsync lipsync;
  explicit Fakes(bool kirin = false, unsigned processing_polls = 1) {
    identify.script(kIdentifyRoute, {CannedResponse::json(200, kFaces)});
    FakeLipsyncOptions options;
    options.kirin = kirin;
    options.processing_polls = processing_polls;
    lipsync = install_fake_lipsync(lipsync_service, options);
  }
  std::string lipsync_route() const {
    return std::string("POST ") + (lipsync.api_url.find("/model/") != std::string::npos
                                       ? "/model/v1/generation"
                                       : "/kling/v1/videos/advanced-lip-sync");
  }
};

GstElement *pipeline(Fakes &f, const std::string &lipsync_props) {
  std::string desc =
      "filesrc location=\"" + g_clip +
      "\" ! qtdemux ! h264parse ! identifyface api-url=" + f.identify.url("/kling/v1/videos/identify-face") +
      " video-url=https://cdn.example/clip.mp4 api-key=" + kKey + " ! lipsync name=ls api-url=" + f.lipsync.api_url +
      " api-key=" + kKey + " poll-interval=50 " + lipsync_props + " ! fakesink sync=false";
  return launch(desc);
}

void test_end_to_end(gconstpointer data) {
  bool kirin = GPOINTER_TO_INT(data);
  Fakes f(kirin);
  GstElement *p = pipeline(f, std::string(kirin ? "provider=kirin " : "") + "audio-uri=\"" + g_wav + "\"");
  BusLog log;
  run_until_done(p, log, 60000);
  if (!log.eos) g_error("no EOS: %s", log.problem(GST_MESSAGE_ERROR).text.c_str());
  const GstStructure *s = log.element_message(LIPSYNC_MESSAGE_RESULT);
  g_assert_nonnull(s);
  // Before EOS: hold-eos waits for the answer.
  g_assert_cmpint(log.index_of_element(LIPSYNC_MESSAGE_RESULT), <, log.index_of_type(GST_MESSAGE_EOS));
  g_assert_cmpstr(gst_structure_get_string(s, "provider"), ==, kirin ? "kirin" : "kling");
  g_assert_cmpstr(gst_structure_get_string(s, "session-id"), ==, "sess-1");
  {
    // identifyface says when the session was made (a fresh answer: now).
    const GstStructure *identified = log.element_message(IDENTIFYFACE_MESSAGE_RESULT);
    g_assert_nonnull(identified);
    const char *created = gst_structure_get_string(identified, IDENTIFYFACE_FIELD_SESSION_CREATED);
    g_assert_nonnull(created);
    GDateTime *t = g_date_time_new_from_iso8601(created, nullptr);
    g_assert_nonnull(t);
    gint64 age = g_get_real_time() / G_USEC_PER_SEC - g_date_time_to_unix(t);
    g_date_time_unref(t);
    g_assert_cmpint(age, >=, 0);
    g_assert_cmpint(age, <, 120);
  }
  g_assert_cmpstr(gst_structure_get_string(s, "face-id"), ==, "0");  // face 1 is not lip-sync ready
  guint64 insert = 1, duration = 0;
  g_assert_true(gst_structure_get_uint64(s, "insert-time", &insert));
  g_assert_cmpuint(insert, ==, 0);  // where 3 s of audio overlaps face 0 (0-5 s) most
  g_assert_cmpstr(gst_structure_get_string(s, "task-id"), ==, "lipsync-1");
  g_assert_cmpstr(gst_structure_get_string(s, "result-url"), ==, f.lipsync.video_url.c_str());
  g_assert_true(gst_structure_get_uint64(s, "result-duration", &duration));
  g_assert_cmpuint(duration, ==, 5 * GST_SECOND);
  const GValue *videos = gst_structure_get_value(s, "videos");
  g_assert_nonnull(videos);
  g_assert_cmpuint(gst_value_list_get_size(videos), ==, 1);
  g_assert_true(g_str_has_prefix(gst_structure_get_string(s, "choice"), "face 0 overlaps the audio most"));
  if (!kirin) g_assert_cmpstr(gst_structure_get_string(s, "final-unit-deduction"), ==, "4");
  g_assert_cmpstr(gst_structure_get_string(s, "status"), ==, kirin ? "completed" : "succeed");

  // One submission, carrying the file as Base64 ("RIFF" is "UklGR").
  g_assert_cmpuint(f.lipsync_service.count(f.lipsync_route()), ==, 1);
  std::string body = f.lipsync_service.requests().at(0).body;
  g_assert_true(body.find("\"sound_file\":\"UklGR") != std::string::npos);
  g_assert_true(body.find("\"sound_insert_time\":0") != std::string::npos);
  g_assert_true(body.find("\"sound_end_time\":3000") != std::string::npos);

  // The result property.
  GstElement *ls = gst_bin_get_by_name(GST_BIN(p), "ls");
  GstStructure *result = nullptr;
  g_object_get(ls, "result", &result, nullptr);
  g_assert_nonnull(result);
  g_assert_cmpstr(gst_structure_get_string(result, "task-id"), ==, "lipsync-1");
  gst_structure_free(result);
  gst_object_unref(ls);
  stop(p);
}

// A refusal before anything is billed: lipsync-error (kind validation) and
// an ERROR naming the rule, zero lip-sync requests.
void expect_refusal(const std::string &props, std::initializer_list<const char *> needles) {
  Fakes f;
  GstElement *p = pipeline(f, props);
  BusLog log;
  run_until_done(p, log, 60000);
  const GstStructure *e = log.element_message(LIPSYNC_MESSAGE_ERROR);
  if (!e) g_error("%s: no lipsync-error", props.c_str());
  g_assert_cmpstr(gst_structure_get_string(e, "kind"), ==, "validation");
  BusProblem problem = log.problem(GST_MESSAGE_ERROR);
  g_assert_true(problem.found);
  problem.assert_contains(needles);
  problem.assert_contains({"no request sent"});
  g_assert_cmpuint(f.lipsync_service.requests().size(), ==, 0);
  g_assert_cmpuint(f.identify.count(kIdentifyRoute), ==, 1);
  stop(p);
}

void test_overlap_1_9_refused() {
  // 3 s of audio at 3.1 s overlaps face 0 (0-5 s) for 1.9 s.
  expect_refusal("face-id=0 insert-time=3100000000 audio-uri=\"" + g_wav + "\"",
                 {"overlap:", "for 1.900 s: it must overlap for at least 2 s"});
}

void test_overlap_2_0_sent() {
  Fakes f;
  GstElement *p = pipeline(f, "face-id=0 insert-time=3000000000 audio-uri=\"" + g_wav + "\"");
  BusLog log;
  run_until_done(p, log, 60000);
  g_assert_true(log.eos);
  g_assert_nonnull(log.element_message(LIPSYNC_MESSAGE_RESULT));
  g_assert_cmpuint(f.lipsync_service.count(f.lipsync_route()), ==, 1);
  stop(p);
}

void test_insert_outside_video_refused() {
  expect_refusal("face-id=0 insert-time=6000000000 audio-uri=\"" + g_wav + "\"",
                 {"insert-inside-video:", "after the video's end at 8.000 s"});
}

void test_audio_too_short_refused() {
  std::string wav = make_audio("short.wav", "wavenc", 1.5, 8000, 1);
  expect_refusal("audio-uri=\"" + wav + "\"", {"audio-duration:", "lasts 1.500 s: it must be 2 to 60 s"});
}

void test_audio_too_long_refused() {
  std::string wav = make_audio("long.wav", "wavenc", 61, 8000, 1);
  expect_refusal("audio-end=3000000000 audio-uri=\"" + wav + "\"", {"audio-duration:", "lasts 61.000 s"});
}

void test_audio_too_big_refused() {
  std::string wav = make_audio("big.wav", "wavenc", 31, 44100, 2);  // 5.5 MB
  expect_refusal("audio-end=3000000000 audio-uri=\"" + wav + "\"", {"audio-size:", "more than 5 MB"});
}

void test_audio_wrong_format_refused() {
  std::string flac = make_audio("dub.flac", "flacenc", 3, 8000, 1);
  expect_refusal("audio-uri=\"" + flac + "\"", {"audio-format:", "it must be .mp3, .wav, .m4a or .aac"});
}

void test_unknown_face_refused() {
  expect_refusal("face-id=7 audio-uri=\"" + g_wav + "\"", {"face \"7\" is not in the session"});
}

void test_face_not_ready_refused() {
  expect_refusal("face-id=1 audio-uri=\"" + g_wav + "\"", {"face-lipsync-ready:", "visible for 1.500 s"});
}

void test_standalone_without_faces_refused() {
  Fakes f;
  std::string desc = "filesrc location=\"" + g_clip +
                     "\" ! qtdemux ! h264parse ! lipsync api-url=" + f.lipsync.api_url + " api-key=" + kKey +
                     " session-id=sess-1 face-id=0 audio-uri=\"" + g_wav + "\" ! fakesink sync=false";
  GstElement *p = launch(desc);
  BusLog log;
  run_until_done(p, log, 60000);
  BusProblem problem = log.problem(GST_MESSAGE_ERROR);
  problem.assert_contains({"face-interval:", "the faces of session sess-1 are unknown"});
  g_assert_cmpuint(f.lipsync_service.requests().size(), ==, 0);
  stop(p);
}

GstPadProbeReturn push_tags_first(GstPad *pad, GstPadProbeInfo *, gpointer tags) {
  gst_pad_push_event(pad, gst_event_new_tag(gst_tag_list_ref(GST_TAG_LIST(tags))));
  return GST_PAD_PROBE_REMOVE;
}

// identifyface's tags for session "sess-old" made `hours` ago (face 0,
// 0-5 s), then one buffer of an 8 s video, into lipsync.
void run_with_session_made_hours_ago(Fakes &f, double hours, BusLog &log) {
  GstElement *p = launch(
      "appsrc name=src format=time caps=video/x-h264 duration=8000000000 ! lipsync api-url=" + f.lipsync.api_url +
      " api-key=" + kKey + " poll-interval=50 audio-uri=\"" + g_wav + "\" ! fakesink sync=false");
  GDateTime *made = g_date_time_new_from_unix_utc(g_get_real_time() / G_USEC_PER_SEC - (gint64)(hours * 3600));
  gchar *iso = g_date_time_format(made, "%Y-%m-%dT%H:%M:%SZ");
  g_date_time_unref(made);
  GstTagList *tags = gst_tag_list_new_empty();
  gst_tag_list_set_scope(tags, GST_TAG_SCOPE_STREAM);
  gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDENTIFYFACE_TAG_SESSION_ID, "sess-old",
                   IDENTIFYFACE_TAG_SESSION_CREATED, iso, nullptr);
  g_free(iso);
  GstStructure *face = gst_structure_new(IDENTIFYFACE_FACE, IDENTIFYFACE_FIELD_FACE_ID, G_TYPE_STRING, "0",
                                         IDENTIFYFACE_FIELD_START_TIME, G_TYPE_UINT64, (guint64)0,
                                         IDENTIFYFACE_FIELD_END_TIME, G_TYPE_UINT64, (guint64)5 * GST_SECOND,
                                         IDENTIFYFACE_FIELD_LIPSYNC_READY, G_TYPE_BOOLEAN, TRUE, nullptr);
  gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDENTIFYFACE_TAG_FACE, face, nullptr);
  gst_structure_free(face);
  GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
  GstPad *pad = gst_element_get_static_pad(src, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, push_tags_first, tags, (GDestroyNotify)gst_tag_list_unref);
  gst_object_unref(pad);
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, 16, nullptr);
  GST_BUFFER_PTS(buffer) = 0;
  GstFlowReturn ret;
  g_signal_emit_by_name(src, "push-buffer", buffer, &ret);
  gst_buffer_unref(buffer);
  g_signal_emit_by_name(src, "end-of-stream", &ret);
  gst_object_unref(src);
  run_until_done(p, log, 60000);
  stop(p);
}

// A session lives 24 h: one made 25 h ago is refused, naming its age, with
// nothing sent; one made 23 h ago is lip-synced.
void test_old_session_refused() {
  Fakes f;
  BusLog log;
  run_with_session_made_hours_ago(f, 25, log);
  BusProblem problem = log.problem(GST_MESSAGE_ERROR);
  if (!problem.found) g_error("a 25 h old session was not refused");
  problem.assert_contains({"session-age:", "the session is 25.0 h old", "identify the clip again", "no request sent"});
  g_assert_cmpuint(f.lipsync_service.requests().size(), ==, 0);

  Fakes fresh;
  BusLog sent;
  run_with_session_made_hours_ago(fresh, 23, sent);
  if (!sent.element_message(LIPSYNC_MESSAGE_RESULT))
    g_error("a 23 h old session was not lip-synced: %s", sent.problem(GST_MESSAGE_ERROR).text.c_str());
  g_assert_cmpuint(fresh.lipsync_service.count(fresh.lipsync_route()), ==, 1);
}

// Stopped while the task is polled: the cancelled lipsync-progress names
// the task (text and task-id field) and how to collect it; nothing more is sent.
void test_cancel_after_submission_names_the_task() {
  Fakes f(false, 100000);
  GstElement *p = pipeline(f, "audio-uri=\"" + g_wav + "\"");
  gst_element_set_state(p, GST_STATE_PLAYING);
  const std::string poll = "GET /kling/v1/videos/advanced-lip-sync/lipsync-1";
  g_assert_true(f.lipsync_service.wait_for(poll, 1, 30000));
  // READY, not NULL: the bus keeps its messages until NULL.
  gst_element_set_state(p, GST_STATE_READY);
  size_t polls = f.lipsync_service.count(poll);
  GstBus *bus = gst_element_get_bus(p);
  bool found = false;
  while (GstMessage *m = gst_bus_pop(bus)) {
    const GstStructure *s = gst_message_get_structure(m);
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT && gst_structure_has_name(s, LIPSYNC_MESSAGE_PROGRESS) &&
        g_strcmp0(gst_structure_get_string(s, IDENTIFYFACE_FIELD_PHASE), IDENTIFYFACE_PHASE_CANCELLED) == 0) {
      found = true;
      g_assert_cmpstr(gst_structure_get_string(s, IDENTIFYFACE_FIELD_TASK_ID), ==, "lipsync-1");
      std::string text = gst_structure_get_string(s, IDENTIFYFACE_FIELD_TEXT);
      if (text.find("lipsync task-id=lipsync-1") == std::string::npos ||
          text.find("--lipsync-task-id=lipsync-1") == std::string::npos)
        g_error("the cancelled message does not say how to collect the task: %s", text.c_str());
    }
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  g_assert_true(found);
  g_usleep(300 * 1000);
  g_assert_cmpuint(f.lipsync_service.count(poll), ==, polls);
  g_assert_cmpuint(f.lipsync_service.count(f.lipsync_route()), ==, 1);
  stop(p);
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_dir = make_temp_dir();
  ClipSpec spec;
  spec.seconds = 8;
  spec.fps = 5;
  g_clip = make_clip(g_dir, "clip.mp4", spec);
  g_wav = make_audio("dub.wav", "wavenc", 3, 8000, 1);
  g_test_add_data_func("/lipsync-element/kling/end-to-end", GINT_TO_POINTER(0), test_end_to_end);
  g_test_add_data_func("/lipsync-element/kirin/end-to-end", GINT_TO_POINTER(1), test_end_to_end);
  g_test_add_func("/lipsync-element/refused/overlap-1.9s", test_overlap_1_9_refused);
  g_test_add_func("/lipsync-element/sent/overlap-2.0s", test_overlap_2_0_sent);
  g_test_add_func("/lipsync-element/refused/insert-outside-video", test_insert_outside_video_refused);
  g_test_add_func("/lipsync-element/refused/audio-too-short", test_audio_too_short_refused);
  g_test_add_func("/lipsync-element/refused/audio-too-long", test_audio_too_long_refused);
  g_test_add_func("/lipsync-element/refused/audio-too-big", test_audio_too_big_refused);
  g_test_add_func("/lipsync-element/refused/audio-wrong-format", test_audio_wrong_format_refused);
  g_test_add_func("/lipsync-element/refused/unknown-face", test_unknown_face_refused);
  g_test_add_func("/lipsync-element/refused/face-not-lipsync-ready", test_face_not_ready_refused);
  g_test_add_func("/lipsync-element/refused/standalone-without-faces", test_standalone_without_faces_refused);
  g_test_add_func("/lipsync-element/refused/old-session", test_old_session_refused);
  g_test_add_func("/lipsync-element/cancel/after-submission-names-the-task",
                  test_cancel_after_submission_names_the_task);
  int rc = g_test_run();
  remove_dir(g_dir);
  return rc;
}
