// SPDX-License-Identifier: LGPL-2.1-or-later
// Generated hostile lip-sync answers through both lip-sync parsers, and the
// identify-face generator's hostile answers through them too: no crash, and
// every outcome keeps the promises of lipsync_fuzz::check_lipsync_task.
#include <glib.h>

#include <map>

#include "support/answer_fuzz.h"
#include "support/lipsync_fuzz.h"
#include "wire/lipsync_dialect.h"

namespace {

void check(const std::string &body, unsigned status, const std::string &task_id, const char *kind,
           std::map<std::string, unsigned> *completed) {
  for (bool kirin : {false, true}) {
    for (const std::string &expected : {std::string(), task_id}) {
      auto parsed = kirin ? idf::parse_kirin_lipsync_task(body, status, expected)
                          : idf::parse_kling_lipsync_task(body, status, expected);
      std::string why = lipsync_fuzz::check_lipsync_task(parsed, expected);
      if (!why.empty())
        g_error("%s parser, %s case (status %u, %zu bytes): %s\nbody starts: %.300s", kirin ? "kirin" : "kling", kind,
                status, body.size(), why.c_str(), body.c_str());
      if (auto *st = std::get_if<idf::TaskStatus>(&parsed))
        if (st->state == idf::TaskState::Completed && std::holds_alternative<idf::Result>(st->outcome))
          (*completed)[std::string(kirin ? "kirin " : "kling ") + kind]++;
    }
  }
}

void test_lipsync_generator() {
  for (uint32_t seed : {1u, 20261207u}) {
    lipsync_fuzz::Generator gen(seed);
    std::map<std::string, unsigned> completed, kinds;
    for (int i = 0; i < 600; i++) {
      lipsync_fuzz::Case c = gen.next();
      kinds[c.kind]++;
      check(c.body, c.http_status, c.task_id, c.kind.c_str(), &completed);
    }
    // Not degenerate: valid answers of both dialects complete, and every
    // hostile kind is seen.
    g_assert_cmpuint(completed["kling valid"], >, 0);
    g_assert_cmpuint(completed["kirin valid"], >, 0);
    for (const char *kind : {"mutated", "truncated", "deep", "non-utf8", "wrong-types"})
      if (!kinds[kind]) g_error("seed %u: no %s case", seed, kind);
  }
}

void test_identify_face_answers_through_lipsync_parsers() {
  answer_fuzz::Generator gen(7, 256 * 1024);
  std::map<std::string, unsigned> completed;
  for (int i = 0; i < 300; i++) {
    answer_fuzz::Case c = gen.next();
    check(c.body, c.http_status, c.task_id, c.kind.c_str(), &completed);
  }
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/fuzz-lipsync/generated", test_lipsync_generator);
  g_test_add_func("/fuzz-lipsync/identify-face-answers", test_identify_face_answers_through_lipsync_parsers);
  return g_test_run();
}
