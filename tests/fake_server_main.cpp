// SPDX-License-Identifier: LGPL-2.1-or-later
// A Kling- or Kirin-compatible fake service for trying the element by hand
// (the gst-launch recipes in README.md and docs/). Not a test.
//   identifyface-fake-service [--provider kling|kirin] [--task-seconds N] [--lifetime S] [--background]
// Prints the api-url to use, then serves until killed or S seconds passed.
// --background returns as soon as the service listens, having printed its
// api-url, and serves on in the background (60 s unless --lifetime says):
//   URL=$(identifyface-fake-service --background)
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "fake_lipsync.h"
#include "fake_service.h"

static const char *kFaces =
    "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"demo-request\",\"data\":{\"session_id\":\"demo-session\","
    "\"final_unit_deduction\":\"1\",\"face_data\":["
    "{\"face_id\":\"0\",\"face_image\":\"https://example.com/face0.png\",\"start_time\":0,\"end_time\":2600},"
    "{\"face_id\":\"1\",\"face_image\":\"https://example.com/face1.png\",\"start_time\":1000,\"end_time\":2000}]}}";

int main(int argc, char **argv) {
  gchar *provider = g_strdup("kling");
  gint task_seconds = 3, lifetime = 0;
  gboolean background = FALSE, lipsync = FALSE;
  GOptionEntry entries[] = {
      {"background", 'b', 0, G_OPTION_ARG_NONE, &background,
       "print the api-url once listening, then serve in the background (default lifetime 60 s)", nullptr},
      {"provider", 'p', 0, G_OPTION_ARG_STRING, &provider, "kling or kirin", "NAME"},
      {"task-seconds", 't', 0, G_OPTION_ARG_INT, &task_seconds, "kirin: seconds until the task completes", "N"},
      {"lifetime", 'l', 0, G_OPTION_ARG_INT, &lifetime, "exit after S seconds (0: run until killed)", "S"},
      {"lipsync", 0, 0, G_OPTION_ARG_NONE, &lipsync,
       "kling: also serve Kling's advanced lip-sync beside identify-face (.../advanced-lip-sync) and its video",
       nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext *ctx = g_option_context_new("- fake identify-face service on 127.0.0.1");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  if (!g_option_context_parse(ctx, &argc, &argv, nullptr)) return 2;
  g_option_context_free(ctx);

  // --background: the parent waits for the child's URL and exits; the child
  // lets go of the caller's terminal and pipes (so that $(...) returns) and
  // serves. Forked before any thread exists.
  int url_pipe = -1;
  if (background) {
    if (lifetime <= 0) lifetime = 60;
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid > 0) {
      close(fds[1]);
      char buf[512];
      ssize_t n, total = 0;
      while (total < (ssize_t)sizeof buf - 1 && (n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0) total += n;
      close(fds[0]);
      if (total <= 0) return 1;  // the child could not start the service
      fwrite(buf, 1, total, stdout);
      return 0;
    }
    close(fds[0]);
    url_pipe = fds[1];
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    if (devnull > STDERR_FILENO) close(devnull);
  }

  FakeService svc;
  std::string api;
  if (g_str_equal(provider, "kirin")) {
    api = svc.url("/model/v1/generation");
    auto submitted_us = std::make_shared<std::atomic<gint64>>(0);
    svc.handle("POST /model/v1/generation", [submitted_us](const RecordedRequest &) {
      *submitted_us = g_get_monotonic_time();
      return CannedResponse::json(200, "{\"task_id\":\"demo-task\",\"status\":\"pending\"}");
    });
    svc.handle("GET /model/v1/generation/task/demo-task", [submitted_us, task_seconds](const RecordedRequest &) {
      if (g_get_monotonic_time() - *submitted_us < (gint64)task_seconds * G_USEC_PER_SEC)
        return CannedResponse::json(200, "{\"task_id\":\"demo-task\",\"status\":\"processing\"}");
      gchar *text = g_strescape(kFaces, nullptr);
      std::string body = std::string(
                             "{\"task_id\":\"demo-task\",\"status\":\"completed\",\"output\":[{\"content\":[{"
                             "\"type\":\"text\",\"text\":\"") +
                         text + "\",\"url\":\"\"}]}],\"usage\":{\"cost\":\"0.02\",\"discount\":0},\"metadata\":{}}";
      g_free(text);
      return CannedResponse::json(200, body);
    });
  } else {
    api = svc.url("/kling/v1/videos/identify-face");
    svc.script("POST /kling/v1/videos/identify-face", {CannedResponse::json(200, kFaces, 500)});
    if (lipsync) install_fake_lipsync(svc, FakeLipsyncOptions());
  }
  if (url_pipe >= 0) {
    std::string line = api + "\n";
    if (write(url_pipe, line.data(), line.size()) < 0) return 1;
    close(url_pipe);
  } else {
    g_print("%s\n", api.c_str());
  }

  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  auto quit = [](gpointer l) -> gboolean {
    g_main_loop_quit((GMainLoop *)l);
    return G_SOURCE_REMOVE;
  };
  g_unix_signal_add(SIGINT, quit, loop);
  g_unix_signal_add(SIGTERM, quit, loop);
  if (lifetime > 0) g_timeout_add_seconds(lifetime, quit, loop);
  g_main_loop_run(loop);
  g_main_loop_unref(loop);
  g_free(provider);
  return 0;
}
