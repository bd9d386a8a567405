// SPDX-License-Identifier: LGPL-2.1-or-later
// What a job is asked to do, and the checks on settings that can never work
// whatever the stream. The defaults here are the element's property
// defaults too: one definition.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "model/clip_info.h"
#include "model/result.h"
#include "wire/kirin_dialect.h"
#include "wire/lipsync_request.h"

namespace idf {

enum class Provider { Kling, Kirin, Local };
enum class ValidationMode { Strict, Warn, Off };

namespace defaults {
constexpr Provider kProvider = Provider::Kling;
constexpr ValidationMode kValidation = ValidationMode::Strict;
constexpr unsigned kRequestTimeoutS = 30;
constexpr unsigned kTimeoutS = 300;
constexpr unsigned kPollIntervalMs = 1000;
constexpr unsigned kPollIntervalMaxMs = 5000;
constexpr unsigned kMaxRetries = 3;
constexpr const char *kModel = kKirinDefaultModel;
constexpr unsigned kCacheTtlS = 82800;  // a session lives 24 h; used while 1 h is left
constexpr unsigned kMaxConcurrent = 0;  // no fixed limit
}  // namespace defaults

struct JobConfig {
  Provider provider = defaults::kProvider;
  std::string api_url;   // "" = the provider's default
  std::string poll_url;  // kirin: template with {task_id}; "" = api_url/task/{task_id}
  std::string model = defaults::kModel;
  // kirin: an existing task to collect (poll only: no submission, no new
  // charge); "" submits the clip.
  std::string task_id;
  // Returns the Authorization header value ("Bearer ...") for the wall time
  // given; called per request so JWTs are renewed. Never logged.
  std::function<std::string(int64_t wall_s)> authorization;
  VideoTarget target;
  ClipInfo clip;
  ValidationMode validation = defaults::kValidation;
  // Whether `validation` was chosen, not left at its default: provider=local
  // (nothing billed) only refuses a clip for the service's limits when
  // strict was asked for.
  bool validation_explicit = false;
  std::string stream_id;
  std::string requester;  // the element's name, for log lines
  unsigned request_timeout_s = defaults::kRequestTimeoutS;
  unsigned timeout_s = defaults::kTimeoutS;
  unsigned poll_interval_ms = defaults::kPollIntervalMs;
  unsigned poll_interval_max_ms = defaults::kPollIntervalMaxMs;
  unsigned max_retries = defaults::kMaxRetries;
  std::string face_image_dir;
  // The account's credential (the API key, or the access key of the JWT
  // scheme): names the account in the cache and the queue through a salted
  // fingerprint. Never stored, never logged.
  std::string credential;
  std::string cache_dir;  // "" = the user's cache dir
  unsigned cache_ttl_s = defaults::kCacheTtlS;
  // Answer only from the result cache: a miss fails (kind config) and
  // nothing is sent to the service.
  bool cache_only = false;
  unsigned max_concurrent = defaults::kMaxConcurrent;
  std::string ca_file;  // ssl-ca-file: CA certificates trusted besides the system's
  // Set: the job is a lip-sync (lipsync_flow.h) of a request already checked
  // (lipsync_preflight.h), not an identification of the clip; api_url ""
  // is the provider's lip-sync endpoint.
  std::optional<LipsyncRequest> lipsync;
};

// The settings that can never work, whatever the stream: both video-url and
// video-id, or video-id with provider=local. Checked when the element starts.
std::optional<Failure> check_video_settings(Provider provider, const std::string &video_url,
                                            const std::string &video_id);

// URL properties that can never work: api-url, poll-url (with {task_id}
// filled in) and video-url must be absolute http(s) URLs with a host. The
// Failure (Kind::Config) names the property and the value.
std::optional<Failure> check_urls(Provider provider, const std::string &api_url, const std::string &poll_url,
                                  const std::string &video_url);

// An api-url that works but sends the key in clear: plain http:// to a host
// other than this machine. The warning names api-url; nullopt otherwise.
std::optional<std::string> cleartext_key_warning(Provider provider, const std::string &api_url);

// Decides what the request names: video-id, video-url, or the upstream URI
// when it is http(s). A Failure (Kind::Config) explains what to set.
std::variant<VideoTarget, Failure> resolve_target(Provider provider, const std::string &video_url,
                                                  const std::string &video_id, const std::string &upstream_uri);

}  // namespace idf
