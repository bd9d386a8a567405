#include "kirin_dialect.h"

#include "answer_limits.h"
#include "json_util.h"
#include "utf8_text.h"

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
  JsonNode *root = json_builder_get_root(b);
  std::string out = json::to_string(root);
  json_node_unref(root);
  g_object_unref(b);
  return out;
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

static Failure task_failure(JsonObject *task, const std::string &task_id, unsigned http_status) {
  Failure f;
  f.kind = Failure::Kind::Service;
  f.task_id = task_id;
  f.http_status = http_status;
  f.detail = http_status_line(http_status);
  std::string text;
  if (JsonObject *err = json::object_member(task, "error")) {
    f.code = json::text_member(err, "code").value_or("");
    text = json::text_member(err, "error_message").value_or(json::text_member(err, "message").value_or(""));
  } else if (auto s = json::text_member(task, "error")) {
    text = *s;
  }
  f.message = "task " + task_id + " failed";
  if (!f.code.empty()) {
    f.message += ": error " + f.code;
    if (*kirin_error_description(f.code)) f.message += std::string(" (") + kirin_error_description(f.code) + ")";
  }
  if (!text.empty()) f.message += ": " + text;
  return f;
}

// output[].content[].text holds the Kling envelope as a JSON string.
static Outcome task_result(JsonObject *task, const std::string &task_id, unsigned http_status) {
  std::string text;
  bool found = false;
  if (JsonArray *output = json::array_member(task, "output")) {
    for (guint i = 0; i < json_array_get_length(output) && !found; i++) {
      JsonNode *o = json_array_get_element(output, i);
      if (!JSON_NODE_HOLDS_OBJECT(o)) continue;
      JsonArray *content = json::array_member(json_node_get_object(o), "content");
      for (guint j = 0; content && j < json_array_get_length(content) && !found; j++) {
        JsonNode *c = json_array_get_element(content, j);
        if (!JSON_NODE_HOLDS_OBJECT(c)) continue;
        if (auto t = json::text_member(json_node_get_object(c), "text")) {
          text = *t;
          found = true;
        }
      }
    }
  }
  if (!found)
    return Failure{Failure::Kind::Parse,
                   "",
                   "task " + task_id + " completed without output[].content[].text",
                   http_status,
                   "",
                   task_id,
                   http_status_line(http_status)};

  json::ParseProblem problem;
  JsonNode *inner = json::parse(std::string_view(text), &problem);
  if (!inner || !JSON_NODE_HOLDS_OBJECT(inner)) {
    std::string what = inner ? "it is " + json::describe(inner) + ", not an object" : problem.what;
    if (inner) json_node_unref(inner);
    return Failure{Failure::Kind::Parse,
                   "",
                   "task " + task_id + " completed but its result text " + unreadable(what, problem.over_limit),
                   http_status,
                   "",
                   task_id,
                   http_status_line(http_status) + ", result text of " + std::to_string(text.size()) + " bytes" +
                       (problem.detail.empty() ? "" : "; " + problem.detail)};
  }
  Outcome out = parse_kling_envelope(json_node_get_object(inner), http_status);
  json_node_unref(inner);
  if (auto *r = std::get_if<Result>(&out)) {
    r->task_id = task_id;
    if (JsonObject *usage = json::object_member(task, "usage")) {
      if (auto cost = json::text_member(usage, "cost")) r->cost = *cost;
      if (auto discount = json::double_member(usage, "discount")) r->discount = *discount;
    }
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

static std::variant<TaskStatus, Failure> parse_task(const std::string &body, unsigned http_status) {
  json::ParseProblem problem;
  JsonNode *root = json::parse(std::string_view(body), &problem);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    std::string what = root ? "it is " + json::describe(root) + ", not an object" : problem.what;
    if (root) json_node_unref(root);
    return Failure{Failure::Kind::Parse,
                   "",
                   "the task answer " + unreadable(what, problem.over_limit),
                   http_status,
                   "",
                   "",
                   http_status_line(http_status) + ", " + std::to_string(body.size()) + " bytes" +
                       (problem.detail.empty() ? "" : "; " + problem.detail)};
  }
  JsonObject *task = json_node_get_object(root);
  // Some gateways wrap the task in {"data": {...}}.
  if (!json::has(task, "status") && json::object_member(task, "data")) task = json::object_member(task, "data");

  TaskStatus st;
  st.task_id = json::text_member(task, "task_id").value_or(json::text_member(task, "id").value_or(""));
  std::string why = kirin_task_id_problem(st.task_id);
  if (!why.empty()) {
    json_node_unref(root);
    return Failure{Failure::Kind::Parse,
                   "",
                   "the task answer's id " + quoted_excerpt(st.task_id) + " cannot name a task: " + why,
                   http_status,
                   "",
                   "",
                   http_status_line(http_status)};
  }
  st.status = json::text_member(task, "status").value_or("");
  st.state = state_of(st.status);
  if (st.state == TaskState::Completed)
    st.outcome = task_result(task, st.task_id, http_status);
  else if (st.state == TaskState::Failed)
    st.outcome = task_failure(task, st.task_id, http_status);
  json_node_unref(root);
  return st;
}

std::variant<TaskStatus, Failure> parse_kirin_task(const std::string &body, unsigned http_status) {
  auto out = parse_task(body, http_status);
  if (auto *st = std::get_if<TaskStatus>(&out)) {
    st->task_id = valid_utf8(st->task_id);
    st->status = valid_utf8(st->status);
    make_valid_utf8(st->outcome);
  } else {
    make_valid_utf8(std::get<Failure>(out));
  }
  return out;
}

std::variant<TaskStatus, Failure> parse_kirin_task(const std::string &body, unsigned http_status,
                                                   const std::string &expected_task_id) {
  auto out = parse_kirin_task(body, http_status);
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
