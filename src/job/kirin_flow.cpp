// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=kirin: submit a task, then poll it until it completes or fails
// (job/task_flow).
#include "job/task_flow.h"
#include "wire/kirin_dialect.h"

namespace idf {

namespace {

class KirinFlow final : public TaskFlow {
 public:
  bool billed() const override { return true; }
  // The endpoint and the model the task names.
  void add_cache_key_parts(const JobConfig &config, CacheKey &key) const override {
    key.endpoint = config.api_url;
    key.model = config.model;
  }
  bool takes_queue_place(const JobConfig &) const override { return true; }

  void run(FlowHost &host) override {
    const std::string &task = host.config().task_id;
    start(host, task, "collecting task " + task + " (no submission)", "submitting the clip to kirin", [this] {
      HttpRequest req = host_->service_request("POST", host_->config().api_url);
      req.content_type = "application/json";
      req.body = kirin_submit_body(host_->config().model, host_->config().target);
      req.new_connection = true;
      return req;
    });
  }

 private:
  std::variant<TaskStatus, Failure> parse(const HttpResponse &resp) const override {
    return parse_kirin_task(resp.body, resp.status, task_id_);
  }
  std::string poll_url() const override {
    const JobConfig &cfg = host_->config();
    return kirin_poll_url(cfg.poll_url, cfg.api_url, task_id_);
  }
  const char *task_noun() const override { return "task"; }
};

}  // namespace

std::unique_ptr<ProviderFlow> make_kirin_flow() {
  return std::make_unique<KirinFlow>();
}

}  // namespace idf
