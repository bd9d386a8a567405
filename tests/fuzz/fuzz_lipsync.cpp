// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target: lip-sync answers through parse_kling_lipsync_task and
// parse_kirin_lipsync_task (success and error status, submission and poll).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/lipsync_fuzz.h"
#include "wire/lipsync_dialect.h"

static void require(const std::string &why, const char *where) {
  if (why.empty()) return;
  fprintf(stderr, "%s: %s\n", where, why.c_str());
  abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string body((const char *)data, size);
  for (unsigned status : {200u, 502u}) {
    for (const char *task : {"", "t-1"}) {
      require(lipsync_fuzz::check_lipsync_task(idf::parse_kling_lipsync_task(body, status, task), task),
              "parse_kling_lipsync_task");
      require(lipsync_fuzz::check_lipsync_task(idf::parse_kirin_lipsync_task(body, status, task), task),
              "parse_kirin_lipsync_task");
    }
  }
  return 0;
}
