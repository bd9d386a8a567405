// SPDX-License-Identifier: LGPL-2.1-or-later
// A job on a manual loop and a scripted transport, with what its listener
// heard: the fixture of the job policy and admission tests.
#pragma once

#include <glib.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "job/job.h"
#include "support/manual_loop.h"
#include "support/scripted_transport.h"

namespace jobtest {

using namespace idf;

extern const char *kKlingOk;
std::string kling_code(const char *code);
std::string kirin_task(const char *status, const char *extra = "", const char *task_id = "t-1");
std::string kirin_completed(const char *task_id = "t-1");
ClipInfo valid_clip();
void assert_contains(const std::string &text, const char *needle);

struct Run {
  ManualLoop loop;
  ScriptedTransport transport{loop};
  JobConfig cfg;
  LocalEngineFactory local_engine;
  Admission *admission = nullptr;
  std::vector<Progress> progress;
  std::vector<std::string> warnings;
  std::optional<Outcome> outcome;
  int done_calls = 0;
  std::shared_ptr<Job> job;

  explicit Run(Provider provider = Provider::Kling);
  ~Run();
  void start();
  bool finish_within_s(int64_t s);
  const Failure &failure() const;
  const Result &result() const;
};

}  // namespace jobtest
