// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/task_flow.h"

#include <glib.h>

#include "base/debug_categories.h"

#define GST_CAT_DEFAULT idf_job_debug

namespace idf {

void TaskFlow::start(FlowHost &host, const std::string &existing_task, const std::string &collecting_text,
                     const std::string &submitting_text, std::function<HttpRequest()> build) {
  host_ = &host;
  const JobConfig &cfg = host.config();
  schedule_.emplace(cfg.poll_interval_ms, cfg.poll_interval_max_ms);
  if (!existing_task.empty()) {
    task_id_ = existing_task;
    host.begin_work(false);
    host.note_task(task_id_, "");
    host.progress({IDENTIFYFACE_PHASE_POLLING, collecting_text});
    poll();
    return;
  }
  host.begin_work(true);
  host.progress({IDENTIFYFACE_PHASE_SUBMITTING, submitting_text});
  host.send(RequestKind::Submission, std::move(build), [this](const HttpResponse &resp) { return on_answer(resp); });
}

// Refusals (HTTP errors, error envelopes) go back to the retry policy;
// anything else decides the task's next step.
std::optional<Failure> TaskFlow::on_answer(const HttpResponse &resp) {
  auto parsed = parse(resp);  // a poll answer must be about the submitted task
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
    GST_INFO("%s: %s %s submitted", host_->config().requester.c_str(), task_noun(), task_id_.c_str());
  }
  host_->note_task(task_id_, task.status);
  status_ = task.status;
  switch (task.state) {
    case TaskState::Completed:
    case TaskState::Failed: host_->finish(std::move(task.outcome)); return std::nullopt;
    case TaskState::Unknown:
      GST_DEBUG("%s: %s %s: unknown status \"%s\", polling on", host_->config().requester.c_str(), task_noun(),
                task_id_.c_str(), task.status.c_str());
      break;
    case TaskState::Running: break;
  }
  unsigned delay = schedule_->next_ms((uint64_t)(host_->seconds_working() * 1000));
  if (auto ra = parse_retry_after_ms(resp.retry_after.c_str(), host_->wall_s())) delay = *ra;
  host_->after(delay, [this] { poll(); });
  return std::nullopt;
}

void TaskFlow::poll() {
  if (poll_url().empty()) {
    host_->finish(Failure::config("task id \"" + task_id_ + "\" cannot name a task in a URL").with_task_id(task_id_));
    return;
  }
  auto build = [this] { return host_->service_request("GET", poll_url()); };
  host_->send(RequestKind::Poll, build, [this](const HttpResponse &resp) {
    auto refusal = on_answer(resp);
    if (!refusal) {
      char secs[32];
      g_snprintf(secs, sizeof secs, "%.1f", host_->seconds_working());
      Progress p{IDENTIFYFACE_PHASE_POLLING,
                 std::string(task_noun()) + " " + task_id_ + ": " + status_ + " (" + secs + " s)"};
      p.status = status_;
      host_->progress(std::move(p));
    }
    return refusal;
  });
}

}  // namespace idf
