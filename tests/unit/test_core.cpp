// SPDX-License-Identifier: LGPL-2.1-or-later
// The core library without a pipeline: validation rules, dialects, retry
// and polling policy, target resolution, JWT.
#include <glib.h>
#include <utime.h>

#include <ctime>

#include "job/credentials.h"
#include "job/job_settings.h"
#include "local/face_image_folders.h"
#include "model/clip_info.h"
#include "support/assertions.h"
#include "wire/jwt.h"
#include "wire/kirin_dialect.h"
#include "wire/kling_dialect.h"
#include "wire/retry_policy.h"

using namespace idf;

static ClipInfo clip(int w, int h, double secs, const char *container, uint64_t size = 1000) {
  ClipInfo c;
  c.width = w;
  c.height = h;
  c.duration_ns = (uint64_t)(secs * 1e9);
  c.container = container;
  c.size_bytes = size;
  return c;
}

static void test_validation_limits() {
  g_assert_true(validate_clip(clip(1280, 720, 2.0, "mp4"), VideoRef::Url).empty());
  g_assert_true(validate_clip(clip(1920, 1080, 60.0, "mov"), VideoRef::Url).empty());
  g_assert_true(validate_clip(clip(720, 1280, 10, "mp4"), VideoRef::Url).empty());
  g_assert_true(validate_clip(clip(1080, 1920, 10, "mp4"), VideoRef::Url).empty());
  g_assert_true(validate_clip(clip(2160, 1080, 10, "mp4"), VideoRef::Url).empty());  // 2:1, short side 1080

  auto v = validate_clip(clip(480, 270, 75, "mkv", 200ull * 1024 * 1024), VideoRef::Url);
  std::string text = describe_violations(v);
  for (const char *needle : {"container \"mkv\"", "file size 200.0 MB", "duration 75.00 s", "width 480 px",
                             "height 270 px", "resolution 480x270"})
    if (text.find(needle) == std::string::npos) g_error("\"%s\" missing from \"%s\"", needle, text.c_str());
  g_assert_cmpuint(v.size(), ==, 6);

  // Just over the size limit; 1.99 s.
  g_assert_cmpuint(validate_clip(clip(1280, 720, 10, "mp4", 100ull * 1024 * 1024 + 1), VideoRef::Url).size(), ==, 1);
  g_assert_cmpuint(validate_clip(clip(1280, 720, 1.99, "mp4"), VideoRef::Url).size(), ==, 1);
  g_assert_cmpuint(validate_clip(clip(2400, 1080, 10, "mp4"), VideoRef::Url).size(), ==, 1);  // side > 2160
}

static void test_validation_checks_only_what_is_known() {
  g_assert_true(validate_clip(ClipInfo(), VideoRef::Url).empty());
  ClipInfo c;
  c.duration_ns = 90ull * 1000000000;
  g_assert_cmpuint(validate_clip(c, VideoRef::Url).size(), ==, 1);
  // A video-id names a Kling-generated video: only its 60 s limit applies.
  auto id = clip(640, 360, 1.0, "mkv");
  g_assert_true(validate_clip(id, VideoRef::Id).empty());
  id.duration_ns = 61ull * 1000000000;
  g_assert_cmpuint(validate_clip(id, VideoRef::Id).size(), ==, 1);
}

// gst-identify-face --check prints every limit: all of them are listed, in
// a fixed order, with the value measured ("" unknown) and the verdict.
static void test_check_limits_lists_every_limit() {
  ClipInfo c = clip(1280, 720, 75, "mp4");
  c.size_bytes.reset();
  auto checks = check_limits(c, VideoRef::Url);
  const char *names[] = {"container", "file size", "duration", "width", "height", "resolution"};
  g_assert_cmpuint(checks.size(), ==, G_N_ELEMENTS(names));
  for (size_t i = 0; i < checks.size(); i++) {
    assert_str(checks[i].limit, names[i]);
    g_assert_false(checks[i].rule.empty());
    g_assert_true(checks[i].ok == (checks[i].limit != "duration"));
  }
  assert_str(checks[1].measured, "");  // size unknown: not a violation
  assert_str(checks[2].measured, "75.00 s");
  assert_str(checks[5].measured, "1280x720");
  // validate_clip() is exactly the broken ones.
  auto v = validate_clip(c, VideoRef::Url);
  g_assert_cmpuint(v.size(), ==, 1);
  assert_str(v[0].describe(), "duration 75.00 s (must be 2 to 60 s)");

  auto id = check_limits(clip(640, 360, 1.0, "mkv"), VideoRef::Id);
  g_assert_cmpuint(id.size(), ==, 1);
  assert_str(id[0].limit, "duration");
  g_assert_true(id[0].ok);
}

static void test_container_names() {
  assert_str(container_from_tag("ISO MP4/M4A"), "mp4");
  assert_str(container_from_tag("Quicktime"), "mov");
  assert_str(container_from_tag("Matroska"), "mkv");
  assert_str(container_from_caps("video/quicktime", "apple"), "mov");
  assert_str(container_from_caps("video/quicktime", "iso"), "mp4");
  assert_str(container_from_caps("video/x-h264", ""), "");
}

static void test_kling_parse() {
  auto out = parse_kling_response(
      "{\"code\":0,\"message\":\"ok\",\"request_id\":\"r\",\"data\":{\"session_id\":\"s\",\"final_unit_deduction\":3,"
      "\"face_data\":[{\"face_id\":7,\"face_image\":\"u\",\"start_time\":\"100\",\"end_time\":2100.0}]}}",
      200);
  auto &r = std::get<Result>(out);
  assert_str(r.session_id, "s");
  assert_str(r.final_unit_deduction, "3");
  g_assert_cmpuint(r.faces.size(), ==, 1);
  assert_str(r.faces[0].id, "7");
  g_assert_cmpuint(r.faces[0].start_ns, ==, 100 * kNsPerMs);
  g_assert_cmpuint(r.faces[0].end_ns, ==, 2100 * kNsPerMs);
  g_assert_true(r.faces[0].lipsync_ready());

  auto fail =
      std::get<Failure>(parse_kling_response("{\"code\":1101,\"message\":\"arrears\",\"request_id\":\"q\"}", 429));
  assert_str(fail.code, "1101");
  g_assert_cmpuint(fail.http_status, ==, 429);
  assert_str(fail.request_id, "q");
  g_assert_nonnull(strstr(fail.message.c_str(), "account"));
  g_assert_true(std::get<Failure>(parse_kling_response("{\"code\":1000}", 401)).kind == Failure::Kind::Auth);
  auto html = std::get<Failure>(parse_kling_response("<html>", 502));
  g_assert_true(html.kind == Failure::Kind::Http);
  g_assert_nonnull(strstr(html.message.c_str(), "502"));
  g_assert_true(std::get<Failure>(parse_kling_response("not json", 200)).kind == Failure::Kind::Parse);

  assert_str(kling_request_body({"https://x/y.mp4", ""}), "{\"video_url\":\"https://x/y.mp4\"}");
  assert_str(kling_request_body({"", "42"}), "{\"video_id\":\"42\"}");
}

static void test_clamp() {
  std::vector<Face> faces(1);
  faces[0].id = "0";
  faces[0].start_ns = 1000;
  faces[0].end_ns = 3004 * kNsPerMs;
  clamp_faces_to_duration(faces, 3 * kNsPerSecond);
  g_assert_cmpuint(faces[0].end_ns, ==, 3 * kNsPerSecond);
  clamp_faces_to_duration(faces, std::nullopt);
  g_assert_cmpuint(faces[0].end_ns, ==, 3 * kNsPerSecond);
}

static void test_kirin_parse() {
  auto st = std::get<TaskStatus>(parse_kirin_task("{\"data\":{\"id\":\"t9\",\"status\":\"in_progress\"}}", 200));
  assert_str(st.task_id, "t9");
  g_assert_true(st.state == TaskState::Running);
  g_assert_true(std::get<TaskStatus>(parse_kirin_task("{\"task_id\":\"a\",\"status\":\"new\"}", 200)).state ==
                TaskState::Unknown);
  assert_str(kirin_poll_url("", "https://h/gen", "t 1"), "https://h/gen/task/t%201");
  assert_str(kirin_poll_url("https://h/t/{task_id}?x={task_id}", "", "a"), "https://h/t/a?x=a");
  assert_str(kirin_submit_body("m", {"u", ""}), "{\"model\":\"m\",\"video_url\":\"u\"}");
}

static void test_retry_classification() {
  g_assert_true(classify_http_failure(RequestKind::Submission, 429, "") == Verdict::Retry);
  g_assert_true(classify_http_failure(RequestKind::Submission, 200, "1303") == Verdict::Retry);
  g_assert_true(classify_http_failure(RequestKind::Submission, 500, "5001") == Verdict::Retry);
  g_assert_true(classify_http_failure(RequestKind::Submission, 500, "5002") == Verdict::Ambiguous);
  g_assert_true(classify_http_failure(RequestKind::Poll, 500, "5002") == Verdict::Retry);
  g_assert_true(classify_http_failure(RequestKind::Submission, 500, "") == Verdict::Permanent);
  g_assert_true(classify_http_failure(RequestKind::Poll, 500, "") == Verdict::Retry);
  g_assert_true(classify_http_failure(RequestKind::Poll, 404, "") == Verdict::Permanent);
  g_assert_true(classify_http_failure(RequestKind::Submission, 400, "1201") == Verdict::Permanent);
  // Failed before it was written: nothing can have been billed.
  g_assert_true(classify_transport_failure(RequestKind::Submission, false) == Verdict::Retry);
  g_assert_true(classify_transport_failure(RequestKind::Submission, true) == Verdict::Ambiguous);
  g_assert_true(classify_transport_failure(RequestKind::Poll, true) == Verdict::Retry);
}

static void test_backoff_and_retry_after() {
  JitterRng rng(1);
  for (unsigned attempt = 0; attempt < 8; attempt++) {
    unsigned step = 1000u << std::min(attempt, 4u);
    for (int i = 0; i < 50; i++) {
      unsigned d = backoff_ms(attempt, rng);
      g_assert_cmpuint(d, >=, step / 2);
      g_assert_cmpuint(d, <=, step);
    }
  }
  const int64_t date_s = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  g_assert_cmpuint(*parse_retry_after_ms("3", date_s), ==, 3000);
  g_assert_false(parse_retry_after_ms("soon", date_s).has_value());
  g_assert_false(parse_retry_after_ms(nullptr, date_s).has_value());
  g_assert_cmpuint(*parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", date_s + 60), ==, 0);  // in the past
  g_assert_cmpuint(*parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", date_s - 7), ==, 7000);
  g_assert_cmpuint(*parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", date_s - 86400), ==, 3600 * 1000);  // capped
  g_assert_cmpuint(*parse_retry_after_ms("99999", date_s), ==, 3600 * 1000);
}

static void test_poll_schedule() {
  PollSchedule s(1000, 5000);
  g_assert_cmpuint(s.next_ms(0), ==, 1000);
  g_assert_cmpuint(s.next_ms(29999), ==, 1000);
  g_assert_cmpuint(s.next_ms(30000), ==, 1500);
  g_assert_cmpuint(s.next_ms(31500), ==, 2250);
  g_assert_cmpuint(s.next_ms(34000), ==, 3375);
  g_assert_cmpuint(s.next_ms(38000), ==, 5000);
  g_assert_cmpuint(s.next_ms(43000), ==, 5000);
}

static void test_resolve_target() {
  auto t = std::get<VideoTarget>(resolve_target(Provider::Kling, "", "", "https://cdn/x.mp4"));
  assert_str(t.video_url, "https://cdn/x.mp4");
  t = std::get<VideoTarget>(resolve_target(Provider::Kling, "https://pub/y.mp4", "", "file:///x.mp4"));
  assert_str(t.video_url, "https://pub/y.mp4");
  auto f = std::get<Failure>(resolve_target(Provider::Kling, "", "", "file:///home/u/x.mp4"));
  g_assert_nonnull(strstr(f.message.c_str(), "set video-url"));
  g_assert_nonnull(strstr(f.message.c_str(), "file:///home/u/x.mp4"));
  f = std::get<Failure>(resolve_target(Provider::Kirin, "a", "b", ""));
  g_assert_nonnull(strstr(f.message.c_str(), "at most one"));
  f = std::get<Failure>(resolve_target(Provider::Local, "", "42", "file:///x.mp4"));
  g_assert_nonnull(strstr(f.message.c_str(), "video-id"));
  t = std::get<VideoTarget>(resolve_target(Provider::Local, "", "", "file:///x.mp4"));
  assert_str(t.video_url, "file:///x.mp4");
}

static void test_jwt_vector() {
  // Computed independently (Python hmac/hashlib) for these inputs.
  assert_str(jwt_hs256("test-access", 1700001800, 1699999995, "test-secret"),
             "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
             "eyJpc3MiOiJ0ZXN0LWFjY2VzcyIsImV4cCI6MTcwMDAwMTgwMCwibmJmIjoxNjk5OTk5OTk1fQ."
             "_xT7DLTLtU6wl0etVdXTM84omV4F0_TZNf05mI3e3tE");
}

static void test_jwt_renewal() {
  JwtIssuer issuer("ak", "sk");
  std::string first = issuer.token(1000000);
  assert_str(issuer.token(1000000 + 60), first.c_str());  // still fresh
  g_assert_true(issuer.token(1000000 + 1500) != first);   // renewed before it expires
  assert_str(issuer.token(1000000 + 1500), jwt_hs256("ak", 1000000 + 1500 + 1800, 1000000 + 1500 - 5, "sk"));
}

static Failure kirin_failure(const std::string &body) {
  auto st = std::get<TaskStatus>(parse_kirin_task(body, 200));
  g_assert_true(std::holds_alternative<Failure>(st.outcome));
  return std::get<Failure>(st.outcome);
}

static void assert_has(const std::string &text, const char *needle) {
  if (text.find(needle) == std::string::npos) g_error("\"%s\" not in \"%s\"", needle, text.c_str());
}

// The seed's four error codes are described; error objects and strings are
// read; a completed task's text is parsed as the Kling envelope.
static void test_kirin_task_failures() {
  const char *codes[][2] = {{"014002095", "internal generation error"},
                            {"014002096", "result parsing exception"},
                            {"014002097", "HTTP error response"},
                            {"014002099", "sync generation exception"}};
  for (auto &c : codes) {
    Failure f = kirin_failure(std::string("{\"task_id\":\"t\",\"status\":\"failed\",\"error\":{\"code\":\"") + c[0] +
                              "\",\"error_message\":\"boom\"}}");
    assert_str(f.code, c[0]);
    assert_has(f.message, c[1]);
    assert_has(f.message, "boom");
    assert_str(f.task_id, "t");
  }
  assert_has(
      kirin_failure(R"({"task_id":"t","status":"failed","error":{"code":"014002097","message":"up 500"}})").message,
      "up 500");
  assert_has(kirin_failure(R"({"task_id":"t","status":"failed","error":"video could not be fetched"})").message,
             "video could not be fetched");
  Failure f = kirin_failure(R"({"task_id":"t","status":"completed","output":[{"content":[{"text":"{not json"}]}]})");
  g_assert_true(f.kind == Failure::Kind::Parse);
  assert_has(f.message, "not a JSON object");
  f = kirin_failure(
      R"({"task_id":"t","status":"completed","output":[{"content":[{"text":"{\"code\":1203,\"message\":\"bad\"}"}]}]})");
  assert_str(f.code, "1203");
  assert_has(f.message, "task t: service error 1203 (parameters)");
  f = kirin_failure(R"({"task_id":"t","status":"completed"})");
  assert_has(f.message, "without output[].content[].text");
}

// Error answers are refusals in Kling's words, with the code the retry
// policy needs: one parse.
static void test_kirin_refusals() {
  auto f =
      std::get<Failure>(parse_kirin_task(R"({"code":1303,"message":"parallel task over resource pack limit"})", 200));
  assert_str(f.code, "1303");
  f = std::get<Failure>(parse_kirin_task("<html>bad gateway</html>", 502));
  g_assert_true(f.kind == Failure::Kind::Http);
  assert_has(f.message, "HTTP 502");
  f = std::get<Failure>(parse_kirin_task(R"({"code":1000,"message":"bad token"})", 401));
  g_assert_true(f.kind == Failure::Kind::Auth);
  f = std::get<Failure>(parse_kirin_task("[1,2]", 200));
  g_assert_true(f.kind == Failure::Kind::Parse);
}

// Only folders the element marked, and only when older than 7 days.
static void test_prune_session_folders() {
  gchar *root = g_dir_make_tmp("idf-faces-XXXXXX", nullptr);
  std::string dir = root;
  g_free(root);
  auto make = [&](const char *name, bool marked, int64_t age_s) {
    std::string folder = dir + "/" + name;
    g_mkdir_with_parents(folder.c_str(), 0700);
    g_file_set_contents((folder + "/face-0.jpg").c_str(), "jpeg", -1, nullptr);
    if (marked) {
      g_assert_true(mark_session_folder(folder));
      struct utimbuf t = {time(nullptr) - age_s, time(nullptr) - age_s};
      utime((folder + "/" + kSessionFolderMarker).c_str(), &t);
    }
    return folder;
  };
  std::string old_marked = make("old-session", true, 8 * 24 * 3600);
  std::string new_marked = make("new-session", true, 6 * 24 * 3600);
  std::string old_unmarked = make("users-own", false, 0);
  g_assert_cmpuint(prune_session_folders(dir, time(nullptr)), ==, 1);
  g_assert_false(g_file_test(old_marked.c_str(), G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test((new_marked + "/face-0.jpg").c_str(), G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test((old_unmarked + "/face-0.jpg").c_str(), G_FILE_TEST_EXISTS));
  gchar *argv[] = {(gchar *)"rm", (gchar *)"-rf", (gchar *)dir.c_str(), nullptr};
  g_spawn_sync(nullptr, argv, nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
}

// One order for both elements and the command: the api-key property, then
// access-key + secret-key, then the environment's key; the account is named
// by the key used.
static void test_credentials_resolved_in_one_order() {
  g_setenv(IDENTIFYFACE_API_KEY_ENV, "env-key", TRUE);
  Credentials c = resolve_credentials("prop-key", "ak", "sk");
  g_assert_cmpstr(authorization_header(c, nullptr, 0).c_str(), ==, "Bearer prop-key");
  g_assert_cmpstr(c.account().c_str(), ==, "prop-key");
  c = resolve_credentials("", "ak", "sk");
  g_assert_true(c.uses_jwt());
  g_assert_cmpstr(c.account().c_str(), ==, "ak");
  JwtIssuer jwt("ak", "sk");
  // Kept in a variable: GLib 2.76's g_str_has_prefix macro reads its argument
  // after a temporary's end.
  std::string signed_header = authorization_header(c, &jwt, 1700000000);
  g_assert_true(g_str_has_prefix(signed_header.c_str(), "Bearer eyJ"));
  c = resolve_credentials("", "ak", "");  // half a key pair: the environment's key
  g_assert_false(c.uses_jwt());
  g_assert_cmpstr(authorization_header(c, nullptr, 0).c_str(), ==, "Bearer env-key");
  g_assert_cmpstr(c.account().c_str(), ==, "env-key");
  g_unsetenv(IDENTIFYFACE_API_KEY_ENV);
  c = resolve_credentials("", "", "");
  g_assert_false(c.any());
  g_assert_cmpstr(authorization_header(c, nullptr, 0).c_str(), ==, "");
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/core/validation/limits", test_validation_limits);
  g_test_add_func("/core/validation/unknown", test_validation_checks_only_what_is_known);
  g_test_add_func("/core/validation/check-limits", test_check_limits_lists_every_limit);
  g_test_add_func("/core/container-names", test_container_names);
  g_test_add_func("/core/credentials/one-order", test_credentials_resolved_in_one_order);
  g_test_add_func("/core/kling/parse", test_kling_parse);
  g_test_add_func("/core/clamp", test_clamp);
  g_test_add_func("/core/kirin/parse", test_kirin_parse);
  g_test_add_func("/core/kirin/task-failures", test_kirin_task_failures);
  g_test_add_func("/core/kirin/refusals", test_kirin_refusals);
  g_test_add_func("/core/local/prune-session-folders", test_prune_session_folders);
  g_test_add_func("/core/retry/classification", test_retry_classification);
  g_test_add_func("/core/retry/backoff-and-retry-after", test_backoff_and_retry_after);
  g_test_add_func("/core/poll-schedule", test_poll_schedule);
  g_test_add_func("/core/resolve-target", test_resolve_target);
  g_test_add_func("/core/jwt/vector", test_jwt_vector);
  g_test_add_func("/core/jwt/renewal", test_jwt_renewal);
  return g_test_run();
}
