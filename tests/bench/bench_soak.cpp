// SPDX-License-Identifier: LGPL-2.1-or-later
// Pipeline lifecycles in one process: does its memory stay flat?
//
//   bench-soak [--cycles N] [--parallel P] [--seed S] [--ca-file PEM]
//
// Each cycle builds, plays and disposes P pipelines at once
//
//   appsrc (video/x-raw 1280x720 25/1, one buffer, EOS) ! identifyface provider=kling
//     api-url=<fake>/soak/identify?endpoint=<i> video-url=https://cdn.test/clip-<i>.mp4
//     api-key=soak-key-<i> validation=off max-retries=0 [cache-dir=<tmp>/cache-<i>] ! fakesink
//
// each with its own clip URL, endpoint and account (so every process-wide
// table keyed by them sees a new key), every tenth with a cache folder of
// its own (the others share one) and its own copy of a CA certificate as
// ssl-ca-file (--ca-file, a PEM file; none when empty). The in-process fake answers every other
// request with a normal answer (two faces, a new session) and the others
// with a hostile one from the answer fuzzer (truncated, mutated, deep,
// huge, not UTF-8, HTTP errors...), after 0-20 ms. The fake runs in a child
// process: only the elements' process is measured. One pipeline in four is
// stopped (set to NULL) at a random point instead of being played to its
// end, mid-request or not.
//
// After every cycle: malloc_trim(0), then VmRSS. "Flat" means: the slope of
// a least-squares line through VmRSS over the last half of the cycles is
// below kFlatBytesPerLifecycle bytes per pipeline lifecycle. The first half
// is the warm-up (the plugin, libsoup, TLS and allocator arenas settle).
// Prints the RSS at a few points, the slopes of both halves, and the verdict
// (exit status 1 when not flat). Not part of `meson test`: `ninja -C BUILD
// bench-soak` or `meson test -C BUILD --benchmark --suite soak`. See
// docs/performance.md.
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "support/answer_fuzz.h"
#include "support/fake_service.h"

namespace {

constexpr double kFlatBytesPerLifecycle = 64;

struct Options {
  unsigned cycles = 2500;
  unsigned parallel = 4;
  uint32_t seed = 17;
  std::string ca_file = "/etc/ssl/certs/ISRG_Root_X1.pem";
};

long vm_rss_kib() {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long value = -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6)) {
      value = strtol(line + 6, nullptr, 10);
      break;
    }
  fclose(f);
  return value;
}

// Least-squares slope of y over x.
double slope(const std::vector<double> &x, const std::vector<double> &y) {
  double n = (double)x.size(), sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); i++) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  double d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

std::string kling_ok(unsigned n) {
  return "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"req-" + std::to_string(n) +
         "\",\"data\":{\"session_id\":\"soak-session-" + std::to_string(n) +
         "\",\"final_unit_deduction\":\"1\",\"face_data\":["
         "{\"face_id\":\"0\",\"face_image\":\"https://img.example/0.png\",\"start_time\":0,\"end_time\":2500},"
         "{\"face_id\":\"1\",\"face_image\":\"https://img.example/1.png\",\"start_time\":1200,\"end_time\":3000}]}}";
}

void remove_tree(const std::string &path) {
  gchar *argv[] = {(gchar *)"rm", (gchar *)"-rf", (gchar *)path.c_str(), nullptr};
  g_spawn_sync(nullptr, argv, nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
}

struct Tally {
  unsigned answered = 0, failed = 0, stopped = 0, stuck = 0;
};

// Plays `p` until its answer, error or EOS (up to 20 s); true when it ended.
bool run_to_end(GstElement *p, Tally &tally) {
  GstBus *bus = gst_element_get_bus(p);
  bool answered = false, ended = false;
  gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  while (!ended) {
    gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0) break;
    GstMessage *m =
        gst_bus_timed_pop_filtered(bus, (GstClockTime)left * GST_USECOND,
                                   (GstMessageType)(GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
    if (!m) break;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name(gst_message_get_structure(m), "identify-face"))
      answered = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR || GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) ended = true;
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  if (!ended)
    tally.stuck++;
  else if (answered)
    tally.answered++;
  else
    tally.failed++;
  return ended;
}

// The fake runs in a child process of its own, so that what is measured is
// the elements' process alone (libsoup's server keeps every connection a
// client closed while idle: ~350 bytes per connection, not ours to fix).
// Returns its URL, "" when it could not start. It dies with this process.
std::string start_fake(uint32_t seed) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  pid_t pid = fork();
  if (pid < 0) return "";
  if (pid == 0) {
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    FakeServiceOptions options;
    options.record_requests = false;
    FakeService svc(options);
    std::mutex lock;
    answer_fuzz::Generator fuzz(seed, 1u << 20);
    unsigned served = 0;
    std::mt19937 delays(seed);
    svc.handle("POST /soak/identify", [&](const RecordedRequest &) {
      std::lock_guard<std::mutex> g(lock);
      unsigned n = served++;
      unsigned delay = delays() % 21;
      if (n % 2 == 0) return CannedResponse::json(200, kling_ok(n), delay);
      answer_fuzz::Case c = fuzz.next();
      return CannedResponse::json(c.http_status, std::move(c.body), delay);
    });
    std::string url = svc.url("/soak/identify") + "\n";
    if (write(fds[1], url.data(), url.size()) != (ssize_t)url.size()) _exit(1);
    close(fds[1]);
    for (;;) pause();
  }
  close(fds[1]);
  std::string url;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') url += c;
  close(fds[0]);
  return url;
}

bool parse_options(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&](const char *name) -> const char * {
      size_t n = strlen(name);
      if (a.compare(0, n, name) == 0 && a.size() > n && a[n] == '=') return argv[i] + n + 1;
      if (a == name && i + 1 < argc) return argv[++i];
      return nullptr;
    };
    if (const char *v = value("--cycles"))
      o->cycles = (unsigned)strtoul(v, nullptr, 10);
    else if (const char *v2 = value("--parallel"))
      o->parallel = (unsigned)strtoul(v2, nullptr, 10);
    else if (const char *v3 = value("--seed"))
      o->seed = (uint32_t)strtoul(v3, nullptr, 10);
    else if (const char *v4 = value("--ca-file"))
      o->ca_file = v4;
    else {
      g_printerr("usage: bench-soak [--cycles N] [--parallel P] [--seed S] [--ca-file PEM]\n");
      return false;
    }
  }
  if (o->cycles < 20 || o->parallel == 0) {
    g_printerr("bench-soak: --cycles must be at least 20 and --parallel at least 1\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  if (!parse_options(argc, argv, &o)) return 2;
  std::string api_url = start_fake(o.seed);  // before any thread of this process
  if (api_url.empty()) return 2;
  g_setenv("GST_PLUGIN_PATH_1_0", IDF_BENCH_PLUGIN_DIR, FALSE);
  g_setenv("GST_REGISTRY_1_0", IDF_BENCH_REGISTRY, FALSE);
  gst_init(&argc, &argv);

  gchar *tmp = g_dir_make_tmp("idf-soak-XXXXXX", nullptr);
  const std::string root = tmp;
  g_free(tmp);
  gchar *pem = nullptr;
  gsize pem_len = 0;
  if (!o.ca_file.empty() && !g_file_get_contents(o.ca_file.c_str(), &pem, &pem_len, nullptr)) {
    g_printerr("bench-soak: cannot read --ca-file %s\n", o.ca_file.c_str());
    return 2;
  }
  const std::string caps = "video/x-raw,format=I420,width=1280,height=720,framerate=25/1";
  std::mt19937 rng(o.seed);
  Tally tally;
  std::vector<double> xs, rss;
  const unsigned lifecycles_per_cycle = o.parallel;
  gint64 t0 = g_get_monotonic_time();
  unsigned index = 0;
  for (unsigned cycle = 0; cycle < o.cycles; cycle++) {
    std::vector<GstElement *> pipelines;
    std::vector<bool> stop_early;
    std::vector<std::string> own_caches;
    for (unsigned k = 0; k < o.parallel; k++, index++) {
      std::string i = std::to_string(index);
      std::string cache = root + "/cache", ca;
      if (index % 10 == 0) {
        own_caches.push_back(cache = root + "/cache-" + i);
        if (pem) {
          ca = cache + "-ca.pem";
          own_caches.push_back(ca);
          g_file_set_contents(ca.c_str(), pem, (gssize)pem_len, nullptr);
        }
      }
      std::string desc = "appsrc name=src format=time caps=\"" + caps +
                         "\" ! identifyface provider=kling api-url=" + api_url + "?endpoint=" + i +
                         " video-url=https://cdn.test/clip-" + i + ".mp4 api-key=soak-key-" + i +
                         " validation=off max-retries=0 cache-dir=" + cache + (ca.empty() ? "" : " ssl-ca-file=" + ca) +
                         " ! fakesink sync=false";
      GError *error = nullptr;
      GstElement *p = gst_parse_launch(desc.c_str(), &error);
      if (!p || error) {
        g_printerr("cannot build the pipeline: %s\n", error ? error->message : "?");
        return 2;
      }
      GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
      GstBuffer *buf = gst_buffer_new();  // the element sends a URL: it never looks inside
      GST_BUFFER_PTS(buf) = 0;
      GST_BUFFER_DURATION(buf) = GST_SECOND / 25;
      gst_app_src_push_buffer(GST_APP_SRC(src), buf);
      gst_app_src_end_of_stream(GST_APP_SRC(src));
      gst_object_unref(src);
      gst_element_set_state(p, GST_STATE_PLAYING);
      pipelines.push_back(p);
      stop_early.push_back(rng() % 4 == 0);
    }
    for (size_t k = 0; k < pipelines.size(); k++) {
      if (stop_early[k]) {
        g_usleep((rng() % 25) * 1000);  // anywhere from before the request to after the answer
        tally.stopped++;
      } else {
        run_to_end(pipelines[k], tally);
      }
      gst_element_set_state(pipelines[k], GST_STATE_NULL);
      gst_object_unref(pipelines[k]);
    }
    for (const auto &dir : own_caches) remove_tree(dir);  // they would pile up on disk
    malloc_trim(0);
    xs.push_back((double)(cycle + 1) * lifecycles_per_cycle);
    rss.push_back(vm_rss_kib() * 1024.0);
    if ((cycle + 1) % (o.cycles / 10) == 0)
      printf("  %6u lifecycles  VmRSS %7.1f MiB  answered %u, failed %u, stopped %u, stuck %u  %.0f s\n",
             (cycle + 1) * lifecycles_per_cycle, rss.back() / 1048576.0, tally.answered, tally.failed, tally.stopped,
             tally.stuck, (g_get_monotonic_time() - t0) / 1e6);
    fflush(stdout);
  }
  remove_tree(root);
  g_free(pem);

  size_t half = xs.size() / 2;
  std::vector<double> x1(xs.begin(), xs.begin() + half), y1(rss.begin(), rss.begin() + half);
  std::vector<double> x2(xs.begin() + half, xs.end()), y2(rss.begin() + half, rss.end());
  double first = slope(x1, y1), last = slope(x2, y2);
  unsigned total = o.cycles * lifecycles_per_cycle;
  printf("\n%u pipeline lifecycles (%u at a time): answered %u, failed %u, stopped %u, stuck %u\n", total, o.parallel,
         tally.answered, tally.failed, tally.stopped, tally.stuck);
  printf("VmRSS after malloc_trim: %.1f MiB after %u lifecycles, %.1f MiB at half, %.1f MiB at the end\n",
         rss[std::min<size_t>(9, rss.size() - 1)] / 1048576.0, (unsigned)xs[std::min<size_t>(9, xs.size() - 1)],
         rss[half] / 1048576.0, rss.back() / 1048576.0);
  printf("slope: first half %.1f bytes/lifecycle, last half %.1f bytes/lifecycle (flat: below %.0f)\n", first, last,
         kFlatBytesPerLifecycle);
  bool flat = last < kFlatBytesPerLifecycle && tally.stuck == 0;
  printf("%s\n", flat ? "FLAT" : tally.stuck ? "NOT FLAT: pipelines got stuck" : "NOT FLAT: memory grows");
  return flat ? 0 : 1;
}
