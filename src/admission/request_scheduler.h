// SPDX-License-Identifier: LGPL-2.1-or-later
// The account's concurrency, shared by every element of the process: one
// queue per endpoint and account, at most `max-concurrent` tasks in flight,
// and a live limit learned from the service's refusals (Kling's 1303
// "parallel task over resource pack limit", or an HTTP 429 without
// Retry-After). See docs/cache-and-scheduler.md.
//
// A pure state machine: no threads, no timers, no I/O. The caller passes the
// time where it matters and arms its own timer from next_wakeup_ms().
// Not thread-safe by design: the caller (the HTTP worker thread) must run a
// finish, the dispatch that follows and the starts it returns as one step,
// which a lock inside could not give it; confine an instance to one thread.
//
// The caller's loop, after any event (enqueue, finished, cancel, timer):
//   auto d = scheduler.dispatch(now_ms);
//   for (Ticket t : d.start) submit the job of t;
//   for (auto [t, pos] : d.moved) post "queued, position pos" for t;
//   if (auto at = scheduler.next_wakeup_ms()) arm a timer for *at;
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wire/retry_policy.h"

namespace idf {

// How a started ticket ended.
enum class Completion {
  Success,  // the task finished with an answer: it occupied a slot and was accepted
  Refused,  // a concurrency refusal (is_concurrency_refusal): not billed; the
            // ticket goes back to the head of its queue and is started again
            // by a later dispatch()
  Failed,   // any other end (error, timeout, cancelled while in flight): frees
            // the slot, says nothing about the limit
};

// True for an answer meaning "the account has too many tasks in flight":
// code 1303, or HTTP 429 without Retry-After and without another service
// code (a 429 with Retry-After, or 1302 "too fast", is a rate limit for the
// retry policy).
bool is_concurrency_refusal(unsigned http_status, const std::string &service_code, bool has_retry_after);

// The queue of one endpoint and account, "<endpoint>\n<account>", with the
// account from process_account_fingerprint() (never the credential).
std::string scheduler_queue_key(const std::string &endpoint, const std::string &account);

class RequestScheduler {
 public:
  using Ticket = uint64_t;  // never 0; increasing in enqueue order

  // Idle queues (nothing queued or in flight) kept, with what they learned,
  // beyond which the least recently used idle one is forgotten: a process
  // that meets many endpoints or accounts over its life does not keep one
  // queue per each. A forgotten queue starts again with a slow start.
  static constexpr size_t kMaxIdleQueues = 256;

  // After a refusal the live limit rises by one after this many successes
  // that found jobs waiting (demand above the limit), up to the fixed limit.
  static constexpr unsigned kRaiseAfterSuccesses = 5;
  static constexpr size_t kReportEveryPlaceUpTo = 10;

  struct Dispatch {
    std::vector<Ticket> start;  // now in flight: the caller submits them, in this order
    // Queued tickets with a new 1-based place to report, in queue order: a
    // ticket's first place, any place that grew (a refused job went back
    // ahead of it), every place up to kReportEveryPlaceUpTo, and beyond
    // that each place at most half the last one reported (so 1,000 queued
    // jobs make about 20,000 reports, not 500,000). position() is exact.
    std::vector<std::pair<Ticket, size_t>> moved;
  };

  struct QueueState {
    size_t in_flight = 0;
    size_t queued = 0;
    unsigned fixed_limit = 0;               // smallest non-zero max-concurrent of its tickets; 0 = none
    std::optional<unsigned> live_limit;     // learned from refusals; nullopt = none
    std::optional<uint64_t> held_until_ms;  // after a refusal with nothing freed since
  };

  // `seed` for the backoff's jitter (tests pass a fixed one).
  explicit RequestScheduler(uint32_t seed = std::random_device{}());

  // A job of `queue_key` wants to submit. `max_concurrent` is its element's
  // property (0 = no fixed limit). The ticket is queued: dispatch() says
  // when it may start (at once when there is room).
  Ticket enqueue(const std::string &queue_key, unsigned max_concurrent);

  // A ticket that dispatch() started has ended. Unknown or queued tickets
  // are ignored (false). Refused: the live limit drops to what is still in
  // flight (at least 1), the ticket is queued again at its original place
  // (ahead of later ones) and the queue holds for a backoff (0.5–1 s,
  // doubling per consecutive refusal up to 8–16 s) unless a slot is freed
  // sooner. `now_ms` is the caller's monotonic clock.
  bool finished(Ticket ticket, Completion completion, uint64_t now_ms);

  // The service took a started ticket's submission (a task id or an
  // answer): while no limit is known, each one lets one more start (a slow
  // start, doubling per round trip), so an account's limit is found with
  // one refusal, not a burst of them.
  void accepted(Ticket ticket);
  // Forgets a ticket: queued, it leaves the queue; in flight, same as
  // finished(Failed). False when unknown.
  bool cancel(Ticket ticket);

  // Starts what may start now and reports queue places that changed.
  Dispatch dispatch(uint64_t now_ms);

  // When dispatch() must run again although no event happens: the end of
  // the earliest hold with jobs waiting. nullopt: no timer needed.
  std::optional<uint64_t> next_wakeup_ms() const;

  // 1-based place of a queued ticket; 0 in flight; nullopt when unknown.
  std::optional<size_t> position(Ticket ticket) const;

  QueueState state(const std::string &queue_key) const;
  // Queues known (busy and idle).
  size_t queue_count() const { return queues_.size(); }

 private:
  struct Queue {
    std::string key;          // its key in queues_
    std::set<Ticket> queued;  // tickets increase in enqueue order: FIFO
    size_t in_flight = 0;
    std::multiset<unsigned> limits;  // non-zero max-concurrent of live tickets
    std::optional<unsigned> live_limit;
    std::optional<uint64_t> held_until_ms;
    unsigned consecutive_refusals = 0;
    unsigned successes_under_pressure = 0;
    unsigned accepted = 0;  // submissions taken while no limit was known
    bool changed = false;   // queue order changed since the last dispatch
    // Its place in idle_ while nothing is queued or in flight.
    std::optional<std::list<std::string>::iterator> idle_at;
  };
  struct TicketInfo {
    Queue *queue;
    unsigned max_concurrent;
    bool in_flight = false;
    size_t reported_position = 0;  // last place told in Dispatch::moved; 0 = none yet
  };

  std::optional<unsigned> limit(const Queue &q) const;
  void release(TicketInfo &info);
  // Puts `q` (of `key`) in the idle list when it has nothing queued or in
  // flight, and forgets the least recently idle queues beyond the bound.
  void note_if_idle(const std::string &key, Queue &q);

  std::unordered_map<std::string, Queue> queues_;  // node-based: Queue* stay valid
  std::list<std::string> idle_;                    // keys of idle queues, least recently idle first
  std::map<Ticket, TicketInfo> tickets_;
  Ticket next_ticket_ = 1;
  JitterRng rng_;
};

}  // namespace idf
