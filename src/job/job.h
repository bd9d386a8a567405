// SPDX-License-Identifier: LGPL-2.1-or-later
// One identification of one stream: check the clip against the service's
// limits, then run the provider's flow (provider_flow.h). Every step runs on
// the job's event loop (the HTTP worker in production); the listener is
// called there too. The job owns the policy shared by every provider:
// retries, the overall deadline, cancellation and the final outcome.
#pragma once

#include <gio/gio.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "admission/admission.h"
#include "admission/clip_fingerprint.h"
#include "base/event_loop.h"
#include "base/transport.h"
#include "job/clip_probe.h"
#include "job/job_settings.h"
#include "job/provider_flow.h"
#include "wire/retry_policy.h"

namespace idf {

struct JobListener {
  std::function<void(const Progress &)> progress;
  std::function<void(const std::string &text)> warning;  // validation=warn findings
  std::function<void(const Outcome &)> done;             // exactly once, unless cancelled
};

// The job's collaborators. Production binds them in runtime/production_deps
// (the shared HTTP worker, the discoverer, the local engine, the process's
// admission); tests bind a manual loop and a scripted transport.
struct JobDeps {
  EventLoop *loop = nullptr;
  Transport *transport = nullptr;
  LocalEngineFactory local_engine;
  ClipProber *prober = nullptr;    // nullptr: limits left unknown stay unknown
  Admission *admission = nullptr;  // nullptr: no cache, no sharing, no queue
};

class Job final : public std::enable_shared_from_this<Job>, private FlowHost {
 public:
  static std::shared_ptr<Job> start(JobConfig config, JobListener listener, JobDeps deps);
  ~Job();

  // Synchronous: when it returns, no request will be sent, no timer fires,
  // no listener call happens. It waits for a step of this job that is
  // running on the loop, never for other jobs' work there. Callable from any
  // thread, more than once.
  void cancel();

  // True once the clip was handed to a service (it may have been billed).
  bool submitted() const { return submitted_.load(); }

  // The service's task, once one exists ("" before); any thread. A task
  // may finish after a cancel: its id is what collects it (task-id).
  std::string task_id() const {
    std::lock_guard<std::mutex> g(task_lock_);
    return task_id_shared_;
  }

  Job(JobConfig config, JobListener listener, JobDeps deps);  // use start()

 private:
  // FlowHost
  const JobConfig &config() const override { return cfg_; }
  HttpRequest service_request(const char *method, const std::string &url) override;
  void send(RequestKind kind, std::function<HttpRequest()> build, AnswerFn answer) override;
  void after(unsigned ms, std::function<void()> fn) override;
  void begin_work(bool billable) override;
  void note_task(const std::string &task_id, const std::string &status) override;
  double seconds_working() const override;
  int64_t wall_s() const override { return deps_.loop->wall_s(); }
  void progress(Progress progress) override;
  void finish(Outcome outcome) override;
  std::function<void(std::function<void()>)> guarded_poster() override;
  const LocalEngineFactory &local_engine_factory() const override { return deps_.local_engine; }

  void begin();
  void read_clip_metadata();
  void validate_and_run();
  // The clip passed: through the cache, a shared request or the queue.
  void admit();
  void admit_with_content(std::string content);
  void on_deadline();
  void send_attempt(RequestKind kind, std::function<HttpRequest()> build, AnswerFn answer, unsigned attempt);
  void give_up(RequestKind kind, Failure refusal, Verdict verdict, unsigned attempts);
  Failure transport_failure(RequestKind kind, const HttpResponse &resp) const;
  // A timer in `slot`, replacing the one there; the callback runs only while
  // the job goes on.
  void set_timer(EventLoop::TimerId &slot, unsigned ms, std::function<void()> fn);
  void clear_timers();
  void emit_progress(Progress progress);
  // Every entry into the job from the loop runs through here: under
  // step_lock_, and not at all once the job stopped.
  template <class Fn>
  void step(Fn &&fn) {
    std::lock_guard<std::recursive_mutex> g(step_lock_);
    if (!stopped()) fn();
  }
  bool stopped() const { return cancelled_.load() || finished_; }

  JobConfig cfg_;
  JobListener listener_;
  JobDeps deps_;
  std::unique_ptr<ProviderFlow> flow_;
  GCancellable *cancellable_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> submitted_{false};
  std::recursive_mutex step_lock_;  // held while a step runs; cancel() waits on it
  // Loop thread only from here on.
  bool finished_ = false;
  int64_t started_us_ = 0;
  int64_t working_since_us_ = 0;  // 0 until the flow began its work
  EventLoop::TimerId deadline_ = 0;
  EventLoop::TimerId retry_timer_ = 0;
  EventLoop::TimerId flow_timer_ = 0;
  std::string task_id_;
  std::string task_status_;
  mutable std::mutex task_lock_;
  std::string task_id_shared_;  // task_id_, for other threads (with task_lock_)
  std::string probe_problem_;   // why the clip probe learned nothing, for the error
  // "POST https://host/path" while a flow reads that request's answer: a
  // failure it finishes with names the request in its detail.
  std::string answering_;
  HttpValidators validators_;  // of an http(s) clip, from the HEAD answer
  Admission::Handle admission_ = 0;
  int64_t submitted_wall_s_ = 0;
  JitterRng rng_;
};

}  // namespace idf
