// SPDX-License-Identifier: LGPL-2.1-or-later
// A Kling- and Kirin-compatible fake service for trying the element and the
// command by hand, without an account (the recipes in README.md and docs/
// run against it). Not a test. See --help, and README.md's "Try every
// failure without an account".
//   identifyface-fake-service [OPTION...]
// Prints the api-url to use (or, with --env, shell exports of every URL),
// then serves until killed or --lifetime seconds passed. --background returns
// as soon as the service listens, having printed, and serves on in the
// background (60 s unless --lifetime says):
//   URL=$(identifyface-fake-service --background)
//   eval "$(identifyface-fake-service --background --env --serve clip.mp4)"
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "support/fake_lipsync.h"
#include "support/fake_service.h"

static const char *kFaces =
    "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"demo-request\",\"data\":{\"session_id\":\"demo-session\","
    "\"final_unit_deduction\":\"1\",\"face_data\":["
    "{\"face_id\":\"0\",\"face_image\":\"https://example.com/face0.png\",\"start_time\":0,\"end_time\":2600},"
    "{\"face_id\":\"1\",\"face_image\":\"https://example.com/face1.png\",\"start_time\":1000,\"end_time\":2000}]}}";

static const char *kKlingPath = "/kling/v1/videos/identify-face";
static const char *kKirinPath = "/model/v1/generation";

// Kling's published error codes: the HTTP status each comes with, and its text.
struct KlingCode {
  int code;
  unsigned http_status;
  const char *message;
};
static const KlingCode kKlingCodes[] = {
    {1000, 401, "Authentication failed"},
    {1001, 401, "Authorization is empty"},
    {1002, 401, "Authorization is invalid"},
    {1003, 401, "Authorization is not yet valid"},
    {1004, 401, "Authorization has expired"},
    {1100, 429, "Account exception"},
    {1101, 429, "Account in arrears (overdue payment)"},
    {1102, 429, "Resource pack depleted or expired"},
    {1103, 403, "Unauthorized access to the requested resource"},
    {1200, 400, "Invalid request parameters"},
    {1201, 400, "Invalid parameters: a wrong key or an illegal value"},
    {1202, 405, "The request method is invalid"},
    {1203, 404, "The requested resource does not exist"},
    {1300, 400, "Platform policy triggered"},
    {1301, 400, "Content security policy triggered"},
    {1302, 429, "Requests too fast: the platform's rate limit"},
    {1303, 429, "Concurrency or QPS exceeds the prepaid resource package's limit"},
    {1304, 403, "IP whitelist policy triggered"},
    {5000, 500, "Server internal error"},
    {5001, 503, "Server temporarily unavailable (maintenance)"},
    {5002, 504, "Server internal timeout (backlog)"},
};

static const KlingCode *kling_code(int code) {
  for (const auto &c : kKlingCodes)
    if (c.code == code) return &c;
  return nullptr;
}

static CannedResponse kling_refusal(const KlingCode &c, unsigned delay_ms) {
  CannedResponse r = CannedResponse::json(c.http_status,
                                          std::string("{\"code\":") + std::to_string(c.code) + ",\"message\":\"" +
                                              c.message + "\",\"request_id\":\"demo-request\"}",
                                          delay_ms);
  // Rate limits say when to come back, as the service does.
  if (c.http_status == 429 || c.http_status == 503) r.headers.push_back({"Retry-After", "1"});
  return r;
}

struct Behaviour {
  std::string key;  // the one Bearer key accepted
  const KlingCode *refuse = nullptr;
  int refusals = -1;         // how many submissions are refused; -1: all
  unsigned http_status = 0;  // submissions answered by a bare HTTP error
  unsigned delay_ms = 0;     // every answer of the service waits this long
  int task_seconds = 3;      // kirin
  std::string task_error;    // kirin: the task fails with this code
  std::atomic<int> submissions{0};
  std::atomic<gint64> submitted_us{0};
};

// The key check every request of the service goes through.
static const KlingCode *auth_problem(const Behaviour &b, const RecordedRequest &req) {
  auto h = req.headers.find("authorization");
  if (h == req.headers.end() || h->second.empty()) return kling_code(1001);
  if (h->second != "Bearer " + b.key) return kling_code(1002);
  return nullptr;
}

// A submission (Kling's identify-face, Kirin's task): the key check, then
// what the switches ask for.
static std::optional<CannedResponse> refuse_submission(Behaviour &b, const RecordedRequest &req) {
  if (const KlingCode *c = auth_problem(b, req)) return kling_refusal(*c, b.delay_ms);
  int n = b.submissions++;
  if (b.refuse && (b.refusals < 0 || n < b.refusals)) return kling_refusal(*b.refuse, b.delay_ms);
  if (b.http_status && (b.refusals < 0 || n < b.refusals)) {
    CannedResponse r = CannedResponse::json(b.http_status, "<html><body>gateway error</body></html>", b.delay_ms);
    r.content_type = "text/html";
    return r;
  }
  return std::nullopt;
}

static std::string kirin_task(const Behaviour &b) {
  if (g_get_monotonic_time() - b.submitted_us < (gint64)b.task_seconds * G_USEC_PER_SEC)
    return "{\"task_id\":\"demo-task\",\"status\":\"processing\"}";
  if (!b.task_error.empty())
    return "{\"task_id\":\"demo-task\",\"status\":\"failed\",\"error\":{\"code\":\"" + b.task_error +
           "\",\"error_message\":\"the fake service failed the task, as asked (--task-fails)\"}}";
  gchar *text = g_strescape(kFaces, nullptr);
  std::string body = std::string(
                         "{\"task_id\":\"demo-task\",\"status\":\"completed\",\"output\":[{\"content\":[{"
                         "\"type\":\"text\",\"text\":\"") +
                     text + "\",\"url\":\"\"}]}],\"usage\":{\"cost\":\"0.02\",\"discount\":0},\"metadata\":{}}";
  g_free(text);
  return body;
}

static std::string codes_help() {
  std::string t;
  for (const auto &c : kKlingCodes)
    t += "  " + std::to_string(c.code) + "  HTTP " + std::to_string(c.http_status) + "  " + c.message + "\n";
  return t;
}

int main(int argc, char **argv) {
  gchar *provider = g_strdup("kling"), *key = nullptr, *serve = nullptr, *task_fails = nullptr,
        *lipsync_task_fails = nullptr;
  gint task_seconds = 3, lifetime = 0, refuse = 0, refusals = -1, http_status = 0, lipsync_refuse = 0;
  gdouble delay_s = 0;
  gboolean background = FALSE, env = FALSE, lipsync = FALSE;
  GOptionEntry entries[] = {
      {"background", 'b', 0, G_OPTION_ARG_NONE, &background,
       "print once listening, then serve in the background (default lifetime 60 s)", nullptr},
      {"provider", 'p', 0, G_OPTION_ARG_STRING, &provider,
       "whose api-url to print: kling (default) or kirin; both are served", "NAME"},
      {"env", 'e', 0, G_OPTION_ARG_NONE, &env,
       "print shell exports instead: KLING_URL, KIRIN_URL and, with --serve, CLIP_URL (for eval)", nullptr},
      {"serve", 's', 0, G_OPTION_ARG_FILENAME, &serve, "also serve FILE (GET with Range, HEAD) at CLIP_URL", "FILE"},
      {"key", 'k', 0, G_OPTION_ARG_STRING, &key,
       "the one Bearer key accepted (default: $IDENTIFYFACE_FAKE_SERVICE_KEY, else demo); another key is refused "
       "with HTTP 401 and code 1002, none with 1001",
       "KEY"},
      {"refuse", 'r', 0, G_OPTION_ARG_INT, &refuse,
       "answer submissions with this Kling code and its HTTP status (see below)", "CODE"},
      {"http-status", 0, 0, G_OPTION_ARG_INT, &http_status,
       "answer submissions with this HTTP status and an HTML page, as a proxy in front of the service would (e.g. "
       "502)",
       "STATUS"},
      {"refusals", 0, 0, G_OPTION_ARG_INT, &refusals,
       "refuse only the first N submissions (--refuse, --http-status), then answer: rehearses a retry", "N"},
      {"delay", 'd', 0, G_OPTION_ARG_DOUBLE, &delay_s, "every answer of the service comes after SECONDS", "SECONDS"},
      {"task-seconds", 't', 0, G_OPTION_ARG_INT, &task_seconds, "kirin: seconds until the task ends", "N"},
      {"task-fails", 0, 0, G_OPTION_ARG_STRING, &task_fails,
       "kirin: the task ends failed with this error code (014002095, 014002096, 014002097, 014002099)", "CODE"},
      {"lifetime", 'l', 0, G_OPTION_ARG_INT, &lifetime, "exit after S seconds (0: run until killed)", "S"},
      {"lipsync", 0, 0, G_OPTION_ARG_NONE, &lipsync,
       "kling: also serve Kling's advanced lip-sync beside identify-face (.../advanced-lip-sync) and its video",
       nullptr},
      {"lipsync-refuse", 0, 0, G_OPTION_ARG_INT, &lipsync_refuse,
       "with --lipsync: answer lip-sync submissions with this Kling code (the first --refusals N, else all)", "CODE"},
      {"lipsync-task-fails", 0, 0, G_OPTION_ARG_STRING, &lipsync_task_fails,
       "with --lipsync: the lip-sync task ends failed with this message", "TEXT"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext *ctx = g_option_context_new("- a fake identify-face service (Kling and Kirin) on 127.0.0.1");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  std::string description = "Kling codes for --refuse:\n" + codes_help();
  g_option_context_set_description(ctx, description.c_str());
  GError *err = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    g_printerr("identifyface-fake-service: %s\n", err->message);
    return 2;
  }
  g_option_context_free(ctx);
  if (lipsync_refuse && !kling_code(lipsync_refuse)) {
    g_printerr("identifyface-fake-service: --lipsync-refuse=%d: not one of Kling's codes:\n%s", lipsync_refuse,
               codes_help().c_str());
    return 2;
  }
  if (refuse && !kling_code(refuse)) {
    g_printerr("identifyface-fake-service: --refuse=%d: not one of Kling's codes:\n%s", refuse, codes_help().c_str());
    return 2;
  }
  if (http_status && (http_status < 400 || http_status > 599)) {
    g_printerr("identifyface-fake-service: --http-status=%d: must be 400 to 599\n", http_status);
    return 2;
  }
  if (serve && !g_file_test(serve, G_FILE_TEST_IS_REGULAR)) {
    g_printerr("identifyface-fake-service: --serve=%s: no such file\n", serve);
    return 2;
  }

  auto b = std::make_shared<Behaviour>();
  const char *env_key = g_getenv("IDENTIFYFACE_FAKE_SERVICE_KEY");
  b->key = key ? key : env_key && *env_key ? env_key : "demo";
  b->refuse = refuse ? kling_code(refuse) : nullptr;
  b->refusals = refusals;
  b->http_status = (unsigned)http_status;
  b->delay_ms = (unsigned)(delay_s * 1000);
  b->task_seconds = task_seconds;
  if (task_fails) b->task_error = task_fails;

  // --background: the parent waits for the child's first words and exits;
  // the child lets go of the caller's terminal and pipes (so that $(...)
  // returns) and serves. Forked before any thread exists.
  int url_pipe = -1;
  if (background) {
    if (lifetime <= 0) lifetime = 60;
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid > 0) {
      close(fds[1]);
      char buf[2048];
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
  svc.handle(std::string("POST ") + kKlingPath, [b](const RecordedRequest &req) {
    if (auto refusal = refuse_submission(*b, req)) return *refusal;
    return CannedResponse::json(200, kFaces, b->delay_ms + 500);
  });
  svc.handle(std::string("POST ") + kKirinPath, [b](const RecordedRequest &req) {
    if (auto refusal = refuse_submission(*b, req)) return *refusal;
    b->submitted_us = g_get_monotonic_time();
    return CannedResponse::json(200, "{\"task_id\":\"demo-task\",\"status\":\"pending\"}", b->delay_ms);
  });
  svc.handle(std::string("GET ") + kKirinPath + "/task/demo-task", [b](const RecordedRequest &req) {
    if (const KlingCode *c = auth_problem(*b, req)) return kling_refusal(*c, b->delay_ms);
    return CannedResponse::json(200, kirin_task(*b), b->delay_ms);
  });
  if (lipsync) {
    FakeLipsyncOptions lipsync_options;
    if (lipsync_refuse)
      lipsync_options.submit_codes.assign(refusals < 0 ? 1000 : (size_t)refusals, std::to_string(lipsync_refuse));
    if (lipsync_task_fails) lipsync_options.task_failure = lipsync_task_fails;
    install_fake_lipsync(svc, lipsync_options);
  }
  std::string clip_url;
  if (serve) {
    gchar *base = g_path_get_basename(serve);
    std::string path = std::string("/media/") + base;
    g_free(base);
    svc.serve_file(path, serve);
    clip_url = svc.url(path);
  }

  std::string out;
  if (env) {
    out = "export KLING_URL=" + svc.url(kKlingPath) + "\nexport KIRIN_URL=" + svc.url(kKirinPath) + "\n";
    if (!clip_url.empty()) out += "export CLIP_URL=" + clip_url + "\n";
  } else {
    out = svc.url(g_str_equal(provider, "kirin") ? kKirinPath : kKlingPath) + "\n";
  }
  if (url_pipe >= 0) {
    if (write(url_pipe, out.data(), out.size()) < 0) return 1;
    close(url_pipe);
  } else {
    g_print("%s", out.c_str());
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
  g_free(key);
  g_free(serve);
  g_free(task_fails);
  g_free(lipsync_task_fails);
  return 0;
}
