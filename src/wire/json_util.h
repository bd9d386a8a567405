// SPDX-License-Identifier: LGPL-2.1-or-later
// Small json-glib helpers, for callers holding json-glib nodes. The
// dialects read answers with json_doc.h instead (faster, no recursion).
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace idf::json {

struct ParseProblem {
  bool over_limit = false;  // the answer breaks kMaxAnswerBytes or kMaxAnswerDepth
  std::string what;         // human, names the limit when over_limit
  std::string detail;       // json-glib's own error, when it had one
};

// Parses `text` after Doc::check() with the answer limits (answer_limits.h);
// nullptr (and `problem` filled) when it is not JSON or breaks a limit.
JsonNode *parse(std::string_view text, ParseProblem *problem);
// Same; `error` gets a one-line reason.
JsonNode *parse(const std::string &text, std::string *error);

JsonObject *object_member(JsonObject *obj, const char *name);
JsonArray *array_member(JsonObject *obj, const char *name);
bool has(JsonObject *obj, const char *name);

// The member's node, or nullptr when absent.
JsonNode *member(JsonObject *obj, const char *name);

// A string member, or a number rendered as text ("0", "12.5"); nullopt when
// absent, null, or another type. Always valid UTF-8: json-glib turns a lone
// "\ud800" escape into invalid bytes, which are replaced here.
std::optional<std::string> text_member(JsonObject *obj, const char *name);
// An integer member sent as number or numeric string.
std::optional<int64_t> int_member(JsonObject *obj, const char *name);
std::optional<double> double_member(JsonObject *obj, const char *name);

std::string to_string(JsonNode *node);
// The document `builder` built, as compact text; releases the builder.
std::string finish(JsonBuilder *builder);

// A short rendering of a value for messages: 12, 1e+19, "abc…", an object,
// an array, null, true.
std::string describe(JsonNode *node);

}  // namespace idf::json
