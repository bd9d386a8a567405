// SPDX-License-Identifier: LGPL-2.1-or-later
// The HTTP worker against the in-process fake: answers bounded after
// decoding (gzip bombs too), redirects refused or followed within bounds,
// TLS certificate errors explained and a private CA trusted per request,
// and a request that timed out before it was written told apart.
#include <gst/gst.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "base/answer_limits.h"
#include "runtime/http_worker.h"
#include "support/assertions.h"
#include "support/fake_service.h"
#include "support/test_certs.h"
#include "wire/retry_policy.h"

using namespace idf;

static TestCerts g_certs;

// Sends on the worker thread and waits for the answer.
// One request on the shared worker, answered through a callback.
struct Exchange {
  std::mutex m;
  std::condition_variable cv;
  std::optional<HttpResponse> resp;
  std::string what;  // for the failure message
};

static std::shared_ptr<Exchange> start_exchange(const HttpRequest &req) {
  auto ex = std::make_shared<Exchange>();
  ex->what = req.method + " " + req.url;
  HttpWorker &worker = HttpWorker::get();
  worker.post([&worker, req, ex] {
    worker.send(req, nullptr, [ex](HttpResponse r) {
      std::lock_guard<std::mutex> g(ex->m);
      ex->resp = std::move(r);
      ex->cv.notify_one();
    });
  });
  return ex;
}

static HttpResponse wait_for_answer(const std::shared_ptr<Exchange> &ex) {
  std::unique_lock<std::mutex> lk(ex->m);
  if (!ex->cv.wait_for(lk, std::chrono::seconds(20), [&] { return ex->resp.has_value(); }))
    g_error("no answer from the worker for %s", ex->what.c_str());
  return *ex->resp;
}

static HttpResponse send_and_wait(const HttpRequest &req) {
  return wait_for_answer(start_exchange(req));
}

static HttpRequest get(const std::string &url) {
  HttpRequest req;
  req.url = url;
  req.timeout_s = 10;
  return req;
}

static HttpRequest post(const std::string &url) {
  HttpRequest req = get(url);
  req.method = "POST";
  req.content_type = "application/json";
  req.body = "{\"video_url\":\"https://cdn.example/c.mp4\"}";
  req.headers.push_back({"Authorization", "Bearer secret-key"});
  req.new_connection = true;
  return req;
}

/* ---- bounded answers ---- */

static void test_body_at_and_over_the_limit() {
  FakeService svc;
  svc.script("GET /exact", {CannedResponse::json(200, std::string(kMaxAnswerBytes, 'a'))});
  svc.script("GET /over", {CannedResponse::json(200, std::string(kMaxAnswerBytes + 1, 'a'))});
  HttpResponse exact = send_and_wait(get(svc.url("/exact")));
  g_assert_true(exact.error == HttpResponse::Error::None);
  g_assert_cmpuint(exact.body.size(), ==, kMaxAnswerBytes);

  HttpResponse over = send_and_wait(get(svc.url("/over")));
  g_assert_true(over.error == HttpResponse::Error::TooLarge);
  assert_contains(over.error_text, "limit of 4194304 bytes");
  g_assert_cmpuint(over.body.size(), ==, 0);
  g_assert_cmpuint(over.status, ==, 200);
  assert_contains(over.detail, "GET http://127.0.0.1");
}

// No Content-Length: reading stops at the limit and the connection is cut
// (closing the stream would otherwise drain an endless body).
static void test_endless_chunked_body_is_cut() {
  FakeService svc;
  svc.script("GET /endless", {CannedResponse::stream(std::string(64 * 1024, 'x'), 0)});
  HttpResponse r = send_and_wait(get(svc.url("/endless")));
  g_assert_true(r.error == HttpResponse::Error::TooLarge);
  assert_contains(r.error_text, "(decoded); reading stopped there");
  g_assert_true(svc.wait_streams_ended(1, 5000));
  uint64_t sent = svc.streamed_bytes();
  g_usleep(200 * 1000);
  g_assert_cmpuint(svc.streamed_bytes(), ==, sent);

  // A chunked body under the limit arrives whole.
  svc.script("GET /chunks", {CannedResponse::stream("0123456789", 1000)});
  HttpResponse ok = send_and_wait(get(svc.url("/chunks")));
  g_assert_true(ok.error == HttpResponse::Error::None);
  g_assert_cmpuint(ok.body.size(), ==, 10000);
}

static void test_gzip_bomb_is_bounded_after_decoding() {
  FakeService svc;
  // 16 MiB of zeros is about 16 KB gzipped: a thousandfold inflation.
  CannedResponse bomb = CannedResponse::gzip(200, std::string(16u << 20, '0'));
  g_assert_cmpuint(bomb.body.size(), <, 64 * 1024);
  svc.script("GET /bomb", {bomb});
  HttpResponse r = send_and_wait(get(svc.url("/bomb")));
  g_assert_true(r.error == HttpResponse::Error::TooLarge);
  assert_contains(r.error_text, "limit of 4194304 bytes (decoded)");

  // The content decoder does run: a small gzip answer arrives decoded.
  std::string json = "{\"code\":0,\"data\":{\"session_id\":\"s\"}}";
  svc.script("GET /small", {CannedResponse::gzip(200, json)});
  HttpResponse small = send_and_wait(get(svc.url("/small")));
  g_assert_true(small.error == HttpResponse::Error::None);
  g_assert_cmpstr(small.body.c_str(), ==, json.c_str());
}

/* ---- redirects ---- */

static void test_submission_never_redirected() {
  for (unsigned status : {301u, 302u, 303u, 307u, 308u}) {
    FakeService svc;
    svc.script("POST /submit", {CannedResponse::redirect(status, svc.url("/elsewhere"))});
    svc.script("GET /elsewhere", {CannedResponse::json(200, "{\"code\":0}")});
    svc.script("POST /elsewhere", {CannedResponse::json(200, "{\"code\":0}")});
    HttpResponse r = send_and_wait(post(svc.url("/submit")));
    g_assert_true(r.error == HttpResponse::Error::Redirect);
    assert_contains(r.error_text, "the answer to the POST is a redirect (HTTP " + std::to_string(status) + ")");
    assert_contains(r.error_text, "/elsewhere");
    assert_contains(r.error_text, "nothing was resent");
    g_assert_cmpuint(r.status, ==, status);
    g_assert_true(classify_response_error(RequestKind::Submission, r) == Verdict::Permanent);
    g_assert_cmpuint(svc.count("POST /submit"), ==, 1);
    g_assert_cmpuint(svc.count("GET /elsewhere") + svc.count("POST /elsewhere"), ==, 0);
  }
}

static void test_poll_follows_same_origin_redirects() {
  FakeService svc;
  svc.script("GET /task/1", {CannedResponse::redirect(302, "/v2/task/1")});
  svc.script("GET /v2/task/1", {CannedResponse::redirect(307, svc.url("/v3/task/1?x=1"))});
  svc.script("GET /v3/task/1", {CannedResponse::json(200, "{\"status\":\"processing\"}")});
  HttpRequest req = get(svc.url("/task/1"));
  req.headers.push_back({"Authorization", "Bearer secret-key"});
  HttpResponse r = send_and_wait(req);
  g_assert_true(r.error == HttpResponse::Error::None);
  g_assert_cmpstr(r.body.c_str(), ==, "{\"status\":\"processing\"}");
  g_assert_cmpuint(r.redirects, ==, 2);
  auto reqs = svc.requests();
  g_assert_cmpuint(reqs.size(), ==, 3);
  g_assert_cmpstr(reqs[2].headers["authorization"].c_str(), ==, "Bearer secret-key");
}

static void test_redirect_loop_is_bounded() {
  FakeService svc;
  svc.script("GET /loop", {CannedResponse::redirect(302, "/loop")});
  HttpRequest req = get(svc.url("/loop"));
  req.headers.push_back({"Authorization", "Bearer secret-key"});
  HttpResponse r = send_and_wait(req);
  g_assert_true(r.error == HttpResponse::Error::Redirect);
  assert_contains(r.error_text, "more than 4 redirects");
  g_assert_cmpuint(svc.count("GET /loop"), ==, kMaxRedirects + 1);
  g_assert_true(classify_response_error(RequestKind::Poll, r) == Verdict::Permanent);

  svc.script("GET /ftp", {CannedResponse::redirect(301, "ftp://127.0.0.1/x")});
  r = send_and_wait(get(svc.url("/ftp")));
  g_assert_true(r.error == HttpResponse::Error::Redirect);
  assert_contains(r.error_text, "not an http(s) URL");
}

static void test_credentials_stay_on_their_origin() {
  FakeService api, other;
  api.script("GET /task/1", {CannedResponse::redirect(302, other.url("/steal"))});
  other.script("GET /steal", {CannedResponse::json(200, "{}")});
  HttpRequest req = get(api.url("/task/1"));
  req.headers.push_back({"Authorization", "Bearer secret-key"});
  HttpResponse r = send_and_wait(req);
  g_assert_true(r.error == HttpResponse::Error::Redirect);
  assert_contains(r.error_text, "another origin");
  assert_contains(r.error_text, other.url("/steal"));
  g_assert_cmpuint(other.requests().size(), ==, 0);

  // Without credentials (the clip's size probe) a CDN may send us elsewhere.
  api.script("HEAD /clip.mp4", {CannedResponse::redirect(302, other.url("/clip.mp4?sig=1"))});
  other.script("HEAD /clip.mp4", {CannedResponse::json(200, "")});
  HttpRequest head = get(api.url("/clip.mp4"));
  head.method = "HEAD";
  HttpResponse h = send_and_wait(head);
  g_assert_true(h.error == HttpResponse::Error::None);
  g_assert_cmpuint(h.status, ==, 200);
  g_assert_cmpuint(other.count("HEAD /clip.mp4"), ==, 1);
  g_assert_true(other.requests()[0].headers.count("authorization") == 0);
}

/* ---- TLS ---- */

static FakeServiceOptions tls(const std::string &pem, const std::string &key) {
  FakeServiceOptions o;
  o.tls_cert_file = pem;
  o.tls_key_file = key;
  return o;
}

static void test_tls_unknown_ca_not_retried() {
  FakeService svc(tls(g_certs.server_pem, g_certs.server_key));
  svc.script("POST /submit", {CannedResponse::json(200, "{\"code\":0}")});
  // A named string: GLib 2.76+ makes g_str_has_prefix a macro that keeps its
  // argument's pointer past the statement that made it, and a temporary's
  // c_str() then dangles.
  const std::string base = svc.url("/");
  g_assert_true(g_str_has_prefix(base.c_str(), "https://"));
  HttpResponse r = send_and_wait(post(svc.url("/submit")));
  g_assert_true(r.error == HttpResponse::Error::Tls);
  assert_contains(r.error_text, "TLS certificate of 127.0.0.1:");
  assert_contains(r.error_text, "unknown or untrusted authority");
  assert_contains(r.error_text, "set ssl-ca-file");
  g_assert_true(r.tls_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_false(r.request_sent);
  g_assert_true(classify_response_error(RequestKind::Submission, r) == Verdict::Permanent);
  g_assert_true(classify_response_error(RequestKind::Poll, r) == Verdict::Permanent);
  g_assert_cmpuint(svc.requests().size(), ==, 0);
}

static void test_tls_private_ca_per_request() {
  FakeService svc(tls(g_certs.server_pem, g_certs.server_key));
  svc.script("GET /task/1", {CannedResponse::json(200, "{\"status\":\"processing\"}")});
  HttpRequest req = get(svc.url("/task/1"));
  req.ca_file = g_certs.ca_pem;
  for (int i = 0; i < 2; i++) {  // the second one from the cache of CA files
    HttpResponse r = send_and_wait(req);
    g_assert_true(r.error == HttpResponse::Error::None);
    g_assert_cmpuint(r.status, ==, 200);
  }
  // The trust is this request's: another one without the file is refused,
  // even though a connection to that server was just made.
  HttpResponse plain = send_and_wait(get(svc.url("/task/1")));
  g_assert_true(plain.error == HttpResponse::Error::Tls);
  g_assert_cmpuint(svc.count("GET /task/1"), ==, 2);
}

// Each element may name its own CA file: the worker keeps a bounded number
// loaded, not every file the process ever met, and each still works.
static void test_ca_files_kept_are_bounded() {
  FakeService svc(tls(g_certs.server_pem, g_certs.server_key));
  svc.script("GET /task/1", {CannedResponse::json(200, "{\"status\":\"processing\"}")});
  gchar *pem = nullptr;
  gsize len = 0;
  g_assert_true(g_file_get_contents(g_certs.ca_pem.c_str(), &pem, &len, nullptr));
  const size_t files = 3 * HttpWorker::kMaxCaDatabases;
  for (size_t i = 0; i < files; i++) {
    std::string copy = g_certs.dir + "/ca-copy-" + std::to_string(i) + ".pem";
    g_assert_true(g_file_set_contents(copy.c_str(), pem, (gssize)len, nullptr));
    HttpRequest req = get(svc.url("/task/1"));
    req.ca_file = copy;
    HttpResponse r = send_and_wait(req);
    g_assert_true(r.error == HttpResponse::Error::None);
    g_assert_cmpuint(HttpWorker::get().ca_databases_loaded(), <=, HttpWorker::kMaxCaDatabases);
  }
  g_free(pem);
  g_assert_cmpuint(svc.count("GET /task/1"), ==, files);
}

static void test_tls_private_ca_checks_the_name() {
  FakeService svc(tls(g_certs.other_pem, g_certs.other_key));
  svc.script("GET /task/1", {CannedResponse::json(200, "{}")});
  HttpRequest req = get(svc.url("/task/1"));
  req.ca_file = g_certs.ca_pem;
  HttpResponse r = send_and_wait(req);
  g_assert_true(r.error == HttpResponse::Error::Tls);
  assert_contains(r.error_text, "TLS certificate");
  assert_contains(r.error_text, "does not name this host");
  assert_contains(r.error_text, "ssl-ca-file \"" + g_certs.ca_pem + "\" does not vouch for it");
  g_assert_cmpuint(svc.requests().size(), ==, 0);
}

static void test_tls_unusable_ca_file() {
  FakeService svc(tls(g_certs.server_pem, g_certs.server_key));
  HttpRequest req = post(svc.url("/submit"));
  req.ca_file = g_certs.dir + "/missing.pem";
  HttpResponse r = send_and_wait(req);
  g_assert_true(r.error == HttpResponse::Error::Tls);
  assert_contains(r.error_text, "ssl-ca-file \"" + req.ca_file + "\" cannot be read");
  req.ca_file = g_certs.server_key;  // a key, not a certificate
  r = send_and_wait(req);
  g_assert_true(r.error == HttpResponse::Error::Tls);
  assert_contains(r.error_text, "ssl-ca-file");
  g_assert_cmpuint(svc.requests().size(), ==, 0);
}

/* ---- timeouts ---- */

static void test_timeout_before_written_is_retried() {
  // Written, then no answer: it may have been billed.
  FakeService svc;
  svc.script("POST /submit", {CannedResponse::hang()});
  HttpRequest written = post(svc.url("/submit"));
  written.timeout_s = 1;
  auto written_exchange = start_exchange(written);
  g_assert_true(svc.wait_for("POST /submit", 1, 10000));
  // Meanwhile the TLS handshake never completes: that submission was never
  // written. (Started once the first is written: loading the TLS backend may
  // hold the worker for a while on a slow build.) One second of waiting for
  // both, not two.
  SilentListener silent;
  HttpRequest never_written = post(silent.url("https", "/submit"));
  never_written.timeout_s = 1;
  HttpResponse r = send_and_wait(never_written);
  g_assert_true(r.error == HttpResponse::Error::Timeout);
  g_assert_false(r.request_sent);
  g_assert_true(classify_response_error(RequestKind::Submission, r) == Verdict::Retry);

  r = wait_for_answer(written_exchange);
  g_assert_true(r.error == HttpResponse::Error::Timeout);
  g_assert_true(r.request_sent);
  g_assert_true(classify_response_error(RequestKind::Submission, r) == Verdict::Ambiguous);
}

int main(int argc, char **argv) {
  // The worker logs through GStreamer's debug system; no plugin is needed
  // (loading the system's would only slow sanitizer builds down).
  g_setenv("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv("GST_PLUGIN_PATH_1_0", "", TRUE);
  g_setenv("GST_REGISTRY_1_0", "", TRUE);
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_certs = make_test_certs();
  g_test_add_func("/http/limit/at-and-over", test_body_at_and_over_the_limit);
  g_test_add_func("/http/limit/endless-chunked", test_endless_chunked_body_is_cut);
  g_test_add_func("/http/limit/gzip-bomb", test_gzip_bomb_is_bounded_after_decoding);
  g_test_add_func("/http/redirect/submission-never", test_submission_never_redirected);
  g_test_add_func("/http/redirect/poll-same-origin", test_poll_follows_same_origin_redirects);
  g_test_add_func("/http/redirect/loop", test_redirect_loop_is_bounded);
  g_test_add_func("/http/redirect/credentials-stay", test_credentials_stay_on_their_origin);
  g_test_add_func("/http/tls/unknown-ca", test_tls_unknown_ca_not_retried);
  g_test_add_func("/http/tls/private-ca", test_tls_private_ca_per_request);
  g_test_add_func("/http/tls/private-ca-checks-name", test_tls_private_ca_checks_the_name);
  g_test_add_func("/http/tls/unusable-ca-file", test_tls_unusable_ca_file);
  g_test_add_func("/http/tls/ca-files-bounded", test_ca_files_kept_are_bounded);
  g_test_add_func("/http/timeout-before-written", test_timeout_before_written_is_retried);
  int rc = g_test_run();
  remove_test_certs(g_certs);
  return rc;
}
