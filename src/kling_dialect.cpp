#include "kling_dialect.h"

#include <libsoup/soup.h>

#include "json_util.h"

namespace idf {

std::string kling_request_body(const VideoTarget &target) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
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

const char *kling_code_category(const std::string &code) {
  char *end = nullptr;
  long c = strtol(code.c_str(), &end, 10);
  if (code.empty() || *end != '\0') return "";
  if (c >= 1000 && c <= 1004) return "authentication";
  if (c >= 1100 && c <= 1103) return "account";
  if (c >= 1200 && c <= 1203) return "parameters";
  if (c >= 1300 && c <= 1304) return "policy or rate limit";
  if (c >= 5000 && c <= 5002) return "server";
  return "";
}

static uint64_t ms_to_ns(int64_t ms) {
  return ms <= 0 ? 0 : (uint64_t)ms * kNsPerMs;
}

Outcome parse_kling_envelope(JsonObject *env, unsigned http_status) {
  auto code = json::text_member(env, "code");
  std::string request_id = json::text_member(env, "request_id").value_or("");
  std::string message = json::text_member(env, "message").value_or("");

  if (!code || *code != "0") {
    if (!code)
      return Failure::parse("the service's answer has no \"code\" field", http_status).with_request_id(request_id);
    const char *category = kling_code_category(*code);
    std::string text = "service error " + *code;
    if (*category) text += std::string(" (") + category + ")";
    text += ": " + (message.empty() ? std::string("no message") : message);
    auto kind = g_str_equal(category, "authentication") ? Failure::Kind::Auth : Failure::Kind::Service;
    return Failure::service(kind, *code, std::move(text), http_status).with_request_id(request_id);
  }

  Result r;
  r.request_id = request_id;
  JsonObject *data = json::object_member(env, "data");
  if (!data)
    return Failure::parse("the service's answer has code 0 but no \"data\" object", http_status)
        .with_request_id(request_id);
  r.session_id = json::text_member(data, "session_id").value_or("");
  r.final_unit_deduction = json::text_member(data, "final_unit_deduction").value_or("");
  if (JsonArray *faces = json::array_member(data, "face_data")) {
    for (guint i = 0; i < json_array_get_length(faces); i++) {
      JsonNode *n = json_array_get_element(faces, i);
      if (!JSON_NODE_HOLDS_OBJECT(n)) continue;
      JsonObject *fo = json_node_get_object(n);
      Face face;
      face.id = json::text_member(fo, "face_id").value_or(std::to_string(i));
      face.image = json::text_member(fo, "face_image").value_or("");
      auto start = json::int_member(fo, "start_time");
      auto end = json::int_member(fo, "end_time");
      if (!start || !end)
        return Failure::parse("face " + face.id + " has no numeric start_time/end_time", http_status)
            .with_request_id(request_id);
      face.start_ns = ms_to_ns(*start);
      face.end_ns = ms_to_ns(*end);
      r.faces.push_back(std::move(face));
    }
  }
  return r;
}

static Failure http_failure(unsigned http_status) {
  return Failure::http(http_status, "HTTP " + std::to_string(http_status) + " " + soup_status_get_phrase(http_status));
}

Outcome kling_outcome_of(JsonNode *root, const std::string &parse_error, unsigned http_status) {
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    if (http_status >= 300) return http_failure(http_status);
    return Failure::parse("the service's answer is not a JSON object" + (parse_error.empty() ? "" : ": " + parse_error),
                          http_status);
  }
  Outcome out = parse_kling_envelope(json_node_get_object(root), http_status);
  if (http_status < 300) return out;
  if (auto *f = std::get_if<Failure>(&out)) {
    if (f->kind == Failure::Kind::Parse)  // an error page, not the envelope
      return http_failure(http_status);
    return out;
  }
  // code 0 with an HTTP error status: trust the status.
  return http_failure(http_status).with_request_id(std::get<Result>(out).request_id);
}

Outcome parse_kling_response(const std::string &body, unsigned http_status) {
  std::string err;
  JsonNode *root = json::parse(body, &err);
  Outcome out = kling_outcome_of(root, err, http_status);
  if (root) json_node_unref(root);
  return out;
}

}  // namespace idf
