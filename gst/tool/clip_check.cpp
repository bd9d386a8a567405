// SPDX-License-Identifier: LGPL-2.1-or-later
#include "clip_check.h"

#include <json-glib/json-glib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "job/clip_reading.h"
#include "result_output.h"
#include "runtime/clip_discoverer.h"
#include "runtime/http_worker.h"

bool ClipCheck::accepted() const {
  for (const auto &l : limits)
    if (!l.ok) return false;
  return true;
}

std::string ClipCheck::refusal() const {
  std::string text;
  for (const auto &l : limits)
    if (!l.ok) text += (text.empty() ? "" : "; ") + idf::Violation{l.limit, l.measured, l.rule}.describe();
  return text;
}

namespace {

// One reading, waited for by the command's thread.
struct Wait {
  std::mutex lock;
  std::condition_variable cond;
  bool done = false;
  idf::ClipReading reading;
};

}  // namespace

bool measure_clip(const std::string &uri, unsigned timeout_s, const std::string &ca_file, idf::ClipInfo &clip,
                  std::string &error, std::string *size_problem) {
  idf::ClipReadRequest req;
  req.uri = uri;
  req.timeout_s = timeout_s;
  req.ca_file = ca_file;
  req.requester = "gst-identify-face";
  // The element's own reading, on the worker that runs the element's.
  idf::HttpWorker &worker = idf::HttpWorker::get();
  auto wait = std::make_shared<Wait>();
  GCancellable *cancellable = g_cancellable_new();
  worker.post([req, wait, cancellable, &worker] {
    idf::read_clip(
        req, &idf::discoverer_prober(), worker, cancellable, [](std::function<void()> fn) { fn(); },
        [wait](idf::ClipReading reading) {
          std::lock_guard<std::mutex> g(wait->lock);
          wait->reading = std::move(reading);
          wait->done = true;
          wait->cond.notify_all();
        });
  });
  // The probe and the HEAD are bounded by `timeout_s` each; this, a moment
  // later, bounds a reader that never reports.
  bool done;
  {
    std::unique_lock<std::mutex> g(wait->lock);
    done = wait->cond.wait_for(g, std::chrono::seconds(2 * (uint64_t)timeout_s + 5), [&] { return wait->done; });
  }
  if (!done) {
    g_cancellable_cancel(cancellable);
    g_object_unref(cancellable);
    error = "reading the clip took more than " + std::to_string(timeout_s) + " s (--request-timeout)";
    return false;
  }
  g_object_unref(cancellable);
  const idf::ClipReading &reading = wait->reading;
  clip = reading.clip;
  clip.uri = uri;
  if (size_problem) *size_problem = reading.size_problem;
  if (!reading.problem.empty()) {
    error = reading.problem;
    return false;
  }
  if (!reading.has_video || !clip.width) {
    error = "the clip has no video stream" +
            (reading.streams.empty() ? std::string() : " (it has " + reading.streams + ")");
    return false;
  }
  return true;
}

ClipCheck check_clip(const std::string &uri, const idf::ClipInfo &clip, bool by_video_id) {
  ClipCheck c;
  c.uri = uri;
  c.clip = clip;
  c.by_video_id = by_video_id;
  c.limits = idf::check_limits(clip, by_video_id ? idf::VideoRef::Id : idf::VideoRef::Url);
  return c;
}

std::string format_check_table(const ClipCheck &check) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"limit", "measured", "verdict", "rule"});
  for (const auto &l : check.limits)
    rows.push_back({l.limit, l.measured.empty() ? "unknown" : l.measured,
                    l.measured.empty() ? "not checked"
                    : l.ok             ? "ok"
                                       : "REFUSED",
                    l.rule});
  std::string out = "clip  " + check.uri + "\n\n" + format_table(rows) + "\n";
  if (check.accepted())
    out += "verdict: within the service's limits\n";
  else
    out += "verdict: the service would refuse this clip\n";
  return out;
}

namespace {

// The verdict of one limit: an unknown value is never refused (the element
// refuses to send it under validation=strict, for want of a value).
const char *verdict_of(const idf::LimitCheck &l) {
  return l.measured.empty() ? "unknown" : l.ok ? "accepted" : "refused";
}

void member_int(JsonBuilder *b, const char *name, std::optional<int64_t> v) {
  json_builder_set_member_name(b, name);
  if (v)
    json_builder_add_int_value(b, *v);
  else
    json_builder_add_null_value(b);
}

void member_double(JsonBuilder *b, const char *name, std::optional<double> v) {
  json_builder_set_member_name(b, name);
  if (v)
    json_builder_add_double_value(b, *v);
  else
    json_builder_add_null_value(b);
}

void member_string(JsonBuilder *b, const char *name, const std::string &v) {
  json_builder_set_member_name(b, name);
  if (v.empty())
    json_builder_add_null_value(b);
  else
    json_builder_add_string_value(b, v.c_str());
}

std::optional<int64_t> as_int(std::optional<int> v) {
  return v ? std::optional<int64_t>(*v) : std::nullopt;
}

// The measured value and the bounds of one limit, as numbers whose field
// names carry the unit (the schema: README.md, "The command").
void limit_values(JsonBuilder *b, const idf::LimitCheck &l, const idf::ClipInfo &clip, bool by_video_id) {
  if (l.limit == "container") {
    member_string(b, "container", clip.container);
    json_builder_set_member_name(b, "allowed");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, "mp4");
    json_builder_add_string_value(b, "mov");
    json_builder_end_array(b);
  } else if (l.limit == "file size") {
    member_int(b, "file-size-bytes",
               clip.size_bytes ? std::optional<int64_t>((int64_t)*clip.size_bytes) : std::nullopt);
    member_int(b, "max-bytes", (int64_t)idf::kMaxSizeBytes);
  } else if (l.limit == "duration") {
    member_double(b, "duration-seconds",
                  clip.duration_ns ? std::optional<double>(*clip.duration_ns / 1e9) : std::nullopt);
    member_double(b, "min-seconds", by_video_id ? std::nullopt : std::optional<double>(idf::kMinDurationNs / 1e9));
    member_double(b, "max-seconds", idf::kMaxDurationNs / 1e9);
  } else if (l.limit == "width" || l.limit == "height") {
    member_int(b, l.limit == "width" ? "width-px" : "height-px", as_int(l.limit == "width" ? clip.width : clip.height));
    member_int(b, "min-px", idf::kMinSide);
    member_int(b, "max-px", idf::kMaxSide);
  } else if (l.limit == "resolution") {
    std::optional<int64_t> short_side;
    if (clip.width && clip.height) short_side = std::min(*clip.width, *clip.height);
    member_int(b, "short-side-px", short_side);
    json_builder_set_member_name(b, "allowed-short-side-px");
    json_builder_begin_array(b);
    json_builder_add_int_value(b, 720);
    json_builder_add_int_value(b, 1080);
    json_builder_end_array(b);
  }
}

}  // namespace

std::string format_check_json(const ClipCheck &check) {
  bool unknown = false;
  for (const auto &l : check.limits) unknown = unknown || l.measured.empty();
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "uri");
  json_builder_add_string_value(b, check.uri.c_str());
  json_builder_set_member_name(b, "verdict");
  json_builder_add_string_value(b, !check.accepted() ? "refused" : unknown ? "unknown" : "accepted");
  json_builder_set_member_name(b, "accepted");
  json_builder_add_boolean_value(b, check.accepted());
  json_builder_set_member_name(b, "limits");
  json_builder_begin_array(b);
  for (const auto &l : check.limits) {
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "limit");
    json_builder_add_string_value(b, l.limit.c_str());
    json_builder_set_member_name(b, "verdict");
    json_builder_add_string_value(b, verdict_of(l));
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, l.ok);
    limit_values(b, l, check.clip, check.by_video_id);
    json_builder_set_member_name(b, "rule");
    json_builder_add_string_value(b, l.rule.c_str());
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  JsonNode *root = json_builder_get_root(b);
  std::string out = json_to_string(root);
  json_node_unref(root);
  g_object_unref(b);
  return out;
}
