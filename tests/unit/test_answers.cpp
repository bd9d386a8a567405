// SPDX-License-Identifier: LGPL-2.1-or-later
// What the dialects accept from a service, without sockets: bounded size
// and depth, valid UTF-8 only, consistent successes, the submitted task's
// answers only, safe poll URLs; and the retry verdicts, JWT payload and URL
// policy that go with them.
#include <glib.h>
#include <libsoup/soup.h>

#include <string>

#include "base/answer_limits.h"
#include "base/url_policy.h"
#include "model/utf8_text.h"
#include "runtime/http_worker.h"
#include "support/assertions.h"
#include "wire/json_doc.h"
#include "wire/json_util.h"
#include "wire/jwt.h"
#include "wire/kirin_dialect.h"
#include "wire/kling_dialect.h"
#include "wire/retry_policy.h"

using namespace idf;

static std::string repeat(const std::string &s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; i++) out += s;
  return out;
}

static std::string envelope_with_faces(const std::string &faces) {
  return "{\"code\":0,\"message\":\"ok\",\"request_id\":\"r\",\"data\":{\"session_id\":\"s\",\"face_data\":" + faces +
         "}}";
}

static std::string face(const std::string &start, const std::string &end, const std::string &id = "\"f\"") {
  return "{\"face_id\":" + id + ",\"face_image\":\"u\",\"start_time\":" + start + ",\"end_time\":" + end + "}";
}

static Failure kling_failure(const std::string &body, unsigned status = 200) {
  Outcome out = parse_kling_response(body, status);
  if (!std::holds_alternative<Failure>(out)) g_error("accepted as a success: %.200s", body.c_str());
  return std::get<Failure>(out);
}

static Result kling_result(const std::string &body) {
  Outcome out = parse_kling_response(body, 200);
  if (auto *f = std::get_if<Failure>(&out)) g_error("refused (%s): %.200s", f->message.c_str(), body.c_str());
  return std::get<Result>(out);
}

// The text as a JSON string literal.
static std::string json_string(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

static std::string kirin_completed(const std::string &id, const std::string &inner_text) {
  return "{\"id\":\"" + id + "\",\"status\":\"completed\",\"output\":[{\"content\":[{\"type\":\"text\",\"text\":" +
         json_string(inner_text) + "}]}]}";
}

static Failure kirin_failure(const std::string &body, const std::string &expected = "") {
  auto parsed = expected.empty() ? parse_kirin_task(body, 200) : parse_kirin_task(body, 200, expected);
  if (auto *f = std::get_if<Failure>(&parsed)) return *f;
  auto &st = std::get<TaskStatus>(parsed);
  if (auto *f = std::get_if<Failure>(&st.outcome)) return *f;
  g_error("accepted: %.200s", body.c_str());
}

/* ---- size and depth ---- */

static void test_depth_limit() {
  // The crash of the issue: 100,000 levels, through each way in.
  std::string deep = repeat("[", 100000) + repeat("]", 100000);
  Failure f = kling_failure(deep);
  g_assert_true(f.kind == Failure::Kind::Parse);
  assert_contains(f.message, "limit of 64 levels");
  f = kling_failure(envelope_with_faces(deep));
  assert_contains(f.message, "limit of 64 levels");
  f = kirin_failure(kirin_completed("t", envelope_with_faces(deep)));
  assert_contains(f.message, "limit of 64 levels");
  assert_contains(f.message, "result text");
  f = kirin_failure("{\"id\":\"t\",\"status\":" + deep + "}");
  assert_contains(f.message, "limit of 64 levels");

  // Exactly at the limit is read; one more is not.
  auto nested = [](unsigned levels) { return repeat("[", levels) + repeat("]", levels); };
  g_assert_true(json::Doc::check(nested(kMaxAnswerDepth), json::answer_limits()).what.empty());
  auto over = json::Doc::check(nested(kMaxAnswerDepth + 1), json::answer_limits());
  g_assert_true(over.over_limit);
  // Brackets inside strings are not nesting.
  json::Limits two = json::answer_limits();
  two.max_depth = 2;
  g_assert_true(json::Doc::check("[\"" + repeat("[", 1000) + "\"]", two).what.empty());
}

// json-glib is lenient where a naive depth count would be fooled: each of
// these would hide 100,000 levels from a scan that only tracks strings.
static void test_depth_cannot_be_hidden() {
  std::string deep = repeat("[", 100000);
  const std::string tricks[] = {
      "[\"\\u12\", \"" + deep,  // json-glib's \u reads the closing quote
      "/* \" */ " + deep,       // json-glib skips C comments
      "['\"', " + deep,         // and reads single-quoted strings
      "[\"\\",                  // a backslash at the very end
  };
  for (const auto &t : tricks) {
    Failure f = kling_failure(t);
    g_assert_true(f.kind == Failure::Kind::Parse);
    g_assert_true(g_utf8_validate(f.message.c_str(), -1, nullptr));
  }
}

static void test_size_limit() {
  std::string big = "{\"code\":0,\"message\":\"" + std::string(kMaxAnswerBytes, 'x') + "\"}";
  Failure f = kling_failure(big);
  g_assert_true(f.kind == Failure::Kind::Parse);
  assert_contains(f.message, "limit of 4194304 bytes");
  f = kirin_failure(big);
  assert_contains(f.message, "limit of 4194304 bytes");
  // An HTTP error status does not hide the broken limit.
  f = kling_failure(big, 502);
  g_assert_true(f.kind == Failure::Kind::Parse);
}

static void test_value_count_limit() {
  // 250,001 values in 500 KB: refused before anything is built.
  std::string many = "[" + repeat("0,", kMaxAnswerValues) + "0]";
  Failure f = kling_failure(many);
  g_assert_true(f.kind == Failure::Kind::Parse);
  assert_contains(f.message, "limit of 250000 values");
  std::string enough = "[" + repeat("0,", kMaxAnswerValues - 2) + "0]";
  g_assert_true(json::Doc::check(enough, json::answer_limits()).what.empty());
}

// Numbers are read as sent: nothing wraps or rounds silently.
static void test_integers_past_64_bits() {
  Failure f = kling_failure(envelope_with_faces("[" + face("0", "10000000000000000000") + "]"));
  g_assert_true(f.kind == Failure::Kind::Parse);
  assert_contains(f.message, "end_time 10000000000000000000 is not a time in milliseconds");
  Result r = kling_result(
      "{\"code\":0,\"data\":{\"session_id\":123456789012345678901234567890,\"final_unit_deduction\":2.50}}");
  assert_str(r.session_id, "123456789012345678901234567890");
  assert_str(r.final_unit_deduction, "2.50");
  // json-glib wraps them (10000000000000000000 became negative): its
  // callers (json::parse) get them refused.
  std::string error;
  g_assert_null(json::parse(std::string("[10000000000000000000]"), &error));
  assert_contains(error, "does not fit in 64 bits");
  JsonNode *ok = json::parse(std::string("[9223372036854775807,-9223372036854775808]"), &error);
  g_assert_nonnull(ok);
  json_node_unref(ok);
  g_assert_null(json::parse(std::string("[-9223372036854775809]"), &error));
}

/* ---- UTF-8 ---- */

static void assert_valid(const std::string &s) {
  if (!g_utf8_validate(s.data(), (gssize)s.size(), nullptr)) g_error("not valid UTF-8: %s", s.c_str());
}

static void assert_outcome_valid(const Outcome &o) {
  if (auto *f = std::get_if<Failure>(&o)) {
    for (const auto *s : {&f->code, &f->message, &f->request_id, &f->task_id, &f->detail}) assert_valid(*s);
  } else {
    auto &r = std::get<Result>(o);
    for (const auto *s : {&r.session_id, &r.request_id, &r.task_id, &r.final_unit_deduction}) assert_valid(*s);
    for (auto &fc : r.faces) {
      assert_valid(fc.id);
      assert_valid(fc.image);
    }
  }
}

static void test_utf8_only() {
  // json-glib turns a lone surrogate escape into invalid bytes.
  const char *lone = "\\ud800x";
  Outcome o = parse_kling_response(
      std::string("{\"code\":1201,\"message\":\"bad ") + lone + "\",\"request_id\":\"r" + lone + "\"}", 400);
  assert_outcome_valid(o);
  assert_contains(std::get<Failure>(o).message, "bad \xEF\xBF\xBD");  // U+FFFD

  // Text that is not an id is repaired for display.
  o = parse_kling_response(
      "{\"code\":0,\"request_id\":\"r\",\"data\":{\"session_id\":\"s\",\"final_unit_deduction\":\"" +
          std::string(lone) + "\",\"face_data\":[" + face("0", "2000") + "]}}",
      200);
  g_assert_true(std::holds_alternative<Result>(o));
  assert_outcome_valid(o);

  // Raw invalid bytes: the answer is refused, and the refusal is valid text.
  o = parse_kling_response("{\"code\":1201,\"message\":\"\xff\xfe\"}", 400);
  assert_outcome_valid(o);
  o = parse_kling_response("{\"code\":1201,\"message\":\"\xff\xfe\"}", 200);
  assert_outcome_valid(o);

  // Kirin: task id, status, error text and the inner envelope.
  auto parsed = parse_kirin_task(std::string("{\"id\":\"t\",\"status\":\"failed\",\"error\":{\"code\":\"") + lone +
                                     "\",\"error_message\":\"e" + lone + "\"}}",
                                 200);
  auto &st = std::get<TaskStatus>(parsed);
  assert_valid(st.task_id);
  assert_valid(st.status);
  assert_outcome_valid(st.outcome);
  Failure f = kirin_failure(kirin_completed("t", std::string("{\"code\":1201,\"message\":\"m") + lone + "\"}"));
  assert_outcome_valid(f);

  assert_valid(
      quoted_excerpt("a\xff"
                     "b"));
  assert_contains(quoted_excerpt(std::string(100, 'a'), 10), "aaaaaaaaaa\xE2\x80\xA6\"");
}

/* ---- ids ---- */

// An id that is not valid UTF-8 (raw bytes, a lone surrogate escape, NUL)
// names nothing once repaired: the answer is a parse failure naming the
// field, never a success carrying U+FFFD.
static const char *const kBadIdText[] = {"s\xff\xfe", "s\\ud800", "s\\udc00x", "s\\u0000", "\xc3("};

static void expect_bad_id(const Outcome &o, const char *field) {
  auto *f = std::get_if<Failure>(&o);
  if (!f) g_error("an invalid %s was accepted as %s", field, std::get<Result>(o).session_id.c_str());
  if (f->kind != Failure::Kind::Parse) g_error("kind %s for a bad %s", failure_kind_name(f->kind), field);
  assert_contains(f->message, std::string(field) + " is not valid UTF-8");
  assert_outcome_valid(o);
}

static std::string kling_answer(const std::string &request_id, const std::string &session_id,
                                const std::string &face_id) {
  return "{\"code\":0,\"message\":\"ok\",\"request_id\":\"" + request_id + "\",\"data\":{\"session_id\":\"" +
         session_id + "\",\"final_unit_deduction\":\"1\",\"face_data\":[" + face("0", "2000", "\"" + face_id + "\"") +
         "]}}";
}

static void test_kling_ids_must_be_utf8() {
  g_assert_true(std::holds_alternative<Result>(parse_kling_response(kling_answer("r", "s", "f"), 200)));
  for (const char *bad : kBadIdText) {
    expect_bad_id(parse_kling_response(kling_answer("r", bad, "f"), 200), "data.session_id");
    expect_bad_id(parse_kling_response(kling_answer("r", "s", bad), 200), "face_data[0].face_id");
    expect_bad_id(parse_kling_response(kling_answer(bad, "s", "f"), 200), "request_id");
  }
  // A refusal stays the refusal its code says (the retry policy reads it);
  // its request id is dropped, not repaired, and the message says so.
  Failure f = kling_failure("{\"code\":1201,\"message\":\"bad\",\"request_id\":\"r\xff\"}", 400);
  g_assert_true(f.kind == Failure::Kind::Service);
  assert_str(f.code, "1201");
  assert_str(f.request_id, "");
  assert_contains(f.message, "request_id is not valid UTF-8");
}

static void test_kirin_ids_must_be_utf8() {
  for (const char *bad : kBadIdText) {
    std::string body = "{\"id\":\"" + std::string(bad) + "\",\"status\":\"queued\"}";
    auto parsed = parse_kirin_task(body, 200);
    auto *f = std::get_if<Failure>(&parsed);
    if (!f) g_error("task id %s accepted as %s", bad, std::get<TaskStatus>(parsed).task_id.c_str());
    g_assert_true(f->kind == Failure::Kind::Parse);
    assert_contains(f->message, "id is not valid UTF-8");
    assert_str(f->task_id, "");
    body = "{\"task_id\":\"" + std::string(bad) + "\",\"status\":\"completed\"}";
    f = std::get_if<Failure>(&(parsed = parse_kirin_task(body, 200)));
    g_assert_nonnull(f);
    assert_contains(f->message, "task_id is not valid UTF-8");
    // The completed task's inner Kling envelope: its ids too.
    parsed = parse_kirin_task(kirin_completed("t", kling_answer("r", bad, "f")), 200, "t");
    auto &st = std::get<TaskStatus>(parsed);
    expect_bad_id(st.outcome, "data.session_id");
    assert_str(std::get<Failure>(st.outcome).task_id, "t");
    parsed = parse_kirin_task(kirin_completed("t", kling_answer("r", "s", bad)), 200, "t");
    expect_bad_id(std::get<TaskStatus>(parsed).outcome, "face_data[0].face_id");
  }
}

/* ---- consistency ---- */

static void expect_inconsistent(const std::string &body, const char *needle) {
  Failure f = kling_failure(body);
  if (f.kind != Failure::Kind::Parse) g_error("kind %s for %.200s", failure_kind_name(f.kind), body.c_str());
  assert_contains(f.message, needle);
  assert_valid(f.message);
  g_assert_cmpuint(f.http_status, ==, 200);
}

static void test_success_needs_session_and_data() {
  expect_inconsistent("{\"code\":0,\"message\":\"ok\"}", "no \"data\" object");
  expect_inconsistent("{\"code\":0,\"data\":\"x\"}", "data is \"x\"");
  expect_inconsistent("{\"code\":0,\"data\":{\"face_data\":[]}}", "session_id");
  expect_inconsistent("{\"code\":0,\"data\":{\"session_id\":\"\",\"face_data\":[]}}", "session_id");
  expect_inconsistent("{\"code\":0,\"data\":{\"session_id\":null}}", "session_id");
  expect_inconsistent("{\"code\":0,\"data\":{\"session_id\":{}}}", "session_id");
  // No faces found is a success: face_data empty, absent or null.
  g_assert_cmpuint(kling_result(envelope_with_faces("[]")).faces.size(), ==, 0);
  g_assert_cmpuint(kling_result("{\"code\":0,\"data\":{\"session_id\":\"s\"}}").faces.size(), ==, 0);
  g_assert_cmpuint(kling_result(envelope_with_faces("null")).faces.size(), ==, 0);
  expect_inconsistent(envelope_with_faces("\"none\""), "data.face_data is \"none\", not a list");
  expect_inconsistent(envelope_with_faces("{}"), "data.face_data is an object");
}

static void test_faces_must_be_objects_with_ids() {
  std::string ok = face("0", "2000");
  expect_inconsistent(envelope_with_faces("[" + ok + ",1]"), "face_data[1] is 1, not a face object");
  expect_inconsistent(envelope_with_faces("[\"x\"]"), "face_data[0] is \"x\"");
  expect_inconsistent(envelope_with_faces("[null]"), "face_data[0] is null");
  expect_inconsistent(envelope_with_faces("[[]]"), "face_data[0] is an array");
  expect_inconsistent(envelope_with_faces("[{\"start_time\":0,\"end_time\":2000}]"), "face_data[0]: no face_id");
  expect_inconsistent(envelope_with_faces("[" + face("0", "2000", "\"\"") + "]"), "face_id \"\"");
  expect_inconsistent(envelope_with_faces("[" + face("0", "2000", "true") + "]"), "face_id true");
  expect_inconsistent(envelope_with_faces("[" + face("0", "2000", "{}") + "]"), "face_id an object");
  Result r = kling_result(envelope_with_faces("[" + face("0", "2000", "7") + "," + face("0", "2000", "\"b\"") + "]"));
  assert_str(r.faces[0].id, "7");
  assert_str(r.faces[1].id, "b");
}

static void test_times_are_integer_milliseconds() {
  struct {
    const char *value, *shown;
  } bad[] = {
      {"1e19", "1e19"},           {"1e300", "1e300"},       {"-1", "-1"},
      {"-0.5", "-0.5"},           {"100.5", "100.5"},       {"\"abc\"", "\"abc\""},
      {"\"1e400\"", "\"1e400\""}, {"\"0x10\"", "\"0x10\""}, {"\" 5\"", "\" 5\""},
      {"\"-3\"", "\"-3\""},       {"null", "null"},         {"true", "true"},
      {"{}", "an object"},
  };
  for (auto &b : bad) {
    std::string body =
        envelope_with_faces("[" + face("0", "2000") + "," + face("0", "2000") + "," + face("0", b.value) + "]");
    expect_inconsistent(body, (std::string("face_data[2]: end_time ") + b.shown).c_str());
    expect_inconsistent(body, "is not a time in milliseconds");
    expect_inconsistent(envelope_with_faces("[" + face(b.value, "2000") + "]"), "face_data[0]: start_time");
  }
  expect_inconsistent(envelope_with_faces("[{\"face_id\":\"a\",\"start_time\":0}]"), "face_data[0]: no end_time");
  expect_inconsistent(envelope_with_faces("[" + face("5000", "1000") + "]"),
                      "face_data[0]: start_time 5000 is after end_time 1000");

  // Integers in any spelling; end may overshoot the clip (the job clamps).
  Result r = kling_result(envelope_with_faces("[" + face("\"100\"", "2100.0") + "," + face("7", "7") + "," +
                                              face("\"2000.0\"", "1e5") + "," +
                                              face("0", std::to_string(kMaxAnswerTimeMs)) + "]"));
  g_assert_cmpuint(r.faces[0].start_ns, ==, 100 * kNsPerMs);
  g_assert_cmpuint(r.faces[0].end_ns, ==, 2100 * kNsPerMs);
  g_assert_cmpuint(r.faces[1].start_ns, ==, r.faces[1].end_ns);
  g_assert_cmpuint(r.faces[2].end_ns, ==, 100000 * kNsPerMs);
  g_assert_cmpuint(r.faces[3].end_ns, ==, (uint64_t)kMaxAnswerTimeMs * kNsPerMs);
  expect_inconsistent(envelope_with_faces("[" + face("0", std::to_string(kMaxAnswerTimeMs + 1)) + "]"),
                      "is not a time in milliseconds");
}

/* ---- Kirin: the submitted task only ---- */

static void test_poll_answer_is_about_the_task() {
  std::string inner = envelope_with_faces("[" + face("0", "2000") + "]");
  Failure f = kirin_failure(kirin_completed("other", inner), "t-1");
  g_assert_true(f.kind == Failure::Kind::Parse);
  assert_contains(f.message, "about task \"other\", not the submitted task \"t-1\"");
  assert_str(f.task_id, "t-1");

  auto ok = std::get<TaskStatus>(parse_kirin_task(kirin_completed("t-1", inner), 200, "t-1"));
  g_assert_true(std::holds_alternative<Result>(ok.outcome));
  assert_str(std::get<Result>(ok.outcome).task_id, "t-1");

  // No id in the answer: the poll URL named the task.
  auto bare = std::get<TaskStatus>(parse_kirin_task("{\"status\":\"processing\"}", 200, "t-1"));
  assert_str(bare.task_id, "t-1");

  // Numbers as ids compare as their text.
  auto num = parse_kirin_task("{\"id\":42,\"status\":\"processing\"}", 200, "42");
  g_assert_true(std::holds_alternative<TaskStatus>(num));
}

static void test_task_ids_that_cannot_name_a_task() {
  for (const char *id : {"..", "."}) {
    Failure f = kirin_failure(std::string("{\"task_id\":\"") + id + "\",\"status\":\"pending\"}");
    g_assert_true(f.kind == Failure::Kind::Parse);
    assert_contains(f.message, "relative path segment");
  }
  Failure f = kirin_failure("{\"task_id\":\"" + std::string(kMaxTaskIdBytes + 1, 'a') + "\",\"status\":\"pending\"}");
  assert_contains(f.message, "limit of 256");
  g_assert_true(std::holds_alternative<TaskStatus>(
      parse_kirin_task("{\"task_id\":\"" + std::string(kMaxTaskIdBytes, 'a') + "\",\"status\":\"pending\"}", 200)));
}

// What libsoup puts on the request line for this URL.
static std::string request_path(const std::string &url) {
  SoupMessage *msg = soup_message_new("GET", url.c_str());
  g_assert_nonnull(msg);
  std::string path = g_uri_get_path(soup_message_get_uri(msg));
  g_object_unref(msg);
  return path;
}

static void test_poll_url_keeps_the_task_segment() {
  // URI normalization removes "." and ".." segments, escaped or not: a task
  // id like that would poll another path, so no URL is made for it.
  assert_str(request_path("https://h/gen/task/.."), "/gen/");
  assert_str(request_path("https://h/gen/task/%2E%2E"), "/gen/");
  assert_str(kirin_poll_url("", "https://h/gen", ".."), "");
  assert_str(kirin_poll_url("", "https://h/gen", "."), "");
  g_assert_false(kirin_task_id_problem("..").empty());
  // Everything else stays inside its one segment.
  assert_str(request_path(kirin_poll_url("", "https://h/gen", "...")), "/gen/task/...");
  assert_str(request_path(kirin_poll_url("", "https://h/gen", "../../admin")), "/gen/task/..%2F..%2Fadmin");
  assert_str(request_path(kirin_poll_url("", "https://h/gen", "a?b#c")), "/gen/task/a%3Fb%23c");
  assert_str(request_path(kirin_poll_url("https://h/t/{task_id}/status", "", "a/..")), "/t/a%2F../status");
}

/* ---- retries ---- */

static void test_timeout_before_written_is_retried() {
  // Nothing was written (DNS, connect, TLS handshake): nothing can be billed.
  g_assert_true(classify_transport_failure(RequestKind::Submission, false, true) == Verdict::Retry);
  g_assert_true(classify_transport_failure(RequestKind::Submission, true, true) == Verdict::Ambiguous);
  g_assert_true(classify_transport_failure(RequestKind::Submission, true, false) == Verdict::Ambiguous);
  HttpResponse timeout;
  timeout.error = HttpResponse::Error::Timeout;
  g_assert_true(classify_response_error(RequestKind::Submission, timeout) == Verdict::Retry);
  timeout.request_sent = true;
  g_assert_true(classify_response_error(RequestKind::Submission, timeout) == Verdict::Ambiguous);
}

static void test_tls_and_redirect_errors_not_retried() {
  for (RequestKind kind : {RequestKind::Submission, RequestKind::Poll, RequestKind::Probe}) {
    HttpResponse r;
    r.error = HttpResponse::Error::Tls;
    g_assert_true(classify_response_error(kind, r) == Verdict::Permanent);
    r.error = HttpResponse::Error::Redirect;
    g_assert_true(classify_response_error(kind, r) == Verdict::Permanent);
    r.error = HttpResponse::Error::Transport;
    g_assert_true(classify_response_error(kind, r) == Verdict::Retry);
  }
  HttpResponse big;
  big.error = HttpResponse::Error::TooLarge;
  big.request_sent = true;
  g_assert_true(classify_response_error(RequestKind::Submission, big) == Verdict::Ambiguous);
  g_assert_true(classify_response_error(RequestKind::Poll, big) == Verdict::Permanent);

  assert_contains(describe_tls_errors(G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_EXPIRED),
                  "unknown or untrusted authority, it has expired");
  assert_contains(describe_tls_errors(G_TLS_CERTIFICATE_BAD_IDENTITY), "does not name this host");
}

/* ---- credentials ---- */

static void test_jwt_payload_is_json() {
  // Signature computed independently (Python: json.dumps with
  // ensure_ascii=False and separators (',', ':'), hmac, hashlib).
  std::string iss = "cl\xC3\xA9-\"q\"\\\xC3\xBC\xE6\xBC\xA2";  // clé-"q"\ü漢
  std::string jwt = jwt_hs256(iss, 1700001800, 1699999995, "test-secret");
  assert_str(jwt,
             "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
             "eyJpc3MiOiJjbMOpLVwicVwiXFzDvOa8oiIsImV4cCI6MTcwMDAwMTgwMCwibmJmIjoxNjk5OTk5OTk1fQ."
             "beBlx7DwaT0atSDFBo3wiykRKCMOZc2Ma_zapq4xcjo");
}

static void test_secrets_in_clear() {
  g_assert_true(url_sends_secrets_in_clear("http://api.example.com/v1"));
  g_assert_true(url_sends_secrets_in_clear("HTTP://10.0.0.5:8080/v1"));
  g_assert_false(url_sends_secrets_in_clear("https://api.example.com/v1"));
  g_assert_false(url_sends_secrets_in_clear("http://127.0.0.1:8080/v1"));
  g_assert_false(url_sends_secrets_in_clear("http://127.3.2.1/v1"));
  g_assert_false(url_sends_secrets_in_clear("http://localhost:9/v1"));
  g_assert_false(url_sends_secrets_in_clear("http://[::1]:9/v1"));
  g_assert_false(url_sends_secrets_in_clear("not a url"));
  g_assert_true(same_origin("https://a.example/x", "https://a.example:443/y?z"));
  g_assert_false(same_origin("https://a.example/x", "http://a.example/x"));
  g_assert_false(same_origin("https://a.example/x", "https://a.example:8443/x"));
  g_assert_false(same_origin("https://a.example/x", "https://b.example/x"));
  assert_str(loggable_url("https://h/p?sig=secret#f"), "https://h/p");
}

/* ---- messages ---- */

static void test_failures_carry_detail() {
  Failure f = kling_failure("<html>bad gateway</html>", 502);
  g_assert_true(f.kind == Failure::Kind::Http);
  assert_str(f.message, "HTTP 502 Bad Gateway");
  assert_contains(f.detail, "HTTP 502 Bad Gateway");
  f = kling_failure("{\"code\":0", 200);
  assert_contains(f.message, "not a JSON object");
  g_assert_false(f.detail.empty());
  f = kling_failure(envelope_with_faces("[1]"));
  assert_contains(f.detail, "HTTP 200");
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/answers/limits/depth", test_depth_limit);
  g_test_add_func("/answers/limits/depth-cannot-be-hidden", test_depth_cannot_be_hidden);
  g_test_add_func("/answers/limits/size", test_size_limit);
  g_test_add_func("/answers/limits/values", test_value_count_limit);
  g_test_add_func("/answers/limits/integers-past-64-bits", test_integers_past_64_bits);
  g_test_add_func("/answers/utf8-only", test_utf8_only);
  g_test_add_func("/answers/ids/kling", test_kling_ids_must_be_utf8);
  g_test_add_func("/answers/ids/kirin", test_kirin_ids_must_be_utf8);
  g_test_add_func("/answers/consistent/session-and-data", test_success_needs_session_and_data);
  g_test_add_func("/answers/consistent/faces", test_faces_must_be_objects_with_ids);
  g_test_add_func("/answers/consistent/times", test_times_are_integer_milliseconds);
  g_test_add_func("/answers/kirin/about-the-task", test_poll_answer_is_about_the_task);
  g_test_add_func("/answers/kirin/task-ids", test_task_ids_that_cannot_name_a_task);
  g_test_add_func("/answers/kirin/poll-url-dot-segments", test_poll_url_keeps_the_task_segment);
  g_test_add_func("/answers/retry/timeout-before-written", test_timeout_before_written_is_retried);
  g_test_add_func("/answers/retry/tls-and-redirects", test_tls_and_redirect_errors_not_retried);
  g_test_add_func("/answers/jwt-payload-is-json", test_jwt_payload_is_json);
  g_test_add_func("/answers/secrets-in-clear", test_secrets_in_clear);
  g_test_add_func("/answers/failure-detail", test_failures_carry_detail);
  return g_test_run();
}
