// SPDX-License-Identifier: LGPL-2.1-or-later
// A flow that submits a task and polls it until it completes or fails: the
// Kirin identification and both lip-syncs. What an answer about a task means
// (a refusal for the retry policy, a submission whose fate is unknown and is
// never resent, the task's next step) is decided here once; each flow says
// how its answers parse, where its task is polled and what it is called.
// Polls follow PollSchedule; a Retry-After of the service wins.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "job/provider_flow.h"
#include "wire/kirin_dialect.h"

namespace idf {

class TaskFlow : public ProviderFlow {
 protected:
  // On `host`: collects `existing_task` when set (polls only: nothing new is
  // billed), else submits the request `build` makes. The texts are the
  // first progress step of each way.
  void start(FlowHost &host, const std::string &existing_task, const std::string &collecting_text,
             const std::string &submitting_text, std::function<HttpRequest()> build);

  // A submission or poll answer, as this flow's dialect reads it.
  virtual std::variant<TaskStatus, Failure> parse(const HttpResponse &resp) const = 0;
  // Where task_id_ is polled; "" when the id cannot name a task in a URL.
  virtual std::string poll_url() const = 0;
  // What progress and logs call the task: "task", "lip-sync task".
  virtual const char *task_noun() const = 0;

  FlowHost *host_ = nullptr;  // the job owns this flow and outlives its callbacks
  std::string task_id_;

 private:
  std::optional<Failure> on_answer(const HttpResponse &resp);
  void poll();

  std::optional<PollSchedule> schedule_;
  std::string status_;
};

}  // namespace idf
