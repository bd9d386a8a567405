// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/retry_policy.h"

#include <glib.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <cstdlib>

#include "base/transport.h"

namespace idf {

Verdict classify_transport_failure(RequestKind kind, bool request_sent, bool /*timed_out*/) {
  if (kind != RequestKind::Submission) return Verdict::Retry;
  // Once written, the service may have received (and billed) the submission.
  return request_sent ? Verdict::Ambiguous : Verdict::Retry;
}

Verdict classify_response_error(RequestKind kind, const HttpResponse &resp) {
  switch (resp.error) {
    case HttpResponse::Error::None:
    case HttpResponse::Error::Cancelled:
    case HttpResponse::Error::InvalidUrl:
    case HttpResponse::Error::Tls:
    case HttpResponse::Error::Redirect: return Verdict::Permanent;
    case HttpResponse::Error::TooLarge:
      return kind == RequestKind::Submission ? Verdict::Ambiguous : Verdict::Permanent;
    case HttpResponse::Error::Timeout:
    case HttpResponse::Error::Transport:
      return classify_transport_failure(kind, resp.request_sent, resp.error == HttpResponse::Error::Timeout);
  }
  return Verdict::Permanent;
}

Verdict classify_http_failure(RequestKind kind, unsigned status, const std::string &code) {
  if (code == "1302" || code == "1303" || code == "5000" || code == "5001") return Verdict::Retry;
  if (code == "5002") return kind == RequestKind::Submission ? Verdict::Ambiguous : Verdict::Retry;
  if (status == 429 || status == 502 || status == 503 || status == 504) return Verdict::Retry;
  if (kind != RequestKind::Submission && status >= 500) return Verdict::Retry;
  return Verdict::Permanent;
}

unsigned backoff_ms(unsigned attempt, JitterRng &rng) {
  unsigned step = 1000u << std::min(attempt, 4u);
  std::uniform_int_distribution<unsigned> jitter(step / 2, step);
  return jitter(rng);
}

std::optional<unsigned> parse_retry_after_ms(const char *header, int64_t now_wall_s) {
  if (!header || !*header) return std::nullopt;
  char *end = nullptr;
  unsigned long secs = strtoul(header, &end, 10);
  if (end != header && *end == '\0') return (unsigned)std::min<unsigned long>(secs, 3600) * 1000u;
  GDateTime *when = soup_date_time_new_from_http_string(header);
  if (!when) return std::nullopt;
  GTimeSpan diff = (g_date_time_to_unix(when) - now_wall_s) * G_TIME_SPAN_SECOND;
  g_date_time_unref(when);
  if (diff <= 0) return 0u;
  return (unsigned)std::min<GTimeSpan>(diff / 1000, 3600 * 1000);
}

PollSchedule::PollSchedule(unsigned interval_ms, unsigned max_ms)
    : interval_ms_(std::max(interval_ms, 1u)), max_ms_(std::max(max_ms, interval_ms_)), current_ms_(interval_ms_) {}

unsigned PollSchedule::next_ms(uint64_t elapsed_ms) {
  if (elapsed_ms < kFastPollPhaseMs) return interval_ms_;
  current_ms_ = std::min<double>(current_ms_ * 1.5, max_ms_);
  return (unsigned)current_ms_;
}

}  // namespace idf
