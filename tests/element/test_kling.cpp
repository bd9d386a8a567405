// SPDX-License-Identifier: LGPL-2.1-or-later
// identifyface end to end on the Kling identify-face API, against an
// in-process fake service.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <string>
#include <vector>

#include "support/fake_service.h"
#include "support/test_util.h"

static std::string g_dir;
static std::string g_clip;  // 1280x720, 3 s, mp4

static const char *kKey = "sk-test-0123456789abcdef";
static const char *kRoute = "POST /kling/v1/videos/identify-face";

static std::string kling_ok(const char *session = "sess-1") {
  return std::string("{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"req-42\",\"data\":{\"session_id\":\"") +
         session +
         "\",\"final_unit_deduction\":\"1\",\"face_data\":["
         "{\"face_id\":\"0\",\"face_image\":\"https://img.example/0.png\",\"start_time\":0,\"end_time\":2500},"
         "{\"face_id\":1,\"face_image\":\"https://img.example/"
         "1.png\",\"start_time\":\"1200\",\"end_time\":\"3004\"}]}}";
}

static bool g_error_matches_code(const BusProblem &p, GstResourceError code) {
  return p.domain == GST_RESOURCE_ERROR && p.code == code;
}

static std::string api_url(FakeService &svc) {
  return svc.url("/kling/v1/videos/identify-face");
}

// filesrc ! qtdemux ! h264parse ! identifyface ! fakesink
static GstElement *clip_pipeline(const std::string &clip, const std::string &props) {
  std::string desc = "filesrc location=\"" + clip + "\" ! qtdemux ! h264parse ! identifyface name=idf " + props +
                     " ! fakesink name=sink sync=false";
  return launch(desc);
}

static std::string standard_props(FakeService &svc) {
  return "api-url=" + api_url(svc) + " video-url=https://cdn.example/clip.mp4 api-key=" + kKey;
}

static JsonObject *parse_object(const std::string &body, JsonParser **parser) {
  *parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(*parser, body.c_str(), -1, nullptr));
  return json_node_get_object(json_parser_get_root(*parser));
}

/* ---- success path ---- */

struct TagProbe {
  GMutex lock;
  GstTagList *tags = nullptr;  // last tag list with our session id
  bool tag_before_buffer = false;
  bool saw_buffer = false;
};

static GstPadProbeReturn on_sink_data(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *probe = static_cast<TagProbe *>(data);
  g_mutex_lock(&probe->lock);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    probe->saw_buffer = true;
  } else {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(ev) == GST_EVENT_TAG) {
      GstTagList *tags;
      gst_event_parse_tag(ev, &tags);
      if (gst_tag_list_get_tag_size(tags, "lipsync-session-id") > 0) {
        if (probe->tags) gst_tag_list_unref(probe->tags);
        probe->tags = gst_tag_list_ref(tags);
        if (!probe->saw_buffer) probe->tag_before_buffer = true;
      }
    }
  }
  g_mutex_unlock(&probe->lock);
  return GST_PAD_PROBE_OK;
}

static void attach_probe(GstElement *pipeline, TagProbe *probe) {
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    on_sink_data, probe, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
}

static void test_success_message_tags_and_request() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok(), 300)});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc));
  TagProbe probe;
  g_mutex_init(&probe.lock);
  attach_probe(p, &probe);
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);

  // The request: one POST, JSON with only video_url, Bearer key.
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  RecordedRequest req = svc.requests().at(0);
  std::string expected_auth = std::string("Bearer ") + kKey;
  g_assert_cmpstr(req.headers["authorization"].c_str(), ==, expected_auth.c_str());
  g_assert_true(g_str_has_prefix(req.headers["content-type"].c_str(), "application/json"));
  JsonParser *parser;
  JsonObject *body = parse_object(req.body, &parser);
  g_assert_cmpuint(json_object_get_size(body), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(body, "video_url"), ==, "https://cdn.example/clip.mp4");
  g_object_unref(parser);

  // The message, before EOS (hold-eos).
  const GstStructure *s = log.element_message("identify-face");
  g_assert_nonnull(s);
  g_assert_cmpint(log.index_of_element("identify-face"), <, log.index_of_type(GST_MESSAGE_EOS));
  g_assert_cmpstr(gst_structure_get_string(s, "provider"), ==, "kling");
  g_assert_cmpstr(gst_structure_get_string(s, "session-id"), ==, "sess-1");
  g_assert_cmpstr(gst_structure_get_string(s, "request-id"), ==, "req-42");
  g_assert_cmpstr(gst_structure_get_string(s, "task-id"), ==, "");
  g_assert_cmpstr(gst_structure_get_string(s, "final-unit-deduction"), ==, "1");
  g_assert_cmpstr(gst_structure_get_string(s, "video-url"), ==, "https://cdn.example/clip.mp4");
  g_assert_nonnull(gst_structure_get_string(s, "stream-id"));
  g_assert_cmpuint(gst_value_list_get_size(faces_of(s)), ==, 2);

  const GstStructure *f0 = face_at(s, 0);
  guint64 start, end;
  gboolean ready;
  g_assert_cmpstr(gst_structure_get_name(f0), ==, "face");
  g_assert_cmpstr(gst_structure_get_string(f0, "face-id"), ==, "0");
  g_assert_cmpstr(gst_structure_get_string(f0, "face-image"), ==, "https://img.example/0.png");
  g_assert_true(gst_structure_get_uint64(f0, "start-time", &start));
  g_assert_true(gst_structure_get_uint64(f0, "end-time", &end));
  g_assert_true(gst_structure_get_boolean(f0, "lipsync-ready", &ready));
  g_assert_cmpuint(start, ==, 0);
  g_assert_cmpuint(end, ==, 2500 * GST_MSECOND);
  g_assert_true(ready);

  // Numbers sent as strings; an end beyond the 3 s clip is clamped to it.
  const GstStructure *f1 = face_at(s, 1);
  g_assert_cmpstr(gst_structure_get_string(f1, "face-id"), ==, "1");
  g_assert_true(gst_structure_get_uint64(f1, "start-time", &start));
  g_assert_true(gst_structure_get_uint64(f1, "end-time", &end));
  g_assert_true(gst_structure_get_boolean(f1, "lipsync-ready", &ready));
  g_assert_cmpuint(start, ==, 1200 * GST_MSECOND);
  g_assert_cmpuint(end, ==, 3 * GST_SECOND);
  g_assert_false(ready);  // 1.8 s < 2 s

  // Read-only properties.
  GstElement *idf = gst_bin_get_by_name(GST_BIN(p), "idf");
  gchar *session = nullptr;
  GstStructure *result = nullptr;
  g_object_get(idf, "session-id", &session, "result", &result, nullptr);
  g_assert_cmpstr(session, ==, "sess-1");
  g_assert_nonnull(result);
  g_assert_true(gst_structure_is_equal(result, s));
  g_free(session);
  gst_structure_free(result);
  gst_object_unref(idf);

  // Tags downstream: our tags in a STREAM-scope event, merged with
  // upstream's stream tags (h264parse/qtdemux codec tags).
  g_assert_nonnull(probe.tags);
  g_assert_cmpint(gst_tag_list_get_scope(probe.tags), ==, GST_TAG_SCOPE_STREAM);
  gchar *tag_session = nullptr;
  g_assert_true(gst_tag_list_get_string(probe.tags, "lipsync-session-id", &tag_session));
  g_assert_cmpstr(tag_session, ==, "sess-1");
  g_free(tag_session);
  g_assert_cmpuint(gst_tag_list_get_tag_size(probe.tags, "lipsync-face"), ==, 2);
  const GValue *v = gst_tag_list_get_value_index(probe.tags, "lipsync-face", 1);
  const GstStructure *tf = gst_value_get_structure(v);
  g_assert_cmpstr(gst_structure_get_string(tf, "face-id"), ==, "1");
  g_assert_true(gst_tag_list_get_tag_size(probe.tags, GST_TAG_VIDEO_CODEC) > 0);
  gst_tag_list_unref(probe.tags);
  g_mutex_clear(&probe.lock);
  stop(p);
}

static void test_video_id_body() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  GstElement *p = clip_pipeline(g_clip, "api-url=" + api_url(svc) + " video-id=827297867148050499 api-key=" + kKey);
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  JsonParser *parser;
  JsonObject *body = parse_object(svc.requests().at(0).body, &parser);
  g_assert_cmpuint(json_object_get_size(body), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(body, "video_id"), ==, "827297867148050499");
  g_object_unref(parser);
  const GstStructure *s = log.element_message("identify-face");
  g_assert_cmpstr(gst_structure_get_string(s, "video-id"), ==, "827297867148050499");
  g_assert_false(gst_structure_has_field(s, "video-url"));
  stop(p);
}

static void test_env_api_key() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  g_setenv("IDENTIFYFACE_API_KEY", "env-key-987", TRUE);
  GstElement *p = clip_pipeline(g_clip, "api-url=" + api_url(svc) + " video-url=https://cdn.example/clip.mp4");
  BusLog log;
  run_until_done(p, log, 20000);
  g_setenv("IDENTIFYFACE_API_KEY", "", TRUE);
  g_assert_true(log.eos);
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  std::string auth = svc.requests().at(0).headers["authorization"];
  g_assert_cmpstr(auth.c_str(), ==, "Bearer env-key-987");
  stop(p);
}

/* ---- an http(s) source: its URI is the video_url, its size comes from HEAD ---- */

static GstElement *http_pipeline(FakeService &svc, const std::string &props) {
  std::string desc = "souphttpsrc location=" + svc.url("/media/clip.mp4") + " ! qtdemux ! h264parse ! identifyface " +
                     props + " ! fakesink sync=false";
  return launch(desc);
}

static void test_http_source_uri_is_the_video_url() {
  FakeService svc;
  svc.serve_file("/media/clip.mp4", g_clip);
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  GstElement *p = http_pipeline(svc, "api-url=" + api_url(svc) + " api-key=" + kKey);
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  g_assert_cmpuint(svc.count("HEAD /media/clip.mp4"), ==, 1);  // the size, asked on the worker
  std::string body;
  for (auto &r : svc.requests())
    if (r.method == "POST") body = r.body;
  std::string expected = "{\"video_url\":\"" + svc.url("/media/clip.mp4") + "\"}";
  g_assert_cmpstr(body.c_str(), ==, expected.c_str());
  stop(p);
}

static void test_http_source_too_big_by_head() {
  FakeService svc;
  svc.serve_file("/media/clip.mp4", g_clip, 150ull * 1024 * 1024);
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  GstElement *p = http_pipeline(svc, "api-url=" + api_url(svc) + " api-key=" + kKey);
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.error);
  BusProblem error = log.problem(GST_MESSAGE_ERROR);
  error.assert_contains({"file size 150.0 MB"});
  g_assert_true(g_error_matches_code(error, GST_RESOURCE_ERROR_SETTINGS));
  g_assert_cmpuint(svc.count(kRoute), ==, 0);
  stop(p);
}

/* ---- errors at start: nothing sent ---- */

static void expect_start_failure(const std::string &props, const char *needle) {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  GstElement *p = clip_pipeline(g_clip, "api-url=" + api_url(svc) + " " + props);
  BusLog log;
  run_until_done(p, log, 10000);
  g_assert_true(log.error);
  log.problem(GST_MESSAGE_ERROR).assert_contains({needle});
  stop(p);
  g_assert_cmpuint(svc.requests().size(), ==, 0);
}

static void test_missing_key_is_error_at_start() {
  expect_start_failure("video-url=https://cdn.example/clip.mp4", "IDENTIFYFACE_API_KEY");
}

static void test_both_url_and_id_is_error() {
  expect_start_failure(std::string("api-key=") + kKey + " video-url=https://cdn.example/clip.mp4 video-id=123",
                       "set at most one");
}

static void test_local_clip_needs_video_url() {
  expect_start_failure(std::string("api-key=") + kKey, "set video-url");
}

/* ---- validation ---- */

struct ValidationCase {
  const char *name;
  ClipSpec spec;
  const char *broken;  // nullptr: accepted; else text the error names
  const char *value;   // the measured value the error names
};

static void check_validation(const ValidationCase &c) {
  std::string clip = make_clip(g_dir, std::string(c.name) + "." + c.spec.container, c.spec);
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  GstElement *p = clip_pipeline(clip, standard_props(svc));
  if (c.spec.container == "mkv") {
    gst_object_unref(p);
    std::string desc = "filesrc location=\"" + clip + "\" ! matroskademux ! h264parse ! identifyface " +
                       standard_props(svc) + " ! fakesink sync=false";
    p = launch(desc);
  }
  BusLog log;
  run_until_done(p, log, 30000);
  if (!c.broken) {
    g_assert_true(log.eos);
    g_assert_nonnull(log.element_message("identify-face"));
    g_assert_cmpuint(svc.count(kRoute), ==, 1);
  } else {
    g_assert_true(log.error);
    g_test_message("%s", c.name);
    BusProblem error = log.problem(GST_MESSAGE_ERROR);
    error.assert_contains({c.broken, c.value});
    g_assert_true(g_error_matches_code(error, GST_RESOURCE_ERROR_SETTINGS));
    const GstStructure *e = log.element_message("identify-face-error");
    g_assert_nonnull(e);
    g_assert_cmpstr(gst_structure_get_string(e, "kind"), ==, "validation");
    g_assert_cmpuint(svc.requests().size(), ==, 0);
  }
  stop(p);
}

static void test_validation_accepts_720p_and_1080p_portrait() {
  check_validation({"landscape720", {1280, 720, 2.5, 10, "mp4"}, nullptr, nullptr});
  check_validation({"portrait1080", {1080, 1920, 2.2, 5, "mov"}, nullptr, nullptr});
}

static void test_validation_rejects() {
  // One case per way the element learns a limit (the rules themselves are
  // test_core's): the duration from qtdemux, the size from caps, the
  // container from matroskademux's tags.
  check_validation({"long", {1280, 720, 61.0, 1, "mp4"}, "duration", "61.00 s"});
  check_validation({"small", {640, 360, 2.5, 10, "mp4"}, "height", "360 px"});
  check_validation({"matroska", {1280, 720, 2.5, 10, "mkv"}, "container", "mkv"});
}

static void test_validation_rejects_file_over_100mb() {
  // A valid clip followed by sparse padding: the file is 101 MB on disk
  // (apparent size) but costs nothing to make.
  ClipSpec spec;
  spec.seconds = 2.5;
  std::string clip = make_clip(g_dir, "big.mp4", spec);
  FILE *f = fopen(clip.c_str(), "r+b");
  g_assert_nonnull(f);
  g_assert_cmpint(ftruncate(fileno(f), 101 * 1024 * 1024), ==, 0);
  fclose(f);
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  GstElement *p = clip_pipeline(clip, standard_props(svc));
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.error);
  log.problem(GST_MESSAGE_ERROR).assert_contains({"file size 101.0 MB"});
  g_assert_cmpuint(svc.requests().size(), ==, 0);
  stop(p);
}

static void test_validation_warn_and_off_send_anyway() {
  ClipSpec spec{640, 360, 2.5, 10, "mp4"};
  std::string clip = make_clip(g_dir, "small-warn.mp4", spec);
  for (const char *mode : {"warn", "off"}) {
    FakeService svc;
    svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
    GstElement *p = clip_pipeline(clip, standard_props(svc) + " validation=" + mode);
    BusLog log;
    run_until_done(p, log, 20000);
    g_assert_true(log.eos);
    g_assert_cmpuint(svc.count(kRoute), ==, 1);
    BusProblem warning = log.problem(GST_MESSAGE_WARNING);
    if (g_str_equal(mode, "warn"))
      warning.assert_contains({"height 360 px"});
    else
      g_assert_false(warning.found);
    stop(p);
  }
}

/* ---- service failures ---- */

static void expect_failure(FakeService &svc, const std::string &extra, const char *code, unsigned http_status,
                           const char *request_id, size_t expected_requests,
                           GstResourceError error_code = GST_RESOURCE_ERROR_FAILED) {
  GstElement *p = clip_pipeline(g_clip, standard_props(svc) + " " + extra);
  BusLog log;
  run_until_done(p, log, 30000);
  g_assert_true(log.error);
  BusProblem error = log.problem(GST_MESSAGE_ERROR);
  g_assert_true(g_error_matches_code(error, error_code));
  const GstStructure *details = error.details;
  g_assert_nonnull(details);
  guint status = 0;
  g_assert_true(gst_structure_get_uint(details, "http-status", &status));
  g_assert_cmpuint(status, ==, http_status);
  g_assert_cmpstr(gst_structure_get_string(details, "code"), ==, code);
  g_assert_cmpstr(gst_structure_get_string(details, "request-id"), ==, request_id);
  g_assert_nonnull(gst_structure_get_string(details, "message"));
  if (*code) error.assert_contains({code});
  const GstStructure *e = log.element_message("identify-face-error");
  g_assert_nonnull(e);
  g_assert_cmpstr(gst_structure_get_string(e, "code"), ==, code);
  g_assert_cmpuint(svc.count(kRoute), ==, expected_requests);
  stop(p);
}

static void test_parameter_error_not_retried() {
  FakeService svc;
  svc.script(kRoute,
             {CannedResponse::json(400, "{\"code\":1201,\"message\":\"invalid video_url\",\"request_id\":\"r-9\"}")});
  expect_failure(svc, "", "1201", 400, "r-9", 1);
}

static void test_auth_error() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(401, "{\"code\":1002,\"message\":\"bad token\",\"request_id\":\"r-1\"}")});
  expect_failure(svc, "", "1002", 401, "r-1", 1, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
}

static void test_rate_limit_retried_then_success() {
  FakeService svc;
  auto limited = CannedResponse::json(429, "{\"code\":1302,\"message\":\"rate limited\",\"request_id\":\"r-2\"}");
  limited.headers.push_back({"Retry-After", "0"});
  svc.script(kRoute, {limited, CannedResponse::json(200, kling_ok())});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc));
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  g_assert_nonnull(log.element_message("identify-face"));
  g_assert_cmpuint(svc.count(kRoute), ==, 2);
  stop(p);
}

static void test_http_503_retried_up_to_max() {
  FakeService svc;
  auto unavailable = CannedResponse{};
  unavailable.status = 503;
  unavailable.body = "<html>down</html>";
  unavailable.content_type = "text/html";
  unavailable.headers.push_back({"Retry-After", "0"});
  svc.script(kRoute, {unavailable});
  expect_failure(svc, "max-retries=2", "", 503, "", 3);
}

// The ERROR's debug string names the request (method and URL without its
// query, which may carry a signature) beside the status line.
static void test_error_debug_names_the_url() {
  FakeService svc;
  auto unavailable = CannedResponse{};
  unavailable.status = 503;
  unavailable.body = "<html>down</html>";
  unavailable.content_type = "text/html";
  svc.script(kRoute, {unavailable});
  GstElement *p = clip_pipeline(g_clip, "api-url=\"" + api_url(svc) +
                                            "?signature=s3cr3t\" video-url=https://cdn.example/clip.mp4 max-retries=0 "
                                            "api-key=" +
                                            kKey);
  BusLog log;
  run_until_done(p, log, 30000);
  g_assert_true(log.error);
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(log.first(GST_MESSAGE_ERROR), &err, &debug);
  g_assert_nonnull(debug);
  std::string text = debug;
  for (const std::string &needle : {"POST " + api_url(svc), std::string("503 Service Unavailable")})
    if (text.find(needle) == std::string::npos) g_error("expected \"%s\" in \"%s\"", needle.c_str(), debug);
  g_assert_true(text.find("s3cr3t") == std::string::npos);
  g_assert_true(text.find('?') == std::string::npos);
  g_free(debug);
  g_error_free(err);
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  stop(p);
}

static void test_server_error_5002_not_resent() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(500, "{\"code\":5002,\"message\":\"busy\",\"request_id\":\"r-5\"}")});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc));
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.error);
  log.problem(GST_MESSAGE_ERROR).assert_contains({"5002", "not resent"});
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  stop(p);
}

static void test_on_error_warning_goes_on() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(400, "{\"code\":1201,\"message\":\"invalid\",\"request_id\":\"r-3\"}")});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc) + " on-error=warning");
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  g_assert_false(log.error);
  BusProblem warning = log.problem(GST_MESSAGE_WARNING);
  warning.assert_contains({"1201"});
  g_assert_nonnull(warning.details);
  g_assert_cmpstr(gst_structure_get_string(warning.details, "code"), ==, "1201");
  g_assert_nonnull(log.element_message("identify-face-error"));
  stop(p);
}

static void test_request_timeout() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::hang()});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc) + " request-timeout=1");
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.error);
  // It may have been billed: said, and not resent.
  log.problem(GST_MESSAGE_ERROR).assert_contains({"request-timeout=1", "not resent"});
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  stop(p);
}

/* ---- flow: cancellation, EOS hold, wait-for-result ---- */

static void test_stop_mid_request_is_prompt_and_final() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::hang()});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc));
  gst_element_set_state(p, GST_STATE_PLAYING);
  g_assert_true(svc.wait_for(kRoute, 1, 10000));
  gint64 t0 = g_get_monotonic_time();
  gst_element_set_state(p, GST_STATE_NULL);
  gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;
  // Not the 30 s request timeout: stopping does not wait for the service.
  g_assert_cmpint(took_ms, <, 5000);
  gst_object_unref(p);
  g_usleep(1200 * 1000);
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
}

static void test_eos_held_until_result() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok(), 1500)});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc));
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  int msg = log.index_of_element("identify-face");
  g_assert_cmpint(msg, >=, 0);
  g_assert_cmpint(msg, <, log.index_of_type(GST_MESSAGE_EOS));
  stop(p);
}

static void test_wait_for_result_tags_before_first_buffer() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok(), 500)});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc) + " wait-for-result=true");
  TagProbe probe;
  g_mutex_init(&probe.lock);
  attach_probe(p, &probe);
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  g_assert_true(probe.tag_before_buffer);
  gst_tag_list_unref(probe.tags);
  g_mutex_clear(&probe.lock);
  stop(p);
}

static void test_wait_for_result_released_by_stop() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::hang()});
  GstElement *p = clip_pipeline(g_clip, standard_props(svc) + " wait-for-result=true");
  gst_element_set_state(p, GST_STATE_PLAYING);
  g_assert_true(svc.wait_for(kRoute, 1, 10000));
  gint64 t0 = g_get_monotonic_time();
  gst_element_set_state(p, GST_STATE_NULL);
  g_assert_cmpint((g_get_monotonic_time() - t0) / 1000, <, 5000);
  gst_object_unref(p);
}

/* ---- GstHarness: streams, flushes, finalize ---- */

static GstHarness *make_harness(FakeService &svc) {
  std::string desc = "identifyface validation=off " + standard_props(svc);
  GstHarness *h = gst_harness_new_parse(desc.c_str());
  gst_harness_set_src_caps_str(h, "video/x-raw,format=I420,width=1280,height=720,framerate=10/1");
  return h;
}

static void push_stream(GstHarness *h, const char *stream_id) {
  gst_harness_push_event(h, gst_event_new_stream_start(stream_id));
  GstCaps *caps = gst_caps_from_string("video/x-raw,format=I420,width=1280,height=720,framerate=10/1");
  gst_harness_push_event(h, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_harness_push_event(h, gst_event_new_segment(&seg));
  g_assert_cmpint(gst_harness_push(h, gst_buffer_new_allocate(nullptr, 1382400, nullptr)), ==, GST_FLOW_OK);
}

// A harness element has no bus: give it one to read its progress messages.
static GstBus *attach_bus(GstHarness *h) {
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  return bus;
}

// Texts of the "cancelled" progress messages waiting on `bus`.
static std::vector<std::string> canceled_texts(GstBus *bus) {
  std::vector<std::string> out;
  while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) {
    ProgressStep step;
    if (progress_step(m, &step) && step.phase == "cancelled") out.push_back(step.text);
    gst_message_unref(m);
  }
  return out;
}

static void test_new_stream_cancels_and_restarts() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::hang(), CannedResponse::json(200, kling_ok("sess-b"))});
  GstHarness *h = make_harness(svc);
  GstBus *bus = attach_bus(h);
  push_stream(h, "stream-a");
  g_assert_true(svc.wait_for(kRoute, 1, 5000));
  push_stream(h, "stream-b");
  // stream-a's job was cancelled, not left running beside stream-b's.
  g_assert_cmpuint(canceled_texts(bus).size(), ==, 1);
  g_assert_true(svc.wait_for(kRoute, 2, 5000));
  // The answer for stream-b arrives and is tagged downstream.
  gst_harness_push_event(h, gst_event_new_eos());
  bool found = false;
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event(h))) {
    if (GST_EVENT_TYPE(ev) == GST_EVENT_TAG) {
      GstTagList *tags;
      gst_event_parse_tag(ev, &tags);
      gchar *sid = nullptr;
      if (gst_tag_list_get_string(tags, "lipsync-session-id", &sid)) {
        g_assert_cmpstr(sid, ==, "sess-b");
        found = true;
        g_free(sid);
      }
    }
    gst_event_unref(ev);
  }
  g_assert_true(found);
  g_assert_cmpuint(svc.count(kRoute), ==, 2);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

// A flush (a seek, a flushing step) is not a new stream: the running
// identification goes on, is not sent again, and its tags come after the
// flush, in the new segment.
static void test_flush_keeps_the_identification() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok("sess-f"), 1500)});
  GstHarness *h = make_harness(svc);
  GstBus *bus = attach_bus(h);
  push_stream(h, "stream-a");
  g_assert_true(svc.wait_for(kRoute, 1, 5000));
  gint64 t0 = g_get_monotonic_time();
  gst_harness_push_event(h, gst_event_new_flush_start());
  gst_harness_push_event(h, gst_event_new_flush_stop(TRUE));
  g_assert_cmpint((g_get_monotonic_time() - t0) / 1000, <, 1000);
  g_assert_cmpuint(canceled_texts(bus).size(), ==, 0);
  while (GstEvent *ev = gst_harness_try_pull_event(h)) gst_event_unref(ev);  // what came before the flush
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_harness_push_event(h, gst_event_new_segment(&seg));
  g_assert_cmpint(gst_harness_push(h, gst_buffer_new_allocate(nullptr, 16, nullptr)), ==, GST_FLOW_OK);
  gst_harness_push_event(h, gst_event_new_eos());  // held until the answer
  bool segment = false, tags_after_segment = false;
  while (GstEvent *ev = gst_harness_try_pull_event(h)) {
    if (GST_EVENT_TYPE(ev) == GST_EVENT_SEGMENT) segment = true;
    if (GST_EVENT_TYPE(ev) == GST_EVENT_TAG) {
      GstTagList *tags;
      gst_event_parse_tag(ev, &tags);
      gchar *sid = nullptr;
      if (gst_tag_list_get_string(tags, "lipsync-session-id", &sid)) {
        g_assert_cmpstr(sid, ==, "sess-f");
        tags_after_segment = segment;
        g_free(sid);
      }
    }
    gst_event_unref(ev);
  }
  g_assert_true(tags_after_segment);
  g_assert_cmpuint(canceled_texts(bus).size(), ==, 0);
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}

// After the result, a new upstream STREAM tag event must not wipe our tags
// downstream: it goes out merged with them (the taginject pattern).
static void test_later_upstream_tags_keep_ours() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok("sess-t"))});
  std::string desc = "identifyface validation=off wait-for-result=true " + standard_props(svc);
  GstHarness *h = gst_harness_new_parse(desc.c_str());
  push_stream(h, "stream-t");  // waits for the answer, then pushes our tags
  GstTagList *upstream = gst_tag_list_new(GST_TAG_TITLE, "a title", nullptr);
  gst_tag_list_set_scope(upstream, GST_TAG_SCOPE_STREAM);
  gst_harness_push_event(h, gst_event_new_tag(upstream));
  GstTagList *last = nullptr;
  GstEvent *ev;
  while ((ev = gst_harness_try_pull_event(h))) {
    if (GST_EVENT_TYPE(ev) == GST_EVENT_TAG) {
      GstTagList *tags;
      gst_event_parse_tag(ev, &tags);
      if (last) gst_tag_list_unref(last);
      last = gst_tag_list_ref(tags);
    }
    gst_event_unref(ev);
  }
  g_assert_nonnull(last);
  gchar *title = nullptr, *sid = nullptr;
  g_assert_true(gst_tag_list_get_string(last, GST_TAG_TITLE, &title));
  g_assert_true(gst_tag_list_get_string(last, "lipsync-session-id", &sid));
  g_assert_cmpstr(sid, ==, "sess-t");
  g_assert_cmpuint(gst_tag_list_get_tag_size(last, "lipsync-face"), ==, 2);
  g_assert_cmpint(gst_tag_list_get_scope(last), ==, GST_TAG_SCOPE_STREAM);
  g_free(title);
  g_free(sid);
  gst_tag_list_unref(last);
  gst_harness_teardown(h);
}

// Kling's legacy scheme: access-key + secret-key sign an HS256 JWT.
static void test_access_key_jwt() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  GstElement *p = clip_pipeline(
      g_clip, "api-url=" + api_url(svc) + " video-url=https://cdn.example/clip.mp4 access-key=ak-1 secret-key=sk-1");
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  std::string auth = svc.requests().at(0).headers["authorization"];
  g_assert_true(g_str_has_prefix(auth.c_str(), "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
  std::string jwt = auth.substr(7);
  g_assert_true(jwt_signed_with(jwt, "sk-1"));
  g_assert_false(jwt_signed_with(jwt, "another-secret"));
  g_assert_nonnull(strstr(jwt_payload(jwt).c_str(), "\"iss\":\"ak-1\""));
  stop(p);
}

static void test_finalize_while_in_flight() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok(), 400)});
  GstHarness *h = make_harness(svc);
  push_stream(h, "stream-a");
  g_assert_true(svc.wait_for(kRoute, 1, 5000));
  gst_harness_teardown(h);  // element finalized with the answer still coming
  g_usleep(800 * 1000);     // the answer arrives to nobody
}

/* ---- playbin ---- */

// The same clip again within the session's validity: the same result from
// the cache, with no request.
static void test_second_run_is_cached() {
  std::string cache = g_dir + "/result-cache";
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok("sess-cached"))});
  const GstStructure *results[2] = {};
  BusLog logs[2];
  for (int run = 0; run < 2; run++) {
    GstElement *p = clip_pipeline(g_clip, standard_props(svc) + " cache-dir=" + cache);
    run_until_done(p, logs[run], 20000);
    g_assert_true(logs[run].eos);
    results[run] = logs[run].element_message("identify-face");
    g_assert_nonnull(results[run]);
    stop(p);
  }
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  gboolean cached = TRUE;
  g_assert_true(gst_structure_get_boolean(results[0], "cached", &cached));
  g_assert_false(cached);
  g_assert_false(gst_structure_has_field(results[0], "cached-at"));
  g_assert_true(gst_structure_get_boolean(results[1], "cached", &cached));
  g_assert_true(cached);
  g_assert_nonnull(gst_structure_get_string(results[1], "cached-at"));
  g_assert_cmpstr(gst_structure_get_string(results[1], "session-id"), ==, "sess-cached");
  // What each run spent adds up to what was billed: the cached run spent
  // nothing, and says what the request that got the answer was charged.
  g_assert_cmpstr(gst_structure_get_string(results[0], "final-unit-deduction"), ==, "1");
  g_assert_false(gst_structure_has_field(results[0], "original-final-unit-deduction"));
  g_assert_cmpstr(gst_structure_get_string(results[1], "final-unit-deduction"), ==, "0");
  g_assert_cmpstr(gst_structure_get_string(results[1], "original-final-unit-deduction"), ==, "1");
  g_assert_cmpuint(gst_value_list_get_size(faces_of(results[1])), ==, 2);
}

static void test_playbin_video_filter() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kling_ok())});
  GstElement *playbin = gst_element_factory_make("playbin", nullptr);
  GstElement *filter = gst_element_factory_make("identifyface", nullptr);
  GstElement *vsink = gst_element_factory_make("fakesink", nullptr);
  GstElement *asink = gst_element_factory_make("fakesink", nullptr);
  g_assert_nonnull(playbin);
  g_object_set(filter, "api-url", api_url(svc).c_str(), "api-key", kKey, "video-url", "https://cdn.example/clip.mp4",
               nullptr);
  g_object_set(vsink, "sync", FALSE, nullptr);
  g_object_set(playbin, "uri", file_uri(g_clip).c_str(), "video-filter", filter, "video-sink", vsink, "audio-sink",
               asink, nullptr);
  BusLog log;
  run_until_done(playbin, log, 30000);
  g_assert_true(log.eos);
  const GstStructure *s = log.element_message("identify-face");
  g_assert_nonnull(s);
  g_assert_cmpuint(gst_value_list_get_size(faces_of(s)), ==, 2);
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
  stop(playbin);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_dir = make_temp_dir();
  g_clip = make_clip(g_dir, "clip.mp4", ClipSpec{});

  g_test_add_func("/kling/success-message-tags-request", test_success_message_tags_and_request);
  g_test_add_func("/kling/video-id-body", test_video_id_body);
  g_test_add_func("/kling/env-api-key", test_env_api_key);
  g_test_add_func("/kling/http-source/uri-is-video-url", test_http_source_uri_is_the_video_url);
  g_test_add_func("/kling/http-source/too-big-by-head", test_http_source_too_big_by_head);
  g_test_add_func("/kling/start/missing-key", test_missing_key_is_error_at_start);
  g_test_add_func("/kling/start/both-url-and-id", test_both_url_and_id_is_error);
  g_test_add_func("/kling/start/local-clip-needs-video-url", test_local_clip_needs_video_url);
  g_test_add_func("/kling/validation/accepts", test_validation_accepts_720p_and_1080p_portrait);
  g_test_add_func("/kling/validation/rejects", test_validation_rejects);
  g_test_add_func("/kling/validation/file-size", test_validation_rejects_file_over_100mb);
  g_test_add_func("/kling/validation/warn-and-off", test_validation_warn_and_off_send_anyway);
  g_test_add_func("/kling/errors/parameters-not-retried", test_parameter_error_not_retried);
  g_test_add_func("/kling/errors/auth", test_auth_error);
  g_test_add_func("/kling/errors/rate-limit-retried", test_rate_limit_retried_then_success);
  g_test_add_func("/kling/errors/503-retried-up-to-max", test_http_503_retried_up_to_max);
  g_test_add_func("/kling/errors/debug-names-url", test_error_debug_names_the_url);
  g_test_add_func("/kling/errors/5002-not-resent", test_server_error_5002_not_resent);
  g_test_add_func("/kling/errors/on-error-warning", test_on_error_warning_goes_on);
  g_test_add_func("/kling/errors/request-timeout", test_request_timeout);
  g_test_add_func("/kling/flow/stop-mid-request", test_stop_mid_request_is_prompt_and_final);
  g_test_add_func("/kling/flow/eos-held", test_eos_held_until_result);
  g_test_add_func("/kling/flow/wait-for-result", test_wait_for_result_tags_before_first_buffer);
  g_test_add_func("/kling/flow/wait-for-result-released-by-stop", test_wait_for_result_released_by_stop);
  g_test_add_func("/kling/harness/new-stream", test_new_stream_cancels_and_restarts);
  g_test_add_func("/kling/harness/flush-keeps-identification", test_flush_keeps_the_identification);
  g_test_add_func("/kling/harness/later-upstream-tags-keep-ours", test_later_upstream_tags_keep_ours);
  g_test_add_func("/kling/access-key-jwt", test_access_key_jwt);
  g_test_add_func("/kling/harness/finalize-in-flight", test_finalize_while_in_flight);
  g_test_add_func("/kling/playbin-video-filter", test_playbin_video_filter);
  g_test_add_func("/kling/cache/second-run-cached", test_second_run_is_cached);
  int ret = g_test_run();
  remove_dir(g_dir);
  return ret;
}
