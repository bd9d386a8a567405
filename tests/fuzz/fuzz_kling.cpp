// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target: Kling answers through parse_kling_response (with a
// success and an error status), kling_service_code, and the checked
// json-glib path (json::parse) that Job still uses.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/answer_fuzz.h"
#include "wire/json_util.h"
#include "wire/kling_dialect.h"

static void require(const std::string &why, const char *where) {
  if (why.empty()) return;
  fprintf(stderr, "%s: %s\n", where, why.c_str());
  abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string body((const char *)data, size);
  for (unsigned status : {200u, 502u})
    require(answer_fuzz::check_outcome(idf::parse_kling_response(body, status)), "parse_kling_response");
  std::string code = idf::kling_service_code(body);
  if (!g_utf8_validate(code.data(), (gssize)code.size(), nullptr)) require("invalid UTF-8 code", "kling_service_code");
  if (JsonNode *node = idf::json::parse(body, nullptr)) json_node_unref(node);
  return 0;
}
