#include "http_worker.h"

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <condition_variable>
#include <mutex>

#include "debug_categories.h"
#include "package_info.h"

#define GST_CAT_DEFAULT idf_http_debug

namespace idf {

namespace {

struct Call {
  std::function<void()> fn;
};

gboolean run_call(gpointer data) {
  static_cast<Call *>(data)->fn();
  return G_SOURCE_REMOVE;
}

void free_call(gpointer data) {
  delete static_cast<Call *>(data);
}

// One request in flight.
struct Exchange {
  SoupMessage *msg = nullptr;
  GCancellable *cancellable = nullptr;  // ours: cancelled by the job or the timeout
  GCancellable *job_cancellable = nullptr;
  gulong job_handler = 0;
  GSource *timeout = nullptr;
  bool timed_out = false;
  bool body_written = false;
  std::string requester;  // the element's name, for the log
  std::function<void(HttpResponse)> done;

  ~Exchange() {
    if (timeout) {
      g_source_destroy(timeout);
      g_source_unref(timeout);
    }
    if (job_handler) g_cancellable_disconnect(job_cancellable, job_handler);
    g_clear_object(&job_cancellable);
    g_clear_object(&cancellable);
    g_clear_object(&msg);
  }
};

// URLs of clips may carry signed query strings: log scheme, host and path only.
std::string loggable_url(const std::string &url) {
  return url.substr(0, url.find_first_of("?#"));
}

void on_job_cancelled(GCancellable *, gpointer data) {
  // Runs in the cancelling thread; GCancellable is thread-safe.
  g_cancellable_cancel(G_CANCELLABLE(data));
}

gboolean on_request_timeout(gpointer data) {
  auto *ex = static_cast<Exchange *>(data);
  ex->timed_out = true;
  g_cancellable_cancel(ex->cancellable);
  return G_SOURCE_REMOVE;
}

void on_wrote_body(SoupMessage *, gpointer data) {
  static_cast<Exchange *>(data)->body_written = true;
}

void on_read(GObject *source, GAsyncResult *res, gpointer data) {
  auto *ex = static_cast<Exchange *>(data);
  GError *err = nullptr;
  GBytes *bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &err);
  HttpResponse resp;
  resp.request_sent = ex->body_written;
  if (bytes) {
    gsize len = 0;
    const char *p = (const char *)g_bytes_get_data(bytes, &len);
    resp.body.assign(p ? p : "", len);
    g_bytes_unref(bytes);
    resp.status = soup_message_get_status(ex->msg);
    SoupMessageHeaders *h = soup_message_get_response_headers(ex->msg);
    if (const char *ra = soup_message_headers_get_one(h, "Retry-After")) resp.retry_after = ra;
    if (const char *etag = soup_message_headers_get_one(h, "ETag")) resp.etag = etag;
    if (const char *lm = soup_message_headers_get_one(h, "Last-Modified")) resp.last_modified = lm;
    goffset cl = soup_message_headers_get_content_length(h);
    if (soup_message_headers_get_encoding(h) == SOUP_ENCODING_CONTENT_LENGTH) resp.content_length = (uint64_t)cl;
  } else if (ex->timed_out) {
    resp.error = HttpResponse::Error::Timeout;
    resp.error_text = "no answer in time";
  } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    resp.error = HttpResponse::Error::Cancelled;
    resp.error_text = "cancelled";
  } else {
    resp.error = HttpResponse::Error::Transport;
    resp.error_text = err ? err->message : "unknown error";
  }
  g_clear_error(&err);
  GST_DEBUG("%s: %s finished: status %u, error %d, %zu bytes, sent %d", ex->requester.c_str(),
            soup_message_get_method(ex->msg), resp.status, (int)resp.error, resp.body.size(), resp.request_sent);
  auto done = std::move(ex->done);
  delete ex;
  done(std::move(resp));
}

}  // namespace

HttpWorker &HttpWorker::get() {
  static HttpWorker *worker = new HttpWorker();  // lives for the process
  return *worker;
}

HttpWorker::HttpWorker() {
  init_debug_categories();
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  // The session must be created on the worker thread with its context pushed.
  struct Start {
    HttpWorker *self;
    std::mutex *m;
    std::condition_variable *cv;
    bool *ready;
  } start{this, &m, &cv, &ready};
  // At most 15 characters: a longer name is refused, and the thread would
  // carry the name of whichever streaming thread started it.
  thread_ = g_thread_new(
      kThreadName,
      [](gpointer data) -> gpointer {
        auto *s = static_cast<Start *>(data);
        HttpWorker *self = s->self;
        g_main_context_push_thread_default(self->context_);
        self->session_ =
            soup_session_new_with_options("user-agent", IDF_USER_AGENT, "timeout", 0u, "idle-timeout", 60u, nullptr);
        {
          std::lock_guard<std::mutex> g(*s->m);
          *s->ready = true;
          s->cv->notify_one();
        }
        return thread_main(self);
      },
      &start);
  std::unique_lock<std::mutex> lk(m);
  cv.wait(lk, [&] { return ready; });
}

gpointer HttpWorker::thread_main(gpointer data) {
  auto *self = static_cast<HttpWorker *>(data);
  g_main_loop_run(self->loop_);
  return nullptr;
}

bool HttpWorker::on_loop_thread() const {
  return g_main_context_is_owner(context_);
}

int64_t HttpWorker::monotonic_us() const {
  return g_get_monotonic_time();
}

int64_t HttpWorker::wall_s() const {
  return g_get_real_time() / G_USEC_PER_SEC;
}

void HttpWorker::post(std::function<void()> fn) {
  GSource *src = g_idle_source_new();
  g_source_set_priority(src, G_PRIORITY_DEFAULT);
  g_source_set_callback(src, run_call, new Call{std::move(fn)}, free_call);
  g_source_attach(src, context_);
  g_source_unref(src);
}

void HttpWorker::run_sync(std::function<void()> fn) {
  if (on_loop_thread()) {
    fn();
    return;
  }
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  post([&] {
    fn();
    std::lock_guard<std::mutex> g(m);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lk(m);
  cv.wait(lk, [&] { return done; });
}

EventLoop::TimerId HttpWorker::add_timer(unsigned ms, std::function<void()> fn) {
  TimerId id = next_timer_++;
  GSource *src = g_timeout_source_new(ms);
  // The map's reference is dropped as the timer fires, so cancel_timer()
  // only ever destroys timers that have not fired.
  g_source_set_callback(src, run_call, new Call{[this, id, fn = std::move(fn)] {
                          auto it = timers_.find(id);
                          if (it != timers_.end()) {
                            g_source_unref(it->second);
                            timers_.erase(it);
                          }
                          fn();
                        }},
                        free_call);
  g_source_attach(src, context_);
  timers_[id] = src;
  return id;
}

void HttpWorker::cancel_timer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  g_source_destroy(it->second);
  g_source_unref(it->second);
  timers_.erase(it);
}

void HttpWorker::send(const HttpRequest &req, GCancellable *cancellable, std::function<void(HttpResponse)> done) {
  SoupMessage *msg = soup_message_new(req.method.c_str(), req.url.c_str());
  if (!msg) {
    HttpResponse resp;
    resp.error = HttpResponse::Error::InvalidUrl;
    resp.error_text = "not a valid http(s) URL: \"" + req.url + "\"";
    done(std::move(resp));
    return;
  }
  SoupMessageHeaders *h = soup_message_get_request_headers(msg);
  for (const auto &kv : req.headers) soup_message_headers_append(h, kv.first.c_str(), kv.second.c_str());
  if (!req.content_type.empty()) {
    GBytes *body = g_bytes_new(req.body.data(), req.body.size());
    soup_message_set_request_body_from_bytes(msg, req.content_type.c_str(), body);
    g_bytes_unref(body);
  }
  if (req.new_connection) soup_message_add_flags(msg, SOUP_MESSAGE_NEW_CONNECTION);

  auto *ex = new Exchange;
  ex->msg = msg;
  ex->done = std::move(done);
  ex->cancellable = g_cancellable_new();
  if (cancellable) {
    ex->job_cancellable = G_CANCELLABLE(g_object_ref(cancellable));
    ex->job_handler =
        g_cancellable_connect(cancellable, G_CALLBACK(on_job_cancelled), g_object_ref(ex->cancellable), g_object_unref);
  }
  if (req.timeout_s > 0) {
    ex->timeout = g_timeout_source_new_seconds(req.timeout_s);
    g_source_set_callback(ex->timeout, on_request_timeout, ex, nullptr);
    g_source_attach(ex->timeout, context_);
  }
  g_signal_connect(msg, "wrote-body", G_CALLBACK(on_wrote_body), ex);
  ex->requester = req.requester;
  GST_DEBUG("%s: %s %s (timeout %u s)", req.requester.c_str(), req.method.c_str(), loggable_url(req.url).c_str(),
            req.timeout_s);
  soup_session_send_and_read_async(session_, msg, G_PRIORITY_DEFAULT, ex->cancellable, on_read, ex);
}

}  // namespace idf
