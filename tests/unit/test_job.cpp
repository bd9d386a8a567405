// SPDX-License-Identifier: LGPL-2.1-or-later
// Job policy on a manual loop and a scripted transport: retries, backoff,
// Retry-After, submissions that may have been billed, the poll schedule,
// the deadline, cancellation in every state and JWT renewal. No socket, no
// thread, no sleep: time moves only when a test advances it.
#include <glib.h>
#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "job/job.h"
#include "runtime/http_worker.h"
#include "support/answer_fuzz.h"
#include "support/job_fixture.h"
#include "wire/jwt.h"

using namespace idf;
using namespace jobtest;

namespace {

/* ---- kling ---- */

void test_kling_success() {
  Run run;
  run.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
  run.start();
  g_assert_true(run.finish_within_s(1));
  const Result &r = run.result();
  g_assert_cmpstr(r.session_id.c_str(), ==, "s-1");
  g_assert_cmpstr(r.provider.c_str(), ==, "kling");
  g_assert_cmpuint(r.faces.size(), ==, 1);
  g_assert_cmpuint(r.faces[0].end_ns, ==, 5 * kNsPerSecond);
  g_assert_cmpuint(run.transport.count("POST"), ==, 1);
  const SentRequest &post = run.transport.sent()[0];
  g_assert_cmpstr(post.request.url.c_str(), ==, "https://api.test/kling/identify");
  g_assert_cmpstr(post.request.body.c_str(), ==, R"({"video_url":"https://cdn.test/clip.mp4"})");
  const std::string authorization = post.header("Authorization");
  g_assert_cmpstr(authorization.c_str(), ==, "Bearer key-1");
  g_assert_true(post.request.new_connection);  // never on a kept-alive connection
  g_assert_cmpuint(run.progress.size(), ==, 2);
  g_assert_cmpstr(run.progress[0].phase.c_str(), ==, "submitting");
  g_assert_cmpstr(run.progress[1].phase.c_str(), ==, "complete");
  g_assert_true(run.job->submitted());
  g_assert_cmpint(run.done_calls, ==, 1);
}

/* ---- retry classes ---- */

struct RetryCase {
  const char *name;
  ScriptedReply refusal;
};

void test_transient_failures_are_retried() {
  const RetryCase cases[] = {
      {"429", ScriptedReply::http(429, "")},
      {"502", ScriptedReply::http(502, "<html>bad gateway</html>")},
      {"503", ScriptedReply::http(503, "")},
      {"504", ScriptedReply::http(504, "")},
      {"1302", ScriptedReply::http(200, kling_code("1302"))},
      {"1303", ScriptedReply::http(200, kling_code("1303"))},
      {"5000", ScriptedReply::http(200, kling_code("5000"))},
      {"5001", ScriptedReply::http(200, kling_code("5001"))},
      {"refused before sending", ScriptedReply::transport_error(false, "Connection refused")},
  };
  for (const auto &c : cases) {
    Run run;
    run.transport.script("POST", {c.refusal, ScriptedReply::http(200, kKlingOk)});
    run.start();
    if (!run.finish_within_s(10)) g_error("%s: no outcome", c.name);
    if (!std::holds_alternative<Result>(*run.outcome))
      g_error("%s: not retried: %s", c.name, run.failure().message.c_str());
    g_assert_cmpuint(run.transport.count("POST"), ==, 2);
  }
}

void test_permanent_failures_are_not_retried() {
  struct Case {
    const char *name;
    ScriptedReply reply;
    Failure::Kind kind;
    const char *needle;
  };
  const Case cases[] = {
      {"parameters", ScriptedReply::http(400, kling_code("1201")), Failure::Kind::Service, "1201 (parameters)"},
      {"auth", ScriptedReply::http(401, kling_code("1000")), Failure::Kind::Auth, "authentication"},
      {"401 page", ScriptedReply::http(401, "denied"), Failure::Kind::Auth, "HTTP 401"},
      {"account", ScriptedReply::http(200, kling_code("1102")), Failure::Kind::Service, "account"},
      {"500 on a submission", ScriptedReply::http(500, "oops"), Failure::Kind::Http, "HTTP 500"},
      {"not json", ScriptedReply::http(200, "<html>"), Failure::Kind::Parse, "not a JSON object"},
  };
  for (const auto &c : cases) {
    Run run;
    run.transport.script("POST", {c.reply, ScriptedReply::http(200, kKlingOk)});
    run.start();
    g_assert_true(run.finish_within_s(60));
    if (run.failure().kind != c.kind) g_error("%s: kind %s", c.name, failure_kind_name(run.failure().kind));
    assert_contains(run.failure().message, c.needle);
    assert_contains(run.failure().message, "submission: ");
    g_assert_cmpuint(run.transport.count("POST"), ==, 1);
  }
}

void test_gives_up_after_max_retries() {
  Run run;
  run.cfg.max_retries = 3;
  run.transport.script("POST", {ScriptedReply::http(503, "")});
  run.start();
  g_assert_true(run.finish_within_s(120));
  g_assert_cmpuint(run.transport.count("POST"), ==, 4);
  assert_contains(run.failure().message, "gave up after 4 attempt(s) (max-retries=3)");
}

void test_backoff_doubles_within_bounds() {
  Run run;
  run.cfg.max_retries = 6;
  run.transport.script("POST", {ScriptedReply::http(503, "")});
  run.start();
  g_assert_true(run.finish_within_s(300));
  auto gaps = run.transport.gaps("POST");
  g_assert_cmpuint(gaps.size(), ==, 6);
  for (size_t k = 0; k < gaps.size(); k++) {
    double step = (1u << std::min<size_t>(k, 4));  // 1, 2, 4, 8, 16, 16 s
    if (gaps[k] < step / 2 || gaps[k] > step)
      g_error("retry %zu after %.3f s, expected %.1f to %.1f s", k + 1, gaps[k], step / 2, step);
  }
}

void test_retry_after_seconds_wins() {
  Run run;
  run.transport.script("POST", {ScriptedReply::http(429, "", 0, "7"), ScriptedReply::http(200, kKlingOk)});
  run.start();
  g_assert_true(run.finish_within_s(60));
  run.result();
  g_assert_cmpfloat_with_epsilon(run.transport.gaps("POST")[0], 7.0, 1e-9);
}

void test_retry_after_http_date_wins() {
  Run run;
  GDateTime *when = g_date_time_new_from_unix_utc(run.loop.wall_s() + 12);
  gchar *date = g_date_time_format(when, "%a, %d %b %Y %H:%M:%S GMT");
  run.transport.script("POST", {ScriptedReply::http(503, "", 0, date), ScriptedReply::http(200, kKlingOk)});
  g_free(date);
  g_date_time_unref(when);
  run.start();
  g_assert_true(run.finish_within_s(60));
  run.result();
  g_assert_cmpfloat_with_epsilon(run.transport.gaps("POST")[0], 12.0, 1e-9);
}

void test_possibly_billed_submission_is_never_resent() {
  const RetryCase cases[] = {
      {"reset after sending", ScriptedReply::transport_error(true)},
      {"timeout after sending", ScriptedReply::timeout(true)},
      {"5002", ScriptedReply::http(200, kling_code("5002"))},
  };
  for (const auto &c : cases) {
    Run run;
    run.cfg.max_retries = 5;
    run.transport.script("POST", {c.refusal, ScriptedReply::http(200, kKlingOk)});
    run.start();
    g_assert_true(run.finish_within_s(10));
    if (run.failure().kind != Failure::Kind::Ambiguous)
      g_error("%s: kind %s: %s", c.name, failure_kind_name(run.failure().kind), run.failure().message.c_str());
    assert_contains(run.failure().message, "not resent: the service may already have received and billed it");
    run.loop.advance_ms(600 * 1000);
    g_assert_cmpuint(run.transport.count("POST"), ==, 1);
  }
}

/* ---- kirin ---- */

void test_kirin_poll_schedule() {
  Run run(Provider::Kirin);
  run.cfg.timeout_s = 60;
  run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
  run.transport.script("GET", {ScriptedReply::http(200, kirin_task("processing"))});
  run.start();
  g_assert_true(run.finish_within_s(120));
  g_assert_true(run.failure().kind == Failure::Kind::Timeout);
  // GETs at 1, 2, ... 30 s after the submission, then 1.5, 2.25, 3.375 s
  // apart and 5 s (poll-interval-max) from then on.
  std::vector<double> polls;
  for (const auto &s : run.transport.sent())
    if (s.request.method == "GET") polls.push_back(s.at_s - run.transport.sent()[0].at_s);
  g_assert_cmpuint(polls.size(), >=, 34);
  for (size_t i = 0; i < 30; i++) g_assert_cmpfloat_with_epsilon(polls[i], i + 1.0, 1e-6);
  const double later[] = {1.5, 2.25, 3.375, 5.0, 5.0};
  for (size_t i = 0; i < 5 && 30 + i < polls.size(); i++)
    g_assert_cmpfloat_with_epsilon(polls[30 + i] - polls[29 + i], later[i], 1e-3);
  g_assert_cmpstr(run.transport.sent()[1].request.url.c_str(), ==, "https://api.test/v1/generation/task/t-1");
}

void test_kirin_retry_after_sets_next_poll() {
  Run run(Provider::Kirin);
  run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"), 0, "4")});
  run.transport.script("GET", {ScriptedReply::http(200, kirin_completed())});
  run.start();
  g_assert_true(run.finish_within_s(60));
  run.result();
  g_assert_cmpfloat_with_epsilon(run.transport.sent()[1].at_s - run.transport.sent()[0].at_s, 4.0, 1e-9);
}

void test_kirin_completed_and_progress() {
  Run run(Provider::Kirin);
  run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
  run.transport.script(
      "GET", {ScriptedReply::http(200, kirin_task("processing")), ScriptedReply::http(200, kirin_completed())});
  run.start();
  g_assert_true(run.finish_within_s(60));
  const Result &r = run.result();
  g_assert_cmpstr(r.task_id.c_str(), ==, "t-1");
  g_assert_cmpstr(r.cost->c_str(), ==, "0.05");
  g_assert_cmpuint(r.faces.size(), ==, 1);
  g_assert_cmpstr(run.transport.sent()[0].request.body.c_str(), ==,
                  R"({"model":"kirin_identify_face","video_url":"https://cdn.test/clip.mp4"})");
  // START, a CONTINUE per poll that did not finish, COMPLETE.
  g_assert_cmpuint(run.progress.size(), ==, 3);
  g_assert_cmpstr(run.progress[1].phase.c_str(), ==, "polling");
  g_assert_cmpstr(run.progress[1].status.c_str(), ==, "processing");
  assert_contains(run.progress[1].text, "task t-1: processing");
  g_assert_cmpstr(run.progress[2].phase.c_str(), ==, "complete");
}

void test_kirin_failed_task() {
  Run run(Provider::Kirin);
  run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
  run.transport.script(
      "GET", {ScriptedReply::http(200, kirin_task("failed", R"(,"error":{"code":"014002095","error_message":"x"})"))});
  run.start();
  g_assert_true(run.finish_within_s(60));
  g_assert_true(run.failure().kind == Failure::Kind::Service);
  g_assert_cmpstr(run.failure().code.c_str(), ==, "014002095");
  assert_contains(run.failure().message, "internal generation error");
  g_assert_cmpstr(run.failure().task_id.c_str(), ==, "t-1");
}

void test_kirin_submission_answer_without_task_is_ambiguous() {
  const char *bodies[] = {R"({"status":"pending"})", "not json at all"};
  for (const char *body : bodies) {
    Run run(Provider::Kirin);
    run.transport.script("POST", {ScriptedReply::http(200, body)});
    run.start();
    g_assert_true(run.finish_within_s(60));
    g_assert_true(run.failure().kind == Failure::Kind::Ambiguous);
    assert_contains(run.failure().message, "not resent");
    run.loop.advance_ms(600 * 1000);
    g_assert_cmpuint(run.transport.sent().size(), ==, 1);
  }
}

void test_kirin_refused_submission_is_retried() {
  Run run(Provider::Kirin);
  run.transport.script("POST",
                       {ScriptedReply::http(200, kling_code("1303")), ScriptedReply::http(200, kirin_task("pending"))});
  run.transport.script("GET", {ScriptedReply::http(200, kirin_completed())});
  run.start();
  g_assert_true(run.finish_within_s(60));
  run.result();
  g_assert_cmpuint(run.transport.count("POST"), ==, 2);
}

void test_kirin_failed_polls_are_retried() {
  Run run(Provider::Kirin);
  run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
  run.transport.script("GET", {ScriptedReply::http(500, "oops"), ScriptedReply::transport_error(true),
                               ScriptedReply::timeout(true), ScriptedReply::http(200, kirin_completed())});
  run.start();
  g_assert_true(run.finish_within_s(60));
  run.result();
  g_assert_cmpuint(run.transport.count("GET"), ==, 4);
  g_assert_cmpuint(run.transport.count("POST"), ==, 1);
}

// Collecting an existing task: polls only. No submission (no new charge),
// no clip check (nothing about the clip is sent), the task named in every
// progress step and in the result.
void test_kirin_task_id_collects_without_submission() {
  Run run(Provider::Kirin);
  run.cfg.task_id = "t-1";
  run.cfg.clip = ClipInfo();  // nothing known about the clip: no limit to check
  run.cfg.target = VideoTarget();
  run.transport.script(
      "GET", {ScriptedReply::http(200, kirin_task("processing")), ScriptedReply::http(200, kirin_completed())});
  run.start();
  g_assert_true(run.finish_within_s(60));
  g_assert_cmpstr(run.result().task_id.c_str(), ==, "t-1");
  g_assert_cmpuint(run.transport.count("POST"), ==, 0);
  g_assert_cmpuint(run.transport.count("GET"), ==, 2);
  g_assert_false(run.job->submitted());
  g_assert_cmpstr(run.job->task_id().c_str(), ==, "t-1");
  g_assert_cmpuint(run.progress.size(), >=, 2);
  for (const auto &p : run.progress) {
    g_assert_cmpstr(p.task_id.c_str(), ==, "t-1");
    g_assert_cmpstr(p.phase.c_str(), !=, IDENTIFYFACE_PHASE_SUBMITTING);
  }
}

/* ---- deadline ---- */

void test_deadline_names_task_and_status() {
  Run run(Provider::Kirin);
  run.cfg.timeout_s = 10;
  run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
  run.transport.script("GET", {ScriptedReply::http(200, kirin_task("processing"))});
  run.start();
  g_assert_true(run.finish_within_s(60));
  g_assert_cmpfloat_with_epsilon(run.loop.now_s(), 1.0 + 10.0, 1e-6);
  g_assert_true(run.failure().kind == Failure::Kind::Timeout);
  assert_contains(run.failure().message, "timed out after 10.0 s (timeout=10 s)");
  assert_contains(run.failure().message, "task t-1 may still finish");
  assert_contains(run.failure().message, "last status \"processing\"");
  assert_contains(run.failure().message, "collect it later with task-id=t-1");
  size_t sent = run.transport.sent().size();
  run.loop.advance_ms(600 * 1000);
  g_assert_cmpuint(run.transport.sent().size(), ==, sent);
}

/* ---- cancellation in every state ---- */

struct FakeEngine final : LocalEngine {
  bool cancelled = false;
  void cancel() override { cancelled = true; }
};

void test_cancel_in_every_state() {
  struct Case {
    const char *state;
    Provider provider;
    std::function<void(Run &)> setup;
    std::function<void(Run &)> reach;  // drives the job into the state
  };
  auto hang_post = [](Run &run) { run.transport.script("POST", {ScriptedReply::never()}); };
  const Case cases[] = {
      {"before it began", Provider::Kling, hang_post, [](Run &) {}},
      {"probing the clip's size", Provider::Kling,
       [](Run &run) {
         run.cfg.clip.size_bytes.reset();
         run.transport.script("HEAD", {ScriptedReply::never()});
       },
       [](Run &run) { run.loop.run_due(); }},
      {"submission in flight", Provider::Kling, hang_post, [](Run &run) { run.loop.run_due(); }},
      {"backing off before a retry", Provider::Kling,
       [](Run &run) {
         run.transport.script("POST", {ScriptedReply::http(503, ""), ScriptedReply::never()});
       },
       [](Run &run) { run.loop.advance_ms(100); }},
      {"waiting to poll", Provider::Kirin,
       [](Run &run) {
         run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
         run.transport.script("GET", {ScriptedReply::never()});
       },
       [](Run &run) { run.loop.advance_ms(100); }},
      {"poll in flight", Provider::Kirin,
       [](Run &run) {
         run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
         run.transport.script("GET", {ScriptedReply::never()});
       },
       [](Run &run) { run.loop.advance_ms(1500); }},
  };
  for (const auto &c : cases) {
    Run run(c.provider);
    c.setup(run);
    JobListener listener;
    // start() without running the loop, so "before it began" is reachable.
    JobDeps deps{&run.loop, &run.transport, nullptr};
    int calls = 0;
    listener.progress = [&](const Progress &) { calls++; };
    listener.done = [&](const Outcome &) { calls++; };
    run.job = Job::start(run.cfg, listener, deps);
    c.reach(run);
    size_t sent = run.transport.sent().size();
    int calls_before = calls;
    run.job->cancel();
    run.loop.advance_ms(3600 * 1000);
    if (run.transport.sent().size() != sent)
      g_error("%s: %zu request(s) sent after cancel()", c.state, run.transport.sent().size() - sent);
    if (calls != calls_before) g_error("%s: the listener was called after cancel()", c.state);
    g_assert_cmpuint(run.loop.pending(), ==, 0);
  }
}

void test_cancel_stops_the_local_engine() {
  Run run(Provider::Local);
  run.cfg.target.video_url = "file:///tmp/clip.mp4";
  std::shared_ptr<FakeEngine> engine;
  LocalEngine::ProgressFn progress;
  LocalEngine::DoneFn done;
  LocalEngineOptions seen;
  run.local_engine = [&](LocalEngineOptions o, LocalEngine::ProgressFn p, LocalEngine::DoneFn d) {
    seen = o;
    progress = p;
    done = d;
    engine = std::make_shared<FakeEngine>();
    return engine;
  };
  run.start();
  g_assert_nonnull(engine.get());
  g_assert_cmpstr(seen.uri.c_str(), ==, "file:///tmp/clip.mp4");
  progress(0.5);  // as from the engine's thread: reaches the listener on the loop
  run.loop.run_due();
  g_assert_cmpstr(run.progress.back().text.c_str(), ==, "analysed 50% of the clip");
  g_assert_cmpfloat(*run.progress.back().fraction, ==, 0.5);
  g_assert_false(run.job->submitted());  // nothing billable
  run.job->cancel();
  g_assert_true(engine->cancelled);
  size_t heard = run.progress.size();
  progress(0.9);
  done(Result{});
  run.loop.advance_ms(1000);
  g_assert_cmpuint(run.progress.size(), ==, heard);
  g_assert_false(run.outcome.has_value());
}

// timeout bounds the local engine's analysis of a URI too: at the deadline
// the engine stops (no decoding left running for nobody).
void test_deadline_stops_the_local_engine() {
  Run run(Provider::Local);
  run.cfg.target.video_url = "file:///tmp/clip.mp4";
  run.cfg.timeout_s = 5;
  std::shared_ptr<FakeEngine> engine;
  run.local_engine = [&](LocalEngineOptions, LocalEngine::ProgressFn, LocalEngine::DoneFn) {
    engine = std::make_shared<FakeEngine>();
    return engine;
  };
  run.start();
  g_assert_nonnull(engine.get());
  g_assert_true(run.finish_within_s(60));
  g_assert_true(run.failure().kind == Failure::Kind::Timeout);
  g_assert_true(engine->cancelled);
}

void test_local_result_is_like_the_services() {
  Run run(Provider::Local);
  run.cfg.target.video_url = "file:///tmp/clip.mp4";
  LocalEngine::DoneFn done;
  run.local_engine = [&](LocalEngineOptions, LocalEngine::ProgressFn, LocalEngine::DoneFn d) {
    done = d;
    return std::make_shared<FakeEngine>();
  };
  run.start();
  Result r;
  r.session_id = "local-session";
  Face face;
  face.id = "0";
  face.image = "file:///tmp/0.jpg";
  face.end_ns = 20 * kNsPerSecond;  // past the clip's end
  r.faces.push_back(face);
  done(r);
  run.loop.run_due();
  const Result &got = run.result();
  g_assert_cmpstr(got.provider.c_str(), ==, "local");
  g_assert_cmpstr(got.video_url.c_str(), ==, "file:///tmp/clip.mp4");
  g_assert_cmpuint(got.faces[0].end_ns, ==, 10 * kNsPerSecond);  // clamped to the clip
}

/* ---- validation and the size probe ---- */

void test_strict_validation_sends_nothing() {
  Run run;
  run.cfg.clip.duration_ns = 75 * kNsPerSecond;
  run.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
  run.start();
  g_assert_true(run.finish_within_s(1));
  g_assert_true(run.failure().kind == Failure::Kind::Validation);
  assert_contains(run.failure().message, "duration 75.00 s");
  g_assert_cmpuint(run.transport.sent().size(), ==, 0);
  g_assert_false(run.job->submitted());
}

void test_warn_validation_sends_with_a_warning() {
  Run run;
  run.cfg.validation = ValidationMode::Warn;
  run.cfg.clip.width = 640;
  run.cfg.clip.height = 360;
  run.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
  run.start();
  g_assert_true(run.finish_within_s(1));
  run.result();
  g_assert_cmpuint(run.warnings.size(), ==, 1);
  assert_contains(run.warnings[0], "height 360 px");
}

void test_head_probe_finds_a_clip_too_big() {
  Run run;
  run.cfg.clip.size_bytes.reset();
  auto head = ScriptedReply::http(200, "");
  head.response.content_length = 150ull * 1024 * 1024;
  run.transport.script("HEAD", {head});
  run.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
  run.start();
  g_assert_true(run.finish_within_s(1));
  assert_contains(run.failure().message, "file size 150.0 MB");
  g_assert_cmpstr(run.transport.sent()[0].request.url.c_str(), ==, "https://cdn.test/clip.mp4");
  g_assert_cmpuint(run.transport.count("POST"), ==, 0);
}

/* ---- what the stream did not say, read from the clip ---- */

struct FakeProber final : ClipProber {
  std::vector<std::string> uris;
  std::vector<std::string> ca_files;
  DoneFn pending;
  void probe(const std::string &uri, unsigned, const std::string &ca_file, GCancellable *, DoneFn done) override {
    uris.push_back(uri);
    ca_files.push_back(ca_file);
    pending = std::move(done);
  }
};

void test_probe_fills_only_the_gaps() {
  Run run;
  FakeProber prober;
  run.cfg.clip.duration_ns.reset();
  run.cfg.clip.uri = "file:///clips/a.mp4";
  JobListener listener;
  listener.done = [&](const Outcome &o) { run.outcome = o; };
  run.job = Job::start(run.cfg, listener, JobDeps{&run.loop, &run.transport, nullptr, &prober});
  run.loop.run_due();
  g_assert_cmpuint(prober.uris.size(), ==, 1);
  g_assert_cmpstr(prober.uris[0].c_str(), ==, "file:///clips/a.mp4");  // the upstream URI first
  ProbedClip probed;
  probed.clip.width = 640;  // the stream said 1280x720: it wins
  probed.clip.height = 360;
  probed.clip.duration_ns = 75 * kNsPerSecond;
  prober.pending(probed);
  run.loop.run_due();
  assert_contains(run.failure().message, "duration 75.00 s");
  g_assert_true(run.failure().message.find("640") == std::string::npos);
  g_assert_cmpuint(run.transport.sent().size(), ==, 0);
}

// An https clip behind a private CA: the clip's probe and its HEAD trust
// ssl-ca-file as the service's requests do.
void test_clip_read_trusts_ssl_ca_file() {
  Run run;
  FakeProber prober;
  run.cfg.clip = ClipInfo();
  run.cfg.clip.uri = "https://cdn.test/clip.mp4";
  run.cfg.ca_file = "/etc/corp-ca.pem";
  run.transport.script("HEAD", {ScriptedReply::http(200, "")});
  JobListener listener;
  listener.done = [&](const Outcome &o) { run.outcome = o; };
  run.job = Job::start(run.cfg, listener, JobDeps{&run.loop, &run.transport, nullptr, &prober});
  run.loop.run_due();
  g_assert_cmpuint(prober.ca_files.size(), ==, 1);
  g_assert_cmpstr(prober.ca_files[0].c_str(), ==, "/etc/corp-ca.pem");
  prober.pending(ProbedClip{});
  run.loop.run_due();
  g_assert_cmpuint(run.transport.count("HEAD"), ==, 1);
  g_assert_cmpstr(run.transport.sent()[0].request.ca_file.c_str(), ==, "/etc/corp-ca.pem");
}

// Without ssl-ca-file, an https clip behind a private CA cannot be sized:
// the refusal says why, naming the property.
void test_untrusted_clip_names_ssl_ca_file() {
  Run run;
  run.cfg.clip.size_bytes.reset();
  run.cfg.clip.uri = "https://cdn.test/clip.mp4";
  ScriptedReply untrusted;
  untrusted.response.error = HttpResponse::Error::Tls;
  untrusted.response.error_text =
      "the TLS certificate of cdn.test is not trusted: issued by an unknown or untrusted authority; if a private CA "
      "signed it, set ssl-ca-file to that CA's certificate";
  run.transport.script("HEAD", {untrusted});
  run.start();
  g_assert_true(run.finish_within_s(1));
  assert_contains(run.failure().message, "file size unknown");
  assert_contains(run.failure().message, "set ssl-ca-file");
  g_assert_cmpuint(run.transport.count("POST"), ==, 0);
}

void test_unknown_limits_warn_and_local() {
  for (Provider provider : {Provider::Kling, Provider::Local}) {
    Run run(provider);
    run.cfg.clip = ClipInfo();  // a raw stream with no URI: nothing known
    run.cfg.validation = provider == Provider::Kling ? ValidationMode::Warn : ValidationMode::Strict;
    if (provider == Provider::Local) run.cfg.target.video_url = "file:///clips/a.mp4";
    bool engine_started = false;
    run.local_engine = [&](LocalEngineOptions, LocalEngine::ProgressFn, LocalEngine::DoneFn) {
      engine_started = true;
      return std::make_shared<FakeEngine>();
    };
    run.transport.script("HEAD", {ScriptedReply::http(200, "")});  // no Content-Length
    run.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
    run.start();
    run.loop.advance_ms(1000);
    if (provider == Provider::Kling) {
      // warn: sent, with a warning that lists what could not be checked.
      g_assert_cmpuint(run.transport.count("POST"), ==, 1);
      g_assert_cmpuint(run.warnings.size(), ==, 1);
      assert_contains(run.warnings[0], "container, file size, duration, width, height unknown");
    } else {
      // Nothing is billed locally: unknown limits stop nothing.
      g_assert_true(engine_started);
      g_assert_cmpuint(run.warnings.size(), ==, 0);
    }
  }
}

void test_clip_without_video_is_refused() {
  Run run;
  FakeProber prober;
  run.cfg.clip = ClipInfo();
  JobListener listener;
  listener.done = [&](const Outcome &o) { run.outcome = o; };
  run.cfg.validation = ValidationMode::Warn;  // not a limit: refused under warn too
  run.job = Job::start(run.cfg, listener, JobDeps{&run.loop, &run.transport, nullptr, &prober});
  run.loop.run_due();
  ProbedClip probed;
  probed.has_video = false;
  probed.streams = "audio/mpeg";
  prober.pending(probed);
  run.loop.run_due();
  assert_contains(run.failure().message, "no video stream (it has audio/mpeg)");
  g_assert_cmpuint(run.transport.sent().size(), ==, 0);
}

void test_cancel_while_reading_the_clip() {
  Run run;
  FakeProber prober;
  run.cfg.clip = ClipInfo();
  int calls = 0;
  JobListener listener;
  listener.done = [&](const Outcome &) { calls++; };
  run.job = Job::start(run.cfg, listener, JobDeps{&run.loop, &run.transport, nullptr, &prober});
  run.loop.run_due();
  g_assert_true(prober.pending != nullptr);
  run.job->cancel();
  prober.pending(ProbedClip{});  // a late report is ignored
  run.loop.advance_ms(3600 * 1000);
  g_assert_cmpint(calls, ==, 0);
  g_assert_cmpuint(run.transport.sent().size(), ==, 0);
}

/* ---- credentials ---- */

void test_jwt_is_renewed_before_it_expires() {
  Run run(Provider::Kirin);
  run.cfg.timeout_s = 3600;
  run.cfg.poll_interval_max_ms = 60000;
  auto issuer = std::make_shared<JwtIssuer>("access", "secret");
  run.cfg.authorization = [issuer](int64_t now) { return "Bearer " + issuer->token(now); };
  run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
  run.transport.script("GET", {ScriptedReply::http(200, kirin_task("processing"))});
  run.start();
  run.loop.advance_ms(40 * 60 * 1000);
  const auto &sent = run.transport.sent();
  std::string first = sent[0].header("Authorization");
  double renewed_at = -1;
  for (const auto &s : sent) {
    if (s.header("Authorization") != first) {
      renewed_at = s.at_s - sent[0].at_s;
      break;
    }
  }
  // Valid 30 min, renewed in the last 5: between 25 and 26 min (poll gap).
  g_assert_cmpfloat(renewed_at, >=, 25 * 60);
  g_assert_cmpfloat(renewed_at, <=, 26 * 60);
  g_assert_true(g_str_has_prefix(first.c_str(), "Bearer "));
}

// Another element's long step holds the shared worker (a large answer being
// handled): cancelling this job must not wait for it.
void test_cancel_does_not_wait_for_other_jobs() {
  struct SilentTransport final : Transport {
    void send(const HttpRequest &, GCancellable *, std::function<void(HttpResponse)>) override {}
  } transport;
  HttpWorker &worker = HttpWorker::get();
  std::mutex m;
  std::condition_variable cv;
  bool busy = false, release = false;
  worker.post([&] {
    std::unique_lock<std::mutex> lk(m);
    busy = true;
    cv.notify_all();
    cv.wait(lk, [&] { return release; });
  });
  {
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [&] { return busy; });
  }
  JobConfig cfg = Run().cfg;
  int calls = 0;
  JobListener listener;
  listener.done = [&](const Outcome &) { calls++; };
  auto job = Job::start(cfg, listener, JobDeps{&worker, &transport, nullptr, nullptr});
  std::atomic<bool> returned{false};
  std::thread canceller([&] {
    job->cancel();
    returned = true;
  });
  // A hang detector, not a timing assertion: cancel() returns at once or
  // never (until the worker is released).
  for (int i = 0; i < 500 && !returned; i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  bool returned_while_busy = returned;
  {
    std::lock_guard<std::mutex> g(m);
    release = true;
    cv.notify_all();
  }
  canceller.join();
  worker.run_sync([] {});  // the job's queued steps ran, and did nothing
  g_assert_true(returned_while_busy);
  g_assert_cmpint(calls, ==, 0);
}

// The fuzz generator's hostile answers through the whole job, both
// dialects, as the submission's answer (Kling, Kirin) and as a poll's
// (Kirin): each job ends within its deadline with an error or a consistent
// result, every string valid UTF-8, and nothing is resent that may have been
// billed.
void test_hostile_answers_through_the_job() {
  // Bodies up to 256 KiB: the parser's own fuzz test covers the caps; here
  // it is the job's handling of whatever the parser says.
  answer_fuzz::Generator generator(20261121, 256 * 1024);
  const int kCases = 120;
  int results = 0, failures = 0;
  for (int i = 0; i < kCases; i++) {
    answer_fuzz::Case c = generator.next();
    bool kirin = c.dialect == answer_fuzz::Dialect::KirinTask;
    bool as_poll = kirin && i % 4 == 1;
    Run run(kirin ? Provider::Kirin : Provider::Kling);
    run.cfg.timeout_s = 60;
    run.cfg.max_retries = 1;
    auto reply = ScriptedReply::http(c.http_status, c.body, 0, "0");
    if (as_poll) {
      run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending", "", c.task_id.c_str()))});
      run.transport.script("GET", {reply});
    } else {
      run.transport.script("POST", {reply, ScriptedReply::http(200, kirin ? kirin_task("pending") : kKlingOk)});
      run.transport.script("GET", {ScriptedReply::http(200, kirin_completed())});
    }
    run.start();
    if (!run.finish_within_s(120)) g_error("case %d (%s): no outcome", i, c.kind.c_str());
    std::string wrong = answer_fuzz::check_outcome(*run.outcome);
    if (!wrong.empty()) g_error("case %d (%s): %s", i, c.kind.c_str(), wrong.c_str());
    if (std::holds_alternative<Result>(*run.outcome))
      results++;
    else
      failures++;
    // A submission is resent only after a refusal that cannot have billed.
    if (run.transport.count("POST") > 1 && std::holds_alternative<Failure>(*run.outcome) &&
        std::get<Failure>(*run.outcome).kind == Failure::Kind::Ambiguous)
      g_error("case %d (%s): an ambiguous submission was resent", i, c.kind.c_str());
  }
  g_test_message("%d hostile answers: %d results, %d failures", kCases, results, failures);
  g_assert_cmpint(failures, >, 0);
}

// The shared worker is one thread whatever the number of elements; its
// name tells it apart from the pipelines' streaming threads in top, ps and
// gdb (a name over 15 characters is refused by the kernel, and the thread
// would keep the name of the streaming thread that started it).
void test_worker_thread_has_its_name() {
  HttpWorker::get();
  unsigned named = 0;
  GDir *dir = g_dir_open("/proc/self/task", 0, nullptr);
  g_assert_nonnull(dir);
  while (const char *tid = g_dir_read_name(dir)) {
    gchar *path = g_strdup_printf("/proc/self/task/%s/comm", tid);
    gchar *comm = nullptr;
    if (g_file_get_contents(path, &comm, nullptr, nullptr) && g_strcmp0(g_strchomp(comm), HttpWorker::kThreadName) == 0)
      named++;
    g_free(comm);
    g_free(path);
  }
  g_dir_close(dir);
  g_assert_cmpuint(named, ==, 1);
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/job/kling/success", test_kling_success);
  g_test_add_func("/job/worker/thread-name", test_worker_thread_has_its_name);
  g_test_add_func("/job/retry/transient-failures-retried", test_transient_failures_are_retried);
  g_test_add_func("/job/retry/permanent-failures-not-retried", test_permanent_failures_are_not_retried);
  g_test_add_func("/job/retry/gives-up-after-max-retries", test_gives_up_after_max_retries);
  g_test_add_func("/job/retry/backoff-bounds", test_backoff_doubles_within_bounds);
  g_test_add_func("/job/retry/retry-after-seconds", test_retry_after_seconds_wins);
  g_test_add_func("/job/retry/retry-after-http-date", test_retry_after_http_date_wins);
  g_test_add_func("/job/submission/possibly-billed-never-resent", test_possibly_billed_submission_is_never_resent);
  g_test_add_func("/job/kirin/poll-schedule", test_kirin_poll_schedule);
  g_test_add_func("/job/kirin/retry-after-sets-next-poll", test_kirin_retry_after_sets_next_poll);
  g_test_add_func("/job/kirin/completed-and-progress", test_kirin_completed_and_progress);
  g_test_add_func("/job/kirin/failed-task", test_kirin_failed_task);
  g_test_add_func("/job/kirin/no-task-is-ambiguous", test_kirin_submission_answer_without_task_is_ambiguous);
  g_test_add_func("/job/kirin/refused-submission-retried", test_kirin_refused_submission_is_retried);
  g_test_add_func("/job/kirin/failed-polls-retried", test_kirin_failed_polls_are_retried);
  g_test_add_func("/job/kirin/task-id-collects-without-submission", test_kirin_task_id_collects_without_submission);
  g_test_add_func("/job/deadline", test_deadline_names_task_and_status);
  g_test_add_func("/job/cancel/every-state", test_cancel_in_every_state);
  g_test_add_func("/job/cancel/local-engine", test_cancel_stops_the_local_engine);
  g_test_add_func("/job/deadline/stops-local-engine", test_deadline_stops_the_local_engine);
  g_test_add_func("/job/cancel/does-not-wait-for-other-jobs", test_cancel_does_not_wait_for_other_jobs);
  g_test_add_func("/job/local/result-like-the-services", test_local_result_is_like_the_services);
  g_test_add_func("/job/validation/strict-sends-nothing", test_strict_validation_sends_nothing);
  g_test_add_func("/job/validation/warn-sends-with-warning", test_warn_validation_sends_with_a_warning);
  g_test_add_func("/job/probe/head-finds-clip-too-big", test_head_probe_finds_a_clip_too_big);
  g_test_add_func("/job/jwt/renewed", test_jwt_is_renewed_before_it_expires);
  g_test_add_func("/job/fuzz/hostile-answers", test_hostile_answers_through_the_job);
  g_test_add_func("/job/probe/fills-only-gaps", test_probe_fills_only_the_gaps);
  g_test_add_func("/job/probe/trusts-ssl-ca-file", test_clip_read_trusts_ssl_ca_file);
  g_test_add_func("/job/probe/untrusted-clip-names-ssl-ca-file", test_untrusted_clip_names_ssl_ca_file);
  g_test_add_func("/job/probe/unknowns-under-warn-and-local", test_unknown_limits_warn_and_local);
  g_test_add_func("/job/probe/no-video-refused", test_clip_without_video_is_refused);
  g_test_add_func("/job/cancel/while-reading-the-clip", test_cancel_while_reading_the_clip);
  return g_test_run();
}
