// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/kirin_dialect.h"

#include "base/answer_limits.h"
#include "model/utf8_text.h"
#include "wire/json_doc.h"
#include "wire/json_util.h"

namespace idf {

std::string kirin_submit_body(const std::string &model, const VideoTarget &target) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "model");
  json_builder_add_string_value(b, model.c_str());
  if (!target.video_id.empty()) {
    json_builder_set_member_name(b, "video_id");
    json_builder_add_string_value(b, target.video_id.c_str());
  } else {
    json_builder_set_member_name(b, "video_url");
    json_builder_add_string_value(b, target.video_url.c_str());
  }
  json_builder_end_object(b);
  return json::finish(b);
}

std::string kirin_poll_url(const std::string &poll_template, const std::string &api_url, const std::string &task_id) {
  std::string tmpl = poll_template.empty() ? api_url + "/task/{task_id}" : poll_template;
  // "." and ".." survive escaping, and "%2E%2E" is decoded back by URI
  // normalization: either would remove a path segment. No URL names them.
  if (task_id == "." || task_id == "..") return "";
  char *escaped = g_uri_escape_string(task_id.c_str(), nullptr, FALSE);
  std::string out;
  const std::string key = "{task_id}";
  size_t pos = 0, hit;
  while ((hit = tmpl.find(key, pos)) != std::string::npos) {
    out += tmpl.substr(pos, hit - pos);
    out += escaped;
    pos = hit + key.size();
  }
  out += tmpl.substr(pos);
  g_free(escaped);
  return out;
}

const char *kirin_error_description(const std::string &code) {
  if (code == "014002095") return "internal generation error";
  if (code == "014002096") return "result parsing exception";
  if (code == "014002097") return "HTTP error response";
  if (code == "014002099") return "sync generation exception";
  return "";
}

// "is not a JSON object (why)", or "cannot be read: why" for a broken limit.
static std::string unreadable(const std::string &why, bool over_limit) {
  return over_limit ? "cannot be read: " + why : "is not a JSON object (" + why + ")";
}

static TaskState state_of(const std::string &status) {
  if (status == "pending" || status == "queued" || status == "processing" || status == "in_progress")
    return TaskState::Running;
  if (status == "completed") return TaskState::Completed;
  if (status == "failed") return TaskState::Failed;
  return TaskState::Unknown;
}

// A string or number as text; "" otherwise.
static std::string text_of(json::Value v, size_t max_bytes = SIZE_MAX) {
  return v.is(json::Type::String) || v.is(json::Type::Number) ? *v.text(max_bytes) : "";
}

static Failure task_failure(json::Value task, const std::string &task_id, unsigned http_status) {
  Failure f;
  f.kind = Failure::Kind::Service;
  f.task_id = task_id;
  f.http_status = http_status;
  f.detail = http_status_line(http_status);
  std::string text;
  json::Value err = task.get("error");
  if (err.is(json::Type::Object)) {
    f.code = text_of(err.get("code"));
    text = text_of(err.get("error_message") ? err.get("error_message") : err.get("message"), kMaxServiceTextBytes);
  } else {
    text = text_of(err, kMaxServiceTextBytes);
  }
  f.task_status = "failed";
  f.message = "task " + task_id + " failed";
  if (!f.code.empty()) {
    f.message += ": error " + f.code;
    if (*kirin_error_description(f.code)) f.message += std::string(" (") + kirin_error_description(f.code) + ")";
  }
  if (!text.empty()) f.message += ": " + text;
  return f;
}

// output[].content[].text holds the Kling envelope as a JSON string.
static Outcome task_result(json::Value task, const std::string &task_id, unsigned http_status) {
  std::optional<std::string> text;
  for (json::Value o = task.get("output").is(json::Type::Array) ? task.get("output").first() : json::Value();
       o && !text; o = o.next()) {
    json::Value content = o.get("content");
    if (!content.is(json::Type::Array)) continue;
    for (json::Value c = content.first(); c && !text; c = c.next())
      // Unrepaired: the envelope inside is parsed again, ids and all.
      if (c.get("text").is(json::Type::String)) text = c.get("text").unrepaired_text();
  }
  if (!text)
    return Failure{Failure::Kind::Parse,
                   "",
                   "task " + task_id + " completed without output[].content[].text",
                   http_status,
                   "",
                   task_id,
                   http_status_line(http_status)};

  json::Problem problem;
  json::Doc inner = json::Doc::parse(*text, json::answer_limits(), &problem);
  if (!inner.root().is(json::Type::Object)) {
    std::string what = inner.root() ? "it is " + inner.root().describe() + ", not an object" : problem.what;
    return Failure{Failure::Kind::Parse,
                   "",
                   "task " + task_id + " completed but its result text " + unreadable(what, problem.over_limit),
                   http_status,
                   "",
                   task_id,
                   http_status_line(http_status) + ", result text of " + std::to_string(text->size()) + " bytes"};
  }
  Outcome out = parse_kling_envelope(inner.root(), http_status);
  if (auto *r = std::get_if<Result>(&out)) {
    r->task_id = task_id;
    json::Value usage = task.get("usage");
    if (json::Value cost = usage.get("cost"); cost.is(json::Type::String) || cost.is(json::Type::Number))
      r->cost = *cost.text();
    if (auto discount = usage.get("discount").number()) r->discount = *discount;
  } else {
    auto &f = std::get<Failure>(out);
    f.task_id = task_id;
    f.message = "task " + task_id + ": " + f.message;
  }
  return out;
}

std::string kirin_task_id_problem(const std::string &id) {
  if (id.size() > kMaxTaskIdBytes)
    return "it is " + std::to_string(id.size()) + " bytes, more than the limit of " + std::to_string(kMaxTaskIdBytes);
  if (id == "." || id == "..") return "it is a relative path segment";
  return "";
}

static std::variant<TaskStatus, Failure> parse_task(const std::string &body, unsigned http_status,
                                                    KirinCompletedReader completed) {
  json::Problem problem;
  json::Doc doc = json::Doc::parse(body, json::answer_limits(), &problem);
  json::Value task = doc.root();
  // An HTTP error, or the gateway's error envelope ({code, message}, no
  // task): a refusal in Kling's words, with its code for the retry policy.
  bool wrapped = task.is(json::Type::Object) && !task.get("status") && task.get("data").is(json::Type::Object);
  bool envelope = task.is(json::Type::Object) && !task.get("status") && !wrapped && task.get("code");
  if (http_status >= 300 || envelope) {
    Outcome out = kling_outcome_of(task, problem, body.size(), http_status);
    if (auto *f = std::get_if<Failure>(&out)) return *f;
    return Failure{Failure::Kind::Parse,
                   "",
                   "the task answer is an envelope with code 0 but no task status",
                   http_status,
                   "",
                   "",
                   http_status_line(http_status)};
  }
  if (!task.is(json::Type::Object)) {
    std::string what = task ? "it is " + task.describe() + ", not an object" : problem.what;
    return Failure{Failure::Kind::Parse,
                   "",
                   "the task answer " + unreadable(what, problem.over_limit),
                   http_status,
                   "",
                   "",
                   http_status_line(http_status) + ", " + std::to_string(body.size()) + " bytes"};
  }
  // Some gateways wrap the task in {"data": {...}}.
  if (!task.get("status") && task.get("data").is(json::Type::Object)) task = task.get("data");

  TaskStatus st;
  const char *id_field = task.get("task_id") ? "task_id" : "id";
  json::Value id = task.get(id_field);
  // A repaired id would name another task (or none): refused, not repaired.
  bool bad = false;
  if (id.is(json::Type::String) && (id.exact_text(&bad), bad))
    return Failure{Failure::Kind::Parse,
                   "",
                   "the task answer's " + std::string(id_field) + " is not valid UTF-8 (" + id.describe() + ")",
                   http_status,
                   "",
                   "",
                   http_status_line(http_status)};
  st.task_id = text_of(id);
  std::string why = kirin_task_id_problem(st.task_id);
  if (!why.empty())
    return Failure{Failure::Kind::Parse,
                   "",
                   "the task answer's id " + quoted_excerpt(st.task_id) + " cannot name a task: " + why,
                   http_status,
                   "",
                   "",
                   http_status_line(http_status)};
  st.status = text_of(task.get("status"));
  st.state = state_of(st.status);
  if (st.state == TaskState::Completed)
    st.outcome = completed(task, st.task_id, http_status);
  else if (st.state == TaskState::Failed)
    st.outcome = task_failure(task, st.task_id, http_status);
  return st;
}

static std::variant<TaskStatus, Failure> parse_valid_task(const std::string &body, unsigned http_status,
                                                          KirinCompletedReader completed) {
  auto out = parse_task(body, http_status, completed);
  if (auto *st = std::get_if<TaskStatus>(&out)) {
    // Strings from Value::text() are valid already; failures also quote
    // text composed here.
    if (auto *f = std::get_if<Failure>(&st->outcome)) make_valid_utf8(*f);
  } else {
    make_valid_utf8(std::get<Failure>(out));
  }
  return out;
}

std::variant<TaskStatus, Failure> parse_kirin_task(const std::string &body, unsigned http_status) {
  return parse_valid_task(body, http_status, task_result);
}

std::variant<TaskStatus, Failure> parse_kirin_task(const std::string &body, unsigned http_status,
                                                   const std::string &expected_task_id) {
  return parse_kirin_task_as(body, http_status, expected_task_id, task_result);
}

std::variant<TaskStatus, Failure> parse_kirin_task_as(const std::string &body, unsigned http_status,
                                                      const std::string &expected_task_id,
                                                      KirinCompletedReader completed) {
  auto out = parse_valid_task(body, http_status, completed);
  auto *st = std::get_if<TaskStatus>(&out);
  if (!st || expected_task_id.empty()) return out;
  if (st->task_id.empty()) {
    // The URL named the task; the answer does not repeat it.
    st->task_id = expected_task_id;
    if (auto *r = std::get_if<Result>(&st->outcome)) r->task_id = expected_task_id;
    if (auto *f = std::get_if<Failure>(&st->outcome)) f->task_id = expected_task_id;
    return out;
  }
  if (st->task_id != expected_task_id) {
    Failure f{Failure::Kind::Parse,
              "",
              "the poll answer is about task " + quoted_excerpt(st->task_id) + ", not the submitted task " +
                  quoted_excerpt(expected_task_id),
              http_status,
              "",
              valid_utf8(expected_task_id),
              http_status_line(http_status)};
    return f;
  }
  return out;
}

}  // namespace idf
