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
};

struct HttpResponse {
  enum class Error { None, Cancelled, Timeout, Transport, InvalidUrl };
  Error error = Error::None;
  std::string error_text;     // GError message for Transport
  bool request_sent = false;  // the request body was written to the network
  unsigned status = 0;
  std::string body;
  std::string retry_after;  // header value, "" when absent
  std::optional<uint64_t> content_length;
  std::string etag;  // validators of the resource, "" when absent
  std::string last_modified;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Loop thread only. Sends one request; `done` runs on the loop thread,
  // exactly once (Error::Cancelled once `cancellable` is cancelled).
  virtual void send(const HttpRequest &req, GCancellable *cancellable, std::function<void(HttpResponse)> done) = 0;
};

}  // namespace idf
