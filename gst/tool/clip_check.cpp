// SPDX-License-Identifier: LGPL-2.1-or-later
#include "clip_check.h"

#include <gio/gio.h>
#include <gst/pbutils/pbutils.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "base/package_info.h"
#include "clip_access.h"
#include "result_output.h"

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

// The container's short name, as the element derives it: the
// container-format tag, else the container's caps.
static std::string container_of(GstDiscovererInfo *info) {
  const GstTagList *tags = gst_discoverer_info_get_tags(info);
  gchar *format = nullptr;
  if (tags && gst_tag_list_get_string(tags, GST_TAG_CONTAINER_FORMAT, &format)) {
    std::string c = idf::container_from_tag(format);
    g_free(format);
    if (!c.empty()) return c;
  }
  GstDiscovererStreamInfo *top = gst_discoverer_info_get_stream_info(info);
  std::string c;
  if (top && GST_IS_DISCOVERER_CONTAINER_INFO(top)) {
    GstCaps *caps = gst_discoverer_stream_info_get_caps(top);
    if (caps && !gst_caps_is_empty(caps)) {
      GstStructure *s = gst_caps_get_structure(caps, 0);
      const gchar *variant = gst_structure_get_string(s, "variant");
      c = idf::container_from_caps(gst_structure_get_name(s), variant ? variant : "");
    }
    if (caps) gst_caps_unref(caps);
  }
  if (top) gst_discoverer_stream_info_unref(top);
  return c;
}

// Content-Length of an http(s) resource, from a HEAD request.
static std::optional<uint64_t> http_size(const std::string &uri, unsigned timeout_s, const std::string &ca_file) {
  SoupSession *session = soup_session_new_with_options("timeout", timeout_s, "user-agent", IDF_USER_AGENT, nullptr);
  SoupMessage *msg = soup_message_new("HEAD", uri.c_str());
  GTlsDatabase *db = ca_file.empty() ? nullptr : g_tls_file_database_new(ca_file.c_str(), nullptr);
  std::optional<uint64_t> size;
  if (msg) {
    trust_ca_file_in_message(msg, db);
    GInputStream *body = soup_session_send(session, msg, nullptr, nullptr);
    if (body) g_object_unref(body);
    goffset length = soup_message_headers_get_content_length(soup_message_get_response_headers(msg));
    unsigned status = soup_message_get_status(msg);
    if (status >= 200 && status < 300 && length > 0) size = (uint64_t)length;
    g_object_unref(msg);
  }
  if (db) g_object_unref(db);
  g_object_unref(session);
  return size;
}

static std::optional<uint64_t> file_size(const std::string &uri) {
  GFile *file = g_file_new_for_uri(uri.c_str());
  GFileInfo *fi = g_file_query_info(file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, nullptr, nullptr);
  std::optional<uint64_t> size;
  if (fi) {
    size = (uint64_t)g_file_info_get_size(fi);
    g_object_unref(fi);
  }
  g_object_unref(file);
  return size;
}

bool measure_clip(const std::string &uri, unsigned timeout_s, const std::string &ca_file, idf::ClipInfo &clip,
                  std::string &error) {
  GError *err = nullptr;
  GstDiscoverer *dc = gst_discoverer_new((GstClockTime)timeout_s * GST_SECOND, &err);
  if (!dc) {
    error = std::string("cannot read clips: ") + err->message;
    g_error_free(err);
    return false;
  }
  GstDiscovererInfo *info = gst_discoverer_discover_uri(dc, uri.c_str(), &err);
  GstDiscovererResult res = info ? gst_discoverer_info_get_result(info) : GST_DISCOVERER_ERROR;
  bool ok = res == GST_DISCOVERER_OK;
  if (!ok) {
    if (res == GST_DISCOVERER_TIMEOUT)
      error = "reading the clip took more than " + std::to_string(timeout_s) + " s (--request-timeout)";
    else if (res == GST_DISCOVERER_MISSING_PLUGINS)
      error = "GStreamer lacks a plugin to read this clip";
    else
      error = err ? err->message : "the clip could not be read";
  }
  g_clear_error(&err);
  if (ok) {
    clip.uri = uri;
    GstClockTime duration = gst_discoverer_info_get_duration(info);
    if (GST_CLOCK_TIME_IS_VALID(duration) && duration > 0) clip.duration_ns = duration;
    clip.container = container_of(info);
    GList *videos = gst_discoverer_info_get_video_streams(info);
    if (videos) {
      auto *v = GST_DISCOVERER_VIDEO_INFO(videos->data);
      if (gst_discoverer_video_info_get_width(v) > 0) {
        clip.width = (int)gst_discoverer_video_info_get_width(v);
        clip.height = (int)gst_discoverer_video_info_get_height(v);
      }
      if (gst_discoverer_video_info_get_framerate_denom(v) > 0) {
        clip.fps_n = (int)gst_discoverer_video_info_get_framerate_num(v);
        clip.fps_d = (int)gst_discoverer_video_info_get_framerate_denom(v);
      }
    } else {
      error = "the clip has no video stream";
      ok = false;
    }
    gst_discoverer_stream_info_list_free(videos);
    if (idf::uri_is_file(uri))
      clip.size_bytes = file_size(uri);
    else if (idf::uri_is_http(uri))
      clip.size_bytes = http_size(uri, timeout_s, ca_file);
  }
  if (info) gst_discoverer_info_unref(info);
  g_object_unref(dc);
  return ok;
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
