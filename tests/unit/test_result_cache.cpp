// SPDX-License-Identifier: LGPL-2.1-or-later
// The result cache and the clip fingerprints it is keyed on: what a user
// relies on is that the same clip costs nothing the second time, that a
// changed clip or another account never gets a stale or foreign answer, and
// that the cache never breaks or leaks a credential.
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "admission/account_fingerprint.h"
#include "admission/clip_fingerprint.h"
#include "admission/result_cache.h"
#include "support/assertions.h"

using namespace idf;

static const char *kCredential = "sk-test-0123456789-SECRET";
static const char *kOtherCredential = "sk-other-account-SECRET";
static const int64_t kT0 = 1714564800;  // 2024-05-01T12:00:00Z

// --- helpers ---------------------------------------------------------------

static std::atomic<int> cache_warnings{0};

static void count_warnings(GstDebugCategory *cat, GstDebugLevel level, const gchar *, const gchar *, gint, GObject *,
                           GstDebugMessage *, gpointer) {
  if (level == GST_LEVEL_WARNING && g_str_equal(gst_debug_category_get_name(cat), "identifyface-cache"))
    cache_warnings++;
}

struct TempDir {
  std::string path;
  TempDir() {
    char *p = g_dir_make_tmp("idf-cache-XXXXXX", nullptr);
    g_assert_nonnull(p);
    path = p;
    g_free(p);
  }
  ~TempDir() { remove_tree(path); }
  static void remove_tree(const std::string &p) {
    if (g_file_test(p.c_str(), G_FILE_TEST_IS_DIR) && !g_file_test(p.c_str(), G_FILE_TEST_IS_SYMLINK)) {
      GDir *d = g_dir_open(p.c_str(), 0, nullptr);
      while (const char *name = d ? g_dir_read_name(d) : nullptr) remove_tree(p + "/" + name);
      if (d) g_dir_close(d);
      g_rmdir(p.c_str());
    } else {
      g_unlink(p.c_str());
    }
  }
};

// Every regular file under `dir`, recursively.
static void list_files(const std::string &dir, std::vector<std::string> &out) {
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return;
  while (const char *name = g_dir_read_name(d)) {
    std::string p = dir + "/" + name;
    if (g_file_test(p.c_str(), G_FILE_TEST_IS_DIR))
      list_files(p, out);
    else
      out.push_back(p);
  }
  g_dir_close(d);
}

static std::vector<std::string> entries_of(const std::string &dir) {
  std::vector<std::string> all, out;
  list_files(dir, all);
  for (auto &p : all)
    if (g_str_has_suffix(p.c_str(), ".json") && p.find("/hashes/") == std::string::npos) out.push_back(p);
  return out;
}

struct FakeClock {
  int64_t now = kT0;
  std::function<int64_t()> fn() {
    return [this] { return now; };
  }
};

static ResultCache make_cache(const std::string &dir, FakeClock &clock, int64_t ttl = kDefaultCacheTtlS) {
  CacheSettings s;
  s.dir = dir;
  s.ttl_s = ttl;
  s.clock = clock.fn();
  return ResultCache(s);
}

static CacheKey kling_key(const std::string &content = "sha256=" + std::string(64, 'a')) {
  CacheKey k;
  k.provider = "kling";
  k.endpoint = "https://api.example.com/kling/v1/videos/identify-face";
  k.video_url = "https://cdn.example.com/clip.mp4";
  k.content = content;
  return k;
}

static Result kling_result(const std::string &session = "sess-1") {
  Result r;
  r.provider = "kling";
  r.session_id = session;
  r.request_id = "req-1";
  r.final_unit_deduction = "1";
  r.video_url = "https://cdn.example.com/clip.mp4";
  r.stream_id = "stream-a";
  r.faces = {{"0", "https://img.example.com/0.png", 0, 4 * kNsPerSecond},
             {"face \"1\"", "https://img.example.com/1.png?x=1&y=\u00e9", 1500 * kNsPerMs, 9876543210123ull}};
  return r;
}

static void write_file(const std::string &path, const std::string &content, int64_t mtime_s) {
  g_assert_true(g_file_set_contents(path.c_str(), content.data(), (gssize)content.size(), nullptr));
  struct timespec times[2] = {{mtime_s, 0}, {mtime_s, 0}};
  g_assert_cmpint(utimensat(AT_FDCWD, path.c_str(), times, 0), ==, 0);
}

static void set_mtime(const std::string &path, int64_t mtime_s) {
  struct timespec times[2] = {{mtime_s, 0}, {mtime_s, 0}};
  g_assert_cmpint(utimensat(AT_FDCWD, path.c_str(), times, 0), ==, 0);
}

static FileDigest digest_ok(FileHashIndex &index, const std::string &path) {
  auto d = index.digest(path);
  if (auto *err = std::get_if<std::string>(&d)) g_error("digest failed: %s", err->c_str());
  return std::get<FileDigest>(d);
}

// --- tests -----------------------------------------------------------------

static void test_hit() {
  TempDir tmp;
  FakeClock clock;
  auto cache = make_cache(tmp.path, clock);
  std::string account = cache.account(kCredential);
  g_assert_cmpuint(account.size(), ==, 32);
  g_assert_false(cache.lookup(kling_key(), account).has_value());

  Result stored = kling_result();
  stored.cost = "0.05";
  stored.discount = 0.5;
  stored.faces[0].box = FaceBox{0.25, 0.125, 0.5, 0.375};  // what the local engine adds
  stored.faces[0].score = 0.875;
  stored.shot_cuts_ns = std::vector<uint64_t>{2937500000ull, 9876543210123ull};
  g_assert_true(cache.store(kling_key(), account, stored, kT0 - 30));
  clock.now += 3600;
  auto hit = cache.lookup(kling_key(), account);
  g_assert_true(hit.has_value());
  assert_str(hit->cached_at, "2024-05-01T12:00:00Z");
  g_assert_cmpint(hit->cached_at_s, ==, kT0);
  g_assert_cmpint(hit->expires_at_s, ==, kT0 - 30 + kDefaultCacheTtlS);
  const Result &r = hit->result;
  assert_str(r.provider, "kling");
  assert_str(r.session_id, "sess-1");
  assert_str(r.request_id, "req-1");
  assert_str(r.final_unit_deduction, "1");
  assert_str(r.video_url, stored.video_url);
  assert_str(*r.cost, "0.05");
  g_assert_cmpfloat(*r.discount, ==, 0.5);
  g_assert_true(r.shot_cuts_ns == stored.shot_cuts_ns);
  g_assert_cmpuint(r.faces.size(), ==, 2);
  g_assert_true(r.faces[0].box.has_value());
  g_assert_cmpfloat(r.faces[0].box->y, ==, 0.125);
  g_assert_cmpfloat(r.faces[0].box->height, ==, 0.375);
  g_assert_cmpfloat(*r.faces[0].score, ==, 0.875);
  g_assert_false(r.faces[1].box.has_value());
  assert_str(r.faces[1].id, stored.faces[1].id);
  assert_str(r.faces[1].image, stored.faces[1].image);
  g_assert_cmpuint(r.faces[1].start_ns, ==, 1500 * kNsPerMs);
  g_assert_cmpuint(r.faces[1].end_ns, ==, 9876543210123ull);  // all 64 bits survive

  // A second process (another instance on the same dir) sees it too.
  auto again = make_cache(tmp.path, clock);
  assert_str(again.account(kCredential), account);
  g_assert_true(again.lookup(kling_key(), account).has_value());

  // Every field of the key matters.
  for (auto change : std::vector<std::function<void(CacheKey &)>>{
           [](CacheKey &k) { k.endpoint += "?v=2"; }, [](CacheKey &k) { k.model = "m2"; },
           [](CacheKey &k) { k.video_url = "https://cdn.example.com/other.mp4"; },
           [](CacheKey &k) { k.video_id = "42"; }, [](CacheKey &k) { k.variant = "min-size=80"; },
           [](CacheKey &k) { k.provider = "kirin"; }}) {
    CacheKey k = kling_key();
    change(k);
    g_assert_false(cache.lookup(k, account).has_value());
  }
}

// A local clip is hashed once; only a touch (or a new inode) reads it again,
// and only a change of content is a miss.
static void test_file_content_change() {
  TempDir tmp;
  FakeClock clock;
  auto cache = make_cache(tmp.path, clock);
  FileHashIndex index(tmp.path + "/hashes");
  std::string clip = tmp.path + "/clip.mp4";
  int64_t old = g_get_real_time() / G_USEC_PER_SEC - 3600;
  write_file(clip, std::string(300000, 'x'), old);

  FileDigest first = digest_ok(index, clip);
  g_assert_true(first.computed);
  // sha256 of 300000 'x' bytes, as sha256sum prints it.
  char *expected = g_compute_checksum_for_string(G_CHECKSUM_SHA256, std::string(300000, 'x').c_str(), 300000);
  assert_str(first.sha256, expected);
  g_free(expected);
  FileDigest second = digest_ok(index, clip);
  g_assert_false(second.computed);  // from the index, not re-read
  assert_str(second.sha256, first.sha256);

  std::string account = cache.account(kCredential);
  CacheKey key = kling_key(file_content_fingerprint(first.sha256));
  g_assert_true(cache.store(key, account, kling_result()));

  // Touched, same bytes: re-hashed once, still the same content: a hit.
  set_mtime(clip, old + 10);
  FileDigest touched = digest_ok(index, clip);
  g_assert_true(touched.computed);
  assert_str(touched.sha256, first.sha256);
  g_assert_false(digest_ok(index, clip).computed);
  g_assert_true(cache.lookup(kling_key(file_content_fingerprint(touched.sha256)), account).has_value());

  // New bytes of the same size and mtime (another inode): re-hashed, a miss.
  std::string replacement = tmp.path + "/new.mp4";
  write_file(replacement, std::string(299999, 'x') + "y", old + 10);
  g_assert_cmpint(g_rename(replacement.c_str(), clip.c_str()), ==, 0);
  FileDigest changed = digest_ok(index, clip);
  g_assert_true(changed.computed);
  g_assert_true(changed.sha256 != first.sha256);
  g_assert_false(cache.lookup(kling_key(file_content_fingerprint(changed.sha256)), account).has_value());

  // A file modified just now may change again within the same mtime tick:
  // its digest is not trusted the next time.
  write_file(clip, "fresh", g_get_real_time() / G_USEC_PER_SEC);
  g_assert_true(digest_ok(index, clip).computed);
  g_assert_true(digest_ok(index, clip).computed);

  // Errors name the path.
  auto missing = index.digest(tmp.path + "/nope.mp4");
  g_assert_nonnull(strstr(std::get<std::string>(missing).c_str(), "nope.mp4"));
  GCancellable *cancel = g_cancellable_new();
  g_cancellable_cancel(cancel);
  set_mtime(clip, old);
  auto cancelled = index.digest(clip, cancel);
  g_assert_nonnull(strstr(std::get<std::string>(cancelled).c_str(), "cancelled"));
  g_object_unref(cancel);

  auto path = local_path_of_uri("file:///tmp/a%20b.mp4");
  assert_str(*path, "/tmp/a b.mp4");
  g_assert_false(local_path_of_uri("https://x/y.mp4").has_value());
}

static void test_http_validators_change() {
  TempDir tmp;
  FakeClock clock;
  auto cache = make_cache(tmp.path, clock);
  std::string account = cache.account(kCredential);
  std::string url = "https://cdn.example.com/clip.mp4";
  HttpValidators v{"\"abc\"", "Wed, 01 May 2024 10:00:00 GMT", 1234567};
  g_assert_true(cache.store(kling_key(http_content_fingerprint(url, v)), account, kling_result()));
  g_assert_true(cache.lookup(kling_key(http_content_fingerprint(url, v)), account).has_value());

  HttpValidators etag = v, modified = v, length = v, unknown;
  etag.etag = "\"abd\"";
  modified.last_modified = "Wed, 01 May 2024 10:00:01 GMT";
  length.content_length = 1234568;
  for (auto &other : {etag, modified, length, unknown})
    g_assert_false(cache.lookup(kling_key(http_content_fingerprint(url, other)), account).has_value());
  // The URL itself is part of it.
  g_assert_false(cache.lookup(kling_key(http_content_fingerprint(url + "?", v)), account).has_value());
}

static void test_per_account() {
  TempDir tmp;
  FakeClock clock;
  auto cache = make_cache(tmp.path, clock);
  std::string a = cache.account(kCredential), b = cache.account(kOtherCredential);
  g_assert_true(a != b);
  g_assert_true(cache.store(kling_key(), a, kling_result("session-of-a")));
  g_assert_false(cache.lookup(kling_key(), b).has_value());
  g_assert_true(cache.store(kling_key(), b, kling_result("session-of-b")));
  assert_str(cache.lookup(kling_key(), a)->result.session_id, "session-of-a");
  assert_str(cache.lookup(kling_key(), b)->result.session_id, "session-of-b");
  // No account, no service entry.
  g_assert_false(cache.lookup(kling_key(), "").has_value());
  g_assert_false(cache.store(kling_key(), "", kling_result()));
  g_assert_false(cache.lookup(kling_key(), "../local").has_value());

  // The fingerprint is salted per cache dir: another dir, another name.
  TempDir other;
  auto cache2 = make_cache(other.path, clock);
  g_assert_true(cache2.account(kCredential) != a);

  // provider=local is keyed on content only, whatever the account.
  CacheKey local;
  local.provider = "local";
  local.content = "sha256=" + std::string(64, 'b');
  Result lr;
  lr.provider = "local";
  lr.faces = {{"0", "file:///tmp/f.jpg", 0, 3 * kNsPerSecond}};
  g_assert_true(cache.store(local, a, lr));
  g_assert_true(cache.lookup(local, b).has_value());
  g_assert_true(cache.lookup(local, "").has_value());
  CacheKey unknown_content = local;
  unknown_content.content = "";
  g_assert_false(unknown_content.usable());
  g_assert_false(cache.store(unknown_content, "", lr));
}

static void test_expiry() {
  TempDir tmp;
  FakeClock clock;
  {
    // cache-ttl counts from the session's start.
    auto cache = make_cache(tmp.path, clock, 100);
    std::string a = cache.account(kCredential);
    g_assert_true(cache.store(kling_key(), a, kling_result(), kT0 - 10));
    clock.now = kT0 + 89;
    g_assert_true(cache.lookup(kling_key(), a).has_value());
    clock.now = kT0 + 90;
    g_assert_false(cache.lookup(kling_key(), a).has_value());
  }
  {
    // The session boundary: never used with under 1 h of its 24 h left, even
    // with a longer ttl; the session may be older than the entry (a long
    // Kirin task).
    clock.now = kT0;
    auto cache = make_cache(tmp.path, clock, 7 * 24 * 3600);
    std::string a = cache.account(kCredential);
    int64_t session = kT0 - 1200;
    g_assert_true(cache.store(kling_key(), a, kling_result(), session));
    clock.now = session + kSessionLifetimeS - kSessionMarginS - 1;
    g_assert_true(cache.lookup(kling_key(), a).has_value());
    clock.now = session + kSessionLifetimeS - kSessionMarginS;
    g_assert_false(cache.lookup(kling_key(), a).has_value());
    // With the default ttl, the same boundary.
    auto dflt = make_cache(tmp.path, clock);
    clock.now = session + 82799;
    g_assert_true(dflt.lookup(kling_key(), a).has_value());
    clock.now = session + 82800;
    g_assert_false(dflt.lookup(kling_key(), a).has_value());

    // A local result has no session: only the ttl applies.
    CacheKey local;
    local.provider = "local";
    local.content = "sha256=" + std::string(64, 'c');
    Result lr;
    lr.provider = "local";
    clock.now = kT0;
    g_assert_true(cache.store(local, "", lr));
    clock.now = kT0 + 7 * 24 * 3600 - 1;
    g_assert_true(cache.lookup(local, "").has_value());
    clock.now = kT0 + 7 * 24 * 3600;
    g_assert_false(cache.lookup(local, "").has_value());
  }
  {
    // An entry "from the future" (the clock went back) is not trusted.
    clock.now = kT0 + 100000;
    auto cache = make_cache(tmp.path, clock);
    std::string a = cache.account(kCredential);
    g_assert_true(cache.store(kling_key("sha256=" + std::string(64, 'f')), a, kling_result()));
    clock.now = kT0;
    g_assert_false(cache.lookup(kling_key("sha256=" + std::string(64, 'f')), a).has_value());
  }
  {
    // ttl 0 disables: no lookup, no store, nothing written.
    TempDir off;
    std::string dir = off.path + "/results";
    auto cache = make_cache(dir, clock, 0);
    g_assert_false(cache.enabled());
    assert_str(cache.account(kCredential), "");
    g_assert_false(cache.store(kling_key(), std::string(32, 'a'), kling_result()));
    g_assert_false(cache.lookup(kling_key(), std::string(32, 'a')).has_value());
    g_assert_false(g_file_test(dir.c_str(), G_FILE_TEST_EXISTS));
  }
}

// store() accepts a Result only: a Failure or an Outcome does not compile.
template <typename T, typename = void>
struct storable : std::false_type {};
template <typename T>
struct storable<T, std::void_t<decltype(std::declval<ResultCache &>().store(
                       std::declval<const CacheKey &>(), std::declval<const std::string &>(), std::declval<T>()))>>
    : std::true_type {};
static_assert(storable<const Result &>::value, "a Result is storable");
static_assert(!storable<const Failure &>::value, "a Failure must not be storable");
static_assert(!storable<const Outcome &>::value, "an Outcome must not be storable");

static void test_failure_not_cached() {
  TempDir tmp;
  FakeClock clock;
  auto cache = make_cache(tmp.path, clock);
  std::string a = cache.account(kCredential);
  // A service answer without a session is useless for lip-sync: refused.
  g_assert_false(cache.store(kling_key(), a, kling_result("")));
  // A result of another provider than the key says: refused.
  Result kirin = kling_result();
  kirin.provider = "kirin";
  g_assert_false(cache.store(kling_key(), a, kirin));
  g_assert_true(entries_of(tmp.path).empty());
}

static void test_corrupt_entry() {
  TempDir tmp;
  FakeClock clock;
  auto cache = make_cache(tmp.path, clock);
  std::string a = cache.account(kCredential);
  g_assert_true(cache.store(kling_key(), a, kling_result()));
  auto files = entries_of(tmp.path);
  g_assert_cmpuint(files.size(), ==, 1);
  std::string path = files[0];
  char *text = nullptr;
  g_assert_true(g_file_get_contents(path.c_str(), &text, nullptr, nullptr));
  std::string good = text;
  g_free(text);

  std::string bad_faces = good;
  bad_faces.replace(bad_faces.find("\"start_ns\":"), 11, "\"start_ns\":\"x\",\"_\":");
  for (const std::string &corrupt : {good.substr(0, good.size() / 2), std::string("\x00\xff garbage \x01", 12),
                                     std::string(), std::string("[1,2,3]"), std::string("{\"format\":1}"), bad_faces}) {
    g_assert_true(g_file_set_contents(path.c_str(), corrupt.data(), (gssize)corrupt.size(), nullptr));
    int before = cache_warnings.load();
    g_assert_false(cache.lookup(kling_key(), a).has_value());
    g_assert_cmpint(cache_warnings.load(), ==, before + 1);
  }
  // An entry copied to another key's file name is not that key's answer.
  CacheKey other = kling_key("sha256=" + std::string(64, 'e'));
  g_assert_true(cache.store(other, a, kling_result("other")));
  std::string other_path;
  for (auto &f : entries_of(tmp.path))
    if (f != path) other_path = f;
  g_assert_true(g_file_set_contents(other_path.c_str(), good.data(), (gssize)good.size(), nullptr));
  g_assert_false(cache.lookup(other, a).has_value());

  // Storing again repairs it.
  g_assert_true(cache.store(kling_key(), a, kling_result()));
  g_assert_true(cache.lookup(kling_key(), a).has_value());
}

// Two processes store the same key as fast as they can while this one reads:
// every read is a whole entry of one writer or the other.
static const int kWrites = 100;

static int run_writer(const char *dir, const char *id) {
  gst_init(nullptr, nullptr);
  CacheSettings s;
  s.dir = dir;
  ResultCache cache(s);
  std::string a = cache.account(kCredential);
  for (int i = 0; i < kWrites; i++) {
    Result r = kling_result(std::string("w") + id + "-" + std::to_string(i));
    r.faces.resize(1 + i % 7, Face{"f", std::string(700, 'u'), 0, 2 * kNsPerSecond});
    if (!cache.store(kling_key(), a, r)) return 1;
  }
  return 0;
}

static void test_concurrent_writers() {
  TempDir tmp;
  CacheSettings s;
  s.dir = tmp.path;
  ResultCache cache(s);
  std::string a = cache.account(kCredential);  // the salt exists before the writers start
  char *self = g_file_read_link("/proc/self/exe", nullptr);
  GPid pids[2];
  for (int w = 0; w < 2; w++) {
    const char *id = w == 0 ? "1" : "2";
    char *argv[] = {self, (char *)"--writer", (char *)tmp.path.c_str(), (char *)id, nullptr};
    GError *err = nullptr;
    if (!g_spawn_async(nullptr, argv, nullptr, G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &pids[w], &err))
      g_error("spawn: %s", err->message);
  }
  g_free(self);
  int warnings_before = cache_warnings.load();
  int exited = 0, statuses[2] = {-1, -1};
  unsigned reads = 0, hits = 0;
  bool seen = false;
  gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  while (exited < 2) {
    auto hit = cache.lookup(kling_key(), a);
    reads++;
    if (hit) {
      hits++;
      seen = true;
      const std::string &sid = hit->result.session_id;
      g_assert_true(g_str_has_prefix(sid.c_str(), "w1-") || g_str_has_prefix(sid.c_str(), "w2-"));
      int i = atoi(sid.c_str() + 3);
      g_assert_cmpuint(hit->result.faces.size(), ==, 1 + i % 7);
    } else {
      g_assert_false(seen);  // once written, the entry never disappears
    }
    for (int w = 0; w < 2; w++) {
      if (statuses[w] != -1) continue;
      int status;
      if (waitpid(pids[w], &status, WNOHANG) == pids[w]) {
        statuses[w] = status;
        exited++;
      }
    }
    if (g_get_monotonic_time() > deadline) {
      for (int w = 0; w < 2; w++)
        if (statuses[w] == -1) kill(pids[w], SIGKILL);
      g_error("writers did not finish within 30 s");
    }
  }
  for (int w = 0; w < 2; w++) g_assert_true(WIFEXITED(statuses[w]) && WEXITSTATUS(statuses[w]) == 0);
  g_assert_cmpint(cache_warnings.load(), ==, warnings_before);
  g_assert_true(cache.lookup(kling_key(), a).has_value());
  g_test_message("%u reads, %u hits", reads, hits);
  g_assert_cmpuint(entries_of(tmp.path).size(), ==, 1);  // no temp file left behind
}

// The salt is private, and no file (name or content) holds a credential.
static void test_privacy() {
  TempDir tmp;
  FakeClock clock;
  std::string dir = tmp.path + "/results";
  auto cache = make_cache(dir, clock);
  std::string a = cache.account(kCredential), b = cache.account(kOtherCredential);
  g_assert_true(cache.store(kling_key(), a, kling_result()));
  g_assert_true(cache.store(kling_key(), b, kling_result()));
  std::string clip = tmp.path + "/clip.mp4";
  write_file(clip, "bytes", kT0);
  FileHashIndex index(dir + "/hashes");
  digest_ok(index, clip);

  struct stat st;
  g_assert_cmpint(stat((dir + "/salt").c_str(), &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_cmpint(stat(dir.c_str(), &st), ==, 0);
  g_assert_cmpint(st.st_mode & 077, ==, 0);

  std::vector<std::string> files;
  list_files(dir, files);
  g_assert_cmpuint(files.size(), >=, 4);
  for (const auto &f : files) {
    g_assert_null(strstr(f.c_str(), "SECRET"));
    char *text = nullptr;
    gsize len = 0;
    g_assert_true(g_file_get_contents(f.c_str(), &text, &len, nullptr));
    std::string content(text, len);
    g_free(text);
    for (const char *secret : {kCredential, kOtherCredential, "SECRET"})
      g_assert_true(content.find(secret) == std::string::npos);
    g_assert_true(content.find(clip) == std::string::npos);  // nor the clip's path
    g_assert_cmpint(stat(f.c_str(), &st), ==, 0);
    g_assert_cmpint(st.st_mode & 077, ==, 0);
  }

  // The fingerprint is not an unsalted hash of the credential.
  char *plain = g_compute_checksum_for_string(G_CHECKSUM_SHA256, kCredential, -1);
  g_assert_true(std::string(plain).substr(0, 32) != a);
  g_free(plain);

  // A salt made world-readable by someone is made private again; a malformed
  // one is replaced (with a warning) rather than trusted.
  g_chmod((dir + "/salt").c_str(), 0644);
  assert_str(cache.account(kCredential), a);
  g_assert_cmpint(stat((dir + "/salt").c_str(), &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_true(g_file_set_contents((dir + "/salt").c_str(), "short", 5, nullptr));
  int before = cache_warnings.load();
  std::string replaced = cache.account(kCredential);
  g_assert_cmpuint(replaced.size(), ==, 32);
  g_assert_true(replaced != a);
  g_assert_cmpint(cache_warnings.load(), ==, before + 1);
  g_assert_cmpint(stat((dir + "/salt").c_str(), &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);

  // The in-process fingerprint: stable, per credential, never the credential.
  std::string p1 = process_account_fingerprint(kCredential);
  assert_str(process_account_fingerprint(kCredential), p1);
  g_assert_true(process_account_fingerprint(kOtherCredential) != p1);
  g_assert_true(p1.find("SECRET") == std::string::npos);
  assert_str(process_account_fingerprint(""), "");
}

static void test_prune_and_clear() {
  TempDir tmp;
  FakeClock clock;
  auto cache = make_cache(tmp.path, clock, 300);
  std::string a = cache.account(kCredential);
  auto key = [](char c) { return kling_key("sha256=" + std::string(64, c)); };
  g_assert_true(cache.store(key('1'), a, kling_result()));  // expires at kT0+300
  clock.now = kT0 + 200;
  g_assert_true(cache.store(key('2'), a, kling_result()));  // expires at kT0+500
  // A writer's temp file left by a crash two hours ago, and a fresh one that
  // may be a write in progress; a corrupt entry, old.
  std::string folder = tmp.path + "/" + a;
  int64_t real_now = g_get_real_time() / G_USEC_PER_SEC;
  write_file(folder + "/x.json.ABC123", "partial", real_now - 7200);
  write_file(folder + "/y.json.DEF456", "partial", real_now);
  write_file(folder + "/" + std::string(64, '0') + ".json", "{", real_now - 7200);

  clock.now = kT0 + 300;
  g_assert_cmpuint(cache.prune(a), ==, 3);
  g_assert_false(g_file_test((folder + "/x.json.ABC123").c_str(), G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test((folder + "/y.json.DEF456").c_str(), G_FILE_TEST_EXISTS));
  g_assert_true(cache.lookup(key('2'), a).has_value());
  g_assert_cmpuint(entries_of(tmp.path).size(), ==, 1);

  // store() prunes by itself, at most once per kPruneIntervalS (its first
  // pass was at kT0).
  clock.now = kT0 + 500;  // '2' expired, but the last pass is recent
  g_assert_true(cache.store(key('3'), a, kling_result()));
  g_assert_cmpuint(entries_of(tmp.path).size(), ==, 2);
  clock.now = kT0 + ResultCache::kPruneIntervalS;
  g_assert_true(cache.store(key('4'), a, kling_result()));
  g_assert_cmpuint(entries_of(tmp.path).size(), ==, 2);  // '2' went: '3' and '4'

  // Clearing removes every entry, keeps the salt (same fingerprints).
  g_assert_cmpuint(cache.clear(), >=, 2);
  g_assert_true(entries_of(tmp.path).empty());
  assert_str(cache.account(kCredential), a);
  g_assert_false(cache.lookup(key('4'), a).has_value());
}

int main(int argc, char **argv) {
  if (argc == 4 && g_str_equal(argv[1], "--writer")) return run_writer(argv[2], argv[3]);
  gst_init(&argc, &argv);
  gst_debug_set_threshold_for_name("identifyface-cache", GST_LEVEL_WARNING);
  gst_debug_add_log_function(count_warnings, nullptr, nullptr);
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/cache/hit", test_hit);
  g_test_add_func("/cache/miss-after-file-change", test_file_content_change);
  g_test_add_func("/cache/miss-after-http-validators-change", test_http_validators_change);
  g_test_add_func("/cache/per-account", test_per_account);
  g_test_add_func("/cache/expiry", test_expiry);
  g_test_add_func("/cache/failure-not-cached", test_failure_not_cached);
  g_test_add_func("/cache/corrupt-entry", test_corrupt_entry);
  g_test_add_func("/cache/concurrent-writers", test_concurrent_writers);
  g_test_add_func("/cache/privacy", test_privacy);
  g_test_add_func("/cache/prune-and-clear", test_prune_and_clear);
  return g_test_run();
}
