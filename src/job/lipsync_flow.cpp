// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/lipsync_flow.h"

#include "base/debug_categories.h"
#include "wire/lipsync_dialect.h"
#include "wire/lipsync_request.h"

#define GST_CAT_DEFAULT idf_job_debug

namespace idf {

namespace {

class LipsyncFlow final : public ProviderFlow {
 public:
  explicit LipsyncFlow(Provider provider) : provider_(provider) {}

  void run(FlowHost &host) override {
    host_ = &host;
    const JobConfig &cfg = host.config();
    if (provider_ == Provider::Local || !cfg.lipsync) {
      host.finish(Failure::config("provider=local makes no lip-sync: use provider=kling or provider=kirin"));
      return;
    }
    schedule_.emplace(cfg.poll_interval_ms, cfg.poll_interval_max_ms);
    // JobConfig::task_id (any flow's) or the lip-sync's own.
    const std::string &collect = !cfg.task_id.empty() ? cfg.task_id : cfg.lipsync->task_id;
    if (!collect.empty()) {
      // Collecting a task submitted before: polls only, nothing billed.
      task_id_ = collect;
      host.begin_work(false);
      host.note_task(task_id_, "");
      host.progress({IDENTIFYFACE_PHASE_POLLING, "collecting lip-sync task " + task_id_});
      poll();
      return;
    }
    host.begin_work(true);
    host.progress(
        {IDENTIFYFACE_PHASE_SUBMITTING, std::string("submitting the lip-sync to ") + provider_name(provider_)});
    auto build = [this] {
      const JobConfig &c = host_->config();
      HttpRequest req = host_->service_request("POST", c.api_url);
      req.content_type = "application/json";
      req.body =
          provider_ == Provider::Kirin ? kirin_lipsync_body(c.model, *c.lipsync) : kling_lipsync_body(*c.lipsync);
      req.new_connection = true;
      return req;
    };
    host.send(RequestKind::Submission, build, [this](const HttpResponse &resp) { return on_answer(resp); });
  }

 private:
  std::variant<TaskStatus, Failure> parse(const HttpResponse &resp) const {
    return provider_ == Provider::Kirin ? parse_kirin_lipsync_task(resp.body, resp.status, task_id_)
                                        : parse_kling_lipsync_task(resp.body, resp.status, task_id_);
  }

  std::string poll_url() const {
    const JobConfig &cfg = host_->config();
    if (provider_ == Provider::Kirin || !cfg.poll_url.empty())
      return kirin_poll_url(cfg.poll_url, cfg.api_url, task_id_);  // fills a {task_id} template
    return kling_lipsync_poll_url(cfg.api_url, task_id_);
  }

  // A submission or poll answer: refusals go back to the retry policy;
  // anything else decides the task's next step.
  std::optional<Failure> on_answer(const HttpResponse &resp) {
    auto parsed = parse(resp);
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
      GST_INFO("%s: lip-sync task %s submitted", host_->config().requester.c_str(), task_id_.c_str());
    }
    host_->note_task(task_id_, task.status);
    status_ = task.status;
    switch (task.state) {
      case TaskState::Completed:
      case TaskState::Failed: host_->finish(std::move(task.outcome)); return std::nullopt;
      case TaskState::Unknown:
        GST_DEBUG("%s: lip-sync task %s: unknown status \"%s\", polling on", host_->config().requester.c_str(),
                  task_id_.c_str(), task.status.c_str());
        break;
      case TaskState::Running: break;
    }
    unsigned delay = schedule_->next_ms((uint64_t)(host_->seconds_working() * 1000));
    if (auto ra = parse_retry_after_ms(resp.retry_after.c_str(), host_->wall_s())) delay = *ra;
    host_->after(delay, [this] { poll(); });
    return std::nullopt;
  }

  void poll() {
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
        Progress p{IDENTIFYFACE_PHASE_POLLING, "lip-sync task " + task_id_ + ": " + status_ + " (" + secs + " s)"};
        p.status = status_;
        host_->progress(std::move(p));
      }
      return refusal;
    });
  }

  Provider provider_;
  FlowHost *host_ = nullptr;  // the job owns this flow and outlives its callbacks
  std::optional<PollSchedule> schedule_;
  std::string task_id_;
  std::string status_;
};

}  // namespace

std::unique_ptr<ProviderFlow> make_lipsync_flow(Provider provider) {
  return std::make_unique<LipsyncFlow>(provider);
}

const char *lipsync_default_url(Provider provider) {
  switch (provider) {
    case Provider::Kling: return kKlingLipsyncDefaultUrl;
    case Provider::Kirin: return kKirinDefaultUrl;
    case Provider::Local: return "";
  }
  return "";
}

}  // namespace idf
