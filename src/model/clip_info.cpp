// SPDX-License-Identifier: LGPL-2.1-or-later
#include "model/clip_info.h"

#include <glib.h>

#include <algorithm>
#include <cctype>

namespace idf {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string format_seconds(uint64_t ns) {
  char buf[64];
  g_snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
  return buf;
}

std::string format_bytes(uint64_t bytes) {
  char buf[96];
  g_snprintf(buf, sizeof buf, "%.1f MB (%" G_GUINT64_FORMAT " bytes)", bytes / (1024.0 * 1024.0), bytes);
  return buf;
}

}  // namespace

std::string Violation::describe() const {
  return limit + " " + measured + " (" + rule + ")";
}

std::vector<LimitCheck> check_limits(const ClipInfo &clip, VideoRef ref) {
  std::vector<LimitCheck> out;
  auto add = [&out](const char *limit, std::string measured, const char *rule, bool ok) {
    out.push_back({limit, std::move(measured), rule, ok});
  };
  const char *duration_rule = ref == VideoRef::Id ? "must be at most 60 s for a video-id" : "must be 2 to 60 s";
  auto add_duration = [&] {
    add("duration", clip.duration_ns ? format_seconds(*clip.duration_ns) : "", duration_rule,
        !clip.duration_ns ||
            (*clip.duration_ns <= kMaxDurationNs && (ref == VideoRef::Id || *clip.duration_ns >= kMinDurationNs)));
  };
  if (ref == VideoRef::Id) {
    add_duration();
    return out;
  }

  bool container_ok = clip.container.empty() || clip.container == "mp4" || clip.container == "mov";
  add("container", clip.container.empty() ? "" : "\"" + clip.container + "\"", "must be mp4 or mov", container_ok);
  add("file size", clip.size_bytes ? format_bytes(*clip.size_bytes) : "", "must be at most 100 MB",
      !clip.size_bytes || *clip.size_bytes <= kMaxSizeBytes);
  add_duration();
  const char *side_rule = "each side must be 512 to 2160 px";
  add("width", clip.width ? std::to_string(*clip.width) + " px" : "", side_rule,
      !clip.width || (*clip.width >= kMinSide && *clip.width <= kMaxSide));
  add("height", clip.height ? std::to_string(*clip.height) + " px" : "", side_rule,
      !clip.height || (*clip.height >= kMinSide && *clip.height <= kMaxSide));
  bool both = clip.width && clip.height;
  int short_side = both ? std::min(*clip.width, *clip.height) : 0;
  add("resolution", both ? std::to_string(*clip.width) + "x" + std::to_string(*clip.height) : "",
      "only 720p and 1080p: the short side must be 720 or 1080 px", !both || short_side == 720 || short_side == 1080);
  return out;
}

std::vector<Violation> validate_clip(const ClipInfo &clip, VideoRef ref) {
  std::vector<Violation> out;
  for (const auto &c : check_limits(clip, ref))
    if (!c.ok) out.push_back({c.limit, c.measured, c.rule});
  return out;
}

std::vector<std::string> unknown_limits(const ClipInfo &clip, VideoRef ref) {
  std::vector<std::string> out;
  if (ref == VideoRef::Id) return out;
  if (clip.container.empty()) out.push_back("container");
  if (!clip.size_bytes) out.push_back("file size");
  if (!clip.duration_ns) out.push_back("duration");
  if (!clip.width) out.push_back("width");
  if (!clip.height) out.push_back("height");
  return out;
}

void fill_unknowns(ClipInfo &clip, const ClipInfo &probed) {
  if (!clip.width && !clip.height) {
    clip.width = probed.width;
    clip.height = probed.height;
  }
  if (!clip.fps_n) {
    clip.fps_n = probed.fps_n;
    clip.fps_d = probed.fps_d;
  }
  if (!clip.duration_ns) clip.duration_ns = probed.duration_ns;
  if (clip.container.empty()) clip.container = probed.container;
  if (!clip.size_bytes) clip.size_bytes = probed.size_bytes;
}

std::string describe_violations(const std::vector<Violation> &violations) {
  std::string text = "clip breaks the service's limits: ";
  for (size_t i = 0; i < violations.size(); i++) {
    if (i) text += "; ";
    text += violations[i].describe();
  }
  return text;
}

ServiceVerdict service_verdict(const ClipInfo &clip, VideoRef ref) {
  ServiceVerdict v;
  auto violations = validate_clip(clip, ref);
  auto unknown = unknown_limits(clip, ref);
  if (!violations.empty()) v.refusal = describe_violations(violations);
  if (!unknown.empty()) {
    std::string names;
    for (const auto &u : unknown) names += (names.empty() ? "" : ", ") + u;
    v.refusal += (v.refusal.empty() ? "" : "; ") + names + " unknown: the service would not be sent the clip unchecked";
  }
  v.verdict = !violations.empty() ? "refused" : !unknown.empty() ? "unknown" : "accepted";
  return v;
}

std::string container_from_tag(const std::string &tag) {
  std::string t = lower(tag);
  if (t.empty()) return "";
  if (t.find("quicktime") != std::string::npos) return "mov";
  if (t.find("mp4") != std::string::npos || t.find("iso") != std::string::npos) return "mp4";
  if (t.find("matroska") != std::string::npos) return "mkv";
  if (t.find("webm") != std::string::npos) return "webm";
  if (t.find("avi") != std::string::npos) return "avi";
  if (t.find("mpeg-2 transport") != std::string::npos || t.find("mpeg-ts") != std::string::npos) return "ts";
  if (t.find("ogg") != std::string::npos) return "ogg";
  if (t.find("flv") != std::string::npos || t.find("flash") != std::string::npos) return "flv";
  return t;
}

std::string container_from_caps(const std::string &media_type, const std::string &variant) {
  if (media_type == "video/quicktime") {
    if (variant == "apple") return "mov";
    return "mp4";  // "iso", "iso-fragmented" or unset: ISO base media
  }
  if (media_type == "video/x-matroska") return "mkv";
  if (media_type == "video/webm") return "webm";
  if (media_type == "video/x-msvideo") return "avi";
  if (media_type == "video/mpegts") return "ts";
  if (media_type == "video/x-flv") return "flv";
  if (media_type == "application/ogg") return "ogg";
  return "";
}

bool uri_is_http(const std::string &uri) {
  std::string l = lower(uri.substr(0, 8));
  return l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0;
}

bool uri_is_file(const std::string &uri) {
  return lower(uri.substr(0, 7)) == "file://";
}

}  // namespace idf
