// SPDX-License-Identifier: LGPL-2.1-or-later
// The answers of the two lip-sync dialects, as untrusted as identify-face's:
// the same limits (answer_limits.h), the same strictness and the same
// tolerance for documented variants (numbers sent as strings, "id" for
// "task_id", a task wrapped in "data").
//
// Kling: {code, message, request_id, data: {task_id, task_status,
// task_status_msg, task_result: {videos: [{id, url, duration}]},
// final_unit_deduction}} for the submission and every poll.
// Kirin (model kirin_lipsync): a task like kirin_identify_face's; when
// completed, output[].content[] holds the videos ({type "video", url}) or a
// text with Kling's envelope above.
#pragma once

#include <string>
#include <variant>

#include "model/result.h"
#include "wire/kirin_dialect.h"

namespace idf {

// A submission or poll answer of Kling's advanced lip-sync. A Failure for
// an HTTP error or a non-zero code (with code, message, request_id), or an
// answer that is not a consistent task (Kind::Parse, quoting what is wrong).
// TaskStatus: task_status submitted|processing is Running; succeed is
// Completed with a Result (task id, request id, final_unit_deduction, every
// video, each with an absolute http(s) url and a duration >= 0 in seconds);
// failed is Failed with a Failure quoting task_status_msg. With
// `expected_task_id`, an answer about another task is a Parse failure. Every
// string is valid UTF-8.
std::variant<TaskStatus, Failure> parse_kling_lipsync_task(const std::string &body, unsigned http_status,
                                                           const std::string &expected_task_id = "");

// The same for Kirin's kirin_lipsync task (see parse_kirin_task).
std::variant<TaskStatus, Failure> parse_kirin_lipsync_task(const std::string &body, unsigned http_status,
                                                           const std::string &expected_task_id = "");

}  // namespace idf
