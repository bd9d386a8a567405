// The "Kirin" task API (seed 004): the Kling identification served as an
// asynchronous task. Submit with POST, then GET the task until it is done.
#pragma once

#include <string>

#include "kling_dialect.h"
#include "result.h"

namespace idf {

constexpr const char *kKirinDefaultUrl = "https://cloud.vtrix.ai/model/v1/generation";
constexpr const char *kKirinDefaultModel = "kirin_identify_face";

std::string kirin_submit_body(const std::string &model, const VideoTarget &target);

// poll-url template with {task_id} replaced; "" template = api_url/task/{task_id}.
std::string kirin_poll_url(const std::string &poll_template, const std::string &api_url, const std::string &task_id);

enum class TaskState { Running, Completed, Failed, Unknown };

struct TaskStatus {
  std::string task_id;  // "task_id", or "id" in some deployments
  std::string status;   // the service's word
  TaskState state = TaskState::Unknown;
  Outcome outcome;  // set when Completed (Result or Failure) or Failed
};

// Parses a submission or poll answer (top level, or wrapped in "data").
// Returns a Failure when the answer is not a task at all.
std::variant<TaskStatus, Failure> parse_kirin_task(const std::string &body, unsigned http_status);

// The seed's table: "internal generation error", ... or "".
const char *kirin_error_description(const std::string &code);

}  // namespace idf
