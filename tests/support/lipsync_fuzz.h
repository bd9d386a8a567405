// SPDX-License-Identifier: LGPL-2.1-or-later
// A seeded generator of hostile lip-sync answers (Kling's advanced
// lip-sync envelope, Kirin's kirin_lipsync task) and the promises every
// parsed answer must keep. Shared by the suite's fuzz test and the
// libFuzzer target (as its seed corpus), like answer_fuzz.h.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <variant>

#include "wire/kirin_dialect.h"

namespace lipsync_fuzz {

struct Case {
  bool kirin = false;
  std::string kind;  // "valid", "mutated", "truncated", "deep", "huge", "non-utf8", "wrong-types"
  std::string body;
  unsigned http_status = 200;
  std::string task_id;  // the task a poll asked about ("" for a submission)
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}
  Case next();  // alternating dialects

 private:
  std::string kling_envelope(bool wrong_types);
  std::string kirin_task(bool wrong_types);
  std::string video(bool wrong_types);
  std::string task_id_member(const char *name, const std::string &id);
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::mt19937 rng_;
  unsigned counter_ = 0;
  std::string task_id_;
};

// "" when a parsed lip-sync answer keeps the dialects' promises, else what
// is wrong: a Failure has a message; a task's id can name a task (and is
// `expected_task_id` when given); a completed task's Result has at least one
// video, each with an http(s) URL, and the task's id; every string is valid
// UTF-8.
std::string check_lipsync_task(const std::variant<idf::TaskStatus, idf::Failure> &parsed,
                               const std::string &expected_task_id = "");

}  // namespace lipsync_fuzz
