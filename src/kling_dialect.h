// Kling's identify-face API (seed 000): a synchronous POST answered with
// {code, message, request_id, data: {session_id, final_unit_deduction,
// face_data: [{face_id, face_image, start_time, end_time}]}}.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "result.h"

namespace idf {

// Exactly one of the two is set; the request carries only that one.
struct VideoTarget {
  std::string video_url;
  std::string video_id;
};

constexpr const char *kKlingDefaultUrl = "https://api.chainhub.tech/kling/v1/videos/identify-face";

std::string kling_request_body(const VideoTarget &target);

// Parses a whole HTTP answer of the Kling API. A non-zero code, or an HTTP
// error, is a Failure carrying code, message, request_id and HTTP status.
Outcome parse_kling_response(const std::string &body, unsigned http_status);

// The same, for an answer already parsed (`root` may be null, with the
// parser's complaint in `parse_error`): one parse per answer.
Outcome kling_outcome_of(JsonNode *root, const std::string &parse_error, unsigned http_status);

// Parses the envelope object itself (also found inside Kirin's task output).
Outcome parse_kling_envelope(JsonObject *envelope, unsigned http_status);

// Kling's error code table: "authentication", "account", "parameters",
// "policy or rate limit", "server", or "" for an unknown code.
const char *kling_code_category(const std::string &code);

}  // namespace idf
