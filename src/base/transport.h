// SPDX-License-Identifier: LGPL-2.1-or-later
// One HTTP exchange as a job sees it. Production binds libsoup on the HTTP
// worker; tests bind a scripted transport with no socket.
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/answer_limits.h"

namespace idf {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // may hold secrets: never logged
  std::string content_type;                                  // with a body
  std::string body;
  unsigned timeout_s = 30;
  // A submission must not ride on a kept-alive connection: libsoup would
  // silently resend it if that connection turned out to be closed.
  bool new_connection = false;
  // Who asked (the element's name), so two elements' logs can be told apart.
  std::string requester;
  // A PEM file of CA certificates trusted for this request in addition to
  // the system's (the element's ssl-ca-file). "" = the system's only.
  std::string ca_file;
  // Reading stops, with Error::TooLarge, past this many decoded bytes.
  size_t max_body_bytes = kMaxAnswerBytes;
};

// Redirects: a request other than GET/HEAD is never redirected (a 3xx answer
// is Error::Redirect). GET/HEAD follow up to kMaxRedirects hops, and never to
// another origin (scheme, host, port) while carrying credentials
// (Authorization, Cookie, Proxy-Authorization headers).

struct HttpResponse {
  enum class Error {
    None,
    Cancelled,
    Timeout,     // request-timeout passed; request_sent says whether it was written
    Transport,   // connection refused, reset, DNS...
    InvalidUrl,  // not an http(s) URL
    Tls,         // the server's TLS certificate was refused (tls_errors says why), or ca_file is unusable
    TooLarge,    // the answer is longer than max_body_bytes once decoded
    Redirect,    // a redirect that is not followed (see above)
  };
  Error error = Error::None;
  std::string error_text;     // human: what failed and what to do
  bool request_sent = false;  // the request body was written to the network
  unsigned status = 0;
  std::string body;
  std::string retry_after;  // header value, "" when absent
  std::optional<uint64_t> content_length;
  std::string etag;  // validators of the resource, "" when absent
  std::string last_modified;
  // Technical: method, URL without query, status line, libsoup's error.
  std::string detail;
  unsigned tls_errors = 0;  // GTlsCertificateFlags, Error::Tls
  unsigned redirects = 0;   // redirects followed
};

// "issued by an unknown or untrusted authority, expired" for GTlsCertificateFlags.
std::string describe_tls_errors(unsigned flags);

class Transport {
 public:
  virtual ~Transport() = default;
  // Loop thread only. Sends one request; `done` runs on the loop thread,
  // exactly once (Error::Cancelled once `cancellable` is cancelled).
  virtual void send(const HttpRequest &req, GCancellable *cancellable, std::function<void(HttpResponse)> done) = 0;
};

}  // namespace idf
