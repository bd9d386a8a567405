// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target: Kirin task answers through parse_kirin_task, as a
// submission answer and as a poll answer about task "t-1".
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/answer_fuzz.h"
#include "wire/kirin_dialect.h"

static void require(const std::string &why, const char *where) {
  if (why.empty()) return;
  fprintf(stderr, "%s: %s\n", where, why.c_str());
  abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string body((const char *)data, size);
  require(answer_fuzz::check_task(idf::parse_kirin_task(body, 200)), "parse_kirin_task");
  require(answer_fuzz::check_task(idf::parse_kirin_task(body, 200, "t-1"), "t-1"), "parse_kirin_task (poll)");
  return 0;
}
