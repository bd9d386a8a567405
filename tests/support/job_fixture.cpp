// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/job_fixture.h"

namespace jobtest {

const char *kKlingOk =
    R"({"code":0,"message":"SUCCEED","request_id":"r-1","data":{"session_id":"s-1","final_unit_deduction":"1",)"
    R"("face_data":[{"face_id":"0","face_image":"https://img/0.png","start_time":0,"end_time":5000}]}})";

std::string kling_code(const char *code) {
  return std::string(R"({"code":)") + code + R"(,"message":"refused","request_id":"r-2"})";
}

std::string kirin_task(const char *status, const char *extra, const char *task_id) {
  return std::string(R"({"task_id":")") + task_id + R"(","status":")" + status + "\"" + extra + "}";
}

std::string kirin_completed(const char *task_id) {
  gchar *inner = g_strescape(kKlingOk, nullptr);
  std::string body = std::string(R"({"task_id":")") + task_id +
                     R"(","status":"completed","output":[{"content":[{"type":"text","text":")" + inner +
                     R"("}]}],"usage":{"cost":"0.05","discount":0}})";
  g_free(inner);
  return body;
}

ClipInfo valid_clip() {
  ClipInfo clip;
  clip.width = 1280;
  clip.height = 720;
  clip.duration_ns = 10 * kNsPerSecond;
  clip.container = "mp4";
  clip.size_bytes = 1 << 20;
  return clip;
}

void assert_contains(const std::string &text, const char *needle) {
  if (text.find(needle) == std::string::npos) g_error("\"%s\" not found in \"%s\"", needle, text.c_str());
}

Run::Run(Provider provider) {
  cfg.provider = provider;
  cfg.api_url = provider == Provider::Kirin ? "https://api.test/v1/generation" : "https://api.test/kling/identify";
  cfg.target.video_url = "https://cdn.test/clip.mp4";
  cfg.clip = valid_clip();
  cfg.authorization = [](int64_t) { return std::string("Bearer key-1"); };
  cfg.credential = "key-1";
  cfg.requester = "identifyface0";
}

Run::~Run() {
  if (job) job->cancel();
  loop.run_due();  // the job's last steps (leaving the admission) run before the loop goes
}

void Run::start() {
  JobListener listener;
  listener.progress = [this](const Progress &p) { progress.push_back(p); };
  listener.warning = [this](const std::string &text) { warnings.push_back(text); };
  listener.done = [this](const Outcome &o) {
    outcome = o;
    done_calls++;
  };
  JobDeps deps;
  deps.loop = &loop;
  deps.transport = &transport;
  deps.local_engine = local_engine;
  deps.admission = admission;
  job = Job::start(cfg, listener, deps);
  loop.run_due();
}

bool Run::finish_within_s(int64_t s) {
  return loop.advance_until([this] { return outcome.has_value(); }, s * 1000);
}

const Failure &Run::failure() const {
  g_assert_true(outcome && std::holds_alternative<Failure>(*outcome));
  return std::get<Failure>(*outcome);
}

const Result &Run::result() const {
  if (outcome && std::holds_alternative<Failure>(*outcome))
    g_error("expected a result, got failure: %s", std::get<Failure>(*outcome).message.c_str());
  g_assert_true(outcome.has_value());
  return std::get<Result>(*outcome);
}

}  // namespace jobtest
