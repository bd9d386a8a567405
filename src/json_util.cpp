#include "json_util.h"

#include <cmath>
#include <cstdlib>

namespace idf::json {

JsonNode *parse(const std::string &text, std::string *error) {
  JsonParser *parser = json_parser_new_immutable();
  GError *err = nullptr;
  JsonNode *root = nullptr;
  if (json_parser_load_from_data(parser, text.data(), (gssize)text.size(), &err)) {
    root = json_parser_steal_root(parser);
    if (!root && error) *error = "empty document";
  } else if (error) {
    *error = err->message;
  }
  g_clear_error(&err);
  g_object_unref(parser);
  return root;
}

static JsonNode *member(JsonObject *obj, const char *name) {
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

std::optional<std::string> text_member(JsonObject *obj, const char *name) {
  JsonNode *n = member(obj, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return std::nullopt;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING) return std::string(json_node_get_string(n));
  if (t == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE) {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    return std::string(g_ascii_dtostr(buf, sizeof buf, json_node_get_double(n)));
  }
  if (t == G_TYPE_BOOLEAN) return std::string(json_node_get_boolean(n) ? "true" : "false");
  return std::nullopt;
}

std::optional<double> double_member(JsonObject *obj, const char *name) {
  JsonNode *n = member(obj, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return std::nullopt;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) return (double)json_node_get_int(n);
  if (t == G_TYPE_DOUBLE) return json_node_get_double(n);
  if (t == G_TYPE_STRING) {
    const char *s = json_node_get_string(n);
    char *end = nullptr;
    double v = g_ascii_strtod(s, &end);
    if (end == s || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

std::optional<int64_t> int_member(JsonObject *obj, const char *name) {
  auto v = double_member(obj, name);
  if (!v) return std::nullopt;
  return (int64_t)std::llround(*v);
}

std::string to_string(JsonNode *node) {
  char *s = json_to_string(node, FALSE);
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

}  // namespace idf::json
