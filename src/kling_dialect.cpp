#include "kling_dialect.h"

#include <libsoup/soup.h>

#include <cmath>
#include <cstring>

#include "answer_limits.h"
#include "json_util.h"
#include "utf8_text.h"

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

std::string http_status_line(unsigned http_status) {
  const char *phrase = soup_status_get_phrase(http_status);
  return "HTTP " + std::to_string(http_status) + (phrase ? std::string(" ") + phrase : "");
}

namespace {

// An inconsistent answer: a Parse failure that quotes what was wrong.
Failure inconsistent(const std::string &what, unsigned http_status, const std::string &request_id) {
  Failure f;
  f.kind = Failure::Kind::Parse;
  f.message = "the service's answer cannot be used: " + what;
  f.http_status = http_status;
  f.request_id = request_id;
  f.detail = http_status_line(http_status);
  return f;
}

// A time in milliseconds: an integer (JSON number, or a string of digits),
// 0 <= t <= kMaxAnswerTimeMs. 2100.0 is an integer; 2100.5, 1e19, -1 are not.
std::optional<int64_t> time_ms(JsonNode *n) {
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return std::nullopt;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) {
    int64_t v = json_node_get_int(n);
    if (v < 0 || v > kMaxAnswerTimeMs) return std::nullopt;
    return v;
  }
  double v;
  if (t == G_TYPE_DOUBLE) {
    v = json_node_get_double(n);
  } else if (t == G_TYPE_STRING) {
    const char *s = json_node_get_string(n);
    guint64 u = 0;
    if (g_ascii_string_to_unsigned(s, 10, 0, (guint64)kMaxAnswerTimeMs, &u, nullptr)) return (int64_t)u;
    // "2100.0": a decimal number, but no hex, inf, nan or blanks.
    if (!*s || !g_ascii_isdigit(s[strlen(s) - 1]) || !g_ascii_isdigit(s[0]) || strchr(s, 'x') || strchr(s, 'X'))
      return std::nullopt;
    char *end = nullptr;
    v = g_ascii_strtod(s, &end);
    if (*end) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(v) || v < 0 || v > (double)kMaxAnswerTimeMs || v != std::floor(v)) return std::nullopt;
  return (int64_t)v;
}

// face_id: a non-empty string, or a number.
std::optional<std::string> face_id(JsonNode *n) {
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return std::nullopt;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING) {
    std::string s = valid_utf8(json_node_get_string(n));
    if (s.empty()) return std::nullopt;
    return s;
  }
  if (t == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE && std::isfinite(json_node_get_double(n))) return json::describe(n);
  return std::nullopt;
}

uint64_t ms_to_ns(int64_t ms) {
  return (uint64_t)ms * kNsPerMs;  // 0 <= ms <= kMaxAnswerTimeMs: no overflow
}

Outcome parse_envelope(JsonObject *env, unsigned http_status) {
  auto code = json::text_member(env, "code");
  std::string request_id = json::text_member(env, "request_id").value_or("");
  std::string message = json::text_member(env, "message").value_or("");

  if (!code || *code != "0") {
    Failure f;
    f.code = code.value_or("");
    f.http_status = http_status;
    f.request_id = request_id;
    f.detail = http_status_line(http_status);
    const char *category = kling_code_category(f.code);
    f.kind = g_str_equal(category, "authentication") ? Failure::Kind::Auth : Failure::Kind::Service;
    if (!code) {
      f.kind = Failure::Kind::Parse;
      f.message = "the service's answer has no \"code\" field";
    } else {
      f.message = std::string("service error ") + f.code;
      if (*category) f.message += std::string(" (") + category + ")";
      f.message += ": " + (message.empty() ? std::string("no message") : message);
    }
    return f;
  }

  JsonObject *data = json::object_member(env, "data");
  if (!data) {
    Failure f = inconsistent("code 0 but no \"data\" object", http_status, request_id);
    if (JsonNode *d = json::member(env, "data")) f.message += " (data is " + json::describe(d) + ")";
    return f;
  }
  Result r;
  r.request_id = request_id;
  r.session_id = json::text_member(data, "session_id").value_or("");
  if (r.session_id.empty())
    return inconsistent("code 0 but no data.session_id (" + json::describe(json::member(data, "session_id")) + ")",
                        http_status, request_id);
  r.final_unit_deduction = json::text_member(data, "final_unit_deduction").value_or("");

  // Absent or null face_data: no face was found.
  JsonNode *faces_node = json::member(data, "face_data");
  if (!faces_node || JSON_NODE_HOLDS_NULL(faces_node)) return r;
  if (!JSON_NODE_HOLDS_ARRAY(faces_node))
    return inconsistent("data.face_data is " + json::describe(faces_node) + ", not a list of faces", http_status,
                        request_id);
  JsonArray *faces = json_node_get_array(faces_node);
  guint count = json_array_get_length(faces);
  r.faces.reserve(count);
  for (guint i = 0; i < count; i++) {
    std::string where = "face_data[" + std::to_string(i) + "]";
    JsonNode *n = json_array_get_element(faces, i);
    if (!JSON_NODE_HOLDS_OBJECT(n))
      return inconsistent(where + " is " + json::describe(n) + ", not a face object", http_status, request_id);
    JsonObject *fo = json_node_get_object(n);
    Face face;
    JsonNode *id = json::member(fo, "face_id");
    auto id_text = face_id(id);
    if (!id_text)
      return inconsistent(where + ": face_id " + json::describe(id) + " is not a face id", http_status, request_id);
    face.id = *id_text;
    face.image = json::text_member(fo, "face_image").value_or("");
    int64_t ms[2];
    const char *names[2] = {"start_time", "end_time"};
    for (int k = 0; k < 2; k++) {
      JsonNode *t = json::member(fo, names[k]);
      auto v = time_ms(t);
      if (!v)
        return inconsistent(
            where + (t ? ": " + std::string(names[k]) + " " + json::describe(t) + " is not a time in milliseconds"
                       : std::string(": no ") + names[k]),
            http_status, request_id);
      ms[k] = *v;
    }
    if (ms[0] > ms[1])
      return inconsistent(
          where + ": start_time " + std::to_string(ms[0]) + " is after end_time " + std::to_string(ms[1]), http_status,
          request_id);
    face.start_ns = ms_to_ns(ms[0]);
    face.end_ns = ms_to_ns(ms[1]);
    r.faces.push_back(std::move(face));
  }
  return r;
}

}  // namespace

Outcome parse_kling_envelope(JsonObject *env, unsigned http_status) {
  Outcome out = parse_envelope(env, http_status);
  make_valid_utf8(out);
  return out;
}

static Outcome parse_response(const std::string &body, unsigned http_status) {
  json::ParseProblem problem;
  JsonNode *root = json::parse(std::string_view(body), &problem);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    std::string what = root ? "it is " + json::describe(root) + ", not an object" : problem.what;
    if (root) json_node_unref(root);
    Failure f;
    f.http_status = http_status;
    f.detail = http_status_line(http_status) + ", " + std::to_string(body.size()) + " bytes" +
               (problem.detail.empty() ? "" : "; " + problem.detail);
    if (http_status >= 300 && !problem.over_limit) {
      f.kind = http_status == 401 || http_status == 403 ? Failure::Kind::Auth : Failure::Kind::Http;
      f.message = http_status_line(http_status);
    } else {
      f.kind = Failure::Kind::Parse;
      f.message = problem.over_limit ? "the service's answer cannot be read: " + what
                                     : "the service's answer is not a JSON object (" + what + ")";
    }
    return f;
  }
  Outcome out = parse_envelope(json_node_get_object(root), http_status);
  json_node_unref(root);
  if (auto *f = std::get_if<Failure>(&out)) {
    if (http_status >= 300 && f->kind == Failure::Kind::Parse) {
      f->kind = http_status == 401 || http_status == 403 ? Failure::Kind::Auth : Failure::Kind::Http;
      f->message = http_status_line(http_status);
    }
  } else if (http_status >= 300) {
    // code 0 with an HTTP error status: trust the status.
    Failure f{Failure::Kind::Http,
              "",
              http_status_line(http_status),
              http_status,
              std::get<Result>(out).request_id,
              "",
              http_status_line(http_status)};
    return f;
  }
  return out;
}

Outcome parse_kling_response(const std::string &body, unsigned http_status) {
  Outcome out = parse_response(body, http_status);
  make_valid_utf8(out);
  return out;
}

}  // namespace idf
