// SPDX-License-Identifier: LGPL-2.1-or-later
// Admission at the job level, on a manual loop: the result cache (hit,
// changed clip, account, failure, ttl 0), requests shared by two elements,
// and the account's queue (max-concurrent, the limit learned from 1303,
// cancellation and the deadline of a queued job). No socket, no sleep but
// the few milliseconds a hashing thread needs.
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "admission/account_fingerprint.h"
#include "admission/admission.h"
#include "admission/clip_fingerprint.h"
#include "admission/result_cache.h"
#include "local/local_engine.h"
#include "support/job_fixture.h"

using namespace idf;
using namespace jobtest;

namespace {

std::string temp_dir() {
  gchar *d = g_dir_make_tmp("idf-admission-XXXXXX", nullptr);
  std::string out = d;
  g_free(d);
  return out;
}

void remove_tree(const std::string &path) {
  gchar *argv[] = {(gchar *)"rm", (gchar *)"-rf", (gchar *)path.c_str(), nullptr};
  g_spawn_sync(nullptr, argv, nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
}

// One process: a loop, a transport, an admission, and the jobs of several
// elements.
struct World {
  struct Element {
    std::optional<Outcome> outcome;
    std::vector<std::string> progress;
    std::shared_ptr<Job> job;
    const Result &result() const {
      if (!outcome || !std::holds_alternative<Result>(*outcome))
        g_error("expected a result, got %s",
                outcome ? std::get<Failure>(*outcome).message.c_str() : "nothing (still running)");
      return std::get<Result>(*outcome);
    }
  };
  ManualLoop loop;
  ScriptedTransport transport{loop};
  Admission admission{loop};
  LocalEngineFactory local_engine;  // provider=local
  std::string cache_dir;
  std::vector<std::unique_ptr<Element>> elements;

  explicit World(std::string dir) : cache_dir(std::move(dir)) {}
  ~World() {
    for (auto &e : elements)
      if (e->job) e->job->cancel();
    loop.run_due();
  }

  JobConfig config(Provider provider = Provider::Kling, const std::string &clip = "https://cdn.test/clip.mp4") {
    Run run(provider);
    JobConfig cfg = run.cfg;
    cfg.target.video_url = clip;
    cfg.cache_dir = cache_dir;
    return cfg;
  }
  Element &start(const JobConfig &cfg) {
    elements.push_back(std::make_unique<Element>());
    Element *e = elements.back().get();
    JobListener listener;
    listener.progress = [e](const Progress &p) { e->progress.push_back(p.text); };
    listener.done = [e](const Outcome &o) { e->outcome = o; };
    JobDeps deps{&loop, &transport, local_engine, nullptr, &admission};
    e->job = Job::start(cfg, listener, deps);
    loop.run_due();
    return *e;
  }
  // Until every element has an outcome; a few real milliseconds at a time
  // too, for the hashing thread.
  // `s` seconds of the loop's time; then, for the hashing thread (real
  // time, however loaded the machine), up to 10 real seconds more.
  bool all_done_within_s(int64_t s) {
    gint64 real_deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    for (int64_t ms = 0;;) {
      bool done = true;
      for (auto &e : elements) done = done && e->outcome.has_value();
      if (done) return true;
      if (ms < s * 1000) {
        loop.advance_ms(10);
        ms += 10;
        if (ms % 100 == 0) g_usleep(500);  // lets the hashing thread report
      } else {
        if (g_get_monotonic_time() > real_deadline) return false;
        loop.run_due();
        g_usleep(1000);
      }
    }
  }
};

/* ---- the result cache ---- */

// What the factory below returns: its answer is posted on the loop by the
// factory, so there is nothing to cancel.
struct AnsweringEngine final : LocalEngine {
  void cancel() override {}
};

// A provider=local result is kept under the engine that made it: an entry
// an older engine stored (its key named only face-image-dir) is not used;
// this engine's own entry is.
void test_local_result_kept_per_engine() {
  std::string dir = temp_dir();
  std::string clip = dir + "/clip.mp4";
  g_assert_true(g_file_set_contents(clip.c_str(), "the clip's bytes", -1, nullptr));
  gchar *uri = g_filename_to_uri(clip.c_str(), nullptr, nullptr);
  int engines_started = 0;
  auto run = [&](World &world) -> World::Element & {
    world.local_engine = [&world, &engines_started](LocalEngineOptions, LocalEngine::ProgressFn,
                                                    LocalEngine::DoneFn done) {
      engines_started++;
      world.loop.post([done] {
        Result r;
        r.session_id = "this-engine";
        Face face;
        face.id = "0";
        face.end_ns = 3 * kNsPerSecond;
        r.faces.push_back(face);
        done(r);
      });
      return std::make_shared<AnsweringEngine>();
    };
    JobConfig cfg = world.config(Provider::Local, uri);
    auto &e = world.start(cfg);
    g_assert_true(world.all_done_within_s(5));
    return e;
  };
  {
    // What an engine before this change stored for the same clip.
    World older(dir);
    JobConfig cfg = older.config(Provider::Local, uri);
    CacheKey key;
    key.provider = "local";
    key.video_url = uri;
    // The clip's digest as the job computes it.
    const auto digest = FileHashIndex(dir + "/hashes").digest(clip);
    key.content = file_content_fingerprint(std::get<FileDigest>(digest).sha256);
    key.variant = "face-image-dir=" + cfg.face_image_dir;
    Result stale;
    stale.session_id = "older-engine";
    stale.provider = "local";
    g_assert_true(ResultCache(CacheSettings{dir, kDefaultCacheTtlS, {}}).store(key, "", stale));
  }
  {
    World world(dir);
    auto &e = run(world);
    g_assert_cmpint(engines_started, ==, 1);  // the older engine's entry was not used
    g_assert_false(e.result().cached);
    g_assert_cmpstr(e.result().session_id.c_str(), ==, "this-engine");
  }
  {
    World world(dir);
    auto &e = run(world);
    g_assert_cmpint(engines_started, ==, 1);  // this engine's own entry was
    g_assert_true(e.result().cached);
    g_assert_cmpstr(e.result().session_id.c_str(), ==, "this-engine");
  }
  g_free(uri);
  remove_tree(dir);
}

void test_second_run_is_answered_from_the_cache() {
  std::string dir = temp_dir();
  {
    World first(dir);
    first.transport.script("HEAD", {ScriptedReply::http(200, "")});
    first.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
    auto &e = first.start(first.config());
    g_assert_true(first.all_done_within_s(5));
    g_assert_false(e.result().cached);
    g_assert_cmpuint(first.transport.count("POST"), ==, 1);
  }
  World second(dir);  // a new process: only the disk is shared
  second.transport.script("HEAD", {ScriptedReply::http(200, "")});
  second.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
  auto &e = second.start(second.config());
  g_assert_true(second.all_done_within_s(5));
  g_assert_true(e.result().cached);
  g_assert_cmpstr(e.result().session_id.c_str(), ==, "s-1");
  g_assert_cmpuint(e.result().faces.size(), ==, 1);
  g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", e.result().cached_at.c_str(),
                                     (GRegexCompileFlags)0, (GRegexMatchFlags)0));
  g_assert_cmpuint(second.transport.count("POST"), ==, 0);
  remove_tree(dir);
}

// What makes another request: a changed clip (other validators, other bytes
// of the local file), another account, an earlier failure, cache-ttl=0.
void test_what_misses_the_cache() {
  std::string dir = temp_dir();
  std::string file = dir + "/clip.mp4";
  g_assert_true(g_file_set_contents(file.c_str(), "first bytes", -1, nullptr));
  gchar *file_uri = g_filename_to_uri(file.c_str(), nullptr, nullptr);
  struct Case {
    const char *what;
    std::string etag;
    std::string credential;
    bool file_changed;
    unsigned ttl;
    bool sent;
  } cases[] = {
      {"first run", "\"v1\"", "key-1", false, 82800, true},
      {"same again", "\"v1\"", "key-1", false, 82800, false},
      {"other ETag", "\"v2\"", "key-1", false, 82800, true},
      {"other account", "\"v2\"", "key-2", false, 82800, true},
      {"local file changed", "\"v2\"", "key-2", true, 82800, true},
      {"cache-ttl=0", "\"v2\"", "key-2", false, 0, true},
  };
  for (auto &c : cases) {
    if (c.file_changed) g_assert_true(g_file_set_contents(file.c_str(), "other bytes", -1, nullptr));
    World w(dir);
    auto head = ScriptedReply::http(200, "");
    head.response.etag = c.etag;
    w.transport.script("HEAD", {head});
    w.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
    JobConfig cfg = w.config();
    cfg.credential = c.credential;
    cfg.cache_ttl_s = c.ttl;
    cfg.clip.uri = c.file_changed || g_str_equal(c.what, "cache-ttl=0") ? file_uri : "";
    auto &e = w.start(cfg);
    if (!w.all_done_within_s(5)) g_error("%s: no outcome", c.what);
    if ((w.transport.count("POST") == 1) != c.sent || e.result().cached == c.sent)
      g_error("%s: %s", c.what, c.sent ? "expected a request" : "expected the cache");
  }
  // An earlier failure is never reused.
  {
    World w(dir);
    w.transport.script("HEAD", {ScriptedReply::http(200, "")});
    w.transport.script("POST", {ScriptedReply::http(400, kling_code("1201"))});
    w.start(w.config(Provider::Kling, "https://cdn.test/failing.mp4"));
    g_assert_true(w.all_done_within_s(5));
  }
  World w(dir);
  w.transport.script("HEAD", {ScriptedReply::http(200, "")});
  w.transport.script("POST", {ScriptedReply::http(200, kKlingOk)});
  auto &e = w.start(w.config(Provider::Kling, "https://cdn.test/failing.mp4"));
  g_assert_true(w.all_done_within_s(5));
  g_assert_false(e.result().cached);
  g_assert_cmpuint(w.transport.count("POST"), ==, 1);
  g_free(file_uri);
  remove_tree(dir);
}

/* ---- requests shared by two elements ---- */

void test_two_elements_share_one_request() {
  std::string dir = temp_dir();
  World w(dir);
  w.transport.script("HEAD", {ScriptedReply::http(200, "")});
  w.transport.script("POST", {ScriptedReply::http(200, kKlingOk, 2000)});
  auto &a = w.start(w.config());
  auto &b = w.start(w.config());
  g_assert_true(w.all_done_within_s(10));
  g_assert_cmpuint(w.transport.count("POST"), ==, 1);
  g_assert_cmpstr(a.result().session_id.c_str(), ==, b.result().session_id.c_str());
  remove_tree(dir);
}

// The element that leads is stopped: before its request went out, the other
// sends its own; after, the other is told and nothing is resent.
void test_stopped_leader() {
  for (bool after_sending : {false, true}) {
    std::string dir = temp_dir();
    World w(dir);
    w.transport.script("HEAD", {ScriptedReply::http(200, "")});
    w.transport.script("POST", {ScriptedReply::http(200, kKlingOk, 3000)});
    // Another clip holds the account's only place, so the leader waits.
    JobConfig other = w.config(Provider::Kling, "https://cdn.test/other.mp4");
    other.max_concurrent = 1;
    w.start(other);
    JobConfig cfg = w.config();
    cfg.max_concurrent = 1;
    auto &leader = w.start(cfg);
    auto &follower = w.start(cfg);
    if (after_sending) w.loop.advance_ms(3500);  // the other clip answered; the leader sent
    g_assert_cmpuint(w.transport.count("POST"), ==, after_sending ? 2 : 1);
    leader.job->cancel();
    w.loop.advance_ms(30000);  // the stopped leader never answers: no wait for it
    if (after_sending) {
      g_assert_true(std::get<Failure>(*follower.outcome).kind == Failure::Kind::Ambiguous);
      assert_contains(std::get<Failure>(*follower.outcome).message, "not resent");
      g_assert_cmpuint(w.transport.count("POST"), ==, 2);
    } else {
      g_assert_false(follower.result().cached);
      g_assert_cmpuint(w.transport.count("POST"), ==, 2);  // the other clip's, and the follower's own
    }
    g_assert_false(leader.outcome.has_value());
    remove_tree(dir);
  }
}

/* ---- the account's queue ---- */

// A Kirin account that allows `cap` tasks at once (1303 beyond), each
// finishing 3 s after it was created.
struct KirinAccount {
  unsigned cap = 0;
  unsigned in_flight = 0, peak = 0, refusals = 0, created = 0;
  std::map<std::string, double> done_at;
  std::set<std::string> finished;

  void serve(World &w) {
    w.transport.script("HEAD", {ScriptedReply::http(200, "")});
    w.transport.handle("POST", [this, &w](const HttpRequest &) {
      if (in_flight >= cap) {
        refusals++;
        return ScriptedReply::http(200, kling_code("1303"), 200);
      }
      std::string id = "t-" + std::to_string(++created);
      done_at[id] = w.loop.now_s() + 3;
      peak = std::max(peak, ++in_flight);
      return ScriptedReply::http(200, kirin_task("pending", "", id.c_str()), 200);  // a round trip
    });
    w.transport.handle("GET", [this, &w](const HttpRequest &req) {
      std::string id = req.url.substr(req.url.rfind('/') + 1);
      if (w.loop.now_s() < done_at[id]) return ScriptedReply::http(200, kirin_task("processing", "", id.c_str()));
      if (finished.insert(id).second) in_flight--;
      return ScriptedReply::http(200, kirin_completed(id.c_str()));
    });
  }
};

void start_six(World &w, unsigned max_concurrent) {
  for (int i = 0; i < 6; i++) {
    JobConfig cfg = w.config(Provider::Kirin, "https://cdn.test/clip-" + std::to_string(i) + ".mp4");
    cfg.max_concurrent = max_concurrent;
    w.start(cfg);
  }
}

void test_queue_holds_max_concurrent() {
  std::string dir = temp_dir();
  World w(dir);
  KirinAccount account;
  account.cap = 10;
  account.serve(w);
  start_six(w, 2);
  g_assert_true(w.all_done_within_s(60));
  for (auto &e : w.elements) e->result();
  g_assert_cmpuint(account.peak, ==, 2);
  g_assert_cmpuint(account.refusals, ==, 0);
  // The fifth and sixth were told their place.
  bool told = false;
  for (const auto &text : w.elements[5]->progress) told = told || text.find("queued: place") != std::string::npos;
  g_assert_true(told);
  remove_tree(dir);
}

void test_limit_learned_from_1303() {
  std::string dir = temp_dir();
  World w(dir);
  KirinAccount account;
  account.cap = 2;
  account.serve(w);
  start_six(w, 0);  // no fixed limit: learned from the service
  g_assert_true(w.all_done_within_s(120));
  for (auto &e : w.elements) e->result();
  g_assert_cmpuint(account.peak, <=, 2);
  g_test_message("1303 refusals: %u", account.refusals);
  g_assert_cmpuint(account.refusals, <=, 1);
  remove_tree(dir);
}

void test_queued_job_cancelled_and_timed_out() {
  std::string dir = temp_dir();
  World w(dir);
  KirinAccount account;
  account.cap = 10;
  account.serve(w);
  JobConfig first = w.config(Provider::Kirin, "https://cdn.test/a.mp4");
  first.max_concurrent = 1;
  auto &a = w.start(first);
  JobConfig queued = w.config(Provider::Kirin, "https://cdn.test/b.mp4");
  queued.max_concurrent = 1;
  auto &b = w.start(queued);
  queued.target.video_url = "https://cdn.test/c.mp4";
  queued.timeout_s = 2;  // counts from queueing: a holds the place for 3 s
  auto &c = w.start(queued);
  w.loop.advance_ms(100);
  g_assert_cmpuint(w.transport.count("POST"), ==, 1);
  b.job->cancel();
  w.loop.advance_ms(40000);  // the cancelled b never answers: no wait for it
  a.result();
  g_assert_false(b.outcome.has_value());
  g_assert_true(std::get<Failure>(*c.outcome).kind == Failure::Kind::Timeout);
  g_assert_cmpuint(w.transport.count("POST"), ==, 1);  // neither b nor c was sent
  g_assert_cmpuint(
      w.admission.scheduler()
          .state(scheduler_queue_key("https://api.test/v1/generation", process_account_fingerprint("key-1")))
          .queued,
      ==, 0);
  remove_tree(dir);
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/admission/cache/second-run-answered-from-cache", test_second_run_is_answered_from_the_cache);
  g_test_add_func("/admission/cache/what-misses", test_what_misses_the_cache);
  g_test_add_func("/admission/cache/local-result-kept-per-engine", test_local_result_kept_per_engine);
  g_test_add_func("/admission/shared/two-elements-one-request", test_two_elements_share_one_request);
  g_test_add_func("/admission/shared/stopped-leader", test_stopped_leader);
  g_test_add_func("/admission/queue/max-concurrent", test_queue_holds_max_concurrent);
  g_test_add_func("/admission/queue/limit-learned-from-1303", test_limit_learned_from_1303);
  g_test_add_func("/admission/queue/cancelled-and-timed-out", test_queued_job_cancelled_and_timed_out);
  return g_test_run();
}
