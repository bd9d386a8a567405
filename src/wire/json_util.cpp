// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/json_util.h"

#include <cmath>
#include <cstdlib>

#include "model/utf8_text.h"
#include "wire/json_doc.h"

namespace idf::json {

JsonNode *parse(std::string_view text, ParseProblem *problem) {
  // json-glib recurses once per level and is lenient (comments, single
  // quotes, "\u12" eating the closing quote, wrapping integers): only
  // strict JSON within the answer limits reaches it.
  Limits limits = answer_limits();
  limits.refuse_wide_integers = true;
  Problem g = Doc::check(text, limits);
  if (!g.what.empty()) {
    if (problem) {
      problem->over_limit = g.over_limit;
      problem->what = g.what;
    }
    return nullptr;
  }
  JsonParser *parser = json_parser_new_immutable();
  GError *err = nullptr;
  JsonNode *root = nullptr;
  if (json_parser_load_from_data(parser, text.data(), (gssize)text.size(), &err)) {
    root = json_parser_steal_root(parser);
    if (!root && problem) problem->what = "it is empty";
  } else if (problem) {
    problem->what = "it is not valid JSON";
    problem->detail = valid_utf8(err->message);
  }
  g_clear_error(&err);
  g_object_unref(parser);
  return root;
}

JsonNode *parse(const std::string &text, std::string *error) {
  ParseProblem p;
  JsonNode *root = parse(std::string_view(text), &p);
  if (!root && error) *error = p.what + (p.detail.empty() ? "" : " (" + p.detail + ")");
  return root;
}

JsonNode *member(JsonObject *obj, const char *name) {
  if (!obj || !json_object_has_member(obj, name)) return nullptr;
  return json_object_get_member(obj, name);
}

bool has(JsonObject *obj, const char *name) {
  JsonNode *n = member(obj, name);
  return n && !JSON_NODE_HOLDS_NULL(n);
}

JsonObject *object_member(JsonObject *obj, const char *name) {
  JsonNode *n = member(obj, name);
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : nullptr;
}

JsonArray *array_member(JsonObject *obj, const char *name) {
  JsonNode *n = member(obj, name);
  return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : nullptr;
}

// The shortest of %.15g and %.17g that reads back as `v` (1e+300, not
// 1.0000000000000001e+300).
static std::string number_text(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd(buf, sizeof buf, "%.15g", v);
  if (g_ascii_strtod(buf, nullptr) != v) g_ascii_formatd(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::optional<std::string> text_member(JsonObject *obj, const char *name) {
  JsonNode *n = member(obj, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return std::nullopt;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING) return valid_utf8(json_node_get_string(n));
  if (t == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE) return number_text(json_node_get_double(n));
  if (t == G_TYPE_BOOLEAN) return std::string(json_node_get_boolean(n) ? "true" : "false");
  return std::nullopt;
}

std::optional<double> double_member(JsonObject *obj, const char *name) {
  JsonNode *n = member(obj, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return std::nullopt;
  GType t = json_node_get_value_type(n);
  double v;
  if (t == G_TYPE_INT64)
    v = (double)json_node_get_int(n);
  else if (t == G_TYPE_DOUBLE)
    v = json_node_get_double(n);
  else if (t == G_TYPE_STRING) {
    const char *s = json_node_get_string(n);
    char *end = nullptr;
    v = g_ascii_strtod(s, &end);
    if (end == s || *end != '\0') return std::nullopt;
  } else
    return std::nullopt;
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> int_member(JsonObject *obj, const char *name) {
  auto v = double_member(obj, name);
  // Outside int64 the conversion would be undefined.
  if (!v || !(*v > -9.2e18 && *v < 9.2e18)) return std::nullopt;
  return (int64_t)std::llround(*v);
}

std::string to_string(JsonNode *node) {
  char *s = json_to_string(node, FALSE);
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

std::string describe(JsonNode *n) {
  if (!n || JSON_NODE_HOLDS_NULL(n)) return "null";
  if (JSON_NODE_HOLDS_OBJECT(n)) return "an object";
  if (JSON_NODE_HOLDS_ARRAY(n)) return "an array";
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING) return quoted_excerpt(json_node_get_string(n));
  if (t == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE) return number_text(json_node_get_double(n));
  if (t == G_TYPE_BOOLEAN) return json_node_get_boolean(n) ? "true" : "false";
  return "a value";
}

std::string finish(JsonBuilder *builder) {
  JsonNode *root = json_builder_get_root(builder);
  std::string out = to_string(root);
  json_node_unref(root);
  g_object_unref(builder);
  return out;
}

}  // namespace idf::json
