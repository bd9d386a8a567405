// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=kling: one synchronous POST answered with the result.
#include "job/provider_flow.h"
#include "wire/kling_dialect.h"

namespace idf {

namespace {

class KlingFlow final : public ProviderFlow {
 public:
  void run(FlowHost &host) override {
    host.begin_work(true);
    host.progress({IDENTIFYFACE_PHASE_SUBMITTING, "submitting the clip to kling"});
    FlowHost *h = &host;  // the job owns this flow and outlives its callbacks
    auto build = [h] {
      HttpRequest req = h->service_request("POST", h->config().api_url);
      req.content_type = "application/json";
      req.body = kling_request_body(h->config().target);
      req.new_connection = true;
      return req;
    };
    host.send(RequestKind::Submission, build, [h](const HttpResponse &resp) -> std::optional<Failure> {
      Outcome out = parse_kling_response(resp.body, resp.status);
      if (auto *refusal = std::get_if<Failure>(&out)) return *refusal;
      h->finish(std::move(out));
      return std::nullopt;
    });
  }
};

}  // namespace

std::unique_ptr<ProviderFlow> make_kling_flow() {
  return std::make_unique<KlingFlow>();
}

}  // namespace idf
