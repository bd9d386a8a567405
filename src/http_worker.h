// The one network thread of the process: it owns a GMainContext and the
// SoupSession created on it, and is shared by every identifyface element.
// Nothing here blocks; requests and timers are asynchronous on that context.
#pragma once

#include <gio/gio.h>

typedef struct _SoupSession SoupSession;

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "answer_limits.h"

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
  // Technical: method, URL without query, status line, libsoup's error.
  std::string detail;
  unsigned tls_errors = 0;  // GTlsCertificateFlags, Error::Tls
  unsigned redirects = 0;   // redirects followed
};

// "issued by an unknown or untrusted authority, expired" for GTlsCertificateFlags.
std::string describe_tls_errors(unsigned flags);

class HttpWorker {
 public:
  // The process-wide worker, started on first use. It lives as long as the
  // process: a GStreamer plugin is never unloaded.
  static HttpWorker &get();

  GMainContext *context() const { return context_; }
  bool on_worker_thread() const;

  // Runs `fn` on the worker thread (later, or now when called from it).
  void post(std::function<void()> fn);
  // Runs `fn` on the worker thread and waits for it (not from the worker).
  void run_sync(std::function<void()> fn);

  // Worker thread only. `cancellable` aborts the request (done gets
  // Error::Cancelled). `done` runs on the worker thread.
  void send(const HttpRequest &req, GCancellable *cancellable, std::function<void(HttpResponse)> done);

  // Worker thread only. A one-shot timer; returns the GSource (a reference
  // the caller owns) so it can be destroyed to cancel the timer.
  GSource *add_timer(unsigned ms, std::function<void()> fn);

 private:
  HttpWorker();
  static gpointer thread_main(gpointer self);
  // The CA file as a database, loaded once per path and modification time.
  GTlsDatabase *ca_database(const std::string &path, std::string *error);

  struct CaEntry {
    GTlsDatabase *db = nullptr;
    gint64 mtime = 0;
  };
  std::map<std::string, CaEntry> ca_databases_;  // worker thread only
  GMainContext *context_ = nullptr;
  GMainLoop *loop_ = nullptr;
  GThread *thread_ = nullptr;
  SoupSession *session_ = nullptr;
};

}  // namespace idf
