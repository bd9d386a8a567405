// SPDX-License-Identifier: LGPL-2.1-or-later
// How one provider turns a clip that passed validation into an outcome.
// The job owns the flow, runs it on its loop thread and guards every
// callback it hands out: a flow never runs for a cancelled or finished job.
// Adding a provider is one file with its flow plus a line in
// provider_registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/transport.h"
#include "job/job_settings.h"
#include "local/local_engine.h"
#include "model/public_names.h"
#include "model/result.h"
#include "wire/retry_policy.h"

namespace idf {

// One step of an identification, as the element reports it beside the
// stream (an identify-face-progress message).
struct Progress {
  Progress(std::string phase_, std::string text_) : phase(std::move(phase_)), text(std::move(text_)) {}
  std::string phase;     // IDENTIFYFACE_PHASE_*: checking, submitting, queued, polling, analysing, complete, error
  std::string text;      // for people
  double elapsed_s = 0;  // since the identification began; the job fills it in
  std::string status;    // the service's task status, "" when none
  std::optional<double> fraction;        // provider=local: share of the clip analysed
  std::optional<size_t> queue_position;  // waiting in the account's queue
  std::string task_id;                   // the service's task, once one exists; the job fills it in
};

// One HTTP answer, interpreted once by the flow: nullopt when it was accepted
// (and acted on), or the refusal (HTTP error, service error code, malformed
// answer) that the retry policy classifies.
using AnswerFn = std::function<std::optional<Failure>(const HttpResponse &)>;

using LocalEngineFactory =
    std::function<std::shared_ptr<LocalEngine>(LocalEngineOptions, LocalEngine::ProgressFn, LocalEngine::DoneFn)>;

// What the job offers its flow. Loop thread only, unless said otherwise.
class FlowHost {
 public:
  virtual const JobConfig &config() const = 0;
  // A request to the service carrying the job's Authorization and Accept
  // headers, request-timeout and requester.
  virtual HttpRequest service_request(const char *method, const std::string &url) = 0;
  // Sends with the retry policy; `answer` sees every HTTP answer.
  virtual void send(RequestKind kind, std::function<HttpRequest()> build, AnswerFn answer) = 0;
  // Runs `fn` after `ms` unless the job stops first. One such timer at a time.
  virtual void after(unsigned ms, std::function<void()> fn) = 0;
  // The work starts now (elapsed times count from here); `billable` when the
  // clip is handed to a service that may charge for it.
  virtual void begin_work(bool billable) = 0;
  // The task the service created, and its last status (for the deadline's
  // message and the result).
  virtual void note_task(const std::string &task_id, const std::string &status) = 0;
  virtual double seconds_working() const = 0;
  virtual int64_t wall_s() const = 0;
  virtual void progress(Progress progress) = 0;
  virtual void finish(Outcome outcome) = 0;
  // Any thread: a function that runs its argument on the loop thread, unless
  // the job has stopped or is gone by then.
  virtual std::function<void(std::function<void()>)> guarded_poster() = 0;
  virtual const LocalEngineFactory &local_engine_factory() const = 0;

 protected:
  ~FlowHost() = default;
};

class ProviderFlow {
 public:
  virtual ~ProviderFlow() = default;
  // Loop thread. Ends with host.finish(), unless the job stops first.
  virtual void run(FlowHost &host) = 0;
  // Any thread, synchronous: stops work the flow runs off the loop (the local
  // engine). Requests and timers are the job's to cancel.
  virtual void cancel() {}
};

struct ProviderInfo {
  Provider id;
  const char *name;         // "kling", as the provider enum's nick
  const char *default_url;  // "" when the provider calls no service
  bool needs_credentials;
  std::unique_ptr<ProviderFlow> (*make_flow)();
};

const ProviderInfo &provider_info(Provider provider);
inline const char *provider_name(Provider provider) {
  return provider_info(provider).name;
}

// One per provider file.
std::unique_ptr<ProviderFlow> make_kling_flow();
std::unique_ptr<ProviderFlow> make_kirin_flow();
std::unique_ptr<ProviderFlow> make_local_flow();

}  // namespace idf
