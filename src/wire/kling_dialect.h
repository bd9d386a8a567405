// SPDX-License-Identifier: LGPL-2.1-or-later
// Kling's identify-face API (seed 000): a synchronous POST answered with
// {code, message, request_id, data: {session_id, final_unit_deduction,
// face_data: [{face_id, face_image, start_time, end_time}]}}.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "model/result.h"
#include "wire/json_doc.h"

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
// A success is consistent: a session id; every face an id and integer
// times 0 <= start <= end in ms (end may overshoot the clip). Anything else,
// and any answer over the limits of answer_limits.h, is a Kind::Parse
// Failure quoting what was wrong. Every string of the outcome is valid UTF-8.
Outcome parse_kling_response(const std::string &body, unsigned http_status);
// The same for an answer already parsed (`root` may be empty, with the
// parser's `problem`): one parse per answer, also for Kirin's error answers.
Outcome kling_outcome_of(json::Value root, const json::Problem &problem, size_t body_size, unsigned http_status);

// Parses the envelope object itself (also found inside Kirin's task output).
Outcome parse_kling_envelope(json::Value envelope, unsigned http_status);
// The same for a json-glib object (re-read as text: prefer the above).
Outcome parse_kling_envelope(JsonObject *envelope, unsigned http_status);

// Kling's error code of an answer ("" when it is 0, absent, or the body is
// not a Kling envelope): what Job's retry decision needs, without a
// json-glib parse.
std::string kling_service_code(const std::string &body);

// "HTTP 502 Bad Gateway".
std::string http_status_line(unsigned http_status);

// Kling's error code table: "authentication", "account", "parameters",
// "policy or rate limit", "server", or "" for an unknown code.
const char *kling_code_category(const std::string &code);

}  // namespace idf
