// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/process_util.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <pty.h>
#include <signal.h>
#include <unistd.h>

std::string ProcessResult::describe() const {
  return "status " + std::to_string(status) + (timed_out ? " (timed out)" : "") + "\n--- stdout ---\n" + out +
         "\n--- stderr ---\n" + err;
}

struct Process::Impl {
  GSubprocess *proc = nullptr;
  int pty_master = -1;
  bool group = false;
  GPid pid = 0;
};

static void child_setup(gpointer data) {
  if (GPOINTER_TO_INT(data)) setpgid(0, 0);
}

Process::Process(const ProcessSpec &spec) : impl_(new Impl) {
  impl_->group = spec.own_process_group;
  int flags = G_SUBPROCESS_FLAGS_STDIN_INHERIT | G_SUBPROCESS_FLAGS_STDOUT_PIPE;
  if (!spec.stderr_on_pty) flags |= G_SUBPROCESS_FLAGS_STDERR_PIPE;
  GSubprocessLauncher *launcher = g_subprocess_launcher_new((GSubprocessFlags)flags);
  for (const auto &name : spec.unsetenv) g_subprocess_launcher_unsetenv(launcher, name.c_str());
  for (const auto &kv : spec.setenv) g_subprocess_launcher_setenv(launcher, kv.first.c_str(), kv.second.c_str(), TRUE);
  if (!spec.cwd.empty()) g_subprocess_launcher_set_cwd(launcher, spec.cwd.c_str());
  if (spec.stderr_on_pty) {
    int slave = -1;
    struct winsize ws = {};
    ws.ws_col = 100;
    ws.ws_row = 30;
    if (openpty(&impl_->pty_master, &slave, nullptr, nullptr, &ws) != 0) g_error("openpty failed");
    g_unix_set_fd_nonblocking(impl_->pty_master, TRUE, nullptr);
    g_subprocess_launcher_take_stderr_fd(launcher, slave);
  }
  g_subprocess_launcher_set_child_setup(launcher, child_setup, GINT_TO_POINTER(spec.own_process_group), nullptr);
  std::vector<const gchar *> argv;
  for (const auto &a : spec.argv) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  GError *err = nullptr;
  impl_->proc = g_subprocess_launcher_spawnv(launcher, argv.data(), &err);
  g_object_unref(launcher);
  if (!impl_->proc) g_error("cannot start %s: %s", spec.argv[0].c_str(), err->message);
  const gchar *id = g_subprocess_get_identifier(impl_->proc);
  impl_->pid = id ? (GPid)atoi(id) : 0;
}

Process::~Process() {
  if (impl_->proc) {
    if (g_subprocess_get_identifier(impl_->proc)) g_subprocess_force_exit(impl_->proc);
    g_object_unref(impl_->proc);
  }
  if (impl_->pty_master >= 0) close(impl_->pty_master);
}

GPid Process::pid() const {
  return impl_->pid;
}

void Process::send_signal(int signum) {
  g_subprocess_send_signal(impl_->proc, signum);
}

namespace {
struct WaitState {
  bool done = false;
  bool timed_out = false;
  GBytes *out = nullptr, *err = nullptr;
  std::string pty;
  int pty_master = -1;
};

void drain_pty(WaitState *st) {
  char buf[4096];
  ssize_t n;
  while ((n = read(st->pty_master, buf, sizeof buf)) > 0) st->pty.append(buf, n);
}

gboolean on_pty(gint, GIOCondition cond, gpointer data) {
  drain_pty(static_cast<WaitState *>(data));
  return (cond & (G_IO_HUP | G_IO_ERR)) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

std::string take_string(GBytes *bytes) {
  if (!bytes) return "";
  gsize n = 0;
  const char *data = (const char *)g_bytes_get_data(bytes, &n);
  std::string s(data ? data : "", n);
  g_bytes_unref(bytes);
  return s;
}
}  // namespace

ProcessResult Process::wait(unsigned timeout_ms) {
  GMainContext *ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  WaitState st;
  st.pty_master = impl_->pty_master;
  g_subprocess_communicate_async(
      impl_->proc, nullptr, nullptr,
      [](GObject *src, GAsyncResult *res, gpointer data) {
        auto *s = static_cast<WaitState *>(data);
        g_subprocess_communicate_finish(G_SUBPROCESS(src), res, &s->out, &s->err, nullptr);
        s->done = true;
      },
      &st);
  GSource *timer = g_timeout_source_new(timeout_ms);
  g_source_set_callback(
      timer,
      [](gpointer data) -> gboolean {
        static_cast<WaitState *>(data)->timed_out = true;
        return G_SOURCE_REMOVE;
      },
      &st, nullptr);
  g_source_attach(timer, ctx);
  GSource *pty_source = nullptr;
  if (st.pty_master >= 0) {
    pty_source = g_unix_fd_source_new(st.pty_master, G_IO_IN);
    g_source_set_callback(pty_source, (GSourceFunc)(void (*)(void))on_pty, &st, nullptr);
    g_source_attach(pty_source, ctx);
  }
  bool killed = false;
  while (!st.done) {
    g_main_context_iteration(ctx, TRUE);
    if (st.timed_out && !killed) {
      killed = true;
      if (impl_->group && impl_->pid > 0) kill(-impl_->pid, SIGKILL);
      g_subprocess_force_exit(impl_->proc);
    }
  }
  g_subprocess_wait(impl_->proc, nullptr, nullptr);
  if (st.pty_master >= 0) drain_pty(&st);
  // Whatever the program left running in its group (a backgrounded fake
  // service) goes with it.
  if (impl_->group && impl_->pid > 0) kill(-impl_->pid, SIGTERM);

  ProcessResult r;
  r.timed_out = st.timed_out;
  if (g_subprocess_get_if_exited(impl_->proc))
    r.status = g_subprocess_get_exit_status(impl_->proc);
  else if (g_subprocess_get_if_signaled(impl_->proc))
    r.status = 128 + g_subprocess_get_term_sig(impl_->proc);
  r.out = take_string(st.out);
  r.err = st.pty_master >= 0 ? st.pty : take_string(st.err);
  g_source_destroy(timer);
  g_source_unref(timer);
  if (pty_source) {
    g_source_destroy(pty_source);
    g_source_unref(pty_source);
  }
  g_main_context_pop_thread_default(ctx);
  g_main_context_unref(ctx);
  return r;
}

ProcessResult run_process(const ProcessSpec &spec, unsigned timeout_ms) {
  Process p(spec);
  return p.wait(timeout_ms);
}
