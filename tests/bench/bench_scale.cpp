// SPDX-License-Identifier: LGPL-2.1-or-later
// Many identifyface elements in one process, against a fake Kirin service.
//
//   bench-scale [--elements N] [--max-concurrent M] [--cap C] [--task-seconds S]
//               [--hold-eos true|false] [--timeout S] [--mode identifyface|identity]
//
// Without --mode it is the driver: it runs the fake Kirin task service in its
// own process (each submission makes a new task that completes S seconds
// later; with --cap C more than C tasks in flight are refused with Kling's
// 1303), then runs this program again as a child for each measurement:
// identity ×N, identifyface ×N, identity ×1 and identifyface ×1, and prints
// them side by side. Each child builds its pipelines
//
//   appsrc (video/x-raw 1280x720 25/1, one buffer, EOS) ! identifyface provider=kirin
//     video-url=https://cdn.test/clip-<i>.mp4 validation=off cache-ttl=0 ... ! fakesink
//
// (or `identity` in place of identifyface), starts them all at once, waits
// until every one answered (identify-face message) or failed (an error), and
// reports its peak thread count (sampled from /proc/self/status) and peak
// RSS (VmHWM). The fake lives in the driver so that the measured process
// holds the elements and nothing else.
//
// With --mode the program is one measurement; it then needs --api-url and
// --poll-url, or starts a fake of its own in-process (whose memory and
// threads are then counted too).
#include <glib.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <libsoup/soup.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_service.h"

namespace {

using Clock = std::chrono::steady_clock;

const char *const kKey = "bench-scale-key-0123456789";
const char *const kSubmitPath = "/model/v1/generation";

struct Options {
  unsigned elements = 1000;
  unsigned max_concurrent = 0;
  unsigned cap = 0;
  double task_seconds = 3.0;
  unsigned latency_ms = 0;  // the fake's delay before each answer
  bool hold_eos = true;
  unsigned timeout_s = 0;  // 0: derived from the others
  std::string mode;        // "" = driver
  std::string api_url, poll_url;
};

/* ---- the fake Kirin account ---- */

// Kirin's task API as the element uses it: POST makes a task, GET
// <poll>/<id> tells its status; a task completes task_seconds after it was
// made. With a cap, a submission while `cap` tasks are unfinished is refused
// the way Kling refuses it (HTTP 429, code 1303, no Retry-After).
class FakeKirin {
 public:
  FakeKirin(double task_seconds, unsigned cap, unsigned latency_ms)
      : task_us_((int64_t)(task_seconds * 1e6)), cap_(cap), latency_ms_(latency_ms) {
    svc_.handle(std::string("POST ") + kSubmitPath, [this](const RecordedRequest &) { return submit(); });
  }

  std::string api_url() const { return svc_.url(kSubmitPath); }
  std::string poll_url() const { return svc_.url("/tasks/{task_id}"); }

  struct Stats {
    unsigned created = 0, refused = 0, peak_in_flight = 0, polls = 0;
    int64_t first_submit_us = 0, last_submit_us = 0;
    int64_t max_answer_lag_us = 0;  // from a task's end to its first "completed" answer
  };
  Stats stats() {
    std::lock_guard<std::mutex> g(lock_);
    return stats_;
  }
  void reset() {
    std::lock_guard<std::mutex> g(lock_);
    stats_ = Stats();
    ends_ = {};
    answered_.clear();
  }

 private:
  CannedResponse submit() {
    std::lock_guard<std::mutex> g(lock_);
    int64_t now = g_get_monotonic_time();
    while (!ends_.empty() && ends_.top() <= now) ends_.pop();
    if (cap_ && ends_.size() >= cap_) {
      stats_.refused++;
      return CannedResponse::json(429, R"({"code":1303,"message":"parallel task over resource pack limit"})",
                                  latency_ms_);
    }
    std::string id = "t-" + std::to_string(++serial_);
    stats_.created++;
    if (!stats_.first_submit_us) stats_.first_submit_us = now;
    stats_.last_submit_us = now;
    int64_t end = now + task_us_;
    ends_.push(end);
    stats_.peak_in_flight = std::max<unsigned>(stats_.peak_in_flight, (unsigned)ends_.size());
    // Handlers are looked up outside the service's lock: adding one here is fine.
    svc_.handle("GET /tasks/" + id, [this, id, end](const RecordedRequest &) { return poll(id, end); });
    return CannedResponse::json(200, R"({"task_id":")" + id + R"(","status":"pending"})", latency_ms_);
  }

  CannedResponse poll(const std::string &id, int64_t end) {
    int64_t now = g_get_monotonic_time();
    {
      std::lock_guard<std::mutex> g(lock_);
      stats_.polls++;
      if (now >= end && answered_.insert(id).second)
        stats_.max_answer_lag_us = std::max(stats_.max_answer_lag_us, now - end);
    }
    if (now < end)
      return CannedResponse::json(200, R"({"task_id":")" + id + R"(","status":"processing"})", latency_ms_);
    std::string kling = R"({"code":0,"message":"ok","request_id":"r-)" + id + R"(","data":{"session_id":"s-)" + id +
                        R"(","final_unit_deduction":"1","face_data":[{"face_id":"0",)"
                        R"("face_image":"https://cdn.test/face.png","start_time":0,"end_time":1000}]}})";
    gchar *escaped = g_strescape(kling.c_str(), nullptr);
    std::string body = R"({"task_id":")" + id + R"(","status":"completed","output":[{"content":[{"type":"text",)" +
                       R"("text":")" + escaped + R"("}]}],"usage":{"cost":"0.01","discount":0}})";
    g_free(escaped);
    return CannedResponse::json(200, body, latency_ms_);
  }

  FakeService svc_;
  const int64_t task_us_;
  const unsigned cap_;
  const unsigned latency_ms_;
  std::mutex lock_;
  Stats stats_;
  unsigned serial_ = 0;
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<int64_t>> ends_;  // unfinished tasks
  std::set<std::string> answered_;                                                  // told "completed"
};

/* ---- one measurement (--mode) ---- */

// A field of /proc/self/status, in its unit (kB for memory), or -1.
long proc_status(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long value = -1;
  size_t len = strlen(field);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, field, len) && line[len] == ':') {
      value = strtol(line + len + 1, nullptr, 10);
      break;
    }
  fclose(f);
  return value;
}

// The process's threads by name: which of them grow with the number of
// elements. GStreamer names a streaming thread after its pad ("src:src");
// GLib's idle pool threads are "pool-<program>".
std::map<std::string, unsigned> threads_by_name() {
  std::map<std::string, unsigned> count;
  GDir *dir = g_dir_open("/proc/self/task", 0, nullptr);
  if (!dir) return count;
  while (const char *tid = g_dir_read_name(dir)) {
    std::string path = std::string("/proc/self/task/") + tid + "/comm";
    gchar *name = nullptr;
    if (g_file_get_contents(path.c_str(), &name, nullptr, nullptr)) {
      g_strchomp(name);
      count[name]++;
      g_free(name);
    }
  }
  g_dir_close(dir);
  return count;
}

std::string thread_names() {
  std::string out;
  for (auto &kv : threads_by_name()) out += (out.empty() ? "" : ", ") + kv.first + " x" + std::to_string(kv.second);
  return out;
}

// Threads other than GLib's idle pool threads, whose number depends on
// timing (GStreamer starts streaming threads through that pool).
long working_threads() {
  long n = 0;
  for (auto &kv : threads_by_name())
    if (!g_str_has_prefix(kv.first.c_str(), "pool-")) n += kv.second;
  return n;
}

// Bytes malloc has handed out and not got back, in KiB.
long heap_in_use_kib() {
  struct mallinfo2 m = mallinfo2();
  return (long)((m.uordblks + m.hblkhd) / 1024);
}

struct Tally {
  std::mutex lock;
  std::condition_variable changed;
  unsigned answered = 0, failed = 0;
  std::string first_failure;
};

struct Element {
  Tally *tally;
  bool identifyface;
  bool done = false;  // with tally->lock
};

void settle(Element *e, bool ok, const std::string &why) {
  std::lock_guard<std::mutex> g(e->tally->lock);
  if (e->done) return;
  e->done = true;
  (ok ? e->tally->answered : e->tally->failed)++;
  if (!ok && e->tally->first_failure.empty()) e->tally->first_failure = why;
  e->tally->changed.notify_all();
}

// Runs on whichever thread posts; counts and drops every message, so that
// no bus queues anything (an application would consume them).
GstBusSyncReply on_message(GstBus *, GstMessage *msg, gpointer data) {
  auto *e = static_cast<Element *>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure(msg);
      if (gst_structure_has_name(s, "identify-face")) {
        const char *session = gst_structure_get_string(s, "session-id");
        settle(e, session && *session, "identify-face without a session-id");
      } else if (gst_structure_has_name(s, "identify-face-error")) {
        const char *text = gst_structure_get_string(s, "message");
        settle(e, false, text ? text : "identify-face-error");
      }
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError *err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      settle(e, false, err ? err->message : "error");
      g_clear_error(&err);
      break;
    }
    case GST_MESSAGE_EOS:
      if (!e->identifyface) settle(e, true, "");
      break;
    default: break;
  }
  gst_message_unref(msg);  // a sync handler that drops a message owns it
  return GST_BUS_DROP;
}

int run_mode(const Options &o) {
  const bool idf = o.mode == "identifyface";
  std::unique_ptr<FakeKirin> own_fake;
  std::string api_url = o.api_url, poll_url = o.poll_url;
  if (idf && api_url.empty()) {
    own_fake = std::make_unique<FakeKirin>(o.task_seconds, o.cap, o.latency_ms);
    api_url = own_fake->api_url();
    poll_url = own_fake->poll_url();
  }
  // Sampled from here on: the threads and memory of the pipelines.
  std::atomic<bool> sampling{true};
  std::atomic<long> peak_threads{proc_status("Threads")};
  std::string peak_names;  // the names at the peak, read at most every 200 ms
  std::mutex names_lock;
  auto sample = [&](bool name_it) {
    long t = proc_status("Threads");
    if (t > peak_threads) peak_threads = t;
    if (name_it && t >= peak_threads) {
      std::string names = thread_names();
      std::lock_guard<std::mutex> g(names_lock);
      peak_names = names;
    }
  };
  std::thread sampler([&] {
    auto named_at = Clock::now() - std::chrono::seconds(1);
    while (sampling) {
      bool name_it = Clock::now() - named_at > std::chrono::milliseconds(200);
      if (name_it) named_at = Clock::now();
      sample(name_it);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  long rss_start = proc_status("VmRSS");

  Tally tally;
  std::vector<Element> elements(o.elements, Element{&tally, idf});
  std::vector<GstElement *> pipelines;
  pipelines.reserve(o.elements);
  const std::string caps = "video/x-raw,format=I420,width=1280,height=720,framerate=25/1";
  for (unsigned i = 0; i < o.elements; i++) {
    std::string middle = "identity";
    if (idf) {
      middle = "identifyface provider=kirin api-url=" + api_url + " poll-url=" + poll_url +
               " video-url=https://cdn.test/clip-" + std::to_string(i) + ".mp4 api-key=" + kKey +
               " validation=off cache-ttl=0 timeout=86400 hold-eos=" + (o.hold_eos ? "true" : "false");
      if (o.max_concurrent) middle += " max-concurrent=" + std::to_string(o.max_concurrent);
    }
    std::string desc = "appsrc name=src format=time caps=\"" + caps + "\" ! " + middle + " ! fakesink sync=false";
    GError *error = nullptr;
    GstElement *p = gst_parse_launch(desc.c_str(), &error);
    if (!p || error) {
      g_printerr("cannot build pipeline %u: %s\n", i, error ? error->message : "?");  // desc holds the key
      return 2;
    }
    GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
    GstBuffer *buf = gst_buffer_new();  // the elements under test never look inside
    GST_BUFFER_PTS(buf) = 0;
    GST_BUFFER_DURATION(buf) = GST_SECOND / 25;
    gst_app_src_push_buffer(GST_APP_SRC(src), buf);
    gst_app_src_end_of_stream(GST_APP_SRC(src));
    gst_object_unref(src);
    GstBus *bus = gst_element_get_bus(p);
    gst_bus_set_sync_handler(bus, on_message, &elements[i], nullptr);
    gst_object_unref(bus);
    pipelines.push_back(p);
  }

  long heap_built = heap_in_use_kib();
  auto t0 = Clock::now();
  for (unsigned i = 0; i < o.elements; i++)
    if (gst_element_set_state(pipelines[i], GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      settle(&elements[i], false, "the pipeline did not start");
  unsigned timeout_s = o.timeout_s;
  bool all = false;
  {
    std::unique_lock<std::mutex> lk(tally.lock);
    all = tally.changed.wait_for(lk, std::chrono::seconds(timeout_s),
                                 [&] { return tally.answered + tally.failed == o.elements; });
  }
  double wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  // Every pipeline is still PLAYING: its streaming thread (paused after EOS,
  // or held by hold-eos) is still there.
  long threads_end = proc_status("Threads");
  long working_end = working_threads();
  std::string names_end = thread_names();
  sample(true);
  sampling = false;
  sampler.join();
  long hwm = proc_status("VmHWM");
  long rss_anon = proc_status("RssAnon"), rss_file = proc_status("RssFile");
  long heap_end = heap_in_use_kib();

  for (GstElement *p : pipelines) {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
  std::lock_guard<std::mutex> g(tally.lock);
  printf("mode=%s\nelements=%u\nanswered=%u\nfailed=%u\ntimed_out=%d\nwall_s=%.2f\n", o.mode.c_str(), o.elements,
         tally.answered, tally.failed, !all, wall_s);
  printf("threads_peak=%ld\nthreads_by_name=%s\nthreads_end=%ld\nthreads_end_working=%ld\nthreads_end_by_name=%s\n",
         peak_threads.load(), peak_names.c_str(), threads_end, working_end, names_end.c_str());
  printf("rss_start_kib=%ld\nvmhwm_kib=%ld\n", rss_start, hwm);
  printf("rss_anon_kib=%ld\nrss_file_kib=%ld\nheap_built_kib=%ld\nheap_end_kib=%ld\n", rss_anon, rss_file, heap_built,
         heap_end);
  if (!tally.first_failure.empty()) printf("first_failure=%s\n", tally.first_failure.c_str());
  if (own_fake) {
    auto s = own_fake->stats();
    printf("fake_created=%u\nfake_refused=%u\nfake_peak_in_flight=%u\nfake_polls=%u\n", s.created, s.refused,
           s.peak_in_flight, s.polls);
  }
  fflush(stdout);
  return all && tally.failed == 0 ? 0 : 1;
}

/* ---- the driver ---- */

using Report = std::map<std::string, std::string>;

std::optional<Report> run_child(const std::string &self, const Options &o, const std::string &mode, unsigned n,
                                const FakeKirin &fake) {
  std::vector<std::string> args = {self,
                                   "--mode",
                                   mode,
                                   "--elements",
                                   std::to_string(n),
                                   "--max-concurrent",
                                   std::to_string(o.max_concurrent),
                                   "--hold-eos",
                                   o.hold_eos ? "true" : "false",
                                   "--timeout",
                                   std::to_string(o.timeout_s),
                                   "--api-url",
                                   fake.api_url(),
                                   "--poll-url",
                                   fake.poll_url()};
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  gchar *out = nullptr;
  gint status = 0;
  GError *error = nullptr;
  if (!g_spawn_sync(nullptr, argv.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out, nullptr, &status, &error)) {
    g_printerr("cannot run %s: %s\n", self.c_str(), error->message);
    g_clear_error(&error);
    return std::nullopt;
  }
  Report r;
  gchar **lines = g_strsplit(out ? out : "", "\n", -1);
  for (gchar **l = lines; *l; l++) {
    const char *eq = strchr(*l, '=');
    if (eq) r[std::string(*l, eq - *l)] = eq + 1;
  }
  g_strfreev(lines);
  g_free(out);
  r["exit_ok"] = g_spawn_check_wait_status(status, nullptr) ? "1" : "0";
  return r;
}

long num(const Report &r, const char *key) {
  auto it = r.find(key);
  return it == r.end() ? -1 : strtol(it->second.c_str(), nullptr, 10);
}

std::string text(const Report &r, const char *key) {
  auto it = r.find(key);
  return it == r.end() ? "?" : it->second;
}

int run_driver(const std::string &self, const Options &o) {
  FakeKirin fake(o.task_seconds, o.cap, o.latency_ms);
  printf(
      "bench-scale: %u elements in one process, fake Kirin task service (a task completes %.1f s after its "
      "submission; account cap %s; answers after %u ms), max-concurrent=%u, hold-eos=%s\n",
      o.elements, o.task_seconds, o.cap ? std::to_string(o.cap).c_str() : "none", o.latency_ms, o.max_concurrent,
      o.hold_eos ? "true" : "false");
  fflush(stdout);

  struct Run {
    const char *mode;
    unsigned n;
    Report report;
    FakeKirin::Stats fake;
  };
  std::vector<Run> runs = {{"identity", o.elements, {}, {}},
                           {"identifyface", o.elements, {}, {}},
                           {"identity", 1, {}, {}},
                           {"identifyface", 1, {}, {}}};
  for (auto &run : runs) {
    fake.reset();
    auto r = run_child(self, o, run.mode, run.n, fake);
    if (!r) return 2;
    run.report = *r;
    run.fake = fake.stats();
    printf("  %-12s x%-5u answered %ld, failed %ld, %s s, peak threads %ld, VmHWM %ld KiB\n", run.mode, run.n,
           num(*r, "answered"), num(*r, "failed"), text(*r, "wall_s").c_str(), num(*r, "threads_peak"),
           num(*r, "vmhwm_kib"));
    printf(
        "    threads at the peak: %s\n    threads once all answered: %s\n    at the end: RssAnon %ld KiB, RssFile %ld "
        "KiB; malloc'ed %ld KiB (%ld KiB "
        "once built)\n",
        text(*r, "threads_by_name").c_str(), text(*r, "threads_end_by_name").c_str(), num(*r, "rss_anon_kib"),
        num(*r, "rss_file_kib"), num(*r, "heap_end_kib"), num(*r, "heap_built_kib"));
    if (r->count("first_failure")) printf("    first failure: %s\n", text(*r, "first_failure").c_str());
    fflush(stdout);
  }
  const Report &idN = runs[0].report, &idfN = runs[1].report, &id1 = runs[2].report, &idf1 = runs[3].report;
  const FakeKirin::Stats &fk = runs[1].fake;
  const unsigned n = o.elements;

  double per_element = (double)(num(idfN, "vmhwm_kib") - num(idN, "vmhwm_kib")) / n;
  double marginal = n > 1 ? (double)((num(idfN, "vmhwm_kib") - num(idf1, "vmhwm_kib")) -
                                     (num(idN, "vmhwm_kib") - num(id1, "vmhwm_kib"))) /
                                (n - 1)
                          : 0;
  printf("\n");
  printf("| what | identity | identifyface |\n|---|---|---|\n");
  printf("| elements answered / failed (of %u) | %ld / %ld | %ld / %ld |\n", n, num(idN, "answered"),
         num(idN, "failed"), num(idfN, "answered"), num(idfN, "failed"));
  printf("| wall time until all answered | %s s | %s s |\n", text(idN, "wall_s").c_str(), text(idfN, "wall_s").c_str());
  printf("| peak threads, %u elements | %ld | %ld |\n", n, num(idN, "threads_peak"), num(idfN, "threads_peak"));
  printf("| peak threads, 1 element | %ld | %ld |\n", num(id1, "threads_peak"), num(idf1, "threads_peak"));
  printf("| threads once all answered (not counting idle GLib pool threads), %u elements | %ld | %ld |\n", n,
         num(idN, "threads_end_working"), num(idfN, "threads_end_working"));
  printf("| threads once all answered (not counting idle GLib pool threads), 1 element | %ld | %ld |\n",
         num(id1, "threads_end_working"), num(idf1, "threads_end_working"));
  printf("| peak RSS (VmHWM), %u elements | %ld KiB | %ld KiB |\n", n, num(idN, "vmhwm_kib"), num(idfN, "vmhwm_kib"));
  printf("| peak RSS (VmHWM), 1 element | %ld KiB | %ld KiB |\n", num(id1, "vmhwm_kib"), num(idf1, "vmhwm_kib"));
  printf("\n");
  printf(
      "fake service: %u tasks created, peak %u in flight, %u refused with 1303, %u status polls; submissions "
      "over %.2f s, a finished task told at most %.2f s after it ended\n",
      fk.created, fk.peak_in_flight, fk.refused, fk.polls, (fk.last_submit_us - fk.first_submit_us) / 1e6,
      fk.max_answer_lag_us / 1e6);
  printf(
      "memory per element above identity: %.1f KiB ((VmHWM identifyface - VmHWM identity) / %u; target <= 64 "
      "KiB)\n",
      per_element, n);
  printf(
      "  without the fixed cost (plugin, HTTP worker): %.1f KiB (the same difference, less the 1-element "
      "runs', / %u)\n",
      marginal, n - 1);
  printf("threads identifyface adds (once all answered, idle pool threads aside): %ld with %u elements, %ld with 1\n",
         num(idfN, "threads_end_working") - num(idN, "threads_end_working"), n,
         num(idf1, "threads_end_working") - num(id1, "threads_end_working"));

  bool ok = true;
  for (auto &run : runs)
    if (num(run.report, "answered") != (long)run.n) ok = false;
  if (o.max_concurrent && fk.peak_in_flight > o.max_concurrent) {
    printf("FAILED: %u tasks in flight at once, more than max-concurrent=%u\n", fk.peak_in_flight, o.max_concurrent);
    ok = false;
  }
  if (!ok) printf("FAILED: not every element answered\n");
  return ok ? 0 : 1;
}

bool parse_unsigned(const char *s, unsigned *out) {
  char *end = nullptr;
  unsigned long v = strtoul(s, &end, 10);
  if (!*s || *end || v > 1000000) return false;
  *out = (unsigned)v;
  return true;
}

int usage(const char *why) {
  g_printerr(
      "bench-scale: %s\n"
      "usage: bench-scale [--elements N] [--max-concurrent M] [--cap C] [--task-seconds S]\n"
      "                   [--latency-ms L] [--hold-eos true|false] [--timeout S]\n"
      "                   [--mode identifyface|identity]\n"
      "                   [--api-url URL --poll-url URL]\n",
      why);
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  // The plugin of this build tree, with a registry of its own, unless the
  // caller says otherwise; children inherit both.
  g_setenv("GST_PLUGIN_PATH_1_0", IDF_BENCH_PLUGIN_DIR, FALSE);
  g_setenv("GST_REGISTRY_1_0", IDF_BENCH_REGISTRY, FALSE);
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
    auto need = [&](const char *what) {
      if (!v) exit(usage((a + " needs " + what).c_str()));
      i++;
      return v;
    };
    if (a == "--elements") {
      if (!parse_unsigned(need("a number"), &o.elements) || !o.elements) return usage("--elements: 1 or more");
    } else if (a == "--max-concurrent") {
      if (!parse_unsigned(need("a number"), &o.max_concurrent)) return usage("--max-concurrent: a number");
    } else if (a == "--cap") {
      if (!parse_unsigned(need("a number"), &o.cap)) return usage("--cap: a number");
    } else if (a == "--timeout") {
      if (!parse_unsigned(need("seconds"), &o.timeout_s)) return usage("--timeout: seconds");
    } else if (a == "--task-seconds") {
      o.task_seconds = g_ascii_strtod(need("seconds"), nullptr);
      if (!(o.task_seconds > 0 && o.task_seconds < 3600)) return usage("--task-seconds: more than 0");
    } else if (a == "--latency-ms") {
      if (!parse_unsigned(need("milliseconds"), &o.latency_ms)) return usage("--latency-ms: milliseconds");
    } else if (a == "--hold-eos") {
      std::string b = need("true or false");
      if (b != "true" && b != "false") return usage("--hold-eos: true or false");
      o.hold_eos = b == "true";
    } else if (a == "--mode") {
      o.mode = need("identifyface or identity");
      if (o.mode != "identifyface" && o.mode != "identity") return usage("--mode: identifyface or identity");
    } else if (a == "--api-url") {
      o.api_url = need("a URL");
    } else if (a == "--poll-url") {
      o.poll_url = need("a URL");
    } else if (a == "--help" || a == "-h") {
      usage("many identifyface elements in one process (see docs/performance.md)");
      return 0;
    } else {
      return usage(("unknown argument " + a).c_str());
    }
  }
  if (o.api_url.empty() != o.poll_url.empty()) return usage("--api-url and --poll-url go together");
  if (!o.timeout_s) {
    // Rounds of the queue, each a task and up to a poll interval more.
    unsigned limit = std::min(o.max_concurrent ? o.max_concurrent : o.elements, o.cap ? o.cap : o.elements);
    unsigned rounds = (o.elements + limit - 1) / limit;
    o.timeout_s = (unsigned)(rounds * (o.task_seconds + 1.5 + o.latency_ms * 4 / 1000.0) * 2) + 120;
  }
  gst_init(&argc, &argv);
  if (!o.mode.empty()) return run_mode(o);
  gchar *self = g_file_read_link("/proc/self/exe", nullptr);
  int rc = run_driver(self ? self : argv[0], o);
  g_free(self);
  return rc;
}
