// SPDX-License-Identifier: LGPL-2.1-or-later
// Hundreds of generated hostile answers (malformed, truncated, mutated,
// huge, deep, not UTF-8) through both dialects: no crash, and every outcome
// is an error or a consistent result with valid UTF-8 strings.
#include <glib.h>

#include <map>

#include "support/answer_fuzz.h"
#include "wire/kirin_dialect.h"
#include "wire/kling_dialect.h"

using namespace answer_fuzz;

static void fail_case(const Case &c, const char *parser, const std::string &why) {
  g_error("%s, %s case (status %u, %zu bytes): %s\nbody starts: %.300s", parser, c.kind.c_str(), c.http_status,
          c.body.size(), why.c_str(), c.body.c_str());
}

static void run_seed(uint32_t seed, unsigned cases) {
  Generator gen(seed);
  std::map<std::string, unsigned> successes, failures;
  for (unsigned i = 0; i < cases; i++) {
    Case c = gen.next();
    // Every body goes through every parser: a Kling answer on the task path
    // (a misconfigured provider) must be as harmless as the reverse.
    idf::Outcome kling = idf::parse_kling_response(c.body, c.http_status);
    std::string why = check_outcome(kling);
    if (!why.empty()) fail_case(c, "parse_kling_response", why);
    auto task = idf::parse_kirin_task(c.body, c.http_status);
    why = check_task(task);
    if (!why.empty()) fail_case(c, "parse_kirin_task", why);
    auto poll = idf::parse_kirin_task(c.body, c.http_status, c.task_id);
    why = check_task(poll, c.task_id);
    if (!why.empty()) fail_case(c, "parse_kirin_task (poll)", why);

    if (c.dialect == Dialect::Kling)
      (std::holds_alternative<idf::Result>(kling) ? successes : failures)["kling " + c.kind]++;
    else if (auto *st = std::get_if<idf::TaskStatus>(&poll))
      (st->state == idf::TaskState::Completed && std::holds_alternative<idf::Result>(st->outcome)
           ? successes
           : failures)["kirin " + c.kind]++;
    else
      failures["kirin " + c.kind]++;
  }
  for (auto &kv : failures)
    g_test_message("seed %u: %-18s %3u refused, %3u accepted", seed, kv.first.c_str(), kv.second, successes[kv.first]);
  // The generator is not degenerate: valid answers of both dialects pass,
  // and each hostile kind is seen.
  g_assert_cmpuint(successes["kling valid"], >, 0);
  g_assert_cmpuint(successes["kirin valid"], >, 0);
  for (const char *kind : {"mutated", "truncated", "deep", "huge", "non-utf8"})
    g_assert_cmpuint(failures[std::string("kling ") + kind] + failures[std::string("kirin ") + kind], >, 0);
}

static void test_seed_1() {
  run_seed(1, 300);
}

static void test_seed_2() {
  run_seed(20240607, 300);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/fuzz-answers/seed-1", test_seed_1);
  g_test_add_func("/fuzz-answers/seed-2", test_seed_2);
  return g_test_run();
}
