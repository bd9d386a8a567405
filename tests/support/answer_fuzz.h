// SPDX-License-Identifier: LGPL-2.1-or-later
// A seeded generator of hostile service answers for both dialects, and the
// checks every outcome must pass. Shared by the fuzz test of the suite, the
// libFuzzer targets (as their seed corpus) and job-level runs.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <variant>

#include "model/result.h"
#include "wire/kirin_dialect.h"

namespace answer_fuzz {

enum class Dialect {
  Kling,      // the synchronous answer: a Kling envelope
  KirinTask,  // a Kirin submission/poll answer, the envelope inside output[].content[].text
};

struct Case {
  Dialect dialect = Dialect::Kling;
  std::string kind;  // how it was made: "valid", "mutated", "truncated", "deep", "huge", "non-utf8", ...
  std::string body;
  unsigned http_status = 200;
  std::string task_id;  // KirinTask: the id the poll asked about
};

class Generator {
 public:
  explicit Generator(uint32_t seed, size_t max_body_bytes = 5u << 20);
  // The next case, alternating dialects.
  Case next();

 private:
  std::string kling_envelope(int depth_budget);
  std::string kirin_task(const std::string &task_id);
  std::string face();
  std::string value(const char *field);  // a good or bad value for the field
  std::string text_value();              // a JSON string literal, sometimes hostile
  std::string mutate(std::string s);
  std::string deep(size_t levels);
  size_t pick(size_t n);
  bool chance(double p);
  bool bad(double p);  // chance(p), scaled by how hostile this case is

  double hostility_ = 1.0;
  std::mt19937 rng_;
  size_t max_body_bytes_;
  unsigned counter_ = 0;
};

// The text as a JSON string literal (quotes and backslashes escaped; other
// bytes, valid UTF-8 or not, as they are).
std::string json_string(const std::string &text);

// "" when the outcome keeps the dialects' promises, else what is wrong:
// a Result has a session id, every face a non-empty id and start <= end;
// a Failure has a message; every string is valid UTF-8.
std::string check_outcome(const idf::Outcome &outcome);
// Same for a Kirin answer; with `expected_task_id`, a TaskStatus must be
// about that task.
std::string check_task(const std::variant<idf::TaskStatus, idf::Failure> &parsed,
                       const std::string &expected_task_id = "");

}  // namespace answer_fuzz
