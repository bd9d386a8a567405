// SPDX-License-Identifier: LGPL-2.1-or-later
#include "runtime/http_worker.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>

#include "base/debug_categories.h"
#include "base/package_info.h"
#include "base/url_policy.h"
#include "model/utf8_text.h"

#define GST_CAT_DEFAULT idf_http_debug

namespace idf {

namespace {

constexpr gsize kReadChunk = 64 * 1024;

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

// One request in flight, across the redirects it follows.
struct Exchange {
  SoupSession *session = nullptr;
  HttpRequest req;  // headers may hold secrets: never logged
  std::string url;  // of the current hop
  SoupMessage *msg = nullptr;
  GInputStream *stream = nullptr;       // the decoded body being read
  GCancellable *cancellable = nullptr;  // ours: cancelled by the job or the timeout
  GCancellable *job_cancellable = nullptr;
  gulong job_handler = 0;
  GSource *timeout = nullptr;
  GTlsDatabase *ca_db = nullptr;  // req.ca_file, loaded
  bool timed_out = false;
  bool body_written = false;
  unsigned tls_errors = 0;  // our own verification against ca_db
  unsigned redirects = 0;
  std::string body;
  std::function<void(HttpResponse)> done;

  ~Exchange() {
    if (timeout) {
      g_source_destroy(timeout);
      g_source_unref(timeout);
    }
    if (job_handler) g_cancellable_disconnect(job_cancellable, job_handler);
    g_clear_object(&job_cancellable);
    g_clear_object(&cancellable);
    drop_message();
    g_clear_object(&ca_db);
  }

  void drop_message() {
    if (msg) g_signal_handlers_disconnect_by_data(msg, this);
    g_clear_object(&msg);
  }
};

bool carries_credentials(const HttpRequest &req) {
  for (const auto &kv : req.headers)
    if (!g_ascii_strcasecmp(kv.first.c_str(), "Authorization") || !g_ascii_strcasecmp(kv.first.c_str(), "Cookie") ||
        !g_ascii_strcasecmp(kv.first.c_str(), "Proxy-Authorization"))
      return true;
  return false;
}

std::string host_of(SoupMessage *msg) {
  GUri *uri = soup_message_get_uri(msg);
  const char *host = g_uri_get_host(uri);
  std::string out = host ? host : "";
  if (g_uri_get_port(uri) > 0) out += ":" + std::to_string(g_uri_get_port(uri));
  return out;
}

void on_stream_closed(GObject *source, GAsyncResult *res, gpointer) {
  g_input_stream_close_finish(G_INPUT_STREAM(source), res, nullptr);
  g_object_unref(source);
}

// Hands the stream back to libsoup. Closed before its end, libsoup 3 drops
// the connection rather than reading the rest of the body
// (/http/limit/endless-chunked checks it).
void release_stream(Exchange *ex) {
  if (!ex->stream) return;
  g_input_stream_close_async(ex->stream, G_PRIORITY_DEFAULT, nullptr, on_stream_closed, nullptr);
  ex->stream = nullptr;
}

std::string describe_request(Exchange *ex) {
  return ex->req.method + " " + loggable_url(ex->url);
}

// For log lines: which element asked, so two elements' logs can be told apart.
std::string log_name(Exchange *ex) {
  return (ex->req.requester.empty() ? std::string() : ex->req.requester + ": ") + describe_request(ex);
}

void complete(Exchange *ex, HttpResponse resp) {
  release_stream(ex);
  resp.request_sent = ex->body_written;
  resp.redirects = ex->redirects;
  resp.error_text = valid_utf8(resp.error_text);
  resp.detail = valid_utf8(resp.detail);
  GST_DEBUG("%s finished: status %u, error %d, %zu bytes, sent %d, %u redirect(s)%s%s", log_name(ex).c_str(),
            resp.status, (int)resp.error, resp.body.size(), resp.request_sent, resp.redirects,
            resp.detail.empty() ? "" : ": ", resp.detail.c_str());
  auto done = std::move(ex->done);
  delete ex;
  done(std::move(resp));
}

void fail(Exchange *ex, HttpResponse::Error error, std::string text, std::string detail, unsigned status = 0) {
  HttpResponse resp;
  resp.error = error;
  resp.error_text = std::move(text);
  resp.detail =
      describe_request(ex) + (status ? ": " + std::to_string(status) : "") + (detail.empty() ? "" : ": " + detail);
  resp.status = status;
  resp.tls_errors = ex->tls_errors;
  complete(ex, std::move(resp));
}

void fail_with_gerror(Exchange *ex, GError *err) {
  std::string technical =
      err ? std::string(g_quark_to_string(err->domain)) + " " + std::to_string(err->code) + ": " + err->message
          : "unknown error";
  if (ex->timed_out) {
    fail(ex, HttpResponse::Error::Timeout, "no answer in time", technical);
  } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    fail(ex, HttpResponse::Error::Cancelled, "cancelled", technical);
  } else if (err && err->domain == G_TLS_ERROR) {
    std::string host = ex->msg ? host_of(ex->msg) : "the server";
    if (!ex->tls_errors && ex->msg) ex->tls_errors = soup_message_get_tls_peer_certificate_errors(ex->msg);
    std::string text;
    if (g_error_matches(err, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) || ex->tls_errors) {
      text = "the TLS certificate of " + host + " is not trusted: " +
             (ex->tls_errors ? describe_tls_errors(ex->tls_errors) : std::string("it was refused")) +
             (ex->req.ca_file.empty() ? "; if a private CA signed it, set ssl-ca-file to that CA's certificate"
                                      : "; ssl-ca-file \"" + ex->req.ca_file + "\" does not vouch for it either");
    } else {
      text = "TLS with " + host + " failed: " + err->message;
    }
    fail(ex, HttpResponse::Error::Tls, text, technical);
  } else {
    fail(ex, HttpResponse::Error::Transport, err ? err->message : "unknown error", technical);
  }
}

void on_job_cancelled(GCancellable *, gpointer data) {
  // Runs in the cancelling thread (an element stopping, Ctrl-C). Cancelling
  // our cancellable runs libsoup's own handlers on it, which must run on the
  // thread that owns the session: run there, they raced the worker and
  // crashed in libsoup (SIGSEGV about once in 15 cancels mid-poll under
  // load). The job already ignores the exchange; this only stops it.
  HttpWorker &worker = HttpWorker::get();
  GCancellable *ours = G_CANCELLABLE(g_object_ref(data));
  if (worker.on_loop_thread()) {
    g_cancellable_cancel(ours);
    g_object_unref(ours);
    return;
  }
  worker.post([ours] {
    g_cancellable_cancel(ours);
    g_object_unref(ours);
  });
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

// Only connected with a ca_file: trusts what that file's CAs signed for
// this host, on top of the system's trust (which did not accept it).
gboolean on_accept_certificate(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags, gpointer data) {
  auto *ex = static_cast<Exchange *>(data);
  GUri *uri = soup_message_get_uri(msg);
  int port = g_uri_get_port(uri) > 0 ? g_uri_get_port(uri) : 443;
  GSocketConnectable *identity = g_network_address_new(g_uri_get_host(uri), (guint16)port);
  GError *err = nullptr;
  unsigned flags = g_tls_database_verify_chain(ex->ca_db, cert, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity,
                                               nullptr, G_TLS_DATABASE_VERIFY_NONE, nullptr, &err);
  if (err) {
    flags |= G_TLS_CERTIFICATE_GENERIC_ERROR;
    g_error_free(err);
  }
  // The database checks the chain; the name is checked here as well.
  flags |= g_tls_certificate_verify(cert, identity, nullptr) & G_TLS_CERTIFICATE_BAD_IDENTITY;
  g_object_unref(identity);
  ex->tls_errors = flags;
  return flags == 0;
}

void start(Exchange *ex);

void on_chunk(GObject *source, GAsyncResult *res, gpointer data);

// Reads on, never more than one byte past the limit.
void read_next(Exchange *ex) {
  size_t room = ex->req.max_body_bytes - std::min(ex->req.max_body_bytes, ex->body.size());
  gsize want = room >= kReadChunk ? kReadChunk : room + 1;
  g_input_stream_read_bytes_async(ex->stream, want, G_PRIORITY_DEFAULT, ex->cancellable, on_chunk, ex);
}

void on_chunk(GObject *source, GAsyncResult *res, gpointer data) {
  auto *ex = static_cast<Exchange *>(data);
  GError *err = nullptr;
  GBytes *bytes = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, &err);
  if (!bytes) {
    fail_with_gerror(ex, err);
    g_error_free(err);
    return;
  }
  gsize len = 0;
  const char *p = (const char *)g_bytes_get_data(bytes, &len);
  if (len == 0) {
    g_bytes_unref(bytes);
    HttpResponse resp;
    resp.status = soup_message_get_status(ex->msg);
    resp.body = std::move(ex->body);
    SoupMessageHeaders *h = soup_message_get_response_headers(ex->msg);
    if (const char *ra = soup_message_headers_get_one(h, "Retry-After")) resp.retry_after = valid_utf8(ra);
    if (const char *etag = soup_message_headers_get_one(h, "ETag")) resp.etag = valid_utf8(etag);
    if (const char *lm = soup_message_headers_get_one(h, "Last-Modified")) resp.last_modified = valid_utf8(lm);
    goffset cl = soup_message_headers_get_content_length(h);
    if (soup_message_headers_get_encoding(h) == SOUP_ENCODING_CONTENT_LENGTH) resp.content_length = (uint64_t)cl;
    resp.detail = describe_request(ex) + ": " + std::to_string(resp.status) + " " +
                  (soup_message_get_reason_phrase(ex->msg) ? soup_message_get_reason_phrase(ex->msg) : "");
    complete(ex, std::move(resp));
    return;
  }
  ex->body.append(p, len);
  g_bytes_unref(bytes);
  if (ex->body.size() > ex->req.max_body_bytes) {
    unsigned status = soup_message_get_status(ex->msg);
    fail(ex, HttpResponse::Error::TooLarge,
         "the answer is longer than the limit of " + std::to_string(ex->req.max_body_bytes) +
             " bytes (decoded); reading stopped there",
         "more than " + std::to_string(ex->req.max_body_bytes) + " bytes", status);
    return;
  }
  read_next(ex);
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Follows or refuses the redirect the current hop got.
void redirect(Exchange *ex, unsigned status, const char *location) {
  GError *err = nullptr;
  GUri *target = g_uri_parse_relative(soup_message_get_uri(ex->msg), location, (GUriFlags)SOUP_HTTP_URI_FLAGS, &err);
  std::string to;
  if (target) {
    gchar *s = g_uri_to_string(target);
    to = s;
    g_free(s);
    g_uri_unref(target);
  }
  std::string shown = to.empty() ? quoted_excerpt(location) : loggable_url(valid_utf8(to));
  std::string status_text = "HTTP " + std::to_string(status);
  g_clear_error(&err);
  if (ex->req.method != "GET" && ex->req.method != "HEAD") {
    fail(ex, HttpResponse::Error::Redirect,
         "the answer to the " + ex->req.method + " is a redirect (" + status_text + ") to " + shown +
             "; it is not followed, so nothing was resent: use that address directly",
         "Location: " + shown, status);
    return;
  }
  if (to.empty() || (!g_str_has_prefix(to.c_str(), "http://") && !g_str_has_prefix(to.c_str(), "https://"))) {
    fail(ex, HttpResponse::Error::Redirect,
         "the answer redirects (" + status_text + ") to " + shown + ", which is not an http(s) URL",
         "Location: " + shown, status);
    return;
  }
  if (ex->redirects >= kMaxRedirects) {
    fail(ex, HttpResponse::Error::Redirect,
         "more than " + std::to_string(kMaxRedirects) + " redirects (the last to " + shown + ")", "Location: " + shown,
         status);
    return;
  }
  if (carries_credentials(ex->req) && !same_origin(to, ex->req.url)) {
    fail(ex, HttpResponse::Error::Redirect,
         "the answer redirects (" + status_text + ") to another origin, " + shown +
             "; the credentials are not sent there: use that address directly if you trust it",
         "Location: " + shown, status);
    return;
  }
  GST_DEBUG("%s: %u, following to %s", log_name(ex).c_str(), status, shown.c_str());
  release_stream(ex);
  ex->drop_message();
  ex->redirects++;
  ex->url = to;
  ex->body.clear();
  start(ex);
}

void on_sent(GObject *source, GAsyncResult *res, gpointer data) {
  auto *ex = static_cast<Exchange *>(data);
  GError *err = nullptr;
  GInputStream *stream = soup_session_send_finish(SOUP_SESSION(source), res, &err);
  if (!stream) {
    fail_with_gerror(ex, err);
    g_clear_error(&err);
    return;
  }
  ex->stream = stream;
  unsigned status = soup_message_get_status(ex->msg);
  SoupMessageHeaders *h = soup_message_get_response_headers(ex->msg);
  const char *location = soup_message_headers_get_one(h, "Location");
  if (is_redirect(status) && location) {
    redirect(ex, status, location);
    return;
  }
  // The declared length bounds the body unless it is compressed.
  if (ex->req.method != "HEAD" && soup_message_headers_get_encoding(h) == SOUP_ENCODING_CONTENT_LENGTH &&
      !soup_message_headers_get_one(h, "Content-Encoding")) {
    goffset cl = soup_message_headers_get_content_length(h);
    if ((uint64_t)cl > ex->req.max_body_bytes) {
      fail(ex, HttpResponse::Error::TooLarge,
           "the answer is " + std::to_string(cl) + " bytes long, more than the limit of " +
               std::to_string(ex->req.max_body_bytes) + " bytes; it was not read",
           "Content-Length: " + std::to_string(cl), status);
      return;
    }
    ex->body.reserve((size_t)cl);
  }
  read_next(ex);
}

void start(Exchange *ex) {
  SoupMessage *msg = soup_message_new(ex->req.method.c_str(), ex->url.c_str());
  if (!msg) {
    fail(ex, HttpResponse::Error::InvalidUrl, "not a valid http(s) URL: " + quoted_excerpt(loggable_url(ex->url), 200),
         "");
    return;
  }
  ex->msg = msg;
  SoupMessageHeaders *h = soup_message_get_request_headers(msg);
  for (const auto &kv : ex->req.headers) soup_message_headers_append(h, kv.first.c_str(), kv.second.c_str());
  if (!ex->req.content_type.empty()) {
    GBytes *body = g_bytes_new(ex->req.body.data(), ex->req.body.size());
    soup_message_set_request_body_from_bytes(msg, ex->req.content_type.c_str(), body);
    g_bytes_unref(body);
  }
  // Redirects are ours to judge (libsoup would turn a POST into a GET
  // elsewhere, and resend credentials on every hop).
  soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
  if (ex->req.new_connection) soup_message_add_flags(msg, SOUP_MESSAGE_NEW_CONNECTION);
  if (ex->ca_db) {
    // A connection trusted through this CA file is used by this request
    // alone: another request to the same host must not inherit that trust.
    soup_message_add_flags(msg, SOUP_MESSAGE_NEW_CONNECTION);
    soup_message_headers_replace(h, "Connection", "close");
    g_signal_connect(msg, "accept-certificate", G_CALLBACK(on_accept_certificate), ex);
  }
  g_signal_connect(msg, "wrote-body", G_CALLBACK(on_wrote_body), ex);
  GST_DEBUG("%s (timeout %u s)", log_name(ex).c_str(), ex->req.timeout_s);
  soup_session_send_async(ex->session, msg, G_PRIORITY_DEFAULT, ex->cancellable, on_sent, ex);
}

}  // namespace

std::string describe_tls_errors(unsigned flags) {
  static const struct {
    unsigned flag;
    const char *words;
  } kWords[] = {
      {G_TLS_CERTIFICATE_UNKNOWN_CA, "it is issued by an unknown or untrusted authority"},
      {G_TLS_CERTIFICATE_BAD_IDENTITY, "it does not name this host"},
      {G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet"},
      {G_TLS_CERTIFICATE_EXPIRED, "it has expired"},
      {G_TLS_CERTIFICATE_REVOKED, "it has been revoked"},
      {G_TLS_CERTIFICATE_INSECURE, "it uses an insecure algorithm"},
      {G_TLS_CERTIFICATE_GENERIC_ERROR, "it could not be verified"},
  };
  std::string out;
  for (const auto &w : kWords)
    if (flags & w.flag) out += (out.empty() ? "" : ", ") + std::string(w.words);
  return out.empty() ? "no reason given" : out;
}

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
            // libsoup's default of 2 connections per host would queue the
            // requests of many elements inside libsoup, with their
            // request-timeout running; how many tasks an account runs at once
            // is the scheduler's (admission.h) to decide, not the pool's.
            soup_session_new_with_options("user-agent", IDF_USER_AGENT, "timeout", 0u, "idle-timeout", 60u, "max-conns",
                                          256, "max-conns-per-host", 64, nullptr);
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

GTlsDatabase *HttpWorker::ca_database(const std::string &path, std::string *error) {
  GStatBuf st;
  if (g_stat(path.c_str(), &st) != 0) {
    *error = "ssl-ca-file \"" + path + "\" cannot be read: " + g_strerror(errno);
    return nullptr;
  }
  gint64 mtime = (gint64)st.st_mtime;
  auto it = ca_databases_.find(path);
  if (it != ca_databases_.end() && it->second.mtime == mtime) {
    it->second.used = ++ca_uses_;
    return G_TLS_DATABASE(g_object_ref(it->second.db));
  }
  GError *err = nullptr;
  GTlsDatabase *db = g_tls_file_database_new(path.c_str(), &err);
  if (!db) {
    *error = "ssl-ca-file \"" + path + "\" holds no usable CA certificate: " + (err ? err->message : "unknown error");
    g_clear_error(&err);
    return nullptr;
  }
  if (it != ca_databases_.end()) g_object_unref(it->second.db);
  ca_databases_[path] = CaEntry{db, mtime, ++ca_uses_};
  // Every element may name a CA file of its own: keep a few, not every one
  // the process ever met (a request holds its own reference).
  while (ca_databases_.size() > kMaxCaDatabases) {
    auto oldest = std::min_element(ca_databases_.begin(), ca_databases_.end(),
                                   [](const auto &a, const auto &b) { return a.second.used < b.second.used; });
    g_object_unref(oldest->second.db);
    ca_databases_.erase(oldest);
  }
  return G_TLS_DATABASE(g_object_ref(db));
}

size_t HttpWorker::ca_databases_loaded() {
  size_t n = 0;
  run_sync([&] { n = ca_databases_.size(); });
  return n;
}

void HttpWorker::send(const HttpRequest &req, GCancellable *cancellable, std::function<void(HttpResponse)> done) {
  GUri *uri = g_uri_parse(req.url.c_str(), (GUriFlags)SOUP_HTTP_URI_FLAGS, nullptr);
  bool http =
      uri && g_uri_get_host(uri) && *g_uri_get_host(uri) &&
      (!g_ascii_strcasecmp(g_uri_get_scheme(uri), "http") || !g_ascii_strcasecmp(g_uri_get_scheme(uri), "https"));
  if (uri) g_uri_unref(uri);
  if (!http) {
    HttpResponse resp;
    resp.error = HttpResponse::Error::InvalidUrl;
    resp.error_text = "not a valid http(s) URL: " + quoted_excerpt(req.url, 200);
    done(std::move(resp));
    return;
  }
  auto *ex = new Exchange;
  ex->session = session_;
  ex->req = req;
  ex->url = req.url;
  ex->done = std::move(done);
  if (!req.ca_file.empty()) {
    std::string error;
    ex->ca_db = ca_database(req.ca_file, &error);
    if (!ex->ca_db) {
      fail(ex, HttpResponse::Error::Tls, error, "");
      return;
    }
  }
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
  start(ex);
}

}  // namespace idf
