// SPDX-License-Identifier: LGPL-2.1-or-later
// How long the HTTP thread every element shares is held while one element's
// result is stored into a full result cache (its account's folder holding
// --entries entries, the folder's prune due, so every entry is read): with
// the cache's disk work run on that thread (as it was) and on the disk
// thread (as it is), side by side in one run.
//
//   bench-cache-store [--entries N] [--runs N]
//
// Another element's stop (set_state(NULL)), answers and timers all run on
// that thread: while the store holds it, they wait. A probe on the main
// thread measures that wait: it runs an empty function on the thread
// (run_sync) every 0.5 ms from before the store is asked until the store
// and its prune are over, and keeps the longest wait. Prints, per mode, the
// median and the worst of the runs' longest waits, and how long the store
// took until the job heard its answer; and, for scale, the probe's longest
// wait when nothing is stored.
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "admission/admission.h"
#include "admission/result_cache.h"
#include "runtime/disk_thread.h"
#include "runtime/http_worker.h"

using namespace idf;

namespace {

const char *const kKey = "bench-cache-store-key";

double ms_since(gint64 t0) {
  return (g_get_monotonic_time() - t0) / 1000.0;
}

Result a_result() {
  Result r;
  r.provider = "kling";
  r.session_id = "s-bench";
  r.request_id = "r-bench";
  for (int i = 0; i < 8; i++) {
    Face f;
    f.id = std::to_string(i);
    f.image = "https://cdn.test/faces/" + f.id + ".jpg";
    f.start_ns = (uint64_t)i * 1000000000ull;
    f.end_ns = f.start_ns + 2000000000ull;
    r.faces.push_back(f);
  }
  return r;
}

CacheKey key_of(const std::string &name) {
  CacheKey k;
  k.provider = "kling";
  k.endpoint = "https://api.test/v1/identify";
  k.video_url = "https://cdn.test/" + name + ".mp4";
  return k;
}

// The account's folder filled with `entries` valid, unexpired entries.
std::string fill(const std::string &dir, unsigned entries) {
  ResultCache cache(CacheSettings{dir, kDefaultCacheTtlS, {}});
  std::string account = cache.account(kKey);
  g_assert_true(cache.write(key_of("seed"), account, a_result()));
  std::string folder = dir + "/" + account;
  GDir *d = g_dir_open(folder.c_str(), 0, nullptr);
  std::string seed;
  while (const char *name = g_dir_read_name(d))
    if (g_str_has_suffix(name, ".json")) seed = folder + "/" + name;
  g_dir_close(d);
  gchar *text = nullptr;
  gsize len = 0;
  g_assert_true(g_file_get_contents(seed.c_str(), &text, &len, nullptr));
  for (unsigned i = 1; i < entries; i++) {
    std::string n = std::to_string(i);
    gchar *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, n.c_str(), -1);
    g_assert_true(g_file_set_contents((folder + "/" + hex + ".json").c_str(), text, (gssize)len, nullptr));
    g_free(hex);
  }
  g_free(text);
  return folder;
}

struct RunResult {
  double longest_wait_ms = 0;
  double store_ms = 0;
};

// One element's answer stored through `admission`, its folder's prune due.
RunResult store_once(Admission &admission, const DiskRunner &disk, const std::string &dir, const std::string &folder,
                     unsigned run) {
  HttpWorker &loop = HttpWorker::get();
  g_assert_true(g_file_set_contents((folder + "/.pruned").c_str(), "0", -1, nullptr));
  std::atomic<bool> over{false};
  gint64 asked = g_get_monotonic_time();
  std::atomic<gint64> stored_at{0};
  loop.post([&] {
    AdmissionRequest request;
    request.key = key_of("clip-" + std::to_string(run));
    request.credential = kKey;
    request.cache_dir = dir;
    request.requester = "bench";
    auto handle = std::make_shared<Admission::Handle>(0);
    Admission::Callbacks callbacks;
    callbacks.cached = [](CachedResult) { g_error("a cache hit: every run stores a new clip"); };
    callbacks.queued = [](size_t) {};
    callbacks.shared = [](const Outcome &) {};
    callbacks.start = [&, handle] {
      admission.submitted(*handle);
      admission.accepted(*handle);
      admission.finished(*handle, a_result(), g_get_real_time() / G_USEC_PER_SEC, [&] {
        stored_at = g_get_monotonic_time();
        // Behind the store's prune on the disk runner (in order).
        disk([&] { loop.post([&] { over = true; }); });
      });
    };
    *handle = admission.admit(request, callbacks);
  });
  RunResult r;
  while (!over) {
    gint64 t0 = g_get_monotonic_time();
    loop.run_sync([] {});
    r.longest_wait_ms = std::max(r.longest_wait_ms, ms_since(t0));
    g_usleep(500);
  }
  r.store_ms = (stored_at - asked) / 1000.0;
  return r;
}

// The same probe for `ms` with nothing stored: what the machine's load
// alone costs a round trip to the thread.
double idle_wait_ms(unsigned ms) {
  HttpWorker &loop = HttpWorker::get();
  double longest = 0;
  gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) {
    gint64 t0 = g_get_monotonic_time();
    loop.run_sync([] {});
    longest = std::max(longest, ms_since(t0));
    g_usleep(500);
  }
  return longest;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  unsigned entries = 4096, runs = 9;
  for (int i = 1; i + 1 < argc; i++) {
    if (g_str_equal(argv[i], "--entries")) entries = (unsigned)std::max(1, atoi(argv[i + 1]));
    if (g_str_equal(argv[i], "--runs")) runs = (unsigned)std::max(1, atoi(argv[i + 1]));
  }
  gchar *tmp = g_dir_make_tmp("idf-bench-cache-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free(tmp);
  std::string folder = fill(dir, entries);

  // Inline: the disk work runs where Admission runs it from, the HTTP
  // thread (how it was). The disk thread: how it is.
  DiskRunner on_loop = [](std::function<void()> work) { work(); };
  DiskRunner disk_thread = process_disk_thread();
  struct Mode {
    const char *name;
    DiskRunner disk;
  } modes[] = {{"disk work on the HTTP thread (before)", on_loop}, {"disk work on the disk thread (now)", disk_thread}};
  printf("result cache of %u entries in one account's folder, prune due; %u runs per mode\n", entries, runs);
  printf("%-40s %14s %14s %14s\n", "mode", "wait median", "wait worst", "store median");
  {
    std::vector<double> waits;
    for (unsigned run = 0; run < runs; run++) waits.push_back(idle_wait_ms(250));
    printf("%-40s %11.1f ms %11.1f ms %14s\n", "nothing stored (the probe alone, 250 ms)", median(waits),
           *std::max_element(waits.begin(), waits.end()), "-");
  }
  for (auto &mode : modes) {
    Admission admission(HttpWorker::get(), mode.disk);
    std::vector<double> waits, stores;
    for (unsigned run = 0; run < runs; run++) {
      static unsigned clip = 0;  // a new clip every run, whatever the mode
      RunResult r = store_once(admission, mode.disk, dir, folder, clip++);
      waits.push_back(r.longest_wait_ms);
      stores.push_back(r.store_ms);
    }
    printf("%-40s %11.1f ms %11.1f ms %11.1f ms\n", mode.name, median(waits),
           *std::max_element(waits.begin(), waits.end()), median(stores));
  }
  gchar *argv_rm[] = {(gchar *)"rm", (gchar *)"-rf", (gchar *)dir.c_str(), nullptr};
  g_spawn_sync(nullptr, argv_rm, nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  return 0;
}
