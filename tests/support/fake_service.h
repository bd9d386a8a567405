// SPDX-License-Identifier: LGPL-2.1-or-later
// An in-process HTTP service for the tests: a SoupServer on 127.0.0.1 in a
// thread and GMainContext of its own, answering from scripted responses and
// recording every request it receives.
#pragma once

#include <glib.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  gint64 received_us = 0;                      // g_get_monotonic_time()
};

struct CannedResponse {
  enum class Action { Respond, Hang, Reset, Stream };
  Action action = Action::Respond;
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  unsigned delay_ms = 0;
  unsigned stream_chunks = 0;  // Stream: `body` this many times, chunked; 0 = until the client goes
  // Answer a Range request with the whole body, HTTP 200, as a server
  // without Range support does (SoupServer would otherwise answer 206).
  bool ignore_range = false;

  static CannedResponse json(unsigned status, std::string body, unsigned delay_ms = 0) {
    CannedResponse r;
    r.status = status;
    r.body = std::move(body);
    r.delay_ms = delay_ms;
    return r;
  }
  static CannedResponse hang() {
    CannedResponse r;
    r.action = Action::Hang;
    return r;
  }
  // Closes the connection after the request was read, without answering.
  static CannedResponse reset() {
    CannedResponse r;
    r.action = Action::Reset;
    return r;
  }
  // `decoded` compressed with gzip, sent with Content-Encoding: gzip.
  static CannedResponse gzip(unsigned status, const std::string &decoded);
  // A chunked answer: `chunk` `count` times (0: until the client hangs up).
  static CannedResponse stream(const std::string &chunk, unsigned count) {
    CannedResponse r;
    r.action = Action::Stream;
    r.body = chunk;
    r.stream_chunks = count;
    return r;
  }
  static CannedResponse redirect(unsigned status, const std::string &location) {
    CannedResponse r;
    r.status = status;
    r.headers.push_back({"Location", location});
    return r;
  }
};

struct FakeServiceOptions {
  // PEM files: serve https with this certificate and key.
  std::string tls_cert_file, tls_key_file;
  // Keep every request for requests()/count()/wait_for(); a soak of many
  // thousand requests turns it off so the fake's memory stays flat.
  bool record_requests = true;
};

class FakeService {
 public:
  FakeService();
  explicit FakeService(const FakeServiceOptions &options);
  ~FakeService();

  std::string url(const std::string &path) const;

  // Responses for "METHOD /path", used in order; the last one repeats.
  void script(const std::string &route, std::vector<CannedResponse> responses);
  // A handler computing the response (runs on the service's thread).
  void handle(const std::string &route, std::function<CannedResponse(const RecordedRequest &)> handler);
  // Serves a local file's bytes at GET/HEAD `path`. A non-zero
  // `head_length` is what HEAD claims as Content-Length instead of the size.
  void serve_file(const std::string &path, const std::string &filename, uint64_t head_length = 0);

  std::vector<RecordedRequest> requests() const;
  size_t count(const std::string &route) const;
  // Waits (up to timeout_ms) until `route` got at least n requests.
  bool wait_for(const std::string &route, size_t n, unsigned timeout_ms) const;

  // Stream answers: bytes written so far, and how many have ended (sent in
  // full, or cut by the client). Waits up to timeout_ms for n ended.
  uint64_t streamed_bytes() const;
  bool wait_streams_ended(size_t n, unsigned timeout_ms) const;

  struct Impl;

 private:
  Impl *impl_;
};

// A 127.0.0.1 URL on which nothing listens (connections are refused).
std::string refused_url(const std::string &path);

// A socket on 127.0.0.1 that listens but never accepts: connections are
// made by the kernel, and then nothing is ever read or written (a request
// cannot be written there, nor a TLS handshake finish).
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  std::string url(const std::string &scheme, const std::string &path) const;

 private:
  struct _GSocket *socket_ = nullptr;
  unsigned port_ = 0;
};
