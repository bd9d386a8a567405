// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=kirin: submit a task, then poll it until it completes or fails.
// Polls follow PollSchedule; a Retry-After of the service wins.
#include "base/debug_categories.h"
#include "job/provider_flow.h"
#include "wire/kirin_dialect.h"

#define GST_CAT_DEFAULT idf_job_debug

namespace idf {

namespace {

class KirinFlow final : public ProviderFlow {
 public:
  void run(FlowHost &host) override {
    host_ = &host;
    const JobConfig &cfg = host.config();
    schedule_.emplace(cfg.poll_interval_ms, cfg.poll_interval_max_ms);
    if (!cfg.task_id.empty()) {
      // An existing task: polled only. Nothing new is billed.
      task_id_ = cfg.task_id;
      host.begin_work(false);
      host.note_task(task_id_, "");
      host.progress({IDENTIFYFACE_PHASE_POLLING, "collecting task " + task_id_ + " (no submission)"});
      poll();
      return;
    }
    host.begin_work(true);
    host.progress({IDENTIFYFACE_PHASE_SUBMITTING, "submitting the clip to kirin"});
    auto build = [this] {
      HttpRequest req = host_->service_request("POST", host_->config().api_url);
      req.content_type = "application/json";
      req.body = kirin_submit_body(host_->config().model, host_->config().target);
      req.new_connection = true;
      return req;
    };
    host.send(RequestKind::Submission, build, [this](const HttpResponse &resp) { return on_answer(resp); });
  }

 private:
  // A submission or poll answer. Refusals (HTTP errors, error envelopes) go
  // back to the retry policy; anything else decides the task's next step.
  std::optional<Failure> on_answer(const HttpResponse &resp) {
    // A poll answer must be about the submitted task.
    auto parsed = parse_kirin_task(resp.body, resp.status, task_id_);
    if (auto *f = std::get_if<Failure>(&parsed)) {
      if (resp.status >= 300 || !f->code.empty()) return *f;
      if (task_id_.empty()) {
        // A 2xx answer that is not a task: the submission's fate is unknown.
        f->kind = Failure::Kind::Ambiguous;
        f->message += "; the submission may have created a task, so it is not resent";
      }
      host_->finish(std::move(*f));
      return std::nullopt;
    }
    auto &task = std::get<TaskStatus>(parsed);
    if (task_id_.empty()) {
      if (task.task_id.empty()) {
        host_->finish(Failure::ambiguous("the submission's answer has no task_id or id (status \"" + task.status +
                                         "\"); the task may exist, so the submission is not resent")
                          .with_status(resp.status));
        return std::nullopt;
      }
      task_id_ = task.task_id;
    }
    host_->note_task(task_id_, task.status);
    status_ = task.status;
    switch (task.state) {
      case TaskState::Completed:
      case TaskState::Failed: host_->finish(std::move(task.outcome)); return std::nullopt;
      case TaskState::Unknown:
        GST_DEBUG("%s: task %s: unknown status \"%s\", polling on", host_->config().requester.c_str(), task_id_.c_str(),
                  task.status.c_str());
        break;
      case TaskState::Running: break;
    }
    unsigned delay = schedule_->next_ms((uint64_t)(host_->seconds_working() * 1000));
    if (auto ra = parse_retry_after_ms(resp.retry_after.c_str(), host_->wall_s())) delay = *ra;
    host_->after(delay, [this] { poll(); });
    return std::nullopt;
  }

  void poll() {
    auto build = [this] {
      const JobConfig &cfg = host_->config();
      return host_->service_request("GET", kirin_poll_url(cfg.poll_url, cfg.api_url, task_id_));
    };
    host_->send(RequestKind::Poll, build, [this](const HttpResponse &resp) {
      auto refusal = on_answer(resp);
      if (!refusal) {
        char secs[32];
        g_snprintf(secs, sizeof secs, "%.1f", host_->seconds_working());
        Progress p{IDENTIFYFACE_PHASE_POLLING, "task " + task_id_ + ": " + status_ + " (" + secs + " s)"};
        p.status = status_;
        host_->progress(std::move(p));
      }
      return refusal;
    });
  }

  FlowHost *host_ = nullptr;  // the job owns this flow and outlives its callbacks
  std::optional<PollSchedule> schedule_;
  std::string task_id_;
  std::string status_;
};

}  // namespace

std::unique_ptr<ProviderFlow> make_kirin_flow() {
  return std::make_unique<KirinFlow>();
}

}  // namespace idf
