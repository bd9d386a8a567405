// SPDX-License-Identifier: LGPL-2.1-or-later
// When to retry, how long to wait, and how often to poll.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace idf {

enum class RequestKind {
  Submission,  // POST that may create (and bill) work: never resent once it may have arrived
  Poll,        // GET of a task: always safe to retry within the deadline
  Probe,       // HEAD of the clip URL for its size
};

enum class Verdict { Retry, Permanent, Ambiguous };

// A transport failure: `request_sent` is true once the body was written.
// Only a submission that was written may have been billed: one that timed
// out before (in DNS, connect or the TLS handshake) is retried like any
// other. `timed_out` does not change the verdict; it is kept for callers.
Verdict classify_transport_failure(RequestKind kind, bool request_sent, bool timed_out);

struct HttpResponse;
// Any HttpWorker error (resp.error != None): TLS and redirect refusals are
// permanent (retrying cannot change them); an answer over the size limit
// came after the submission arrived, so it is ambiguous for a submission;
// timeouts and transport errors as classify_transport_failure.
Verdict classify_response_error(RequestKind kind, const HttpResponse &resp);

// An HTTP answer that is not a success. `service_code` is Kling's code when
// the body carried one ("" otherwise).
Verdict classify_http_failure(RequestKind kind, unsigned http_status, const std::string &service_code);

// The jitter's random source. Every job has one, so it is small: 8 bytes,
// where std::mt19937 would take 5 KB of each element's memory.
using JitterRng = std::minstd_rand;

// Exponential backoff with full jitter: attempt 0 → up to 1 s, doubling,
// capped at 16 s; never less than half the step so retries stay spaced.
unsigned backoff_ms(unsigned attempt, JitterRng &rng);

// Retry-After: delta seconds or an HTTP date (relative to `now_wall_s`,
// seconds since the epoch), capped at an hour. nullopt when absent/invalid.
std::optional<unsigned> parse_retry_after_ms(const char *header, int64_t now_wall_s);

// Poll every `interval` for the first 30 s, then ×1.5 per poll up to `max`.
class PollSchedule {
 public:
  PollSchedule(unsigned interval_ms, unsigned max_ms);
  unsigned next_ms(uint64_t elapsed_ms);

 private:
  unsigned interval_ms_;
  unsigned max_ms_;
  double current_ms_;
};

constexpr uint64_t kFastPollPhaseMs = 30000;

}  // namespace idf
