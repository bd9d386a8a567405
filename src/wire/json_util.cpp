// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/json_util.h"

namespace idf::json {

std::string finish(JsonBuilder *builder) {
  JsonNode *root = json_builder_get_root(builder);
  char *text = json_to_string(root, FALSE);
  std::string out = text ? text : "";
  g_free(text);
  json_node_unref(root);
  g_object_unref(builder);
  return out;
}

}  // namespace idf::json
