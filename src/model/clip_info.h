// SPDX-License-Identifier: LGPL-2.1-or-later
// What the element learned about the clip flowing through it, and the
// service's documented limits checked against it before any request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace idf {

struct ClipInfo {
  std::optional<int> width;
  std::optional<int> height;
  std::optional<int> fps_n, fps_d;
  std::optional<uint64_t> duration_ns;
  // Normalised container name: "mp4", "mov", another lower-case name, or ""
  // when unknown.
  std::string container;
  std::string uri;  // upstream URI, "" when unknown
  std::optional<uint64_t> size_bytes;
};

// The limits from the service documents.
constexpr uint64_t kMaxSizeBytes = 100ull * 1024 * 1024;
constexpr uint64_t kMinDurationNs = 2ull * 1000000000;
constexpr uint64_t kMaxDurationNs = 60ull * 1000000000;
constexpr int kMinSide = 512;
constexpr int kMaxSide = 2160;

struct Violation {
  std::string limit;             // e.g. "duration"
  std::string measured;          // e.g. "75.00 s"
  std::string rule;              // e.g. "must be 2 to 60 s"
  std::string describe() const;  // "duration 75.00 s (must be 2 to 60 s)"
};

enum class VideoRef { Url, Id };

// One documented limit applied to a clip.
struct LimitCheck {
  std::string limit;     // e.g. "duration"
  std::string measured;  // e.g. "75.00 s"; "" when unknown
  std::string rule;      // e.g. "must be 2 to 60 s"
  bool ok = true;        // an unknown value never breaks a limit
};

// Every limit that applies, in a fixed order, with the value measured and
// the verdict. A clip named by video-id is a Kling-generated video: only
// the 60 s limit is documented for those.
std::vector<LimitCheck> check_limits(const ClipInfo &clip, VideoRef ref);

// The limits check_limits() found broken.
std::vector<Violation> validate_clip(const ClipInfo &clip, VideoRef ref);

// The limits that cannot be checked because the value is unknown: "container",
// "file size", "duration", "width", "height". None for a video-id.
std::vector<std::string> unknown_limits(const ClipInfo &clip, VideoRef ref);

// Fills what `clip` does not know from `probed`: what the stream itself
// said wins.
void fill_unknowns(ClipInfo &clip, const ClipInfo &probed);

// "clip breaks the service's limits: a; b; c"
std::string describe_violations(const std::vector<Violation> &violations);

// Whether the paid service would accept the clip, for an analysis that
// costs nothing (provider=local doubles as a free pre-check).
struct ServiceVerdict {
  std::string verdict;  // "accepted", "refused", or "unknown" (none broken, some not measured)
  std::string refusal;  // the broken limits, then the unknown ones; "" when accepted
};
ServiceVerdict service_verdict(const ClipInfo &clip, VideoRef ref);

// Maps a container-format tag ("ISO MP4/M4A", "Quicktime", "Matroska") or
// container caps (video/quicktime, variant=iso) to a short lower-case name.
std::string container_from_tag(const std::string &tag);
std::string container_from_caps(const std::string &media_type, const std::string &variant);

bool uri_is_http(const std::string &uri);
bool uri_is_file(const std::string &uri);

}  // namespace idf
