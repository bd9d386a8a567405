// SPDX-License-Identifier: LGPL-2.1-or-later
// The lip-sync flow on the job, on a manual loop and a scripted transport:
// both dialects end to end, a submission that may have been billed is never
// resent, 1303 waits in the account's queue, an existing task is collected
// without a submission, and cancellation in every state sends nothing more.
#include <glib.h>

#include <functional>
#include <string>

#include "admission/admission.h"
#include "job/job.h"
#include "support/job_fixture.h"

using namespace idf;
using namespace jobtest;

namespace {

void assert_str(const std::string &got, const std::string &want) {
  if (got != want) g_error("\"%s\" != \"%s\"", got.c_str(), want.c_str());
}

const char *kKlingUrl = "https://api.test/kling/v1/videos/advanced-lip-sync";

std::string kling_task(const char *status, const char *task_id = "t-1", const char *extra = "") {
  return std::string(R"({"code":0,"message":"SUCCEED","request_id":"r-1","data":{"task_id":")") + task_id +
         R"(","task_status":")" + status + "\"" + extra + "}}";
}

std::string kling_succeed(const char *task_id = "t-1") {
  return kling_task(
      "succeed", task_id,
      R"(,"final_unit_deduction":"4","task_result":{"videos":[{"id":"v-1","url":"https://cdn.test/out.mp4","duration":"5.0"}]})");
}

std::string kirin_video_task(const char *task_id = "t-1") {
  return std::string(R"({"task_id":")") + task_id +
         R"(","status":"completed","output":[{"content":[{"type":"video","url":"https://cdn.test/k.mp4","duration":4}]}],)"
         R"("usage":{"cost":"0.3","discount":0}})";
}

LipsyncRequest lipsync_request() {
  LipsyncRequest r;
  r.session_id = "s-1";
  r.face_id = "0";
  r.audio = {LipsyncAudio::Kind::Url, "https://cdn.test/dub.mp3"};
  r.audio_end_ns = 3 * kNsPerSecond;
  r.insert_ns = 1 * kNsPerSecond;
  return r;
}

void make_lipsync(Run &run) {
  run.cfg.lipsync = lipsync_request();
  run.cfg.api_url = run.cfg.provider == Provider::Kirin ? "https://api.test/v1/generation" : kKlingUrl;
  run.cfg.model = kKirinLipsyncDefaultModel;
}

void test_kling_end_to_end() {
  Run run;
  make_lipsync(run);
  run.transport.script("POST", {ScriptedReply::http(200, kling_task("submitted"))});
  run.transport.script("GET",
                       {ScriptedReply::http(200, kling_task("processing")), ScriptedReply::http(200, kling_succeed())});
  run.start();
  g_assert_true(run.finish_within_s(60));
  const Result &r = run.result();
  assert_str(r.provider, "kling");
  assert_str(r.task_id, "t-1");
  assert_str(r.final_unit_deduction, "4");
  g_assert_cmpuint(r.videos.size(), ==, 1);
  assert_str(r.videos[0].url, "https://cdn.test/out.mp4");
  g_assert_cmpuint(run.transport.count("POST"), ==, 1);
  g_assert_cmpuint(run.transport.count("GET"), ==, 2);
  const SentRequest &post = run.transport.sent()[0];
  assert_str(post.request.url, kKlingUrl);
  assert_contains(post.request.body, R"("session_id":"s-1","face_choose":[{"face_id":"0","sound_file":)");
  assert_str(post.header("Authorization"), "Bearer key-1");
  g_assert_true(post.request.new_connection);
  assert_str(run.transport.sent()[1].request.url, (std::string(kKlingUrl) + "/t-1").c_str());
  g_assert_true(run.job->submitted());
  assert_str(run.progress.front().phase, "submitting");
  assert_str(run.progress.back().phase, "complete");
  assert_contains(run.progress.back().text, "lip-sync task t-1 made 1 video(s)");
}

void test_kirin_end_to_end() {
  Run run(Provider::Kirin);
  make_lipsync(run);
  run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
  run.transport.script(
      "GET", {ScriptedReply::http(200, kirin_task("processing")), ScriptedReply::http(200, kirin_video_task())});
  run.start();
  g_assert_true(run.finish_within_s(60));
  const Result &r = run.result();
  assert_str(r.provider, "kirin");
  assert_str(r.videos[0].url, "https://cdn.test/k.mp4");
  assert_str(*r.cost, "0.3");
  assert_contains(run.transport.sent()[0].request.body, R"({"model":"kirin_lipsync","session_id":"s-1")");
  assert_str(run.transport.sent()[1].request.url, "https://api.test/v1/generation/task/t-1");
}

void test_failed_task_keeps_its_id_and_reason() {
  Run run;
  make_lipsync(run);
  run.transport.script("POST", {ScriptedReply::http(200, kling_task("submitted"))});
  run.transport.script(
      "GET", {ScriptedReply::http(200, kling_task("failed", "t-1", R"(,"task_status_msg":"face too small")"))});
  run.start();
  g_assert_true(run.finish_within_s(60));
  g_assert_true(run.failure().kind == Failure::Kind::Service);
  assert_contains(run.failure().message, "lip-sync task t-1 failed: face too small");
  assert_str(run.failure().task_id, "t-1");
}

void test_ambiguous_submission_never_resent() {
  const std::pair<const char *, ScriptedReply> cases[] = {
      {"not json", ScriptedReply::http(200, "not json at all")},
      {"code 0 without a task id", ScriptedReply::http(200, R"({"code":0,"data":{"task_status":"submitted"}})")},
      {"connection reset after sending", ScriptedReply::transport_error(true)},
      {"no answer after sending", ScriptedReply::timeout(true)},
  };
  for (const auto &c : cases) {
    for (Provider provider : {Provider::Kling, Provider::Kirin}) {
      Run run(provider);
      make_lipsync(run);
      run.transport.script("POST", {c.second, ScriptedReply::http(200, kling_task("submitted"))});
      run.start();
      if (!run.finish_within_s(120)) g_error("%s: no outcome", c.first);
      if (run.failure().kind != Failure::Kind::Ambiguous)
        g_error("%s (%s): %s", c.first, provider_name(provider), run.failure().message.c_str());
      assert_contains(run.failure().message, "not resent");
      run.loop.advance_ms(3600 * 1000);
      if (run.transport.count("POST") != 1) g_error("%s: the submission was resent", c.first);
    }
  }
}

void test_1303_waits_in_the_queue() {
  Run run;
  Admission admission{run.loop};
  run.admission = &admission;
  make_lipsync(run);
  run.transport.script(
      "POST", {ScriptedReply::http(200, kling_code("1303")), ScriptedReply::http(200, kling_task("submitted"))});
  run.transport.script("GET", {ScriptedReply::http(200, kling_succeed())});
  run.start();
  g_assert_true(run.finish_within_s(120));
  run.result();
  g_assert_cmpuint(run.transport.count("POST"), ==, 2);
  // Backed off, not resent at once: the queue holds 0.5-1 s after a refusal.
  auto gaps = run.transport.gaps("POST");
  g_assert_cmpfloat(gaps[0], >=, 0.5);
}

void test_1303_without_queue_follows_retries() {
  // Without the account's queue (no admission), 1303 follows the retry
  // policy: a concurrency refusal was not billed, so it may be resent.
  Run run;
  make_lipsync(run);
  run.cfg.max_retries = 1;
  run.transport.script("POST", {ScriptedReply::http(200, kling_code("1303"))});
  run.start();
  g_assert_true(run.finish_within_s(120));
  assert_contains(run.failure().message, "gave up after 2 attempt(s)");
  g_assert_cmpuint(run.transport.count("POST"), ==, 2);
}

void test_collect_existing_task() {
  for (Provider provider : {Provider::Kling, Provider::Kirin}) {
    Run run(provider);
    Admission admission{run.loop};
    run.admission = &admission;
    make_lipsync(run);
    run.cfg.lipsync->task_id = "t-7";
    run.transport.script("GET", {provider == Provider::Kling ? ScriptedReply::http(200, kling_succeed("t-7"))
                                                             : ScriptedReply::http(200, kirin_video_task("t-7"))});
    run.start();
    g_assert_true(run.finish_within_s(60));
    assert_str(run.result().task_id, "t-7");
    g_assert_cmpuint(run.transport.count("POST"), ==, 0);
    g_assert_false(run.job->submitted());
  }
}

void test_deadline_keeps_the_task_id() {
  Run run;
  make_lipsync(run);
  run.cfg.timeout_s = 10;
  run.transport.script("POST", {ScriptedReply::http(200, kling_task("submitted"))});
  run.transport.script("GET", {ScriptedReply::http(200, kling_task("processing"))});
  run.start();
  g_assert_true(run.finish_within_s(60));
  g_assert_true(run.failure().kind == Failure::Kind::Timeout);
  assert_str(run.failure().task_id, "t-1");
  assert_contains(run.failure().message, "task t-1 may still finish");
  // The lip-sync's own ways of collecting it, not identify-face's --task-id.
  assert_contains(run.failure().message, "lipsync task-id=t-1");
  assert_contains(run.failure().message, "gst-identify-face --lipsync-task-id=t-1");
  if (run.failure().message.find("gst-identify-face --task-id") != std::string::npos)
    g_error("the hint names identify-face's --task-id: %s", run.failure().message.c_str());
}

void test_local_provider_sends_nothing() {
  Run run(Provider::Local);
  make_lipsync(run);
  run.cfg.api_url = "";
  run.start();
  g_assert_true(run.finish_within_s(1));
  g_assert_true(run.failure().kind == Failure::Kind::Config);
  assert_contains(run.failure().message, "provider=local makes no lip-sync");
  g_assert_cmpuint(run.transport.sent().size(), ==, 0);
}

void test_cancel_in_every_state() {
  struct Case {
    const char *state;
    Provider provider;
    std::function<void(Run &)> setup;
    std::function<void(Run &)> reach;
  };
  auto hang_post = [](Run &run) { run.transport.script("POST", {ScriptedReply::never()}); };
  auto polling = [](Run &run) {
    run.transport.script("POST", {ScriptedReply::http(200, kling_task("submitted"))});
    run.transport.script("GET", {ScriptedReply::never()});
  };
  const Case cases[] = {
      {"before it began", Provider::Kling, hang_post, [](Run &) {}},
      {"submission in flight", Provider::Kling, hang_post, [](Run &run) { run.loop.run_due(); }},
      {"backing off before a retry", Provider::Kling,
       [](Run &run) {
         run.transport.script("POST", {ScriptedReply::http(503, ""), ScriptedReply::never()});
       },
       [](Run &run) { run.loop.advance_ms(100); }},
      {"waiting to poll", Provider::Kling, polling, [](Run &run) { run.loop.advance_ms(100); }},
      {"poll in flight", Provider::Kling, polling, [](Run &run) { run.loop.advance_ms(1500); }},
      {"kirin poll in flight", Provider::Kirin,
       [](Run &run) {
         run.transport.script("POST", {ScriptedReply::http(200, kirin_task("pending"))});
         run.transport.script("GET", {ScriptedReply::never()});
       },
       [](Run &run) { run.loop.advance_ms(1500); }},
      {"collecting a task", Provider::Kling,
       [](Run &run) {
         run.cfg.lipsync->task_id = "t-7";
         run.transport.script("GET", {ScriptedReply::never()});
       },
       [](Run &run) { run.loop.run_due(); }},
  };
  for (const auto &c : cases) {
    Run run(c.provider);
    make_lipsync(run);
    c.setup(run);
    JobListener listener;
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

void test_cancel_while_queued() {
  // Two lip-syncs on an account limited to one at a time: the second waits
  // in the queue; cancelled there, it never sends.
  ManualLoop *loop = nullptr;
  Run first;
  Admission admission{first.loop};
  loop = &first.loop;
  first.admission = &admission;
  make_lipsync(first);
  first.cfg.max_concurrent = 1;
  first.transport.script("POST", {ScriptedReply::never()});
  first.start();
  g_assert_cmpuint(first.transport.count("POST"), ==, 1);

  JobConfig cfg = first.cfg;
  std::vector<Progress> progress;
  JobListener listener;
  listener.progress = [&](const Progress &p) { progress.push_back(p); };
  JobDeps deps{loop, &first.transport, nullptr};
  deps.admission = &admission;
  auto second = Job::start(cfg, listener, deps);
  loop->run_due();
  g_assert_cmpuint(first.transport.count("POST"), ==, 1);
  g_assert_false(progress.empty());
  assert_str(progress.back().phase, "queued");
  second->cancel();
  first.job->cancel();
  loop->advance_ms(3600 * 1000);
  g_assert_cmpuint(first.transport.count("POST"), ==, 1);
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/lipsync-job/kling/end-to-end", test_kling_end_to_end);
  g_test_add_func("/lipsync-job/kirin/end-to-end", test_kirin_end_to_end);
  g_test_add_func("/lipsync-job/failed-task", test_failed_task_keeps_its_id_and_reason);
  g_test_add_func("/lipsync-job/ambiguous-never-resent", test_ambiguous_submission_never_resent);
  g_test_add_func("/lipsync-job/1303-queued", test_1303_waits_in_the_queue);
  g_test_add_func("/lipsync-job/1303-without-queue", test_1303_without_queue_follows_retries);
  g_test_add_func("/lipsync-job/collect-task", test_collect_existing_task);
  g_test_add_func("/lipsync-job/deadline", test_deadline_keeps_the_task_id);
  g_test_add_func("/lipsync-job/local-sends-nothing", test_local_provider_sends_nothing);
  g_test_add_func("/lipsync-job/cancel/every-state", test_cancel_in_every_state);
  g_test_add_func("/lipsync-job/cancel/queued", test_cancel_while_queued);
  return g_test_run();
}
