// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/kling_dialect.h"

#include <libsoup/soup.h>

#include <cmath>
#include <cstring>

#include "base/answer_limits.h"
#include "model/utf8_text.h"
#include "wire/json_doc.h"
#include "wire/json_util.h"

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
  return json::finish(b);
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

// A time in milliseconds: an integer (JSON number, or a string holding
// one), 0 <= t <= kMaxAnswerTimeMs. 2100.0 is an integer; 2100.5, 1e19, -1
// are not.
std::optional<int64_t> time_ms(json::Value v) {
  if (v.is(json::Type::Number) && v.is_integer_literal()) {
    gint64 out = 0;
    std::string raw(v.raw());
    if (!g_ascii_string_to_signed(raw.c_str(), 10, 0, kMaxAnswerTimeMs, &out, nullptr)) return std::nullopt;
    return out;
  }
  auto d = v.number();  // a number, or a string holding one
  if (!d || *d < 0 || *d > (double)kMaxAnswerTimeMs || *d != std::floor(*d)) return std::nullopt;
  return (int64_t)*d;
}

// face_id: a non-empty string, or a number (as sent).
std::optional<std::string> face_id(json::Value v) {
  if (!v.is(json::Type::String) && !v.is(json::Type::Number)) return std::nullopt;
  std::string s = *v.text();
  if (s.empty()) return std::nullopt;
  return s;
}

// A string or number member as text.
std::string text_of(json::Value v) {
  return v.text().value_or("");
}

// An id as sent: a string or number, "" otherwise. A repaired id would name
// something else, so one that is not valid UTF-8 sets `bad` instead.
std::string id_of(json::Value v, bool *bad) {
  *bad = false;
  if (v.is(json::Type::String)) return v.exact_text(bad).value_or("");
  return v.is(json::Type::Number) ? *v.text() : "";
}

std::string not_utf8(const std::string &field, json::Value v) {
  return field + " is not valid UTF-8 (" + v.describe() + ")";
}

uint64_t ms_to_ns(int64_t ms) {
  return (uint64_t)ms * kNsPerMs;  // 0 <= ms <= kMaxAnswerTimeMs: no overflow
}

// Kling's code as text; 0, 0.0 and "0" all mean success.
std::optional<std::string> code_of(json::Value v) {
  if (v.is(json::Type::Number)) {
    auto d = v.number();
    if (d && *d == 0) return std::string("0");
  }
  if (!v.is(json::Type::String) && !v.is(json::Type::Number)) return std::nullopt;
  return v.text();
}

}  // namespace

Outcome parse_kling_envelope(json::Value env, unsigned http_status) {
  auto code = code_of(env.get("code"));
  bool bad_request_id = false;
  std::string request_id = id_of(env.get("request_id"), &bad_request_id);
  std::string message = env.get("message").is(json::Type::String) ? *env.get("message").text(kMaxServiceTextBytes)
                                                                  : text_of(env.get("message"));

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
      if (env.get("code")) f.message += " (code is " + env.get("code").describe() + ")";
    } else {
      f.message = std::string("service error ") + f.code;
      if (*category) f.message += std::string(" (") + category + ")";
      f.message += ": " + (message.empty() ? std::string("no message") : message);
    }
    // The refusal stays what its code says: the retry policy reads it.
    if (bad_request_id) f.message += "; its " + not_utf8("request_id", env.get("request_id")) + ", so it is left out";
    return f;
  }

  json::Value data = env.get("data");
  if (!data.is(json::Type::Object)) {
    Failure f = inconsistent("code 0 but no \"data\" object", http_status, request_id);
    if (data) f.message += " (data is " + data.describe() + ")";
    return f;
  }
  if (bad_request_id) return inconsistent(not_utf8("request_id", env.get("request_id")), http_status, "");
  Result r;
  r.request_id = request_id;
  json::Value session = data.get("session_id");
  bool bad = false;
  r.session_id = id_of(session, &bad);
  if (bad) return inconsistent(not_utf8("data.session_id", session), http_status, request_id);
  if (r.session_id.empty())
    return inconsistent("code 0 but no data.session_id (" + session.describe() + ")", http_status, request_id);
  r.final_unit_deduction = text_of(data.get("final_unit_deduction"));

  // Absent or null face_data: no face was found.
  json::Value faces = data.get("face_data");
  if (!faces || faces.is(json::Type::Null)) return r;
  if (!faces.is(json::Type::Array))
    return inconsistent("data.face_data is " + faces.describe() + ", not a list of faces", http_status, request_id);
  r.faces.reserve(faces.count());
  size_t i = 0;
  for (json::Value fo = faces.first(); fo; fo = fo.next(), i++) {
    auto where = [i] { return "face_data[" + std::to_string(i) + "]"; };
    if (!fo.is(json::Type::Object))
      return inconsistent(where() + " is " + fo.describe() + ", not a face object", http_status, request_id);
    Face face;
    json::Value id = fo.get("face_id");
    if (id.is(json::Type::String) && (id.exact_text(&bad), bad))
      return inconsistent(not_utf8(where() + ".face_id", id), http_status, request_id);
    auto id_text = face_id(id);
    if (!id_text)
      return inconsistent(where() + (id ? ": face_id " + id.describe() + " is not a face id" : ": no face_id"),
                          http_status, request_id);
    face.id = *id_text;
    face.image = text_of(fo.get("face_image"));
    int64_t ms[2];
    const char *names[2] = {"start_time", "end_time"};
    for (int k = 0; k < 2; k++) {
      json::Value t = fo.get(names[k]);
      auto v = time_ms(t);
      if (!v)
        return inconsistent(
            where() + (t ? ": " + std::string(names[k]) + " " + t.describe() + " is not a time in milliseconds"
                         : std::string(": no ") + names[k]),
            http_status, request_id);
      ms[k] = *v;
    }
    if (ms[0] > ms[1])
      return inconsistent(
          where() + ": start_time " + std::to_string(ms[0]) + " is after end_time " + std::to_string(ms[1]),
          http_status, request_id);
    face.start_ns = ms_to_ns(ms[0]);
    face.end_ns = ms_to_ns(ms[1]);
    r.faces.push_back(std::move(face));
  }
  return r;
}

Outcome parse_kling_envelope(JsonObject *env, unsigned http_status) {
  // Rare (callers holding json-glib nodes): back to text, then as any answer.
  JsonNode *node = json_node_init_object(json_node_alloc(), env);
  std::string text = json::to_string(node);
  json_node_unref(node);
  json::Problem problem;
  json::Doc doc = json::Doc::parse(text, json::answer_limits(), &problem);
  Outcome out = doc.root().is(json::Type::Object)
                    ? parse_kling_envelope(doc.root(), http_status)
                    : Outcome(Failure{Failure::Kind::Parse, "", "the service's answer cannot be read: " + problem.what,
                                      http_status, "", "", http_status_line(http_status)});
  if (auto *f = std::get_if<Failure>(&out)) make_valid_utf8(*f);  // a Result's strings all come from Value::text()
  return out;
}

static Outcome parse_response(const std::string &body, unsigned http_status) {
  json::Problem problem;
  json::Doc doc = json::Doc::parse(body, json::answer_limits(), &problem);
  return kling_outcome_of(doc.root(), problem, body.size(), http_status);
}

Outcome kling_outcome_of(json::Value root, const json::Problem &problem, size_t body_size, unsigned http_status) {
  if (!root.is(json::Type::Object)) {
    std::string what = root ? "it is " + root.describe() + ", not an object" : problem.what;
    Failure f;
    f.http_status = http_status;
    f.detail = http_status_line(http_status) + ", " + std::to_string(body_size) + " bytes";
    if (http_status >= 300 && !problem.over_limit) {
      f.kind = http_status == 401 || http_status == 403 ? Failure::Kind::Auth : Failure::Kind::Http;
      f.message = http_status_line(http_status);
      f.detail += "; the body is not a JSON object: " + what;
    } else {
      f.kind = Failure::Kind::Parse;
      f.message = problem.over_limit ? "the service's answer cannot be read: " + what
                                     : "the service's answer is not a JSON object (" + what + ")";
    }
    return f;
  }
  Outcome out = parse_kling_envelope(root, http_status);
  if (auto *f = std::get_if<Failure>(&out)) {
    if (http_status >= 300 && f->kind == Failure::Kind::Parse) {
      f->kind = http_status == 401 || http_status == 403 ? Failure::Kind::Auth : Failure::Kind::Http;
      f->detail += "; " + f->message;
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
  if (auto *f = std::get_if<Failure>(&out)) make_valid_utf8(*f);  // a Result's strings all come from Value::text()
  return out;
}

std::string kling_service_code(const std::string &body) {
  json::Doc doc = json::Doc::parse(body, json::answer_limits(), nullptr);
  json::Value root = doc.root();
  // A Kirin task answer has "status"; its codes live inside the task.
  if (!root.is(json::Type::Object) || root.get("status")) return "";
  std::string code = code_of(root.get("code")).value_or("");
  return code == "0" ? "" : valid_utf8(code);
}

}  // namespace idf
