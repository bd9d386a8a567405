// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Kirin" task API (seed 004): the Kling identification served as an
// asynchronous task. Submit with POST, then GET the task until it is done.
#pragma once

#include <string>

#include "model/result.h"
#include "wire/kling_dialect.h"

namespace idf {

constexpr const char *kKirinDefaultUrl = "https://cloud.vtrix.ai/model/v1/generation";
constexpr const char *kKirinDefaultModel = "kirin_identify_face";

std::string kirin_submit_body(const std::string &model, const VideoTarget &target);

// poll-url template with {task_id} replaced, escaped ("/", "?", "#" too);
// "" template = api_url/task/{task_id}. "" for the ids "." and "..": no
// URL can carry them as a segment (parse_kirin_task refuses them).
std::string kirin_poll_url(const std::string &poll_template, const std::string &api_url, const std::string &task_id);

// Why `id` cannot name a task in a poll URL ("it is a relative path
// segment", longer than kMaxTaskIdBytes), or "" when it can.
std::string kirin_task_id_problem(const std::string &id);

enum class TaskState { Running, Completed, Failed, Unknown };

struct TaskStatus {
  std::string task_id;  // "task_id", or "id" in some deployments
  std::string status;   // the service's word
  TaskState state = TaskState::Unknown;
  Outcome outcome;  // set when Completed (Result or Failure) or Failed
};

// Parses a submission or poll answer (top level, or wrapped in "data").
// Returns a Failure (Kind::Parse) when the answer is not a task at all,
// breaks the limits of answer_limits.h (the inner text too), or its id
// cannot name a task ("..", longer than kMaxTaskIdBytes). A completed task's
// envelope is checked as parse_kling_response does. Strings are valid UTF-8.
std::variant<TaskStatus, Failure> parse_kirin_task(const std::string &body, unsigned http_status);

// A poll answer: also a Failure (Kind::Parse) when it names a task other
// than `expected_task_id`. An answer without an id is taken as that task's
// (the poll URL named it) and gets that id.
std::variant<TaskStatus, Failure> parse_kirin_task(const std::string &body, unsigned http_status,
                                                   const std::string &expected_task_id);

// What a completed task made, read from the task object (`task_id` known):
// the identify-face envelope for parse_kirin_task; other models (the
// lip-sync) bring their own reader. Strings it returns must be valid UTF-8.
using KirinCompletedReader = Outcome (*)(json::Value task, const std::string &task_id, unsigned http_status);
// parse_kirin_task with `expected_task_id` ("" = any task) for any model.
std::variant<TaskStatus, Failure> parse_kirin_task_as(const std::string &body, unsigned http_status,
                                                      const std::string &expected_task_id,
                                                      KirinCompletedReader completed);

// The seed's table: "internal generation error", ... or "".
const char *kirin_error_description(const std::string &code);

}  // namespace idf
