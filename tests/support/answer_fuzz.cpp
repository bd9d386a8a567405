// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/answer_fuzz.h"

#include <glib.h>

#include "base/answer_limits.h"

namespace answer_fuzz {

using idf::Failure;
using idf::Outcome;
using idf::Result;
using idf::TaskState;
using idf::TaskStatus;

std::string json_string(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Generator::Generator(uint32_t seed, size_t max_body_bytes) : rng_(seed), max_body_bytes_(max_body_bytes) {}

size_t Generator::pick(size_t n) {
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
}

bool Generator::chance(double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

bool Generator::bad(double p) {
  return chance(p * hostility_);
}

std::string Generator::deep(size_t levels) {
  const char *open = chance(0.5) ? "[" : "{\"a\":";
  const char *close = open[0] == '[' ? "]" : "}";
  std::string s;
  s.reserve(levels * 6);
  for (size_t i = 0; i < levels; i++) s += open;
  s += "1";
  if (chance(0.8))  // sometimes left open: truncated as well as deep
    for (size_t i = 0; i < levels; i++) s += close;
  return s;
}

std::string Generator::text_value() {
  static const char *kTexts[] = {
      "\"ok\"",
      "\"\"",
      "\"s-1\"",
      "\"\\ud800x\"",         // lone surrogate: json-glib makes invalid UTF-8 of it
      "\"\\udc00\"",          // lone low surrogate
      "\"\\ud83d\\ude00\"",   // a valid pair
      "\"\\u0000nul\"",       // NUL inside
      "\"\\u12\"",            // short escape (json-glib eats the quote)
      "\"caf\xC3\xA9\"",      // UTF-8
      "\"\xff\xfe\"",         // invalid bytes
      "\"\xC3\"",             // truncated sequence
      "\"\xED\xA0\x80\"",     // an encoded surrogate
      "\"line\\nbreak\\t\"",  // escapes
      "\"..\"",               // a path segment
      "\"a/b?c#d\"",          // URL specials
  };
  if (chance(0.05)) return json_string(std::string(pick(5000) + 1, 'z'));
  return kTexts[pick(G_N_ELEMENTS(kTexts))];
}

std::string Generator::value(const char *field) {
  static const char *kTimes[] = {"0",
                                 "100",
                                 "2500",
                                 "\"1200\"",
                                 "2100.0",
                                 "1e19",
                                 "1e300",
                                 "-1",
                                 "-0.5",
                                 "100.5",
                                 "\"x\"",
                                 "null",
                                 "true",
                                 "{}",
                                 "[]",
                                 "1e400",
                                 "0x10",
                                 "\"\"",
                                 "-0",
                                 "9223372036854775807",
                                 "10000000000000000000",
                                 "\"2000.0\"",
                                 "9223372036854",
                                 "9223372036855"};
  bool time = g_str_has_suffix(field, "_time");
  if (time && chance(0.7)) return kTimes[pick(G_N_ELEMENTS(kTimes))];
  switch (pick(8)) {
    case 0: return std::to_string(pick(100000));
    case 1: return "null";
    case 2: return chance(0.5) ? "true" : "false";
    case 3: return "{}";
    case 4: return "[" + text_value() + "]";
    default: return text_value();
  }
}

std::string Generator::face() {
  if (bad(0.05)) return value("face");  // not an object
  std::string start = bad(0.2) ? value("start_time") : std::to_string(pick(5000));
  std::string end = bad(0.2) ? value("end_time") : std::to_string(5000 + pick(60000));
  std::string s = "{";
  bool first = true;
  auto member = [&](const char *name, const std::string &v) {
    if (bad(0.05)) return;  // missing
    s += (first ? "\"" : ",\"") + std::string(name) + "\":" + v;
    first = false;
  };
  member("face_id", bad(0.2) ? value("face_id") : "\"" + std::to_string(pick(20)) + "\"");
  member("face_image", bad(0.2) ? text_value() : "\"https://img.example/f.png\"");
  member("start_time", start);
  member("end_time", end);
  return s + "}";
}

std::string Generator::kling_envelope(int depth_budget) {
  std::string faces = "[";
  size_t n = chance(0.1) ? pick(200) : pick(6);
  for (size_t i = 0; i < n; i++) faces += (i ? "," : "") + face();
  faces += "]";
  if (bad(0.05)) faces = value("face_data");
  if (depth_budget > 0 && bad(0.1)) faces = deep(pick(3) == 0 ? 100000 : 60 + pick(10));
  std::string code = !bad(0.25) ? "0" : chance(0.5) ? "1201" : value("code");
  std::string data = "{";
  if (!bad(0.1))
    data += "\"session_id\":" +
            (bad(0.15) ? value("session_id") : std::string("\"sess-") + std::to_string(pick(99)) + "\"") + ",";
  data += "\"final_unit_deduction\":" + (bad(0.3) ? value("final_unit_deduction") : std::string("\"1\"")) +
          ",\"face_data\":" + faces + "}";
  std::string env = "{\"code\":" + code + ",\"message\":" + (bad(0.5) ? text_value() : std::string("\"ok\"")) +
                    ",\"request_id\":" + (bad(0.5) ? text_value() : std::string("\"r-1\""));
  if (!bad(0.1)) env += ",\"data\":" + (bad(0.05) ? value("data") : data);
  return env + "}";
}

std::string Generator::kirin_task(const std::string &task_id) {
  static const char *kStatus[] = {"pending",   "queued",    "processing", "in_progress", "completed",
                                  "completed", "completed", "failed",     "warming_up",  ""};
  std::string status = bad(0.6) ? kStatus[pick(G_N_ELEMENTS(kStatus))] : "completed";
  std::string id = bad(0.15) ? value("task_id") : json_string(task_id);
  std::string s = "{\"" + std::string(chance(0.5) ? "task_id" : "id") + "\":" + id + ",\"status\":\"" + status + "\"";
  if (status == "completed" || bad(0.1)) {
    std::string inner = kling_envelope(1);
    if (bad(0.2)) inner = mutate(inner);
    std::string text = bad(0.1) ? value("text") : json_string(inner);
    s += ",\"output\":[{\"content\":[{\"type\":\"text\",\"text\":" + text + ",\"url\":\"\"}]}]";
    s += ",\"usage\":{\"cost\":" + value("cost") + ",\"discount\":" + value("discount") + "}";
  }
  if (status == "failed" || bad(0.1)) {
    s += chance(0.5) ? ",\"error\":{\"code\":" + value("code") + ",\"error_message\":" + text_value() + "}"
                     : ",\"error\":" + text_value();
  }
  s += "}";
  if (chance(0.2)) s = "{\"data\":" + s + "}";
  return s;
}

std::string Generator::mutate(std::string s) {
  static const char *kTokens[] = {"[", "{",    "]",    "}",     "\"", "\\",   "\\u", "\\ud800", ",",
                                  ":", "\xff", "\xC3", "1e999", "-",  "null", "/*",  "'",       "\x00"};
  size_t edits = 1 + pick(8);
  for (size_t e = 0; e < edits && !s.empty(); e++) {
    size_t at = pick(s.size());
    switch (pick(5)) {
      case 0: s[at] = (char)pick(256); break;
      case 1: s.erase(at, 1 + pick(8)); break;
      case 2: {
        const char *t = kTokens[pick(G_N_ELEMENTS(kTokens))];
        s.insert(at, t, t[0] ? strlen(t) : 1);
        break;
      }
      case 3: s.insert(at, s.substr(at, pick(64))); break;
      case 4: s.insert(at, std::string(1 + pick(200), s[at])); break;
    }
  }
  return s;
}

Case Generator::next() {
  Case c;
  c.dialect = counter_++ % 2 == 0 ? Dialect::Kling : Dialect::KirinTask;
  c.task_id = "t-" + std::to_string(pick(3));
  static const unsigned kStatus[] = {200, 200, 200, 200, 200, 400, 401, 429, 500, 502};
  c.http_status = kStatus[pick(G_N_ELEMENTS(kStatus))];
  // Most "valid" answers are clean; the rest carry a little hostility, as
  // do the bases of the other kinds.
  hostility_ = chance(0.5) ? 0.0 : chance(0.5) ? 0.3 : 1.0;
  auto valid = [&] { return c.dialect == Dialect::Kling ? kling_envelope(1) : kirin_task(c.task_id); };
  switch (pick(8)) {
    case 0:
    case 1:
      c.kind = "valid";
      c.body = valid();
      break;
    case 2:
    case 3:
      c.kind = "mutated";
      c.body = mutate(valid());
      break;
    case 4:
      c.kind = "truncated";
      c.body = valid();
      c.body.resize(pick(c.body.size() + 1));
      break;
    case 5: {
      c.kind = "deep";
      static const size_t kLevels[] = {63, 64, 65, 1000, 100000};
      c.body = deep(kLevels[pick(G_N_ELEMENTS(kLevels))]);
      if (chance(0.5)) c.body = "{\"code\":0,\"data\":" + c.body + "}";
      break;
    }
    case 6: {
      c.kind = "huge";
      // Around the size and value limits: a long message, a long face
      // image, as many faces as the value limit allows, or more.
      size_t target = idf::kMaxAnswerBytes - 1024 + pick(2048);
      std::string one =
          "{\"face_id\":\"f\",\"face_image\":\"https://img.example/f.png\",\"start_time\":0,\"end_time\":2500}";
      switch (pick(4)) {
        case 0: {
          std::string head = "{\"code\":1201,\"message\":\"";
          c.body = head + std::string(target - head.size() - 2, 'm') + "\"}";
          break;
        }
        case 1: {
          std::string head =
              "{\"code\":0,\"data\":{\"session_id\":\"s\",\"face_data\":[{\"face_id\":1,"
              "\"start_time\":0,\"end_time\":1,\"face_image\":\"";
          c.body = head + std::string(target - head.size() - 5, 'i') + "\"}]}}";
          break;
        }
        default: {
          size_t faces = idf::kMaxAnswerValues / 9 - 5 + (pick(3) == 0 ? 10 : 0);
          std::string list;
          list.reserve(faces * (one.size() + 1));
          for (size_t i = 0; i < faces; i++) list += (i ? "," : "") + one;
          c.body = "{\"code\":0,\"data\":{\"session_id\":\"s\",\"face_data\":[" + list + "]}}";
        }
      }
      if (c.dialect == Dialect::KirinTask)
        c.body = "{\"id\":\"" + c.task_id +
                 "\",\"status\":\"completed\",\"output\":[{\"content\":[{\"text\":" + json_string(c.body) + "}]}]}";
      break;
    }
    case 7: {
      c.kind = "non-utf8";
      c.body = valid();
      for (int i = 0; i < 3; i++) {
        size_t q = c.body.find('"', pick(c.body.size()));
        if (q != std::string::npos) c.body.insert(q + 1, chance(0.5) ? "\xff\xfe" : "\\ud800");
      }
      break;
    }
  }
  if (c.body.size() > max_body_bytes_) c.body.resize(max_body_bytes_);
  return c;
}

static bool valid(const std::string &s) {
  return g_utf8_validate(s.data(), (gssize)s.size(), nullptr);
}

std::string check_outcome(const Outcome &outcome) {
  if (auto *f = std::get_if<Failure>(&outcome)) {
    if (f->message.empty()) return "a failure without a message";
    for (const std::string *s : {&f->code, &f->message, &f->request_id, &f->task_id, &f->detail})
      if (!valid(*s)) return "invalid UTF-8 in a failure: " + *s;
    return "";
  }
  const Result &r = std::get<Result>(outcome);
  if (r.session_id.empty()) return "a success without a session id";
  for (const std::string *s : {&r.session_id, &r.request_id, &r.task_id, &r.final_unit_deduction})
    if (!valid(*s)) return "invalid UTF-8 in a result: " + *s;
  if (r.cost && !valid(*r.cost)) return "invalid UTF-8 in the cost";
  for (size_t i = 0; i < r.faces.size(); i++) {
    const idf::Face &f = r.faces[i];
    if (f.id.empty()) return "face " + std::to_string(i) + " without an id";
    if (f.start_ns > f.end_ns) return "face " + std::to_string(i) + " starts after it ends";
    if (!valid(f.id) || !valid(f.image)) return "invalid UTF-8 in face " + std::to_string(i);
  }
  return "";
}

std::string check_task(const std::variant<TaskStatus, Failure> &parsed, const std::string &expected_task_id) {
  if (auto *f = std::get_if<Failure>(&parsed)) return check_outcome(*f);
  const TaskStatus &st = std::get<TaskStatus>(parsed);
  if (!valid(st.task_id) || !valid(st.status)) return "invalid UTF-8 in the task id or status";
  if (!expected_task_id.empty() && st.task_id != expected_task_id)
    return "accepted as task \"" + expected_task_id + "\" an answer about \"" + st.task_id + "\"";
  if (!idf::kirin_task_id_problem(st.task_id).empty()) return "accepted the task id " + st.task_id;
  if (st.state == TaskState::Completed || st.state == TaskState::Failed) {
    std::string why = check_outcome(st.outcome);
    if (!why.empty()) return why;
    if (st.state == TaskState::Failed && !std::holds_alternative<Failure>(st.outcome)) return "a failed task succeeded";
    if (auto *r = std::get_if<Result>(&st.outcome))
      if (r->task_id != st.task_id) return "a result with another task id";
  }
  return "";
}

}  // namespace answer_fuzz
