// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/lipsync_dialect.h"

#include <cmath>

#include "base/answer_limits.h"
#include "model/utf8_text.h"
#include "wire/json_doc.h"

namespace idf {

namespace {

std::string text_of(json::Value v, size_t max_bytes = SIZE_MAX) {
  return v.is(json::Type::String) || v.is(json::Type::Number) ? *v.text(max_bytes) : "";
}

Failure unusable(const std::string &what, unsigned http_status, const std::string &request_id = "",
                 const std::string &task_id = "") {
  Failure f = Failure::parse("the service's answer cannot be used: " + what, http_status);
  f.request_id = request_id;
  f.task_id = task_id;
  f.detail = http_status_line(http_status);
  return f;
}

bool is_http_url(const std::string &url) {
  return g_ascii_strncasecmp(url.c_str(), "https://", 8) == 0 || g_ascii_strncasecmp(url.c_str(), "http://", 7) == 0;
}

// A video's duration in seconds (a number or a string holding one) as ns.
std::optional<uint64_t> duration_ns(json::Value v) {
  auto d = v.number();
  if (!d || *d < 0 || *d > (double)(kMaxAnswerTimeMs / 1000)) return std::nullopt;
  return (uint64_t)std::llround(*d * 1e9);
}

// One element of a videos list; "" on success, else what is wrong.
std::string read_video(json::Value v, const std::string &where, ResultVideo *out) {
  if (!v.is(json::Type::Object)) return where + " is " + v.describe() + ", not a video object";
  json::Value url = v.get("url");
  out->url = url.is(json::Type::String) ? *url.text() : "";
  if (!is_http_url(out->url)) return where + (url ? ": url " + url.describe() + " is not an http(s) URL" : ": no url");
  out->id = text_of(v.get("id"));
  json::Value d = v.get("duration");
  if (d && !d.is(json::Type::Null)) {
    auto ns = duration_ns(d);
    if (!ns) return where + ": duration " + d.describe() + " is not a length in seconds";
    out->duration_ns = *ns;
  }
  return "";
}

bool code_is_zero(json::Value code) {
  if (code.is(json::Type::Number)) {
    auto d = code.number();
    return d && *d == 0;
  }
  return code.is(json::Type::String) && *code.text() == "0";
}

TaskState state_of(const std::string &status) {
  if (status == "submitted" || status == "processing") return TaskState::Running;
  if (status == "succeed") return TaskState::Completed;
  if (status == "failed") return TaskState::Failed;
  return TaskState::Unknown;
}

// The data object of a Kling lip-sync envelope whose code is 0.
std::variant<TaskStatus, Failure> kling_task_of(json::Value data, const std::string &request_id, unsigned http_status) {
  if (!data.is(json::Type::Object))
    return unusable("code 0 but no \"data\" object" + (data ? " (data is " + data.describe() + ")" : std::string()),
                    http_status, request_id);
  TaskStatus st;
  json::Value id = data.get("task_id") ? data.get("task_id") : data.get("id");
  st.task_id = text_of(id);
  std::string why = kirin_task_id_problem(st.task_id);
  if (!why.empty())
    return unusable("data.task_id " + quoted_excerpt(st.task_id) + " cannot name a task: " + why, http_status,
                    request_id);
  st.status = text_of(data.get("task_status"));
  st.state = state_of(st.status);
  if (st.state == TaskState::Failed) {
    std::string msg = text_of(data.get("task_status_msg"), kMaxServiceTextBytes);
    Failure f = Failure::service(
        Failure::Kind::Service, "",
        "lip-sync task " + st.task_id + " failed: " + (msg.empty() ? std::string("the service gave no reason") : msg),
        http_status);
    f.request_id = request_id;
    f.task_id = st.task_id;
    f.task_status = st.status;
    f.detail = http_status_line(http_status);
    st.outcome = f;
  } else if (st.state == TaskState::Completed) {
    Result r;
    r.request_id = request_id;
    r.task_id = st.task_id;
    r.task_status = st.status;
    r.final_unit_deduction = text_of(data.get("final_unit_deduction"));
    json::Value videos = data.get("task_result").get("videos");
    if (!videos.is(json::Type::Array) || videos.count() == 0)
      return unusable("task " + st.task_id + " succeeded but data.task_result.videos is " + videos.describe() +
                          ", not a list of videos",
                      http_status, request_id, st.task_id);
    size_t i = 0;
    for (json::Value v = videos.first(); v; v = v.next(), i++) {
      ResultVideo video;
      std::string wrong = read_video(v, "task_result.videos[" + std::to_string(i) + "]", &video);
      if (!wrong.empty()) return unusable(wrong, http_status, request_id, st.task_id);
      r.videos.push_back(std::move(video));
    }
    st.outcome = std::move(r);
  }
  return st;
}

std::variant<TaskStatus, Failure> parse_kling(const std::string &body, unsigned http_status) {
  json::Problem problem;
  json::Doc doc = json::Doc::parse(body, json::answer_limits(), &problem);
  json::Value root = doc.root();
  // Errors in Kling's words, as identify-face reads them: HTTP errors, a
  // non-zero code, an answer that is not an object.
  if (http_status >= 300 || !root.is(json::Type::Object) || !code_is_zero(root.get("code"))) {
    Outcome out = kling_outcome_of(root, problem, body.size(), http_status);
    if (auto *f = std::get_if<Failure>(&out)) return *f;
    return unusable("an error answer was read as a success", http_status);  // not reached: code != 0
  }
  return kling_task_of(root.get("data"), text_of(root.get("request_id")), http_status);
}

// Kirin: what a completed kirin_lipsync task made.
Outcome kirin_completed(json::Value task, const std::string &task_id, unsigned http_status) {
  Result r;
  r.task_id = task_id;
  r.task_status = text_of(task.get("status"));
  json::Value output = task.get("output");
  size_t i = 0;
  for (json::Value o = output.is(json::Type::Array) ? output.first() : json::Value(); o; o = o.next(), i++) {
    json::Value content = o.get("content");
    if (!content.is(json::Type::Array)) continue;
    size_t j = 0;
    for (json::Value c = content.first(); c; c = c.next(), j++) {
      std::string where = "output[" + std::to_string(i) + "].content[" + std::to_string(j) + "]";
      if (c.get("url").is(json::Type::String) && !c.get("url").text()->empty()) {
        ResultVideo video;
        std::string wrong = read_video(c, where, &video);
        if (!wrong.empty()) return unusable(wrong, http_status, "", task_id);
        r.videos.push_back(std::move(video));
      } else if (c.get("text").is(json::Type::String)) {
        // Kling's lip-sync envelope as text.
        std::string text = *c.get("text").text();
        json::Problem problem;
        json::Doc inner = json::Doc::parse(text, json::answer_limits(), &problem);
        if (!inner.root().is(json::Type::Object))
          return unusable(
              where + ".text is not a JSON object (" + (inner.root() ? inner.root().describe() : problem.what) + ")",
              http_status, "", task_id);
        if (!code_is_zero(inner.root().get("code"))) {
          Outcome out = kling_outcome_of(inner.root(), problem, text.size(), http_status);
          if (auto *f = std::get_if<Failure>(&out)) {
            f->task_id = task_id;
            f->message = "task " + task_id + ": " + f->message;
            return *f;
          }
        }
        auto st = kling_task_of(inner.root().get("data"), text_of(inner.root().get("request_id")), http_status);
        if (auto *f = std::get_if<Failure>(&st)) {
          f->task_id = task_id;
          return *f;
        }
        auto &inner_task = std::get<TaskStatus>(st);
        if (inner_task.state != TaskState::Completed)
          return unusable("task " + task_id + " completed but its result says \"" + inner_task.status + "\"",
                          http_status, "", task_id);
        Result &got = std::get<Result>(inner_task.outcome);
        r.request_id = got.request_id;
        r.final_unit_deduction = got.final_unit_deduction;
        for (auto &v : got.videos) r.videos.push_back(std::move(v));
      }
    }
  }
  if (r.videos.empty())
    return unusable("task " + task_id + " completed without a video in output[].content[]", http_status, "", task_id);
  json::Value usage = task.get("usage");
  if (json::Value cost = usage.get("cost"); cost.is(json::Type::String) || cost.is(json::Type::Number))
    r.cost = *cost.text();
  if (auto discount = usage.get("discount").number()) r.discount = *discount;
  return r;
}

}  // namespace

std::variant<TaskStatus, Failure> parse_kling_lipsync_task(const std::string &body, unsigned http_status,
                                                           const std::string &expected_task_id) {
  auto out = parse_kling(body, http_status);
  if (auto *f = std::get_if<Failure>(&out)) {
    make_valid_utf8(*f);
    return out;
  }
  auto &st = std::get<TaskStatus>(out);
  if (auto *f = std::get_if<Failure>(&st.outcome)) make_valid_utf8(*f);
  if (!expected_task_id.empty() && st.task_id != expected_task_id) {
    if (st.task_id.empty()) {
      st.task_id = expected_task_id;
      if (auto *r = std::get_if<Result>(&st.outcome)) r->task_id = expected_task_id;
      if (auto *f = std::get_if<Failure>(&st.outcome)) f->task_id = expected_task_id;
    } else {
      Failure f = unusable("the poll answer is about task " + quoted_excerpt(st.task_id) + ", not the submitted task " +
                               quoted_excerpt(expected_task_id),
                           http_status, "", valid_utf8(expected_task_id));
      make_valid_utf8(f);
      return f;
    }
  }
  return out;
}

std::variant<TaskStatus, Failure> parse_kirin_lipsync_task(const std::string &body, unsigned http_status,
                                                           const std::string &expected_task_id) {
  auto out = parse_kirin_task_as(body, http_status, expected_task_id, kirin_completed);
  if (auto *f = std::get_if<Failure>(&out)) make_valid_utf8(*f);
  if (auto *st = std::get_if<TaskStatus>(&out))
    if (auto *f = std::get_if<Failure>(&st->outcome)) make_valid_utf8(*f);
  return out;
}

}  // namespace idf
