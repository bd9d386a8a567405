// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-identify-face, the command, run as a user runs it: against in-process
// fake services, on clips the test encodes. Usage: test_cli PATH-TO-COMMAND
#include <cairo.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/fake_service.h"
#include "support/process_util.h"
#include "support/test_certs.h"
#include "support/test_util.h"
#include "timeline.h"
#ifdef IDF_HAVE_LOCAL_ENGINE
#include "support/local_test_util.h"
#endif

static std::string g_tool;
static std::string g_dir;
static std::string g_clip;             // 1280x720, 3 s, mp4
static std::string g_long_clip;        // 1280x720, 75 s, mp4
static std::string g_mkv_clip;         // 1280x720, 3 s, mkv
static std::string g_late_index_clip;  // 1280x720, 2 s, 6 MB mp4 with its index (moov) at the end

static const char *kKey = "sk-cli-test-0f1e2d3c4b5a";
static const char *kKlingPath = "/kling/v1/videos/identify-face";
static const char *kKlingRoute = "POST /kling/v1/videos/identify-face";
static const char *kKirinPath = "/model/v1/generation";
static const char *kKirinRoute = "POST /model/v1/generation";
static const char *kKirinPoll = "GET /model/v1/generation/task/cli-task";
static const char *kVideoUrl = "https://cdn.example/clip.mp4";

static std::string kling_body(const char *code = "0") {
  return std::string("{\"code\":") + code +
         ",\"message\":\"SUCCEED\",\"request_id\":\"req-cli\",\"data\":{\"session_id\":\"sess-cli\","
         "\"final_unit_deduction\":\"1\",\"face_data\":["
         "{\"face_id\":\"0\",\"face_image\":\"https://img.example/0.png\",\"start_time\":0,\"end_time\":2500},"
         "{\"face_id\":\"1\",\"face_image\":\"https://img.example/1.png\",\"start_time\":1200,\"end_time\":2000}]}}";
}

static void contains(const std::string &haystack, const char *needle, const ProcessResult &r) {
  if (haystack.find(needle) == std::string::npos)
    g_error("expected \"%s\"; the run gave %s", needle, r.describe().c_str());
}

static void lacks(const std::string &haystack, const char *needle, const ProcessResult &r) {
  if (haystack.find(needle) != std::string::npos)
    g_error("did not expect \"%s\"; the run gave %s", needle, r.describe().c_str());
}

// The command's advice names its options ("--validation=warn"), never the
// element's property spelling ("validation=warn").
static void options_spelled_as_options(const std::string &text, const char *property, const ProcessResult &r) {
  std::string needle = std::string(property) + "=";
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    if (at < 2 || text.compare(at - 2, 2, "--") != 0)
      g_error("\"%s\" spelled as the element's property, not as the option: %s", needle.c_str(), r.describe().c_str());
}

static void expect_status(const ProcessResult &r, int status) {
  if (r.status != status) g_error("expected exit status %d; the run gave %s", status, r.describe().c_str());
}

// The command with `args`; the key in the environment unless `env` says.
static ProcessSpec tool(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  ProcessSpec spec;
  spec.argv.push_back(g_tool);
  for (auto &a : args) spec.argv.push_back(a);
  spec.setenv = {{"IDENTIFYFACE_API_KEY", kKey}};
  for (auto &kv : env) spec.setenv[kv.first] = kv.second;
  // The suite's GST_DEBUG would mix the element's log into stderr.
  spec.unsetenv = {"GST_DEBUG", "IDENTIFYFACE_ACCESS_KEY", "IDENTIFYFACE_SECRET_KEY"};
  return spec;
}

static std::vector<std::string> kling_args(FakeService &svc) {
  return {"--api-url=" + svc.url(kKlingPath), std::string("--video-url=") + kVideoUrl};
}

static JsonNode *parse_json(const std::string &text, const ProcessResult &r) {
  JsonParser *parser = json_parser_new();
  GError *err = nullptr;
  if (!json_parser_load_from_data(parser, text.c_str(), -1, &err))
    g_error("stdout is not JSON (%s): %s", err->message, r.describe().c_str());
  JsonNode *root = json_node_copy(json_parser_get_root(parser));
  g_object_unref(parser);
  return root;
}

/* ---- the result ---- */

static void test_table() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  auto args = kling_args(svc);
  args.push_back(g_clip);
  ProcessResult r = run_process(tool(args));
  expect_status(r, 0);
  for (const char *needle : {"sess-cli", "credits", "req-cli", "face", "start (s)", "end (s)", "length (s)",
                             "lip-sync ready", "image", "https://img.example/0.png", "https://img.example/1.png"})
    contains(r.out, needle, r);
  // face 0: 0 - 2.5 s, ready; face 1: 1.2 - 2.0 s, not ready.
  GRegex *row0 = g_regex_new("^0 +0\\.000 +2\\.500 +2\\.500 +yes +https://img\\.example/0\\.png$", G_REGEX_MULTILINE,
                             (GRegexMatchFlags)0, nullptr);
  GRegex *row1 = g_regex_new("^1 +1\\.200 +2\\.000 +0\\.800 +no +https://img\\.example/1\\.png$", G_REGEX_MULTILINE,
                             (GRegexMatchFlags)0, nullptr);
  if (!g_regex_match(row0, r.out.c_str(), (GRegexMatchFlags)0, nullptr) ||
      !g_regex_match(row1, r.out.c_str(), (GRegexMatchFlags)0, nullptr))
    g_error("face rows not as expected: %s", r.describe().c_str());
  g_regex_unref(row0);
  g_regex_unref(row1);
  GRegex *credits = g_regex_new("^credits +1$", G_REGEX_MULTILINE, (GRegexMatchFlags)0, nullptr);
  g_assert_true(g_regex_match(credits, r.out.c_str(), (GRegexMatchFlags)0, nullptr));
  g_regex_unref(credits);

  // One request, naming the video URL, with the key from the environment.
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 1);
  auto req = svc.requests()[0];
  std::string bearer = std::string("Bearer ") + kKey;
  g_assert_cmpstr(req.headers["authorization"].c_str(), ==, bearer.c_str());
  g_assert_true(req.body.find(kVideoUrl) != std::string::npos);
  // Not a terminal: plain progress lines, which never show the key.
  contains(r.err, "submitting", r);
  contains(r.err, "complete", r);
  lacks(r.err, "\033[K", r);
  lacks(r.out + r.err, kKey, r);
}

// The same fields, with the same values, as the element's own message.
static void assert_json_matches_structure(JsonObject *o, const GstStructure *s, const ProcessResult &r) {
  g_assert_cmpuint(json_object_get_size(o), ==, (guint)gst_structure_n_fields(s));
  for (gint i = 0; i < gst_structure_n_fields(s); i++) {
    const gchar *name = gst_structure_nth_field_name(s, i);
    if (!json_object_has_member(o, name)) g_error("JSON lacks \"%s\": %s", name, r.describe().c_str());
    const GValue *v = gst_structure_get_value(s, name);
    JsonNode *n = json_object_get_member(o, name);
    if (g_str_equal(name, "session-created")) {
      // When each run's session was made: the command's run came after the
      // pipeline's, so the two may fall in different seconds.
      GDateTime *json_t = g_date_time_new_from_iso8601(json_node_get_string(n), nullptr);
      GDateTime *message_t = g_date_time_new_from_iso8601(g_value_get_string(v), nullptr);
      g_assert_nonnull(json_t);
      g_assert_nonnull(message_t);
      GTimeSpan later = g_date_time_difference(json_t, message_t);
      g_assert_cmpint(later, >=, 0);
      g_assert_cmpint(later, <=, 60 * G_TIME_SPAN_SECOND);
      g_date_time_unref(json_t);
      g_date_time_unref(message_t);
    } else if (G_VALUE_HOLDS_STRING(v)) {
      g_assert_cmpstr(json_node_get_string(n), ==, g_value_get_string(v));
    } else if (G_VALUE_HOLDS_UINT64(v)) {
      g_assert_cmpint(json_node_get_int(n), ==, (gint64)g_value_get_uint64(v));
    } else if (G_VALUE_HOLDS_BOOLEAN(v)) {
      g_assert_cmpint(json_node_get_boolean(n), ==, g_value_get_boolean(v));
    } else if (G_VALUE_HOLDS_DOUBLE(v)) {
      g_assert_cmpfloat(json_node_get_double(n), ==, g_value_get_double(v));
    } else if (GST_VALUE_HOLDS_LIST(v)) {
      JsonArray *a = json_node_get_array(n);
      g_assert_cmpuint(json_array_get_length(a), ==, gst_value_list_get_size(v));
      for (guint k = 0; k < gst_value_list_get_size(v); k++)
        assert_json_matches_structure(json_array_get_object_element(a, k),
                                      gst_value_get_structure(gst_value_list_get_value(v, k)), r);
    } else {
      g_error("field %s has an unexpected type %s", name, G_VALUE_TYPE_NAME(v));
    }
  }
}

static void test_json_has_exactly_the_message_fields() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});

  // The element's own message, from the pipeline the command builds.
  GstElement *p =
      launch("urisourcebin uri=\"" + file_uri(g_clip) + "\" ! parsebin ! identifyface api-url=" + svc.url(kKlingPath) +
             " video-url=" + kVideoUrl + " api-key=" + kKey + " cache-ttl=0 ! fakesink");
  BusLog log;
  run_until_done(p, log, 20000);
  const GstStructure *message = log.element_message("identify-face");
  g_assert_nonnull(message);

  auto args = kling_args(svc);
  args.push_back("--json");
  args.push_back("--cache-ttl=0");  // a fresh answer, like the pipeline's
  args.push_back(g_clip);
  ProcessResult r = run_process(tool(args));
  expect_status(r, 0);
  JsonNode *root = parse_json(r.out, r);
  assert_json_matches_structure(json_node_get_object(root), message, r);
  json_node_unref(root);
  stop(p);
}

/* ---- progress ---- */

static void script_kirin(FakeService &svc, int processing_polls) {
  svc.script(kKirinRoute, {CannedResponse::json(200, "{\"task_id\":\"cli-task\",\"status\":\"pending\"}")});
  std::vector<CannedResponse> polls;
  for (int i = 0; i < processing_polls; i++)
    polls.push_back(CannedResponse::json(200, "{\"task_id\":\"cli-task\",\"status\":\"processing\"}"));
  gchar *text = g_strescape(kling_body().c_str(), nullptr);
  polls.push_back(CannedResponse::json(
      200, std::string("{\"task_id\":\"cli-task\",\"status\":\"completed\",\"output\":[{\"content\":[{\"type\":"
                       "\"text\",\"text\":\"") +
               text + "\",\"url\":\"\"}]}],\"usage\":{\"cost\":\"0.02\",\"discount\":0},\"metadata\":{}}"));
  g_free(text);
  svc.script(kKirinPoll, polls);
}

static std::vector<std::string> kirin_args(FakeService &svc) {
  return {"--provider=kirin", "--api-url=" + svc.url(kKirinPath), std::string("--video-url=") + kVideoUrl,
          "--poll-interval=100"};
}

static void test_progress_redraws_on_a_terminal() {
  FakeService svc;
  script_kirin(svc, 3);
  auto args = kirin_args(svc);
  args.push_back(g_clip);
  ProcessSpec spec = tool(args);
  spec.stderr_on_pty = true;
  ProcessResult r = run_process(spec);
  expect_status(r, 0);
  contains(r.out, "sess-cli", r);
  contains(r.out, "0.02 USD", r);
  // Redrawn in place: carriage return and erase-line before each state, and
  // the service's status shown while polling; one final newline.
  contains(r.err, "\r\033[K", r);
  contains(r.err, "polling", r);
  contains(r.err, "processing", r);
  contains(r.err, "complete", r);
  g_assert_cmpint(std::count(r.err.begin(), r.err.end(), '\n'), ==, 1);
}

static void test_quiet() {
  FakeService svc;
  script_kirin(svc, 1);
  auto args = kirin_args(svc);
  args.push_back("--quiet");
  args.push_back(g_clip);
  ProcessResult r = run_process(tool(args));
  expect_status(r, 0);
  contains(r.out, "sess-cli", r);
  g_assert_cmpstr(r.err.c_str(), ==, "");
}

/* ---- --check ---- */

static void test_check_refuses_a_75_s_clip_without_a_request() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  auto args = kling_args(svc);
  args.push_back("--check");
  args.push_back(g_long_clip);
  ProcessSpec spec = tool(args);
  spec.unsetenv.push_back("IDENTIFYFACE_API_KEY");  // --check needs no key
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  ProcessResult r = run_process(spec);
  expect_status(r, 1);
  GRegex *row =
      g_regex_new("^duration +75\\.00 s +REFUSED +must be 2 to 60 s$", G_REGEX_MULTILINE, (GRegexMatchFlags)0, nullptr);
  if (!g_regex_match(row, r.out.c_str(), (GRegexMatchFlags)0, nullptr))
    g_error("no duration row: %s", r.describe().c_str());
  g_regex_unref(row);
  contains(r.err, "duration 75.00 s (must be 2 to 60 s)", r);
  // The other limits are within bounds, and say so.
  for (const char *limit : {"container", "file size", "width", "height", "resolution"}) {
    gchar *pattern = g_strdup_printf("^%s +.* ok +", limit);
    GRegex *ok = g_regex_new(pattern, G_REGEX_MULTILINE, (GRegexMatchFlags)0, nullptr);
    if (!g_regex_match(ok, r.out.c_str(), (GRegexMatchFlags)0, nullptr))
      g_error("%s not ok: %s", limit, r.describe().c_str());
    g_regex_unref(ok);
    g_free(pattern);
  }
  g_assert_cmpuint(svc.requests().size(), ==, 0);
}

static void test_check_accepts_and_json() {
  ProcessResult r = run_process(tool({"--check", g_clip}));
  expect_status(r, 0);
  contains(r.out, "within the service's limits", r);
  lacks(r.out, "REFUSED", r);

  // An http(s) clip: its size from a HEAD request, as the element does.
  FakeService svc;
  svc.serve_file("/media/clip.mp4", g_clip);
  r = run_process(tool({"--check", svc.url("/media/clip.mp4")}));
  expect_status(r, 0);
  GStatBuf st;
  g_assert_cmpint(g_stat(g_clip.c_str(), &st), ==, 0);
  std::string bytes = "(" + std::to_string((long long)st.st_size) + " bytes)";
  contains(r.out, bytes.c_str(), r);
  g_assert_cmpuint(svc.count("HEAD /media/clip.mp4"), ==, 1);

  r = run_process(tool({"--check", "--json", g_mkv_clip}));
  expect_status(r, 1);
  JsonNode *root = parse_json(r.out, r);
  JsonObject *o = json_node_get_object(root);
  g_assert_cmpstr(json_object_get_string_member(o, "verdict"), ==, "refused");
  g_assert_false(json_object_get_boolean_member(o, "accepted"));
  // Values a program can use: numbers, the unit in the field's name.
  std::map<std::string, JsonObject *> by_limit;
  JsonArray *limits = json_object_get_array_member(o, "limits");
  for (guint i = 0; i < json_array_get_length(limits); i++) {
    JsonObject *l = json_array_get_object_element(limits, i);
    by_limit[json_object_get_string_member(l, "limit")] = l;
  }
  g_assert_cmpuint(by_limit.size(), ==, 6);
  for (const auto &kv : by_limit) {
    const char *verdict = json_object_get_string_member(kv.second, "verdict");
    g_assert_cmpstr(verdict, ==, kv.first == "container" ? "refused" : "accepted");
    g_assert_cmpint(json_object_get_boolean_member(kv.second, "ok"), ==, kv.first != "container");
  }
  g_assert_cmpstr(json_object_get_string_member(by_limit["container"], "container"), ==, "mkv");
  GStatBuf mkv_st;
  g_assert_cmpint(g_stat(g_mkv_clip.c_str(), &mkv_st), ==, 0);
  g_assert_cmpint(json_object_get_int_member(by_limit["file size"], "file-size-bytes"), ==, (gint64)mkv_st.st_size);
  g_assert_cmpint(json_object_get_int_member(by_limit["file size"], "max-bytes"), ==, 104857600);
  g_assert_cmpfloat(std::fabs(json_object_get_double_member(by_limit["duration"], "duration-seconds") - 3.0), <, 0.1);
  g_assert_cmpfloat(json_object_get_double_member(by_limit["duration"], "min-seconds"), ==, 2.0);
  g_assert_cmpfloat(json_object_get_double_member(by_limit["duration"], "max-seconds"), ==, 60.0);
  g_assert_cmpint(json_object_get_int_member(by_limit["width"], "width-px"), ==, 1280);
  g_assert_cmpint(json_object_get_int_member(by_limit["height"], "height-px"), ==, 720);
  g_assert_cmpint(json_object_get_int_member(by_limit["resolution"], "short-side-px"), ==, 720);
  json_node_unref(root);

  // The 75 s clip: refused by its duration, in seconds.
  r = run_process(tool({"--check", "--json", g_long_clip}));
  expect_status(r, 1);
  root = parse_json(r.out, r);
  o = json_node_get_object(root);
  g_assert_cmpstr(json_object_get_string_member(o, "verdict"), ==, "refused");
  limits = json_object_get_array_member(o, "limits");
  bool duration_seen = false;
  for (guint i = 0; i < json_array_get_length(limits); i++) {
    JsonObject *l = json_array_get_object_element(limits, i);
    if (!g_str_equal(json_object_get_string_member(l, "limit"), "duration")) continue;
    duration_seen = true;
    g_assert_cmpstr(json_object_get_string_member(l, "verdict"), ==, "refused");
    g_assert_cmpfloat(std::fabs(json_object_get_double_member(l, "duration-seconds") - 75.0), <, 0.5);
  }
  g_assert_true(duration_seen);
  json_node_unref(root);

  // Within every limit: the overall verdict says so.
  r = run_process(tool({"--check", "--json", g_clip}));
  expect_status(r, 0);
  root = parse_json(r.out, r);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(root), "verdict"), ==, "accepted");
  json_node_unref(root);
}

/* ---- any container: the element after the demuxer ---- */

static void test_matroska_clip_identified() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  auto args = kling_args(svc);
  args.push_back("--validation=warn");  // mkv breaks the container limit
  args.push_back(g_mkv_clip);
  ProcessResult r = run_process(tool(args));
  expect_status(r, 0);
  contains(r.out, "sess-cli", r);
  contains(r.err, "warning", r);
  contains(r.err, "container \"mkv\"", r);
}

static void test_http_uri_is_the_video_url() {
  FakeService svc;
  svc.serve_file("/media/clip.mp4", g_clip);
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  std::string uri = svc.url("/media/clip.mp4");
  ProcessResult r = run_process(tool({"--api-url=" + svc.url(kKlingPath), uri}));
  expect_status(r, 0);
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 1);
  for (const auto &req : svc.requests())
    if (req.method == "POST") g_assert_true(req.body.find(uri) != std::string::npos);
}

// --check reads the clip as the element does, under the redirect policy of
// every request: a HEAD redirected more than 4 times leaves the file size
// unknown for both (libsoup alone follows 20, and --check once reported a
// size the element never saw, calling a clip fine that the element refuses).
static void test_check_reads_as_the_element_does() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  gchar *bytes = nullptr;
  gsize length = 0;
  g_assert_true(g_file_get_contents(g_clip.c_str(), &bytes, &length, nullptr));
  CannedResponse whole = CannedResponse::json(200, std::string(bytes, length));
  whole.content_type = "video/mp4";
  g_free(bytes);
  svc.script("GET /hops/clip.mp4", {whole});
  svc.serve_file("/hops/end.mp4", g_clip);
  svc.script("HEAD /hops/clip.mp4", {CannedResponse::redirect(302, svc.url("/hops/1"))});
  for (int i = 1; i <= 4; i++)
    svc.script("HEAD /hops/" + std::to_string(i),
               {CannedResponse::redirect(302, svc.url(i < 4 ? "/hops/" + std::to_string(i + 1) : "/hops/end.mp4"))});
  std::string uri = svc.url("/hops/clip.mp4");

  ProcessResult r = run_process(tool({"--check", "--json", uri}), 60000);
  expect_status(r, 0);  // nothing broken
  JsonNode *root = parse_json(r.out, r);
  JsonObject *o = json_node_get_object(root);
  g_assert_cmpstr(json_object_get_string_member(o, "verdict"), ==, "unknown");
  JsonArray *limits = json_object_get_array_member(o, "limits");
  for (guint i = 0; i < json_array_get_length(limits); i++) {
    JsonObject *l = json_array_get_object_element(limits, i);
    std::string name = json_object_get_string_member(l, "limit");
    if (name == "file size") {
      g_assert_cmpstr(json_object_get_string_member(l, "verdict"), ==, "unknown");
      g_assert_true(json_object_get_null_member(l, "file-size-bytes"));
    } else if (name == "duration") {  // the clip itself was read
      g_assert_cmpfloat(std::fabs(json_object_get_double_member(l, "duration-seconds") - 3.0), <, 0.1);
    }
  }
  json_node_unref(root);
  contains(r.err, "more than 4 redirects", r);  // why the size is unknown
  g_assert_cmpuint(svc.count("HEAD /hops/4"), ==, 1);
  g_assert_cmpuint(svc.count("HEAD /hops/end.mp4"), ==, 0);

  // The element, on the same clip, cannot check the size either: refused.
  r = run_process(tool({"--api-url=" + svc.url(kKlingPath), uri}), 60000);
  expect_status(r, 1);
  contains(r.err, "file size unknown", r);
  contains(r.err, "more than 4 redirects", r);
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 0);
}

// Behind a private CA (a corporate proxy, a test server): --ssl-ca-file
// trusts it for the service and for reading an https clip (the command's
// pipeline, the element's own reading, --check), besides the system's CAs.
static void test_ssl_ca_file() {
  TestCerts certs = make_test_certs();
  FakeServiceOptions tls;
  tls.tls_cert_file = certs.server_pem;
  tls.tls_key_file = certs.server_key;
  FakeService svc(tls);
  svc.serve_file("/media/clip.mp4", g_clip);
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  std::string clip = svc.url("/media/clip.mp4");
  g_assert_true(g_str_has_prefix(clip.c_str(), "https://"));

  ProcessResult r = run_process(tool({"--api-url=" + svc.url(kKlingPath), clip}));
  expect_status(r, 1);
  contains(r.err, "certificate", r);
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 0);

  r = run_process(
      tool({"--api-url=" + svc.url(kKlingPath), "--ssl-ca-file=" + certs.ca_pem, "--video-url=" + clip, g_clip}));
  expect_status(r, 0);
  contains(r.out, "sess-cli", r);
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 1);

  // The https clip itself: without the CA, a clear error naming the option.
  for (bool check : {false, true}) {
    std::vector<std::string> args = {"--api-url=" + svc.url(kKlingPath)};
    if (check) args.push_back("--check");
    args.push_back(clip);
    r = run_process(tool(args), 60000);
    expect_status(r, 1);
    contains(r.err, "cannot read the clip", r);
    contains(r.err, "--ssl-ca-file", r);
  }
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 1);

  // With it, the clip is read over https and identified.
  size_t clip_reads = svc.count("GET /media/clip.mp4");
  r = run_process(tool({"--api-url=" + svc.url(kKlingPath), "--ssl-ca-file=" + certs.ca_pem, clip}), 60000);
  expect_status(r, 0);
  contains(r.out, "sess-cli", r);
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 2);
  g_assert_cmpuint(svc.count("GET /media/clip.mp4"), >, clip_reads);

  // --check reads it too: its size (HEAD) and what the clip says.
  r = run_process(tool({"--check", "--ssl-ca-file=" + certs.ca_pem, clip}), 60000);
  expect_status(r, 0);
  GStatBuf st;
  g_assert_cmpint(g_stat(g_clip.c_str(), &st), ==, 0);
  contains(r.out, ("(" + std::to_string((long long)st.st_size) + " bytes)").c_str(), r);
  contains(r.out, "1280x720", r);
  contains(r.out, "within the service's limits", r);

  remove_test_certs(certs);
}

/* ---- failures ---- */

static void test_service_failure_explained() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(401,
                                                "{\"code\":1002,\"message\":\"Invalid access key\","
                                                "\"request_id\":\"req-denied\"}")});
  auto args = kling_args(svc);
  args.push_back(g_clip);
  ProcessResult r = run_process(tool(args));
  expect_status(r, 1);
  g_assert_cmpstr(r.out.c_str(), ==, "");
  for (const char *needle : {"identification failed", "kind:", "auth", "code:", "1002", "http status:", "401",
                             "request id:", "req-denied", "what to do:", "IDENTIFYFACE_API_KEY"})
    contains(r.err, needle, r);
  lacks(r.err, kKey, r);
}

// A clip that cannot be read: what happened and what to do, for the
// identification and for --check alike; nothing is sent, and no tool
// that is not installed is suggested.
static void test_clip_read_errors_explained() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  // A server that ignores Range: the whole clip, HTTP 200, to every request.
  // The clip's index is at its end: the demuxer must seek to it.
  gchar *bytes = nullptr;
  gsize length = 0;
  g_assert_true(g_file_get_contents(g_late_index_clip.c_str(), &bytes, &length, nullptr));
  CannedResponse whole = CannedResponse::json(200, std::string(bytes, length));
  whole.content_type = "video/mp4";
  whole.ignore_range = true;
  svc.script("GET /no-range/clip.mp4", {whole});
  svc.script("HEAD /no-range/clip.mp4", {whole});
  g_free(bytes);
  struct Case {
    std::string uri;
    std::vector<const char *> says;
  } cases[] = {
      {refused_url("/clip.mp4"), {"refused the connection", "127.0.0.1:", "what to do:", "port"}},
      {svc.url("/missing/clip.mp4"), {"HTTP 404", "what to do:", "check the URL"}},
      {svc.url("/no-range/clip.mp4"), {"does not support Range requests", "what to do:", "faststart"}},
      {"http://clip.invalid/clip.mp4", {"host \"clip.invalid\" not found", "what to do:", "host name"}},
  };
  for (const auto &c : cases) {
    for (bool check : {false, true}) {
      std::vector<std::string> args = {"--api-url=" + svc.url(kKlingPath)};
      if (check) args.push_back("--check");
      args.push_back(c.uri);
      ProcessResult r = run_process(tool(args), 60000);
      expect_status(r, 1);
      contains(r.err, "cannot read the clip", r);
      for (const char *needle : c.says) contains(r.err, needle, r);
      lacks(r.err, "gst-discoverer", r);
      lacks(r.err, "gst-play", r);
    }
  }
  g_assert_cmpuint(svc.count(kKlingRoute), ==, 0);
}

static void test_validation_failure_sends_nothing() {
  FakeService svc;
  auto args = kling_args(svc);
  args.push_back(g_long_clip);
  ProcessResult r = run_process(tool(args));
  expect_status(r, 1);
  contains(r.err, "duration 75.00 s", r);
  contains(r.err, "validation", r);
  contains(r.err, "--check", r);
  contains(r.err, "--validation=warn", r);
  options_spelled_as_options(r.err, "validation", r);
  g_assert_cmpuint(svc.requests().size(), ==, 0);
}

static void test_bad_usage() {
  FakeService svc;
  std::string api = "--api-url=" + svc.url(kKlingPath);
  struct Case {
    std::vector<std::string> args;
    const char *needle;
  } cases[] = {
      {{api, "--provider=kling2", g_clip}, "--provider=\"kling2\": must be one of kling, kirin, local"},
      {{api, "--timeout=0", g_clip}, "--timeout=\"0\": must be a whole number from 1 to 86400"},
      {{api, "--max-retries=lots", g_clip}, "--max-retries"},
      {{api, "--video-url=https://a/b.mp4", "--video-id=v1", g_clip}, "exclude each other"},
      {{api}, "no clip given"},
      {{api, g_dir + "/missing.mp4"}, "missing.mp4: no such file"},
      {{api, "--no-such-option", g_clip}, "no-such-option"},
  };
  for (const auto &c : cases) {
    ProcessResult r = run_process(tool(c.args));
    expect_status(r, 2);
    contains(r.err, c.needle, r);
    contains(r.err, "--help", r);
  }
  // A key on the command line is refused, and not repeated.
  ProcessResult r = run_process(tool({api, "--api-key=sk-typed-on-the-command-line", g_clip}));
  expect_status(r, 2);
  contains(r.err, "--api-key-file", r);
  lacks(r.out + r.err, "sk-typed-on-the-command-line", r);
  // No key at all.
  ProcessSpec spec = tool({api, std::string("--video-url=") + kVideoUrl, g_clip});
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  spec.unsetenv.push_back("IDENTIFYFACE_API_KEY");
  r = run_process(spec);
  expect_status(r, 2);
  contains(r.err, "no key", r);
  g_assert_cmpuint(svc.requests().size(), ==, 0);
}

/* ---- keys ---- */

static void test_api_key_file() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  std::string key_file = g_dir + "/key";
  g_assert_true(g_file_set_contents(key_file.c_str(), "sk-from-a-file-77\n", -1, nullptr));
  g_chmod(key_file.c_str(), 0600);
  auto args = kling_args(svc);
  args.push_back("--api-key-file");
  args.push_back(key_file);
  args.push_back(g_clip);
  ProcessSpec spec = tool(args);
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  spec.unsetenv.push_back("IDENTIFYFACE_API_KEY");
  ProcessResult r = run_process(spec);
  expect_status(r, 0);
  std::string auth = svc.requests()[0].headers["authorization"];
  g_assert_cmpstr(auth.c_str(), ==, "Bearer sk-from-a-file-77");
  lacks(r.out + r.err, "sk-from-a-file-77", r);
  lacks(r.err, "readable by every user", r);

  // A key file everyone can read works, with a warning.
  g_chmod(key_file.c_str(), 0644);
  r = run_process(spec);
  expect_status(r, 0);
  contains(r.err, "readable by every user", r);
  g_unlink(key_file.c_str());
}

static void test_access_and_secret_key_from_environment() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  auto args = kling_args(svc);
  args.push_back(g_clip);
  ProcessSpec spec = tool(args, {{"IDENTIFYFACE_ACCESS_KEY", "ak-cli"}, {"IDENTIFYFACE_SECRET_KEY", "sk-cli-secret"}});
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  spec.unsetenv = {"GST_DEBUG", "IDENTIFYFACE_API_KEY"};
  ProcessResult r = run_process(spec);
  expect_status(r, 0);
  std::string auth = svc.requests()[0].headers["authorization"];
  g_assert_true(g_str_has_prefix(auth.c_str(), "Bearer "));
  std::string jwt = auth.substr(7);
  g_assert_true(jwt_signed_with(jwt, "sk-cli-secret"));
  g_assert_true(jwt_payload(jwt).find("\"iss\":\"ak-cli\"") != std::string::npos);
  lacks(r.out + r.err, "sk-cli-secret", r);

  // Only one of the pair is bad usage.
  spec.setenv.erase("IDENTIFYFACE_SECRET_KEY");
  spec.unsetenv.push_back("IDENTIFYFACE_SECRET_KEY");
  r = run_process(spec);
  expect_status(r, 2);
  contains(r.err, "IDENTIFYFACE_SECRET_KEY", r);
}

/* ---- Ctrl-C ---- */

// Ctrl-C (and SIGTERM) in the middle of polling a Kirin task.
static void interrupt_while_polling(int signum, int expected_status, const char *says) {
  FakeService svc;
  svc.script(kKirinRoute, {CannedResponse::json(200, "{\"task_id\":\"cli-task\",\"status\":\"pending\"}")});
  svc.script(kKirinPoll, {CannedResponse::json(200, "{\"task_id\":\"cli-task\",\"status\":\"processing\"}")});
  auto args = kirin_args(svc);
  args.push_back("--poll-interval=50");
  args.push_back(g_clip);
  Process p(tool(args));
  g_assert_true(svc.wait_for(kKirinPoll, 2, 10000));
  p.send_signal(signum);
  gint64 signalled = g_get_monotonic_time();
  ProcessResult r = p.wait(10000);
  expect_status(r, expected_status);
  // Stopping is synchronous: it does not wait for a poll or a timeout.
  g_assert_cmpint(g_get_monotonic_time() - signalled, <, 5 * G_USEC_PER_SEC);
  contains(r.err, says, r);
  contains(r.err, "nothing more is sent", r);
  // The task was paid for: its id, and how to collect it without a new charge.
  contains(r.err, "--task-id=cli-task", r);
  g_assert_cmpstr(r.out.c_str(), ==, "");
  g_assert_cmpuint(svc.count(kKirinRoute), ==, 1);
}

static void test_ctrl_c_cancels_cleanly() {
  interrupt_while_polling(SIGINT, 130, "cancelled (Ctrl-C)");
  interrupt_while_polling(SIGTERM, 143, "cancelled (terminated)");
}

// --task-id collects a task submitted before (by a run stopped with Ctrl-C,
// or one that timed out): polls only, no submission, no new charge.
static void test_task_id_collects_without_a_submission() {
  FakeService svc;
  script_kirin(svc, 1);
  ProcessSpec spec = tool(
      {"--provider=kirin", "--api-url=" + svc.url(kKirinPath), "--poll-interval=50", "--task-id=cli-task", g_clip});
  ProcessResult r = run_process(spec);
  expect_status(r, 0);
  contains(r.out, "sess-cli", r);
  contains(r.out, "cli-task", r);
  g_assert_cmpuint(svc.count(kKirinRoute), ==, 0);
  g_assert_cmpuint(svc.count(kKirinPoll), ==, 2);

  // Only a Kirin task can be collected.
  r = run_process(tool({"--task-id=cli-task", std::string("--video-url=") + kVideoUrl, g_clip}));
  expect_status(r, 2);
  contains(r.err, "task-id", r);
  contains(r.err, "provider=kirin", r);
  g_assert_cmpuint(svc.requests().size(), ==, 2);
}

// A Kirin task the service reports failed: the command says it failed and
// names it, and does not offer to collect what will never finish.
static void test_failed_task_says_failed() {
  FakeService svc;
  svc.script(kKirinRoute, {CannedResponse::json(200, "{\"task_id\":\"cli-task\",\"status\":\"pending\"}")});
  svc.script(kKirinPoll, {CannedResponse::json(200,
                                               "{\"task_id\":\"cli-task\",\"status\":\"failed\",\"error\":{"
                                               "\"code\":\"500\",\"message\":\"the model crashed\"}}")});
  auto args = kirin_args(svc);
  args.push_back(g_clip);
  ProcessResult r = run_process(tool(args));
  expect_status(r, 1);
  contains(r.err, "the model crashed", r);
  contains(r.err, "kirin task cli-task failed", r);
  lacks(r.err, "may still finish", r);
  lacks(r.err, "--task-id=cli-task", r);
  g_assert_cmpuint(svc.count(kKirinRoute), ==, 1);
}

/* ---- clips without video, and --timeout ---- */

// An encoded audio-only clip, made with GStreamer's encoders.
static std::string make_audio_clip(const std::string &name, const std::string &encode) {
  std::string path = g_dir + "/" + name;
  std::string error;
  if (!run_to_eos("audiotestsrc num-buffers=100 ! " + encode + " ! filesink location=\"" + path + "\"", 60, &error))
    g_error("cannot make %s: %s", name.c_str(), error.c_str());
  return path;
}

// No video: fails at once, naming what the clip has, whatever the provider;
// nothing is sent.
static void test_audio_only_clip_fails_at_once() {
  FakeService svc;
  svc.script(kKlingRoute, {CannedResponse::json(200, kling_body())});
  std::string mp3 = make_audio_clip("audio.mp3", "lamemp3enc");
  std::string m4a = make_audio_clip("audio.mp4", "avenc_aac ! mp4mux");
  struct Case {
    std::vector<std::string> args;
    const char *has;
  } cases[] = {
#ifdef IDF_HAVE_LOCAL_ENGINE
      {{"--provider=local", mp3}, "audio/mpeg"},
      {{"--provider=local", m4a}, "audio/mpeg"},
#endif
      {{"--api-url=" + svc.url(kKlingPath), std::string("--video-url=") + kVideoUrl, mp3}, "audio/mpeg"},
      {{"--provider=kirin", "--api-url=" + svc.url(kKirinPath), std::string("--video-url=") + kVideoUrl, m4a},
       "audio/mpeg"},
  };
  for (const auto &c : cases) {
    gint64 t0 = g_get_monotonic_time();
    ProcessResult r = run_process(tool(c.args), 30000);
    double seconds = (g_get_monotonic_time() - t0) / 1e6;
    expect_status(r, 1);
    contains(r.err, "no video stream", r);
    contains(r.err, c.has, r);
    lacks(r.err, "no answer in time", r);
    // At once, not at a deadline (300 s by default): a bound loose enough
    // for a loaded machine, far below any timeout.
    if (seconds > 10) g_error("took %.1f s: %s", seconds, r.describe().c_str());
  }
  g_assert_cmpuint(svc.requests().size(), ==, 0);
}

// --timeout bounds every wait, even one before the clip reaches the element
// (a source that never answers).
static void test_timeout_bounds_reading_the_clip() {
  SilentListener silent;
  gint64 t0 = g_get_monotonic_time();
  ProcessResult r = run_process(tool({"--timeout=2", silent.url("http", "/clip.mp4")}), 60000);
  double seconds = (g_get_monotonic_time() - t0) / 1e6;
  expect_status(r, 1);
  contains(r.err, "timeout=2", r);
  if (seconds > 15) g_error("--timeout=2 took %.1f s: %s", seconds, r.describe().c_str());
}

/* ---- provider=local and --help ---- */

#ifdef IDF_HAVE_LOCAL_ENGINE
// The portrait for 3 s: one face, with where it was and how sure.
static void test_local_provider() {
  idf::test::FaceClipSpec face_spec;
  face_spec.seconds = 3;
  face_spec.fps = 10;
  face_spec.appearances = {{0, 3, 400, 60, false}};
  std::string clip = idf::test::make_face_clip(g_dir, "face.mp4", face_spec);
  std::string faces = g_dir + "/faces";
  ProcessSpec spec = tool({"--provider=local", "--face-image-dir=" + faces, clip});
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  spec.unsetenv.push_back("IDENTIFYFACE_API_KEY");  // local needs no key
  ProcessResult r = run_process(spec, 60000);
  expect_status(r, 0);
  contains(r.out, "provider  local", r);
  contains(r.out, "credits   0", r);
  contains(r.out, "box (x,y w x h, share of the frame)", r);
  contains(r.err, "analysing", r);
  contains(r.err, "complete", r);
  // Face 0 for the whole clip, its box about the portrait's face (centre
  // near x 0.48, y 0.41 of the frame).
  GRegex *row = g_regex_new(
      "^0 +0\\.000 +3\\.000 +3\\.000 +yes +(0\\.[0-9]+) +(0\\.[0-9]+),(0\\.[0-9]+) "
      "(0\\.[0-9]+)x(0\\.[0-9]+) +file://",
      G_REGEX_MULTILINE, (GRegexMatchFlags)0, nullptr);
  GMatchInfo *match = nullptr;
  if (!g_regex_match(row, r.out.c_str(), (GRegexMatchFlags)0, &match))
    g_error("no face row with score and box: %s", r.describe().c_str());
  double v[5];
  for (int i = 0; i < 5; i++) {
    gchar *text = g_match_info_fetch(match, i + 1);
    v[i] = g_ascii_strtod(text, nullptr);
    g_free(text);
  }
  g_match_info_free(match);
  g_regex_unref(row);
  g_assert_cmpfloat(v[0], >=, 0.5);
  g_assert_cmpfloat(std::fabs(v[1] + v[3] / 2 - (400 + 268) / 1280.0), <, 0.05);
  g_assert_cmpfloat(std::fabs(v[2] + v[4] / 2 - (60 + 238) / 720.0), <, 0.08);
}

// --timeline with --json: a picture with one row for the one face, its
// interval (1 to 3 s of a 4 s clip) green where the JSON puts it, the
// track before and after it; the face's picture at the row's start.
static void test_local_timeline() {
  idf::test::FaceClipSpec face_spec;
  face_spec.seconds = 4;
  face_spec.fps = 10;
  face_spec.appearances = {{1, 3, 400, 60, false}};
  std::string clip = idf::test::make_face_clip(g_dir, "timeline.mp4", face_spec);
  std::string png = g_dir + "/timeline.png";
  ProcessSpec spec =
      tool({"--provider=local", "--json", "--face-image-dir=" + g_dir + "/faces", "--timeline=" + png, clip});
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  spec.unsetenv.push_back("IDENTIFYFACE_API_KEY");
  ProcessResult r = run_process(spec, 60000);
  expect_status(r, 0);
  lacks(r.err, "warning", r);
  JsonParser *parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, r.out.c_str(), -1, nullptr));
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  g_assert_true(json_object_has_member(o, "shot-cuts"));
  JsonArray *faces = json_object_get_array_member(o, "faces");
  g_assert_cmpuint(json_array_get_length(faces), ==, 1);
  JsonObject *face = json_array_get_object_element(faces, 0);
  guint64 start = json_object_get_int_member(face, "start-time"), end = json_object_get_int_member(face, "end-time");
  g_object_unref(parser);
  g_assert_cmpuint(start, >=, 800 * GST_MSECOND);
  g_assert_cmpuint(end, <=, 3200 * GST_MSECOND);

  cairo_surface_t *pic = cairo_image_surface_create_from_png(png.c_str());
  g_assert_cmpint(cairo_surface_status(pic), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint(cairo_image_surface_get_height(pic), ==, TimelineLayout::height(1));
  auto rgb = [&](double x, int y) {
    const unsigned char *row = cairo_image_surface_get_data(pic) + y * cairo_image_surface_get_stride(pic);
    return (*(const uint32_t *)(row + 4 * (int)std::lround(x))) & 0xffffff;
  };
  const int y = TimelineLayout::bar_centre(0);
  const uint64_t duration = 4 * GST_SECOND;
  g_assert_cmphex(rgb(TimelineLayout::x_of(start, duration) - 8, y), ==, kTimelineTrack);
  g_assert_cmphex(rgb(TimelineLayout::x_of((start + end) / 2, duration), y), ==, kTimelineReady);
  g_assert_cmphex(rgb(TimelineLayout::x_of(end, duration) + 8, y), ==, kTimelineTrack);
  // The face's crop, not the grey "no image" square.
  g_assert_cmphex(rgb(16 + TimelineLayout::kImageSize / 2, TimelineLayout::row_top(0) + TimelineLayout::kRowHeight / 2),
                  !=, 0xc8c8c8);
  cairo_surface_destroy(pic);
}
#endif

#ifdef IDF_HAVE_LOCAL_ENGINE
// provider=local, nothing billed, doubles as a free pre-check: a 75 s clip
// is analysed and the verdict says the service would refuse it; an explicit
// --validation=strict still refuses it.
static void test_local_precheck() {
  std::string faces = g_dir + "/precheck-faces";
  ProcessSpec spec = tool({"--provider=local", "--face-image-dir=" + faces, g_long_clip});
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  spec.unsetenv.push_back("IDENTIFYFACE_API_KEY");
  ProcessResult r = run_process(spec, 120000);
  expect_status(r, 0);
  contains(r.out, "credits   0", r);
  GRegex *row = g_regex_new("^service +would refuse this clip: .*duration 75\\.00 s \\(must be 2 to 60 s\\)",
                            G_REGEX_MULTILINE, (GRegexMatchFlags)0, nullptr);
  if (!g_regex_match(row, r.out.c_str(), (GRegexMatchFlags)0, nullptr))
    g_error("no service verdict row: %s", r.describe().c_str());
  g_regex_unref(row);

  spec = tool({"--provider=local", "--validation=strict", "--face-image-dir=" + faces, g_long_clip});
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  spec.unsetenv.push_back("IDENTIFYFACE_API_KEY");
  r = run_process(spec, 60000);
  expect_status(r, 1);
  contains(r.err, "duration 75.00 s", r);
  contains(r.err, "--validation=warn", r);
  options_spelled_as_options(r.err, "validation", r);

  // Within the limits: the message says the service would accept it.
  spec = tool({"--provider=local", "--json", "--face-image-dir=" + faces, g_clip});
  spec.setenv.erase("IDENTIFYFACE_API_KEY");
  spec.unsetenv.push_back("IDENTIFYFACE_API_KEY");
  r = run_process(spec, 60000);
  expect_status(r, 0);
  JsonNode *root = parse_json(r.out, r);
  JsonObject *o = json_node_get_object(root);
  g_assert_cmpstr(json_object_get_string_member(o, "service-verdict"), ==, "accepted");
  g_assert_cmpstr(json_object_get_string_member(o, "service-refusal"), ==, "");
  json_node_unref(root);
}
#endif

// Whitespace runs as one space: --help wraps its lines.
static std::string squash(const std::string &text) {
  std::string out;
  for (char c : text) {
    bool space = g_ascii_isspace(c);
    if (space && !out.empty() && out.back() == ' ') continue;
    out += space ? ' ' : c;
  }
  return out;
}

static void test_help() {
  ProcessResult r = run_process(tool({"--help"}));
  expect_status(r, 0);
  r.out = squash(r.out);
  for (const char *needle :
       {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "KEYS", "ENVIRONMENT", "EXIT STATUS", "EXAMPLES", "--check",
        "--json", "--quiet", "--api-key-file", "IDENTIFYFACE_API_KEY", "130"})
    contains(r.out, needle, r);
  // Every property option, with the element's own range and default.
  for (const char *option : {"--provider=NAME", "--api-url=URL", "--poll-url=URL", "--model=ID", "--video-url=URL",
                             "--video-id=ID", "--validation=MODE", "--timeout=SECONDS", "--request-timeout=SECONDS",
                             "--max-retries=N", "--poll-interval=MS", "--poll-interval-max=MS", "--face-image-dir=DIR",
                             "--ssl-ca-file=FILE", "(1-86400, default 300)", "(kling, kirin or local; default kling)"})
    contains(r.out, option, r);

  r = run_process(tool({"--version"}));
  expect_status(r, 0);
  contains(r.out, "gst-identify-face ", r);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  if (argc < 2) g_error("usage: test_cli PATH-TO-gst-identify-face");
  g_tool = argv[1];
  g_dir = make_temp_dir();
  g_clip = make_clip(g_dir, "clip.mp4", ClipSpec{});
  ClipSpec long_spec;
  long_spec.seconds = 75;
  long_spec.fps = 1;
  g_long_clip = make_clip(g_dir, "long.mp4", long_spec);
  ClipSpec mkv;
  mkv.container = "mkv";
  g_mkv_clip = make_clip(g_dir, "clip.mkv", mkv);
  // Big enough (6 MB) that qtdemux seeks to the index rather than buffer
  // what comes before it (it buffered a 3 MB one).
  g_late_index_clip = g_dir + "/late-index.mp4";
  GstElement *encode = launch(
      "videotestsrc num-buffers=60 pattern=snow ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! "
      "x264enc speed-preset=ultrafast tune=zerolatency bitrate=20000 ! h264parse ! mp4mux faststart=false ! "
      "filesink location=\"" +
      g_late_index_clip + "\"");
  BusLog encoded;
  run_until_done(encode, encoded, 60000);
  if (!encoded.eos) g_error("could not encode %s", g_late_index_clip.c_str());
  stop(encode);

  g_test_add_func("/cli/table", test_table);
  g_test_add_func("/cli/json-is-the-message", test_json_has_exactly_the_message_fields);
  g_test_add_func("/cli/progress/terminal", test_progress_redraws_on_a_terminal);
  g_test_add_func("/cli/progress/quiet", test_quiet);
  g_test_add_func("/cli/check/refuses-75-s", test_check_refuses_a_75_s_clip_without_a_request);
  g_test_add_func("/cli/check/accepts-and-json", test_check_accepts_and_json);
  g_test_add_func("/cli/check/reads-as-the-element-does", test_check_reads_as_the_element_does);
  g_test_add_func("/cli/container/matroska", test_matroska_clip_identified);
  g_test_add_func("/cli/http-uri", test_http_uri_is_the_video_url);
  g_test_add_func("/cli/ssl-ca-file", test_ssl_ca_file);
  g_test_add_func("/cli/failure/service", test_service_failure_explained);
  g_test_add_func("/cli/failure/validation", test_validation_failure_sends_nothing);
  g_test_add_func("/cli/failure/clip-read", test_clip_read_errors_explained);
  g_test_add_func("/cli/usage", test_bad_usage);
  g_test_add_func("/cli/keys/file", test_api_key_file);
  g_test_add_func("/cli/keys/access-secret", test_access_and_secret_key_from_environment);
  g_test_add_func("/cli/ctrl-c", test_ctrl_c_cancels_cleanly);
  g_test_add_func("/cli/task-id-collects", test_task_id_collects_without_a_submission);
  g_test_add_func("/cli/failed-task-says-failed", test_failed_task_says_failed);
  g_test_add_func("/cli/no-video/fails-at-once", test_audio_only_clip_fails_at_once);
  g_test_add_func("/cli/timeout-bounds-reading", test_timeout_bounds_reading_the_clip);
#ifdef IDF_HAVE_LOCAL_ENGINE
  g_test_add_func("/cli/provider-local", test_local_provider);
  g_test_add_func("/cli/provider-local/timeline", test_local_timeline);
  g_test_add_func("/cli/provider-local/precheck", test_local_precheck);
#endif
  g_test_add_func("/cli/help", test_help);
  int status = g_test_run();
  remove_dir(g_dir);
  return status;
}
