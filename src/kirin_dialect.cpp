#include "kirin_dialect.h"

#include "json_util.h"

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

static TaskState state_of(const std::string &status) {
  if (status == "pending" || status == "queued" || status == "processing" || status == "in_progress")
    return TaskState::Running;
  if (status == "completed") return TaskState::Completed;
  if (status == "failed") return TaskState::Failed;
  return TaskState::Unknown;
}

static Failure task_failure(JsonObject *task, const std::string &task_id, unsigned http_status) {
  std::string code, text;
  if (JsonObject *err = json::object_member(task, "error")) {
    code = json::text_member(err, "code").value_or("");
    text = json::text_member(err, "error_message").value_or(json::text_member(err, "message").value_or(""));
  } else if (auto s = json::text_member(task, "error")) {
    text = *s;
  }
  std::string message = "task " + task_id + " failed";
  if (!code.empty()) {
    message += ": error " + code;
    if (*kirin_error_description(code)) message += std::string(" (") + kirin_error_description(code) + ")";
  }
  if (!text.empty()) message += ": " + text;
  return Failure::service(Failure::Kind::Service, code, std::move(message), http_status).with_task_id(task_id);
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
    return Failure::parse("task " + task_id + " completed without output[].content[].text", http_status)
        .with_task_id(task_id);

  std::string err;
  JsonNode *inner = json::parse(text, &err);
  if (!inner || !JSON_NODE_HOLDS_OBJECT(inner)) {
    if (inner) json_node_unref(inner);
    return Failure::parse("task " + task_id + " completed but its result text is not a JSON object" +
                              (err.empty() ? "" : ": " + err),
                          http_status)
        .with_task_id(task_id);
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

std::variant<TaskStatus, Failure> parse_kirin_task(const std::string &body, unsigned http_status) {
  std::string err;
  JsonNode *root = json::parse(body, &err);
  JsonObject *task = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
  // Some gateways wrap the task in {"data": {...}}.
  if (task && !json::has(task, "status") && json::object_member(task, "data")) task = json::object_member(task, "data");
  // An HTTP error, or the gateway's error envelope ({code, message}, no
  // task): a refusal in Kling's words, with its code for the retry policy.
  bool envelope = task && !json::has(task, "status") && json::has(task, "code");
  if (http_status >= 300 || envelope) {
    Outcome out = kling_outcome_of(root, err, http_status);
    if (root) json_node_unref(root);
    if (auto *f = std::get_if<Failure>(&out)) return *f;
    return Failure::parse("the task answer is an envelope with code 0 but no task status", http_status);
  }
  if (!task) {
    if (root) json_node_unref(root);
    return Failure::parse("the task answer is not a JSON object" + (err.empty() ? "" : ": " + err), http_status);
  }

  TaskStatus st;
  st.task_id = json::text_member(task, "task_id").value_or(json::text_member(task, "id").value_or(""));
  st.status = json::text_member(task, "status").value_or("");
  st.state = state_of(st.status);
  if (st.state == TaskState::Completed)
    st.outcome = task_result(task, st.task_id, http_status);
  else if (st.state == TaskState::Failed)
    st.outcome = task_failure(task, st.task_id, http_status);
  json_node_unref(root);
  return st;
}

}  // namespace idf
