// Small json-glib helpers for the lenient parsing the services need:
// numbers are sometimes sent as strings and vice versa.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <optional>
#include <string>

namespace idf::json {

// Parses `text`; nullptr (and `error` filled) when it is not JSON.
JsonNode *parse(const std::string &text, std::string *error);

JsonObject *object_member(JsonObject *obj, const char *name);
JsonArray *array_member(JsonObject *obj, const char *name);
bool has(JsonObject *obj, const char *name);

// A string member, or a number rendered as text ("0", "12.5"); nullopt when
// absent, null, or another type.
std::optional<std::string> text_member(JsonObject *obj, const char *name);
// An integer member sent as number or numeric string.
std::optional<int64_t> int_member(JsonObject *obj, const char *name);
std::optional<double> double_member(JsonObject *obj, const char *name);

std::string to_string(JsonNode *node);

}  // namespace idf::json
