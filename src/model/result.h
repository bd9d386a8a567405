// SPDX-License-Identifier: LGPL-2.1-or-later
// Result model shared by every provider: what a finished identification
// produced (Result) or why it did not (Failure).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace idf {

constexpr uint64_t kNsPerMs = 1000000ull;
constexpr uint64_t kNsPerSecond = 1000000000ull;
// Kling's advanced lip-sync needs an interval of at least 2 s.
constexpr uint64_t kLipsyncMinInterval = 2 * kNsPerSecond;

// A face's box in a frame, as fractions (0..1) of the frame's width and
// height, from its top-left corner.
struct FaceBox {
  double x = 0, y = 0, width = 0, height = 0;
};

struct Face {
  std::string id;         // "face-id": the service's string id
  std::string image;      // "face-image": URL of a screenshot of the face
  uint64_t start_ns = 0;  // stream time, clip start = 0
  uint64_t end_ns = 0;
  // What the local engine knows besides: the box in the sample where the
  // face was largest, and the detector's best score (0..1).
  std::optional<FaceBox> box;
  std::optional<double> score;
  bool lipsync_ready() const { return end_ns >= start_ns && end_ns - start_ns >= kLipsyncMinInterval; }
};

// A video a lip-sync made.
struct ResultVideo {
  std::string id;
  std::string url;           // absolute http(s)
  uint64_t duration_ns = 0;  // 0 when the service did not say
};

struct Result {
  std::string provider;  // "kling", "kirin", "local"
  std::string session_id;
  std::string request_id;
  std::string task_id;  // "" when the answer was synchronous
  std::string final_unit_deduction;
  std::string video_url;
  std::string video_id;
  std::string stream_id;
  std::optional<std::string> cost;  // kirin: usage.cost (USD, string)
  std::optional<double> discount;   // kirin: usage.discount
  // provider=local on raw video only: whether the stream ran to its end, and
  // how many samples a live stream skipped because the analysis was behind.
  std::optional<bool> complete;
  std::optional<uint64_t> samples_dropped;
  // provider=local: the shot cuts it found (stream time, where the faces
  // on both sides end and start).
  std::optional<std::vector<uint64_t>> shot_cuts_ns;
  // provider=local: whether the paid service would accept this clip
  // ("accepted", "refused", "unknown") and, unless accepted, why.
  std::optional<std::string> service_verdict;
  std::string service_refusal;
  bool cached = false;    // reused from the result cache: no request sent
  std::string cached_at;  // ISO 8601 UTC of when it was stored; "" when fresh
  // When the service's session was made, in seconds since the epoch: a fresh
  // answer's submission (or its arrival), a cached one's as the cache stored
  // it; 0 unknown. A session lives 24 h: the lip-sync checks its age.
  int64_t session_created_s = 0;
  std::vector<Face> faces;
  // A lip-sync's: the task's last status and every video it made.
  std::string task_status;
  std::vector<ResultVideo> videos;
};

struct Failure {
  enum class Kind {
    Config,      // the element's settings cannot work (missing key, both ids...)
    Validation,  // the clip breaks the service's documented limits
    Auth,        // the service refused the credentials
    Service,     // the service answered with an error code
    Http,        // an HTTP error without a service envelope
    Transport,   // the connection failed
    Ambiguous,   // a submission failed after it may have been billed
    Timeout,     // the overall deadline passed
    Parse,       // the answer could not be understood
    Local,       // the local engine failed
  };
  Kind kind = Kind::Service;
  std::string code;     // service error code, "" when there is none
  std::string message;  // human readable, names the limit/value/code
  unsigned http_status = 0;
  std::string request_id;
  std::string task_id;
  // The service's status of a task that ended failed ("failed"): nothing
  // more will come of it. "" for every other failure.
  std::string task_status;
  // Technical detail for the debug string of the ERROR/WARNING: status line,
  // URL without its query, the library's error. `message` stays human.
  std::string detail;

  // Named constructors: what failed, in the words of the kind.
  static Failure config(std::string message) { return make(Kind::Config, std::move(message)); }
  static Failure validation(std::string message) { return make(Kind::Validation, std::move(message)); }
  static Failure transport(std::string message) { return make(Kind::Transport, std::move(message)); }
  static Failure ambiguous(std::string message) { return make(Kind::Ambiguous, std::move(message)); }
  static Failure timeout(std::string message) { return make(Kind::Timeout, std::move(message)); }
  static Failure local(std::string message) { return make(Kind::Local, std::move(message)); }
  static Failure parse(std::string message, unsigned http_status = 0) {
    return make(Kind::Parse, std::move(message)).with_status(http_status);
  }
  // An HTTP error without a service envelope; 401/403 are Auth.
  static Failure http(unsigned http_status, std::string message) {
    return make(http_status == 401 || http_status == 403 ? Kind::Auth : Kind::Http, std::move(message))
        .with_status(http_status);
  }
  // The service answered with an error code.
  static Failure service(Kind kind, std::string code, std::string message, unsigned http_status) {
    Failure f = make(kind, std::move(message)).with_status(http_status);
    f.code = std::move(code);
    return f;
  }

  Failure &&with_status(unsigned status) && {
    http_status = status;
    return std::move(*this);
  }
  Failure &&with_request_id(std::string id) && {
    request_id = std::move(id);
    return std::move(*this);
  }
  Failure &&with_task_id(std::string id) && {
    task_id = std::move(id);
    return std::move(*this);
  }

 private:
  static Failure make(Kind kind, std::string message) {
    Failure f;
    f.kind = kind;
    f.message = std::move(message);
    return f;
  }
};

const char *failure_kind_name(Failure::Kind kind);

using Outcome = std::variant<Result, Failure>;

// Clamp every face to [0, duration] (the service's end_time may overshoot
// the clip by a few milliseconds). No-op when the duration is unknown.
void clamp_faces_to_duration(std::vector<Face> &faces, std::optional<uint64_t> duration_ns);

// `unix_s` as ISO 8601 UTC ("2026-11-21T21:30:00Z"), as the cache stores
// times and the message shows them; "" when out of range.
std::string iso8601_utc(int64_t unix_s);

}  // namespace idf
