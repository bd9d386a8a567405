// SPDX-License-Identifier: LGPL-2.1-or-later
// What gst-identify-face prints: the result as a table or as JSON, and a
// failure with what to do about it.
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <string>
#include <vector>

// A table with columns padded to their widest cell.
std::string format_table(const std::vector<std::vector<std::string>> &rows);

// The identify-face structure as a readable table.
std::string format_result_table(const GstStructure *result);

// A structure's fields as a JSON object: exactly its fields, lists as
// arrays, nested structures as objects, integers as numbers.
JsonNode *structure_to_json(const GstStructure *s);
// Pretty-printed, with a final newline.
std::string json_to_string(JsonNode *node);

// A failure for standard error: the text, kind, code, HTTP status, request
// and task ids, and what to do. `details` is the identify-face-error
// structure or the ERROR's details (may be nullptr).
std::string format_failure(const std::string &text, const GstStructure *details);

// The element's words in the command's: an element property named as
// advice ("set validation=warn", "set ssl-ca-file to ...") becomes the
// option that sets it ("--validation=warn", "--ssl-ca-file"), so that the
// command spells its advice one way.
std::string command_spelling(const std::string &element_text);

// What a user can do about a failure of that kind (IDENTIFYFACE_KIND_*).
std::string advice_for_kind(const std::string &kind, const std::string &code);
