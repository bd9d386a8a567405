// The one network thread of the process: it owns a GMainContext and the
// SoupSession created on it, and is shared by every identifyface element.
// Nothing here blocks; requests and timers are asynchronous on that context.
#pragma once

#include <gio/gio.h>

typedef struct _SoupSession SoupSession;

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
};

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

  GMainContext *context_ = nullptr;
  GMainLoop *loop_ = nullptr;
  GThread *thread_ = nullptr;
  SoupSession *session_ = nullptr;
};

}  // namespace idf
