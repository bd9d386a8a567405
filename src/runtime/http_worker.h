// SPDX-License-Identifier: LGPL-2.1-or-later
// The one network thread of the process: it owns a GMainContext and the
// SoupSession created on it, and is shared by every identifyface element.
// Nothing here blocks; requests and timers are asynchronous on that context.
#pragma once

#include <gio/gio.h>

typedef struct _SoupSession SoupSession;

#include <functional>
#include <map>
#include <string>

#include "base/event_loop.h"
#include "base/transport.h"

namespace idf {

class HttpWorker final : public EventLoop, public Transport {
 public:
  // The process-wide worker, started on first use. It lives as long as the
  // process: a GStreamer plugin is never unloaded.
  static HttpWorker &get();

  // The worker thread's name, as top, ps and gdb show it.
  static constexpr const char *kThreadName = "idf-http";

  GMainContext *context() const { return context_; }

  int64_t monotonic_us() const override;
  int64_t wall_s() const override;
  TimerId add_timer(unsigned ms, std::function<void()> fn) override;
  void cancel_timer(TimerId id) override;
  void post(std::function<void()> fn) override;
  void run_sync(std::function<void()> fn) override;
  bool on_loop_thread() const override;

  void send(const HttpRequest &req, GCancellable *cancellable, std::function<void(HttpResponse)> done) override;

  // CA files (ssl-ca-file) kept loaded; beyond, the least recently used is
  // dropped (and loaded again when asked for).
  static constexpr size_t kMaxCaDatabases = 8;
  // How many are loaded now. Any thread (runs on the loop thread).
  size_t ca_databases_loaded();

 private:
  HttpWorker();
  static gpointer thread_main(gpointer self);
  // The CA file as a database, loaded once per path and modification time.
  GTlsDatabase *ca_database(const std::string &path, std::string *error);

  struct CaEntry {
    GTlsDatabase *db = nullptr;
    gint64 mtime = 0;
    uint64_t used = 0;  // ca_uses_ when last asked for
  };
  uint64_t ca_uses_ = 0;
  std::map<std::string, CaEntry> ca_databases_;  // loop thread only
  GMainContext *context_ = nullptr;
  GMainLoop *loop_ = nullptr;
  GThread *thread_ = nullptr;
  SoupSession *session_ = nullptr;
  // Loop thread only: timers not fired yet.
  std::map<TimerId, GSource *> timers_;
  TimerId next_timer_ = 1;
};

}  // namespace idf
