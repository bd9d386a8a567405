// SPDX-License-Identifier: LGPL-2.1-or-later
// What stands between a checked clip and the credits it would cost: the
// result cache (the same clip asked again is answered from disk), requests
// shared by elements of the process that ask the same thing at the same
// time, and the account's queue (at most max-concurrent tasks in flight,
// and fewer when the service says the account has too many).
//
// One instance per process, on the job loop's thread: every method is loop
// thread only. Jobs reach it through JobDeps, so tests bind their own on a
// manual loop. See docs/cache-and-scheduler.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "admission/request_coalescer.h"
#include "admission/request_scheduler.h"
#include "admission/result_cache.h"
#include "base/event_loop.h"

namespace idf {

struct AdmissionRequest {
  CacheKey key;
  std::string credential;                   // the account's key (never stored, never logged); "" for provider=local
  std::string cache_dir;                    // "" = the default
  int64_t cache_ttl_s = kDefaultCacheTtlS;  // 0: no cache
  unsigned max_concurrent = 0;              // 0: no fixed limit
  bool queued = true;                       // a service task that takes a place in the account's queue
  std::string requester;                    // for the log
};

class Admission {
 public:
  using Handle = uint64_t;

  // What the job hears; each runs on the loop thread.
  struct Callbacks {
    std::function<void(CachedResult)> cached;     // answered from the cache: nothing to send
    std::function<void()> start;                  // run the request now (again, after a concurrency refusal)
    std::function<void(size_t place)> queued;     // waiting for a place in the account's queue
    std::function<void(const Outcome &)> shared;  // another element's request answered for this one too
  };

  explicit Admission(EventLoop &loop);

  Handle admit(const AdmissionRequest &request, Callbacks callbacks);
  // The request was sent and may have been billed.
  void submitted(Handle handle);
  // The service took the submission (a task id, or the answer).
  void accepted(Handle handle);
  // The service refused it for the account's concurrency (nothing billed):
  // it waits for a place again; `start` is called once there is one.
  void refused(Handle handle);
  // The request ended: a Result is cached (`session_started_s`: when it was
  // submitted, real time) and handed to the elements that shared it.
  void finished(Handle handle, const Outcome &outcome, int64_t session_started_s);
  // The element stopped: its place in the queue is freed; the elements that
  // shared its request start their own when nothing was sent yet, or are
  // told it stopped after it may have been billed (never resent).
  void leave(Handle handle);

  const RequestScheduler &scheduler() const { return scheduler_; }

 private:
  struct Entry {
    Callbacks callbacks;
    std::string group;  // coalescing key
    RequestCoalescer::Member member = 0;
    bool leads = false;
    RequestScheduler::Ticket ticket = 0;  // 0: not queued (yet)
    std::string queue;
    unsigned max_concurrent = 0;
    bool queued = true;
    bool submitted = false;
    // Its own: a ResultCache is only its settings (everything else is on
    // disk), so none is kept per cache dir for the life of the process.
    std::unique_ptr<ResultCache> cache;
    CacheKey key;
    std::string cache_account;
  };

  void lead(Handle handle);
  void dispatch();
  void arm_wakeup();
  Handle handle_of_ticket(RequestScheduler::Ticket ticket) const;
  uint64_t now_ms() const { return (uint64_t)(loop_.monotonic_us() / 1000); }

  EventLoop &loop_;
  RequestCoalescer coalescer_;
  RequestScheduler scheduler_;
  std::map<Handle, Entry> entries_;
  std::map<RequestCoalescer::Member, Handle> members_;
  std::map<RequestScheduler::Ticket, Handle> tickets_;
  Handle next_handle_ = 1;
  EventLoop::TimerId wakeup_ = 0;
};

}  // namespace idf
