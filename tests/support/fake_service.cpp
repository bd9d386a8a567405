// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/fake_service.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <chrono>
#include <thread>

struct FakeService::Impl {
  GMainContext *context = nullptr;
  GMainLoop *loop = nullptr;
  GThread *thread = nullptr;
  SoupServer *server = nullptr;
  std::string base;

  mutable std::mutex lock;
  mutable std::condition_variable cond;
  std::vector<RecordedRequest> requests;
  std::map<std::string, std::vector<CannedResponse>> scripts;
  std::map<std::string, size_t> served;
  std::map<std::string, std::function<CannedResponse(const RecordedRequest &)>> handlers;
  std::map<std::string, std::pair<std::string, uint64_t>> files;
  std::vector<SoupServerMessage *> hanging;
  uint64_t streamed = 0;
  size_t streams_ended = 0;
  FakeServiceOptions options;

  CannedResponse next_response(const std::string &route, const RecordedRequest &req) {
    std::function<CannedResponse(const RecordedRequest &)> handler;
    {
      std::lock_guard<std::mutex> g(lock);
      auto h = handlers.find(route);
      if (h != handlers.end())
        handler = h->second;
      else {
        auto s = scripts.find(route);
        if (s != scripts.end() && !s->second.empty()) {
          size_t i = served[route]++;
          return s->second[std::min(i, s->second.size() - 1)];
        }
      }
    }
    if (handler) return handler(req);
    return CannedResponse::json(404, "{\"code\":404,\"message\":\"no such route in the fake\"}");
  }
};

namespace {

struct Delayed {
  SoupServerMessage *msg;
  CannedResponse resp;
};

void apply(SoupServerMessage *msg, const CannedResponse &r) {
  if (r.ignore_range) soup_message_headers_remove(soup_server_message_get_request_headers(msg), "Range");
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  for (auto &kv : r.headers) soup_message_headers_append(h, kv.first.c_str(), kv.second.c_str());
  soup_server_message_set_status(msg, r.status, nullptr);
  soup_server_message_set_response(msg, r.content_type.c_str(), SOUP_MEMORY_COPY, r.body.data(), r.body.size());
}

gboolean send_delayed(gpointer data) {
  auto *d = static_cast<Delayed *>(data);
  apply(d->msg, d->resp);
  soup_server_message_unpause(d->msg);
  g_object_unref(d->msg);
  delete d;
  return G_SOURCE_REMOVE;
}

// One Stream answer being written.
struct Streaming {
  FakeService::Impl *impl;
  std::string chunk;
  unsigned left;  // chunks still to send; 0 with endless
  bool endless;
};

void append_chunk(SoupServerMessage *msg, Streaming *st) {
  SoupMessageBody *body = soup_server_message_get_response_body(msg);
  soup_message_body_append(body, SOUP_MEMORY_COPY, st->chunk.data(), st->chunk.size());
  std::lock_guard<std::mutex> g(st->impl->lock);
  st->impl->streamed += st->chunk.size();
}

void on_wrote_chunk(SoupServerMessage *msg, gpointer data) {
  auto *st = static_cast<Streaming *>(data);
  if (!st->endless && st->left == 0) {
    soup_message_body_complete(soup_server_message_get_response_body(msg));
    return;
  }
  if (!st->endless) st->left--;
  append_chunk(msg, st);
}

void on_stream_finished(SoupServerMessage *msg, gpointer data) {
  auto *st = static_cast<Streaming *>(data);
  g_signal_handlers_disconnect_by_data(msg, st);
  {
    std::lock_guard<std::mutex> g(st->impl->lock);
    st->impl->streams_ended++;
    st->impl->cond.notify_all();
  }
  delete st;
}

void start_stream(FakeService::Impl *impl, SoupServerMessage *msg, const CannedResponse &r) {
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  for (auto &kv : r.headers) soup_message_headers_append(h, kv.first.c_str(), kv.second.c_str());
  soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type(h, r.content_type.c_str(), nullptr);
  soup_server_message_set_status(msg, r.status, nullptr);
  auto *st = new Streaming{impl, r.body, r.stream_chunks ? r.stream_chunks - 1 : 0, r.stream_chunks == 0};
  g_signal_connect(msg, "wrote-chunk", G_CALLBACK(on_wrote_chunk), st);
  g_signal_connect(msg, "finished", G_CALLBACK(on_stream_finished), st);
  append_chunk(msg, st);
}

void on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *, gpointer data) {
  auto *impl = static_cast<FakeService::Impl *>(data);
  RecordedRequest req;
  req.method = soup_server_message_get_method(msg);
  req.path = path;
  req.received_us = g_get_monotonic_time();
  SoupMessageBody *body = soup_server_message_get_request_body(msg);
  if (body && body->length) req.body.assign(body->data, body->length);
  SoupMessageHeadersIter it;
  const char *name, *value;
  soup_message_headers_iter_init(&it, soup_server_message_get_request_headers(msg));
  while (soup_message_headers_iter_next(&it, &name, &value)) {
    gchar *lower = g_ascii_strdown(name, -1);
    req.headers[lower] = value;
    g_free(lower);
  }
  std::string route = req.method + " " + req.path;

  std::string file;
  uint64_t head_length = 0;
  {
    std::lock_guard<std::mutex> g(impl->lock);
    if (impl->options.record_requests) impl->requests.push_back(req);
    impl->cond.notify_all();
    auto f = impl->files.find(req.path);
    if (f != impl->files.end()) {
      file = f->second.first;
      head_length = f->second.second;
    }
  }
  if (!file.empty()) {
    gchar *contents = nullptr;
    gsize len = 0;
    if (g_file_get_contents(file.c_str(), &contents, &len, nullptr)) {
      soup_server_message_set_status(msg, 200, nullptr);
      if (req.method == "HEAD") {
        soup_message_headers_set_content_length(soup_server_message_get_response_headers(msg),
                                                head_length ? (goffset)head_length : (goffset)len);
        g_free(contents);
      } else {
        soup_server_message_set_response(msg, "video/mp4", SOUP_MEMORY_TAKE, contents, len);
      }
    } else {
      soup_server_message_set_status(msg, 404, nullptr);
    }
    return;
  }

  CannedResponse resp = impl->next_response(route, req);
  switch (resp.action) {
    case CannedResponse::Action::Hang:
      soup_server_message_pause(msg);
      impl->hanging.push_back(SOUP_SERVER_MESSAGE(g_object_ref(msg)));
      return;
    case CannedResponse::Action::Reset: {
      GIOStream *stream = soup_server_message_steal_connection(msg);
      if (stream) {
        g_io_stream_close(stream, nullptr, nullptr);
        g_object_unref(stream);
      }
      return;
    }
    case CannedResponse::Action::Stream: start_stream(impl, msg, resp); return;
    case CannedResponse::Action::Respond: break;
  }
  if (resp.delay_ms == 0) {
    apply(msg, resp);
    return;
  }
  soup_server_message_pause(msg);
  GSource *src = g_timeout_source_new(resp.delay_ms);
  g_source_set_callback(src, send_delayed, new Delayed{SOUP_SERVER_MESSAGE(g_object_ref(msg)), resp}, nullptr);
  g_source_attach(src, impl->context);
  g_source_unref(src);
}

}  // namespace

FakeService::FakeService() : FakeService(FakeServiceOptions()) {}

FakeService::FakeService(const FakeServiceOptions &options) : impl_(new Impl) {
  impl_->options = options;
  impl_->context = g_main_context_new();
  impl_->loop = g_main_loop_new(impl_->context, FALSE);
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  impl_->thread = g_thread_new(
      "fake-service",
      [](gpointer data) -> gpointer {
        auto *impl = static_cast<Impl *>(data);
        g_main_context_push_thread_default(impl->context);
        g_main_loop_run(impl->loop);
        g_main_context_pop_thread_default(impl->context);
        return nullptr;
      },
      impl_);
  // Create and start the server on the service's own context.
  struct Setup {
    Impl *impl;
    std::mutex *m;
    std::condition_variable *cv;
    bool *ready;
  } setup{impl_, &m, &cv, &ready};
  g_main_context_invoke(
      impl_->context,
      [](gpointer data) -> gboolean {
        auto *s = static_cast<Setup *>(data);
        Impl *impl = s->impl;
        impl->server = soup_server_new("server-header", "fake-identify-face", nullptr);
        soup_server_add_handler(impl->server, nullptr, on_request, impl, nullptr);
        GError *err = nullptr;
        unsigned flags = SOUP_SERVER_LISTEN_IPV4_ONLY;
        if (!impl->options.tls_cert_file.empty()) {
          GTlsCertificate *cert = g_tls_certificate_new_from_files(impl->options.tls_cert_file.c_str(),
                                                                   impl->options.tls_key_file.c_str(), &err);
          if (!cert) g_error("fake service cannot load its certificate: %s", err->message);
          soup_server_set_tls_certificate(impl->server, cert);
          g_object_unref(cert);
          flags |= SOUP_SERVER_LISTEN_HTTPS;
        }
        if (!soup_server_listen_local(impl->server, 0, (SoupServerListenOptions)flags, &err))
          g_error("fake service cannot listen: %s", err->message);
        GSList *uris = soup_server_get_uris(impl->server);
        gchar *base = g_uri_to_string((GUri *)uris->data);
        impl->base = base;
        if (!impl->base.empty() && impl->base.back() == '/') impl->base.pop_back();
        g_free(base);
        g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
        std::lock_guard<std::mutex> g(*s->m);
        *s->ready = true;
        s->cv->notify_one();
        return G_SOURCE_REMOVE;
      },
      &setup);
  std::unique_lock<std::mutex> lk(m);
  cv.wait(lk, [&] { return ready; });
}

FakeService::~FakeService() {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  struct Teardown {
    Impl *impl;
    std::mutex *m;
    std::condition_variable *cv;
    bool *done;
  } td{impl_, &m, &cv, &done};
  g_main_context_invoke(
      impl_->context,
      [](gpointer data) -> gboolean {
        auto *t = static_cast<Teardown *>(data);
        for (auto *msg : t->impl->hanging) {
          soup_server_message_set_status(msg, 503, nullptr);
          soup_server_message_unpause(msg);
          g_object_unref(msg);
        }
        t->impl->hanging.clear();
        soup_server_disconnect(t->impl->server);
        g_clear_object(&t->impl->server);
        std::lock_guard<std::mutex> g(*t->m);
        *t->done = true;
        t->cv->notify_one();
        return G_SOURCE_REMOVE;
      },
      &td);
  {
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [&] { return done; });
  }
  // Let pending delayed answers drain before the loop stops.
  g_main_loop_quit(impl_->loop);
  g_thread_join(impl_->thread);
  // Drop sources that never ran (delayed answers to closed connections).
  while (g_main_context_iteration(impl_->context, FALSE)) {
  }
  g_main_loop_unref(impl_->loop);
  g_main_context_unref(impl_->context);
  delete impl_;
}

std::string FakeService::url(const std::string &path) const {
  return impl_->base + path;
}

void FakeService::script(const std::string &route, std::vector<CannedResponse> responses) {
  std::lock_guard<std::mutex> g(impl_->lock);
  impl_->scripts[route] = std::move(responses);
  impl_->served[route] = 0;
}

void FakeService::handle(const std::string &route, std::function<CannedResponse(const RecordedRequest &)> handler) {
  std::lock_guard<std::mutex> g(impl_->lock);
  impl_->handlers[route] = std::move(handler);
}

void FakeService::serve_file(const std::string &path, const std::string &filename, uint64_t head_length) {
  std::lock_guard<std::mutex> g(impl_->lock);
  impl_->files[path] = {filename, head_length};
}

std::vector<RecordedRequest> FakeService::requests() const {
  std::lock_guard<std::mutex> g(impl_->lock);
  return impl_->requests;
}

size_t FakeService::count(const std::string &route) const {
  std::lock_guard<std::mutex> g(impl_->lock);
  size_t n = 0;
  for (auto &r : impl_->requests)
    if (r.method + " " + r.path == route) n++;
  return n;
}

bool FakeService::wait_for(const std::string &route, size_t n, unsigned timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lk(impl_->lock);
  return impl_->cond.wait_until(lk, deadline, [&] {
    size_t c = 0;
    for (auto &r : impl_->requests)
      if (r.method + " " + r.path == route) c++;
    return c >= n;
  });
}

uint64_t FakeService::streamed_bytes() const {
  std::lock_guard<std::mutex> g(impl_->lock);
  return impl_->streamed;
}

bool FakeService::wait_streams_ended(size_t n, unsigned timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lk(impl_->lock);
  return impl_->cond.wait_until(lk, deadline, [&] { return impl_->streams_ended >= n; });
}

CannedResponse CannedResponse::gzip(unsigned status, const std::string &decoded) {
  GConverter *zip = G_CONVERTER(g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9));
  std::string out;
  std::vector<char> buf(1 << 16);
  size_t in_pos = 0;
  for (;;) {
    gsize read = 0, written = 0;
    GError *err = nullptr;
    GConverterResult res = g_converter_convert(zip, decoded.data() + in_pos, decoded.size() - in_pos, buf.data(),
                                               buf.size(), G_CONVERTER_INPUT_AT_END, &read, &written, &err);
    if (res == G_CONVERTER_ERROR) g_error("gzip: %s", err->message);
    in_pos += read;
    out.append(buf.data(), written);
    if (res == G_CONVERTER_FINISHED) break;
  }
  g_object_unref(zip);
  CannedResponse r = json(status, out);
  r.headers.push_back({"Content-Encoding", "gzip"});
  return r;
}

SilentListener::SilentListener() {
  socket_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new(lo, 0);
  GError *err = nullptr;
  if (!g_socket_bind(socket_, addr, TRUE, &err) || !g_socket_listen(socket_, &err))
    g_error("silent listener: %s", err->message);
  GSocketAddress *bound = g_socket_get_local_address(socket_, nullptr);
  port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  g_object_unref(addr);
  g_object_unref(lo);
}

SilentListener::~SilentListener() {
  g_socket_close(socket_, nullptr);
  g_object_unref(socket_);
}

std::string SilentListener::url(const std::string &scheme, const std::string &path) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
}

std::string refused_url(const std::string &path) {
  // Bind a port, then close it: nothing listens there afterwards.
  GSocket *sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new(lo, 0);
  g_socket_bind(sock, addr, TRUE, nullptr);
  GSocketAddress *bound = g_socket_get_local_address(sock, nullptr);
  guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  g_object_unref(addr);
  g_object_unref(lo);
  g_socket_close(sock, nullptr);
  g_object_unref(sock);
  return "http://127.0.0.1:" + std::to_string(port) + path;
}
