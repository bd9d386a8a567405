// SPDX-License-Identifier: LGPL-2.1-or-later
// The lip-sync over HTTP: the production job (HTTP worker, admission)
// against the in-process fake of both lip-sync dialects, with its failure
// switches; and the fake's result video.
#include <glib.h>
#include <gst/gst.h>
#include <libsoup/soup.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "job/job.h"
#include "runtime/production_deps.h"
#include "support/fake_lipsync.h"
#include "support/test_util.h"  // also gives the process a fresh cache folder

using namespace idf;

namespace {

void assert_str(const std::string &got, const std::string &want) {
  if (got != want) g_error("\"%s\" != \"%s\"", got.c_str(), want.c_str());
}

void assert_contains(const std::string &text, const char *needle) {
  if (text.find(needle) == std::string::npos) g_error("\"%s\" not found in \"%s\"", needle, text.c_str());
}

struct Outcome_ {
  std::mutex lock;
  std::condition_variable cond;
  std::optional<Outcome> outcome;
};

Outcome run_lipsync(Provider provider, const std::string &api_url) {
  JobConfig cfg;
  cfg.provider = provider;
  cfg.api_url = api_url;
  cfg.model = kKirinLipsyncDefaultModel;
  cfg.authorization = [](int64_t) { return std::string("Bearer fake-key"); };
  cfg.credential = "fake-key";
  cfg.requester = "lipsync-test";
  cfg.poll_interval_ms = 50;
  cfg.poll_interval_max_ms = 50;
  cfg.timeout_s = 60;
  LipsyncRequest r;
  r.session_id = "demo-session";
  r.face_id = "0";
  r.audio = {LipsyncAudio::Kind::Url, "https://cdn.test/dub.mp3"};
  r.audio_end_ns = 3 * kNsPerSecond;
  cfg.lipsync = r;
  auto state = std::make_shared<Outcome_>();
  JobListener listener;
  listener.done = [state](const Outcome &o) {
    std::lock_guard<std::mutex> g(state->lock);
    state->outcome = o;
    state->cond.notify_all();
  };
  auto job = Job::start(cfg, listener, production_job_deps());
  std::unique_lock<std::mutex> lk(state->lock);
  auto limit = std::chrono::duration<double>(60 * test_slowdown());
  if (!state->cond.wait_for(lk, limit, [&] { return state->outcome.has_value(); })) g_error("no outcome in time");
  Outcome out = *state->outcome;
  lk.unlock();
  job->cancel();
  return out;
}

std::string fetch(const std::string &url) {
  SoupSession *session = soup_session_new();
  SoupMessage *msg = soup_message_new("GET", url.c_str());
  GBytes *bytes = soup_session_send_and_read(session, msg, nullptr, nullptr);
  g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
  gsize len = 0;
  const char *data = (const char *)g_bytes_get_data(bytes, &len);
  std::string out(data, len);
  g_bytes_unref(bytes);
  g_object_unref(msg);
  g_object_unref(session);
  return out;
}

void test_end_to_end(gconstpointer data) {
  bool kirin = GPOINTER_TO_INT(data);
  FakeService svc;
  FakeLipsyncOptions options;
  options.kirin = kirin;
  options.processing_polls = 2;
  FakeLipsync fake = install_fake_lipsync(svc, options);
  Outcome out = run_lipsync(kirin ? Provider::Kirin : Provider::Kling, fake.api_url);
  if (auto *f = std::get_if<Failure>(&out)) g_error("lip-sync failed: %s", f->message.c_str());
  const Result &r = std::get<Result>(out);
  assert_str(r.task_id, "lipsync-1");
  g_assert_cmpuint(r.videos.size(), ==, 1);
  assert_str(r.videos[0].url, fake.video_url.c_str());
  g_assert_cmpuint(r.videos[0].duration_ns, ==, 5 * kNsPerSecond);
  std::string base = kirin ? "/model/v1/generation" : "/kling/v1/videos/advanced-lip-sync";
  g_assert_cmpuint(svc.count("POST " + base), ==, 1);
  g_assert_cmpuint(svc.count(kirin ? "GET " + base + "/task/lipsync-1" : "GET " + base + "/lipsync-1"), ==, 3);
  // What the service was sent.
  std::string body = svc.requests()[0].body;
  assert_contains(body, R"("session_id":"demo-session","face_choose":[{"face_id":"0","sound_file":)");
  if (kirin) assert_contains(body, R"("model":"kirin_lipsync")");
  assert_str(svc.requests()[0].headers["authorization"], "Bearer fake-key");
  // The result video is served.
  std::string video = fetch(r.videos[0].url);
  g_assert_cmpuint(video.size(), ==, options.video_bytes);
  g_assert_true(video == fake.video);
}

void test_1303_then_accepted() {
  FakeService svc;
  FakeLipsyncOptions options;
  options.submit_codes = {"1303"};
  FakeLipsync fake = install_fake_lipsync(svc, options);
  Outcome out = run_lipsync(Provider::Kling, fake.api_url);
  if (auto *f = std::get_if<Failure>(&out)) g_error("lip-sync failed: %s", f->message.c_str());
  g_assert_cmpuint(svc.count("POST /kling/v1/videos/advanced-lip-sync"), ==, 2);
  assert_str(std::get<Result>(out).task_id, "lipsync-2");
}

void test_failed_task(gconstpointer data) {
  bool kirin = GPOINTER_TO_INT(data);
  FakeService svc;
  FakeLipsyncOptions options;
  options.kirin = kirin;
  options.task_failure = "no mouth moved: the face is too small";
  FakeLipsync fake = install_fake_lipsync(svc, options);
  Outcome out = run_lipsync(kirin ? Provider::Kirin : Provider::Kling, fake.api_url);
  const Failure &f = std::get<Failure>(out);
  assert_contains(f.message, "no mouth moved: the face is too small");
  assert_str(f.task_id, "lipsync-1");
}

void test_reset_submission_is_not_resent() {
  FakeService svc;
  FakeLipsyncOptions options;
  options.reset_submission = true;
  FakeLipsync fake = install_fake_lipsync(svc, options);
  Outcome out = run_lipsync(Provider::Kling, fake.api_url);
  const Failure &f = std::get<Failure>(out);
  g_assert_true(f.kind == Failure::Kind::Ambiguous);
  g_assert_cmpuint(svc.count("POST /kling/v1/videos/advanced-lip-sync"), ==, 1);
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_test_add_data_func("/lipsync-fake/kling/end-to-end", GINT_TO_POINTER(0), test_end_to_end);
  g_test_add_data_func("/lipsync-fake/kirin/end-to-end", GINT_TO_POINTER(1), test_end_to_end);
  g_test_add_func("/lipsync-fake/kling/1303-then-accepted", test_1303_then_accepted);
  g_test_add_data_func("/lipsync-fake/kling/failed-task", GINT_TO_POINTER(0), test_failed_task);
  g_test_add_data_func("/lipsync-fake/kirin/failed-task", GINT_TO_POINTER(1), test_failed_task);
  g_test_add_func("/lipsync-fake/kling/reset-submission-not-resent", test_reset_submission_is_not_resent);
  return g_test_run();
}
