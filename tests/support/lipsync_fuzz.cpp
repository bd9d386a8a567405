// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/lipsync_fuzz.h"

#include <glib.h>

#include "base/answer_limits.h"
#include "support/answer_fuzz.h"

namespace lipsync_fuzz {

using answer_fuzz::json_string;

namespace {

bool utf8(const std::string &s) {
  return g_utf8_validate(s.data(), (gssize)s.size(), nullptr);
}

std::string check_failure(const idf::Failure &f) {
  if (f.message.empty()) return "a failure without a message";
  for (const std::string *s : {&f.code, &f.message, &f.request_id, &f.task_id, &f.detail})
    if (!utf8(*s)) return "a failure string is not valid UTF-8";
  return "";
}

std::string check_result(const idf::Result &r, const std::string &task_id) {
  if (r.videos.empty()) return "a completed task without a video";
  if (r.task_id != task_id) return "the result's task id is not the task's";
  for (const auto &v : r.videos) {
    if (g_ascii_strncasecmp(v.url.c_str(), "http://", 7) != 0 && g_ascii_strncasecmp(v.url.c_str(), "https://", 8) != 0)
      return "a video URL that is not http(s): " + v.url;
    if (!utf8(v.url) || !utf8(v.id)) return "a video string is not valid UTF-8";
  }
  for (const std::string *s : {&r.request_id, &r.final_unit_deduction, &r.task_status})
    if (!utf8(*s)) return "a result string is not valid UTF-8";
  return "";
}

}  // namespace

std::string check_lipsync_task(const std::variant<idf::TaskStatus, idf::Failure> &parsed,
                               const std::string &expected_task_id) {
  if (auto *f = std::get_if<idf::Failure>(&parsed)) return check_failure(*f);
  const auto &st = std::get<idf::TaskStatus>(parsed);
  if (!utf8(st.task_id) || !utf8(st.status)) return "a task string is not valid UTF-8";
  if (!idf::kirin_task_id_problem(st.task_id).empty()) return "a task id that cannot name a task";
  if (!expected_task_id.empty() && st.task_id != expected_task_id) return "the answer is about another task";
  if (st.state == idf::TaskState::Completed) {
    if (auto *f = std::get_if<idf::Failure>(&st.outcome)) return check_failure(*f);
    return check_result(std::get<idf::Result>(st.outcome), st.task_id);
  }
  if (st.state == idf::TaskState::Failed) {
    auto *f = std::get_if<idf::Failure>(&st.outcome);
    if (!f) return "a failed task with a result";
    if (f->message.find("code 0") != std::string::npos) return "a failed task reported as code 0";
    return check_failure(*f);
  }
  return "";
}

std::string Generator::task_id_member(const char *name, const std::string &id) {
  switch (pick(8)) {
    case 0: return "";                                          // missing
    case 1: return std::string("\"") + name + "\":" + "12345";  // a number
    case 2: return std::string("\"id\":") + json_string(id);    // the variant name
    case 3: return std::string("\"") + name + "\":\"..\"";      // cannot name a task
    default: return std::string("\"") + name + "\":" + json_string(id);
  }
}

std::string Generator::video(bool wrong_types) {
  const char *urls[] = {"\"https://cdn.test/out.mp4\"",
                        "\"http://cdn.test/o.mp4\"",
                        "\"file:///etc/passwd\"",
                        "\"\"",
                        "null",
                        "42",
                        "\"https://cdn.test/\\u00e9\\ud800.mp4\""};
  const char *durations[] = {"5", "\"5.1\"", "-1", "1e999", "\"x\"", "null", "[]", "3.25", "9223372036854775807"};
  std::string v = "{";
  v += "\"id\":" + std::string(wrong_types && chance(0.3) ? "{}" : "\"v-1\"");
  if (!chance(0.1)) v += std::string(",\"url\":") + urls[chance(0.7) ? pick(2) : pick(7)];
  if (!chance(0.2)) v += std::string(",\"duration\":") + durations[chance(0.6) ? pick(2) : pick(9)];
  return v + "}";
}

std::string Generator::kling_envelope(bool wrong_types) {
  const char *statuses[] = {"submitted", "processing", "succeed", "failed", "SUCCEED", ""};
  std::string status = statuses[chance(0.8) ? pick(4) : pick(6)];
  std::string data = "{";
  std::string id = task_id_member("task_id", task_id_);
  data += id.empty() ? "\"x\":1" : id;
  data += ",\"task_status\":" + (wrong_types && chance(0.3) ? std::string("7") : json_string(status));
  if (chance(0.5)) data += ",\"task_status_msg\":" + json_string(chance(0.5) ? "face too small" : "\xff\xfe bad");
  if (status == "succeed" || chance(0.2)) {
    std::string videos = "[";
    size_t n = chance(0.1) ? 0 : 1 + pick(3);
    for (size_t i = 0; i < n; i++) videos += (i ? "," : "") + video(wrong_types);
    videos += "]";
    data +=
        ",\"task_result\":" + (wrong_types && chance(0.3) ? std::string("\"videos\"") : "{\"videos\":" + videos + "}");
  }
  data += ",\"final_unit_deduction\":" + std::string(chance(0.5) ? "\"4\"" : "4");
  data += "}";
  const char *codes[] = {"0", "\"0\"", "0.0", "1303", "\"1102\"", "5000", "null"};
  std::string code = codes[chance(0.8) ? pick(3) : pick(7)];
  return "{\"code\":" + code + ",\"message\":\"SUCCEED\",\"request_id\":\"r-1\",\"data\":" +
         (wrong_types && chance(0.3) ? std::string("[]") : data) + "}";
}

std::string Generator::kirin_task(bool wrong_types) {
  const char *statuses[] = {"pending", "processing", "completed", "failed", "queued", "weird"};
  std::string status = statuses[chance(0.8) ? pick(4) : pick(6)];
  std::string t = "{";
  std::string id = task_id_member("task_id", task_id_);
  t += id.empty() ? "\"x\":1" : id;
  t += ",\"status\":" + json_string(status);
  if (status == "completed") {
    std::string content;
    if (chance(0.5))
      content = "{\"type\":\"video\"," + video(wrong_types).substr(1);
    else
      content = "{\"type\":\"text\",\"text\":" + json_string(kling_envelope(wrong_types)) + "}";
    t += ",\"output\":" + (wrong_types && chance(0.3) ? std::string("{}") : "[{\"content\":[" + content + "]}]");
    t += ",\"usage\":{\"cost\":\"0.3\",\"discount\":" + std::string(chance(0.5) ? "0" : "\"x\"") + "}";
  }
  if (status == "failed")
    t +=
        ",\"error\":" + (chance(0.7) ? std::string("{\"code\":\"014002095\",\"error_message\":\"boom\"}") : "\"boom\"");
  t += "}";
  return chance(0.2) ? "{\"data\":" + t + "}" : t;
}

Case Generator::next() {
  Case c;
  c.kirin = (counter_++ % 2) == 1;
  task_id_ = chance(0.5) ? "t-1" : std::string("t-") + std::to_string(pick(1000));
  c.task_id = chance(0.5) ? task_id_ : "";
  c.http_status = chance(0.9) ? 200 : (chance(0.5) ? 502 : 429);
  bool wrong = chance(0.2);
  c.body = c.kirin ? kirin_task(wrong) : kling_envelope(wrong);
  c.kind = wrong ? "wrong-types" : "valid";
  switch (pick(10)) {
    case 0:
      c.kind = "truncated";
      c.body.resize(pick(c.body.size() + 1));
      break;
    case 1: {
      c.kind = "mutated";
      for (int i = 0, n = 1 + (int)pick(6); i < n && !c.body.empty(); i++)
        c.body[pick(c.body.size())] = (char)pick(256);
      break;
    }
    case 2:
      c.kind = "non-utf8";
      c.body.insert(pick(c.body.size() + 1), chance(0.5) ? "\xc3" : "\xff\xfe\x80");
      break;
    case 3:
      if (chance(0.3)) {
        c.kind = "deep";
        c.body = std::string(idf::kMaxAnswerDepth * 2, '[') + c.body + std::string(idf::kMaxAnswerDepth * 2, ']');
      }
      break;
    case 4:
      if (chance(0.05)) {
        c.kind = "huge";
        c.body = "{\"code\":0,\"pad\":\"" + std::string(idf::kMaxAnswerBytes + 10, 'x') + "\",\"data\":" + c.body + "}";
      }
      break;
    default: break;
  }
  return c;
}

}  // namespace lipsync_fuzz
