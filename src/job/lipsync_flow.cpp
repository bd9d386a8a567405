// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/lipsync_flow.h"

#include "job/task_flow.h"
#include "wire/lipsync_dialect.h"
#include "wire/lipsync_request.h"

namespace idf {

namespace {

class LipsyncFlow final : public TaskFlow {
 public:
  explicit LipsyncFlow(Provider provider) : provider_(provider) {}

  bool billed() const override { return provider_ != Provider::Local; }
  // Never looked up (a lip-sync's key names no clip), but complete.
  void add_cache_key_parts(const JobConfig &config, CacheKey &key) const override {
    if (provider_ == Provider::Local) return;
    key.endpoint = config.api_url;
    if (provider_ == Provider::Kirin) key.model = config.model;
  }
  // Collecting a task submitted before adds none to the account's.
  bool takes_queue_place(const JobConfig &config) const override {
    return billed() && !(config.lipsync && !config.lipsync->task_id.empty());
  }

  void run(FlowHost &host) override {
    host_ = &host;
    const JobConfig &cfg = host.config();
    if (provider_ == Provider::Local || !cfg.lipsync) {
      host.finish(Failure::config("provider=local makes no lip-sync: use provider=kling or provider=kirin"));
      return;
    }
    // JobConfig::task_id (any flow's) or the lip-sync's own; collecting a
    // task submitted before polls only, nothing billed.
    const std::string &collect = !cfg.task_id.empty() ? cfg.task_id : cfg.lipsync->task_id;
    start(host, collect, "collecting lip-sync task " + collect,
          std::string("submitting the lip-sync to ") + provider_name(provider_), [this] {
            const JobConfig &c = host_->config();
            HttpRequest req = host_->service_request("POST", c.api_url);
            req.content_type = "application/json";
            req.body =
                provider_ == Provider::Kirin ? kirin_lipsync_body(c.model, *c.lipsync) : kling_lipsync_body(*c.lipsync);
            req.new_connection = true;
            return req;
          });
  }

 private:
  std::variant<TaskStatus, Failure> parse(const HttpResponse &resp) const override {
    return provider_ == Provider::Kirin ? parse_kirin_lipsync_task(resp.body, resp.status, task_id_)
                                        : parse_kling_lipsync_task(resp.body, resp.status, task_id_);
  }

  std::string poll_url() const override {
    const JobConfig &cfg = host_->config();
    if (provider_ == Provider::Kirin || !cfg.poll_url.empty())
      return kirin_poll_url(cfg.poll_url, cfg.api_url, task_id_);  // fills a {task_id} template
    return kling_lipsync_poll_url(cfg.api_url, task_id_);
  }
  const char *task_noun() const override { return "lip-sync task"; }

  Provider provider_;
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
