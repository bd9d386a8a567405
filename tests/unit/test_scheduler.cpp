// SPDX-License-Identifier: LGPL-2.1-or-later
// The account's queue (RequestScheduler) and shared requests
// (RequestCoalescer): at most max-concurrent tasks in flight, in order, a
// limit learned from 1303 refusals, cancellable queued jobs, and one paid
// request for two askers.
#include <glib.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "admission/account_fingerprint.h"
#include "admission/request_coalescer.h"
#include "admission/request_scheduler.h"

using namespace idf;
using Ticket = RequestScheduler::Ticket;
using Moves = std::vector<std::pair<Ticket, size_t>>;

static const std::string kQueue = scheduler_queue_key("https://api.example.com/v1", "acct-a");

static void assert_tickets(const std::vector<Ticket> &got, const std::vector<Ticket> &want) {
  if (got == want) return;
  std::string g, w;
  for (auto t : got) g += std::to_string(t) + " ";
  for (auto t : want) w += std::to_string(t) + " ";
  g_error("tickets [%s], expected [%s]", g.c_str(), w.c_str());
}

static void assert_moves(const Moves &got, const Moves &want) {
  if (got == want) return;
  std::string g, w;
  for (auto [t, p] : got) g += std::to_string(t) + "@" + std::to_string(p) + " ";
  for (auto [t, p] : want) w += std::to_string(t) + "@" + std::to_string(p) + " ";
  g_error("moves [%s], expected [%s]", g.c_str(), w.c_str());
}

// max-concurrent=2 and six jobs: two at a time, in order, each queued job
// told its place whenever it changes.
static void test_fixed_limit_fifo() {
  RequestScheduler s(1);
  std::vector<Ticket> t;
  for (int i = 0; i < 6; i++) t.push_back(s.enqueue(kQueue, 2));
  auto d = s.dispatch(0);
  assert_tickets(d.start, {t[0], t[1]});
  assert_moves(d.moved, {{t[2], 1}, {t[3], 2}, {t[4], 3}, {t[5], 4}});
  g_assert_cmpuint(*s.position(t[0]), ==, 0);
  g_assert_cmpuint(*s.position(t[4]), ==, 3);
  g_assert_cmpuint(s.state(kQueue).in_flight, ==, 2);
  g_assert_false(s.next_wakeup_ms().has_value());

  // Nothing changed: nothing to do, nothing to report.
  d = s.dispatch(10);
  g_assert_true(d.start.empty() && d.moved.empty());

  g_assert_true(s.finished(t[1], Completion::Success, 100));
  d = s.dispatch(100);
  assert_tickets(d.start, {t[2]});
  assert_moves(d.moved, {{t[3], 1}, {t[4], 2}, {t[5], 3}});
  g_assert_true(s.finished(t[0], Completion::Failed, 200));  // a failure frees its slot too
  g_assert_true(s.finished(t[2], Completion::Success, 200));
  d = s.dispatch(200);
  assert_tickets(d.start, {t[3], t[4]});
  assert_moves(d.moved, {{t[5], 1}});
  for (int i = 3; i < 5; i++) g_assert_true(s.finished(t[i], Completion::Success, 300));
  assert_tickets(s.dispatch(300).start, {t[5]});
  g_assert_true(s.finished(t[5], Completion::Success, 400));
  g_assert_false(s.finished(t[5], Completion::Success, 400));  // only once
  auto st = s.state(kQueue);
  g_assert_cmpuint(st.in_flight + st.queued, ==, 0);
  g_assert_false(s.position(t[5]).has_value());
}

// A long queue reports each place near the front, and far from it only when
// the place halved: the user sees the queue move without a flood of messages.
static void test_position_reports() {
  const size_t n = 1000;
  RequestScheduler s(1);
  std::vector<Ticket> t;
  for (size_t i = 0; i <= n; i++) t.push_back(s.enqueue(kQueue, 1));
  auto d = s.dispatch(0);
  assert_tickets(d.start, {t[0]});
  g_assert_cmpuint(d.moved.size(), ==, n);
  std::vector<size_t> last_places;  // what the last ticket is told after its first place
  size_t reports = n;
  for (size_t i = 0; i < n; i++) {
    g_assert_true(s.finished(t[i], Completion::Success, i + 1));
    d = s.dispatch(i + 1);
    assert_tickets(d.start, {t[i + 1]});
    reports += d.moved.size();
    for (auto [ticket, place] : d.moved) {
      g_assert_cmpuint(place, ==, *s.position(ticket));
      if (ticket == t[n]) last_places.push_back(place);
    }
  }
  std::vector<size_t> want{500, 250, 125, 62, 31, 15, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  g_assert_true(last_places == want);
  g_assert_cmpuint(reports, <, 25000);  // every change would be n(n+1)/2 = 500,500
}

// Elements sharing endpoint and account share one queue, limited by the
// smallest non-zero max-concurrent of the jobs in it; other queues are
// independent.
static void test_shared_queue_limit() {
  RequestScheduler s(1);
  std::string other = scheduler_queue_key("https://api.example.com/v1", "acct-b");
  Ticket a = s.enqueue(kQueue, 3), b = s.enqueue(kQueue, 0), c = s.enqueue(kQueue, 1), d1 = s.enqueue(kQueue, 0);
  Ticket x = s.enqueue(other, 1), y = s.enqueue(other, 1);
  g_assert_cmpuint(s.state(kQueue).fixed_limit, ==, 1);
  assert_tickets(s.dispatch(0).start, {a, x});
  g_assert_true(s.finished(a, Completion::Success, 1));
  assert_tickets(s.dispatch(1).start, {b});
  g_assert_true(s.finished(b, Completion::Success, 2));
  assert_tickets(s.dispatch(2).start, {c});
  // Once the job that asked for 1 has finished, no fixed limit remains and
  // none was learned: a slow start, one more per submission the service
  // took.
  g_assert_true(s.finished(c, Completion::Success, 3));
  g_assert_cmpuint(s.state(kQueue).fixed_limit, ==, 0);
  Ticket e = s.enqueue(kQueue, 0), f = s.enqueue(kQueue, 0);
  assert_tickets(s.dispatch(3).start, {d1});
  s.accepted(d1);
  assert_tickets(s.dispatch(3).start, {e});
  s.accepted(e);
  assert_tickets(s.dispatch(3).start, {f});
  g_assert_cmpuint(s.state(kQueue).in_flight, ==, 3);
  g_assert_cmpuint(s.state(other).in_flight, ==, 1);
  g_assert_cmpuint(*s.position(y), ==, 1);
}

// Starts `expected` through the slow start (no limit known yet): the
// service takes each started ticket at once, which lets the next start.
static void start_accepting(RequestScheduler &s, const std::vector<Ticket> &expected, uint64_t now) {
  std::vector<Ticket> started;
  for (int i = 0; i < 1000 && started.size() < expected.size(); i++) {
    auto d = s.dispatch(now);
    if (d.start.empty()) break;
    for (Ticket t : d.start) {
      started.push_back(t);
      s.accepted(t);
    }
  }
  assert_tickets(started, expected);
}

// A 1303 with nothing else in flight (the account is busy elsewhere): the
// job waits a backoff before it is sent again, doubling per refusal; a
// success resets it.
static void test_refusal_backoff() {
  RequestScheduler s(7);
  Ticket t = s.enqueue(kQueue, 0);
  assert_tickets(s.dispatch(1000).start, {t});
  g_assert_true(s.finished(t, Completion::Refused, 1000));
  auto st = s.state(kQueue);
  g_assert_cmpuint(*st.live_limit, ==, 1);
  g_assert_cmpuint(st.queued, ==, 1);
  uint64_t until = *st.held_until_ms;
  g_assert_cmpuint(until, >=, 1500);
  g_assert_cmpuint(until, <=, 2000);
  g_assert_cmpuint(*s.next_wakeup_ms(), ==, until);
  auto d = s.dispatch(1000);
  g_assert_true(d.start.empty());
  assert_moves(d.moved, {{t, 1}});  // "queued, position 1"
  g_assert_true(s.dispatch(until - 1).start.empty());
  assert_tickets(s.dispatch(until).start, {t});  // the same ticket: the caller's job resubmits
  g_assert_false(s.next_wakeup_ms().has_value());

  g_assert_true(s.finished(t, Completion::Refused, 5000));
  uint64_t second = *s.state(kQueue).held_until_ms - 5000;
  g_assert_cmpuint(second, >=, 1000);
  g_assert_cmpuint(second, <=, 2000);
  assert_tickets(s.dispatch(5000 + second).start, {t});
  g_assert_true(s.finished(t, Completion::Success, 9000));

  Ticket u = s.enqueue(kQueue, 0);
  assert_tickets(s.dispatch(9000).start, {u});
  g_assert_true(s.finished(u, Completion::Refused, 9000));
  g_assert_cmpuint(*s.state(kQueue).held_until_ms - 9000, <=, 1000);  // back to the first step
}

// A 1303 while other jobs run: the limit drops to what is in flight, the
// refused job keeps its place ahead of later ones and starts as soon as a
// slot is freed, without waiting out its backoff.
static void test_refusal_lowers_limit() {
  RequestScheduler s(3);
  std::vector<Ticket> t;
  for (int i = 0; i < 4; i++) t.push_back(s.enqueue(kQueue, 0));
  start_accepting(s, t, 0);  // no limit known yet: a slow start
  Ticket late = s.enqueue(kQueue, 0);
  g_assert_true(s.finished(t[2], Completion::Refused, 10));
  g_assert_cmpuint(*s.state(kQueue).live_limit, ==, 3);
  g_assert_true(s.finished(t[3], Completion::Refused, 11));
  g_assert_cmpuint(*s.state(kQueue).live_limit, ==, 2);
  auto d = s.dispatch(100000);  // long after the hold: still no room
  g_assert_true(d.start.empty());
  assert_moves(d.moved, {{t[2], 1}, {t[3], 2}, {late, 3}});
  g_assert_true(s.finished(t[0], Completion::Success, 100001));
  d = s.dispatch(100001);
  assert_tickets(d.start, {t[2]});
  assert_moves(d.moved, {{t[3], 1}, {late, 2}});
  g_assert_cmpuint(s.state(kQueue).in_flight, ==, 2);

  // Freed during the hold: starts at once.
  RequestScheduler h(3);
  Ticket a = h.enqueue(kQueue, 0), b = h.enqueue(kQueue, 0);
  start_accepting(h, {a, b}, 0);
  g_assert_true(h.finished(b, Completion::Refused, 0));
  g_assert_true(h.state(kQueue).held_until_ms.has_value());
  g_assert_true(h.finished(a, Completion::Success, 1));
  assert_tickets(h.dispatch(1).start, {b});
}

// The learned limit rises by one after kRaiseAfterSuccesses successes with
// jobs waiting, never above the fixed limit, and not on idle successes.
static void test_limit_rises_slowly() {
  RequestScheduler s(5);
  const unsigned n = RequestScheduler::kRaiseAfterSuccesses;
  std::deque<Ticket> running;
  for (int i = 0; i < 4; i++) s.enqueue(kQueue, 4);
  for (auto t : s.dispatch(0).start) running.push_back(t);
  g_assert_true(s.finished(running.back(), Completion::Refused, 0));  // 3 in flight remain
  g_assert_true(s.finished(running[2], Completion::Refused, 0));
  running.pop_back();
  running.pop_back();
  g_assert_cmpuint(*s.state(kQueue).live_limit, ==, 2);

  for (int i = 0; i < 40; i++) s.enqueue(kQueue, 4);
  for (auto t : s.dispatch(1).start) running.push_back(t);
  g_assert_cmpuint(running.size(), ==, 2);
  // n - 1 successes: still 2.
  uint64_t now = 1;
  auto succeed_one = [&] {
    Ticket t = running.front();
    running.pop_front();
    g_assert_true(s.finished(t, Completion::Success, ++now));
    for (auto st : s.dispatch(now).start) running.push_back(st);
  };
  for (unsigned i = 0; i + 1 < n; i++) succeed_one();
  g_assert_cmpuint(*s.state(kQueue).live_limit, ==, 2);
  g_assert_cmpuint(running.size(), ==, 2);
  succeed_one();
  g_assert_cmpuint(*s.state(kQueue).live_limit, ==, 3);
  g_assert_cmpuint(running.size(), ==, 3);
  for (unsigned i = 0; i < n; i++) succeed_one();
  // Reaching the fixed limit (4) leaves no learned limit: max-concurrent rules.
  g_assert_false(s.state(kQueue).live_limit.has_value());
  g_assert_cmpuint(running.size(), ==, 4);
  for (int i = 0; i < 30; i++) succeed_one();
  g_assert_cmpuint(s.state(kQueue).in_flight, <=, 4);

  // Idle successes (nobody waiting) do not raise a learned limit.
  RequestScheduler idle(5);
  Ticket a = idle.enqueue(kQueue, 0), b = idle.enqueue(kQueue, 0);
  start_accepting(idle, {a, b}, 0);
  g_assert_true(idle.finished(b, Completion::Refused, 0));
  g_assert_true(idle.finished(a, Completion::Success, 1));
  for (auto t : idle.dispatch(1).start) g_assert_true(idle.finished(t, Completion::Success, 2));
  for (unsigned i = 0; i < 3 * n; i++) {
    Ticket t = idle.enqueue(kQueue, 0);
    assert_tickets(idle.dispatch(3 + i).start, {t});
    g_assert_true(idle.finished(t, Completion::Success, 3 + i));
  }
  g_assert_cmpuint(*idle.state(kQueue).live_limit, ==, 1);
}

// A simulated account that allows `cap` tasks in flight and answers 1303
// beyond it; jobs take `task_ms`. Returns the 1303s seen; asserts every job
// succeeded and the account never ran more than `cap`.
static unsigned simulate(unsigned jobs, unsigned max_concurrent, unsigned cap, uint64_t task_ms) {
  RequestScheduler s(11);
  std::map<uint64_t, std::vector<Ticket>> ends;  // time → tasks that finish then
  std::vector<Ticket> refusals_now;
  unsigned account_in_flight = 0, refusals = 0, succeeded = 0;
  for (unsigned i = 0; i < jobs; i++) s.enqueue(kQueue, max_concurrent);
  uint64_t now = 0;
  for (int step = 0; step < 100000 && succeeded < jobs; step++) {
    auto d = s.dispatch(now);
    for (Ticket t : d.start) {
      if (account_in_flight >= cap) {
        refusals++;
        refusals_now.push_back(t);  // answered at once, before anything else ends
      } else {
        account_in_flight++;
        s.accepted(t);  // the service took it (a task id)
        ends[now + task_ms].push_back(t);
      }
    }
    if (!refusals_now.empty()) {
      for (Ticket t : refusals_now) g_assert_true(s.finished(t, Completion::Refused, now));
      refusals_now.clear();
      continue;
    }
    // Advance to the next event: a task's end or the scheduler's timer.
    uint64_t next = UINT64_MAX;
    if (!ends.empty()) next = ends.begin()->first;
    if (auto w = s.next_wakeup_ms()) next = std::min(next, *w);
    g_assert_cmpuint(next, !=, UINT64_MAX);
    now = std::max(now, next);
    if (!ends.empty() && ends.begin()->first == now) {
      for (Ticket t : ends.begin()->second) {
        account_in_flight--;
        succeeded++;
        g_assert_true(s.finished(t, Completion::Success, now));
      }
      ends.erase(ends.begin());
    }
  }
  g_assert_cmpuint(succeeded, ==, jobs);
  return refusals;
}

// Six jobs against an account that allows two: with max-concurrent=2 no
// 1303; set one too high, exactly one; unset, the slow start finds the
// limit with one refusal.
static void test_account_simulation() {
  g_assert_cmpuint(simulate(6, 2, 2, 3000), ==, 0);
  g_assert_cmpuint(simulate(6, 3, 2, 3000), ==, 1);
  g_assert_cmpuint(simulate(6, 0, 2, 3000), ==, 1);
  // Many jobs: after the first burst, one probe per kRaiseAfterSuccesses
  // successes at most.
  unsigned many = simulate(200, 0, 3, 3000);
  g_test_message("200 jobs, account of 3, no max-concurrent: %u refusals", many);
  g_assert_cmpuint(many, <=, 197 + 200 / RequestScheduler::kRaiseAfterSuccesses);
  unsigned bounded = simulate(200, 6, 3, 3000);
  g_assert_cmpuint(bounded, <=, 3 + 200 / RequestScheduler::kRaiseAfterSuccesses);
}

static void test_cancel_queued() {
  RequestScheduler s(1);
  Ticket a = s.enqueue(kQueue, 1), b = s.enqueue(kQueue, 1), c = s.enqueue(kQueue, 1);
  assert_tickets(s.dispatch(0).start, {a});
  g_assert_true(s.cancel(b));
  g_assert_false(s.position(b).has_value());
  auto d = s.dispatch(0);
  g_assert_true(d.start.empty());
  assert_moves(d.moved, {{c, 1}});
  g_assert_false(s.cancel(b));
  g_assert_false(s.finished(c, Completion::Success, 0));  // queued: not started, nothing to finish
  // Cancelling the running job frees its slot.
  g_assert_true(s.cancel(a));
  assert_tickets(s.dispatch(0).start, {c});
  g_assert_false(s.cancel(12345));
  // A cancelled job's limit no longer binds the queue.
  Ticket strict = s.enqueue(kQueue, 1);
  g_assert_cmpuint(s.state(kQueue).fixed_limit, ==, 1);
  s.cancel(strict);
  g_assert_true(s.cancel(c));
  g_assert_cmpuint(s.state(kQueue).fixed_limit, ==, 0);
}

static void test_refusal_classification() {
  g_assert_true(is_concurrency_refusal(200, "1303", false));
  g_assert_true(is_concurrency_refusal(429, "1303", true));
  g_assert_true(is_concurrency_refusal(429, "", false));
  g_assert_false(is_concurrency_refusal(429, "", true));       // Retry-After: a rate limit
  g_assert_false(is_concurrency_refusal(429, "1302", false));  // too fast, not too many
  g_assert_false(is_concurrency_refusal(500, "", false));
  g_assert_true(scheduler_queue_key("u", "a") != scheduler_queue_key("u", "b"));
  g_assert_true(scheduler_queue_key("u1", "a") != scheduler_queue_key("u2", "a"));
}

// --- coalescing -------------------------------------------------------------

struct Inbox {
  std::vector<std::string> got;  // "<who>:<session or failure message>"
  RequestCoalescer::Deliver to(const std::string &who) {
    return [this, who](const Outcome &o) {
      if (auto *r = std::get_if<Result>(&o))
        got.push_back(who + ":" + r->session_id);
      else
        got.push_back(who + ":" + std::get<Failure>(o).message);
    };
  }
};

static Result result(const std::string &session) {
  Result r;
  r.provider = "kirin";
  r.session_id = session;
  return r;
}

static const std::string kKey = "[\"kirin\",\"u\",\"m\",\"v\",\"\",\"sha256=1\",\"\"]\nacct";

static void test_coalesce_two() {
  RequestCoalescer c;
  Inbox in;
  auto first = c.join(kKey, in.to("A"));
  auto second = c.join(kKey, in.to("B"));
  g_assert_true(first.starts_request);
  g_assert_false(second.starts_request);  // one request for both
  g_assert_cmpuint(*c.leader(kKey), ==, first.member);
  g_assert_cmpuint(c.waiting(kKey), ==, 2);
  auto other = c.join("another key", in.to("C"));
  g_assert_true(other.starts_request);

  g_assert_cmpuint(c.complete(kKey, result("s1")), ==, 2);
  g_assert_true((in.got == std::vector<std::string>{"A:s1", "B:s1"}));
  g_assert_false(c.open(kKey));
  g_assert_true(c.join(kKey, in.to("D")).starts_request);  // the next one asks again (or hits the cache)

  // A failure is shared the same way.
  Failure f;
  f.kind = Failure::Kind::Service;
  f.message = "code 1201";
  c.join(kKey, in.to("E"));
  g_assert_cmpuint(c.complete(kKey, f), ==, 2);
  g_assert_true(in.got.back() == "E:code 1201");
  g_assert_true(in.got[in.got.size() - 2] == "D:code 1201");
  g_assert_cmpuint(c.complete(kKey, f), ==, 0);
}

static void test_coalesce_leave() {
  RequestCoalescer c;
  Inbox in;
  auto a = c.join(kKey, in.to("A"));
  auto b = c.join(kKey, in.to("B"));
  auto d = c.join(kKey, in.to("D"));
  // A follower leaves: nobody else is affected, it is not called back.
  auto left = c.leave(b.member);
  g_assert_true(left.then == RequestCoalescer::AfterLeave::Nothing);
  g_assert_false(left.new_leader.has_value());
  // The leader leaves before its request was sent: the request carries on
  // for D, who now leads it; nothing is cancelled, nothing resent.
  left = c.leave(a.member);
  g_assert_true(left.then == RequestCoalescer::AfterLeave::Nothing);
  g_assert_cmpuint(*left.new_leader, ==, d.member);
  g_assert_cmpuint(c.complete(kKey, result("s")), ==, 1);
  g_assert_true((in.got == std::vector<std::string>{"D:s"}));
  g_assert_true(c.leave(a.member).then == RequestCoalescer::AfterLeave::Nothing);  // unknown now

  // Everyone leaves before the submission: cancel the request, for free.
  auto e = c.join(kKey, in.to("E"));
  g_assert_true(c.leave(e.member).then == RequestCoalescer::AfterLeave::CancelRequest);
  g_assert_false(c.open(kKey));
  g_assert_true(c.join(kKey, in.to("F")).starts_request);
  c.complete(kKey, result("f"));
}

// The submission may have been billed: nobody starts another while it may
// still finish, even when every asker left and a new one comes.
static void test_coalesce_never_resubmits() {
  RequestCoalescer c;
  Inbox in;
  auto a = c.join(kKey, in.to("A"));
  auto b = c.join(kKey, in.to("B"));
  c.submitted(kKey);
  auto left = c.leave(a.member);  // the leader's pipeline stopped
  g_assert_true(left.then == RequestCoalescer::AfterLeave::Nothing);
  g_assert_cmpuint(*left.new_leader, ==, b.member);
  left = c.leave(b.member);
  g_assert_true(left.then == RequestCoalescer::AfterLeave::RunUnattended);
  g_assert_true(c.open(kKey));
  auto late = c.join(kKey, in.to("L"));
  g_assert_false(late.starts_request);  // waits for the paid task
  g_assert_cmpuint(*c.leader(kKey), ==, late.member);
  g_assert_cmpuint(c.complete(kKey, result("paid")), ==, 1);
  g_assert_true((in.got == std::vector<std::string>{"L:paid"}));
  // The unattended request ends with nobody waiting: nothing is called.
  c.join(kKey, in.to("M"));
  c.submitted(kKey);
  auto m = c.leader(kKey);
  g_assert_true(c.leave(*m).then == RequestCoalescer::AfterLeave::RunUnattended);
  g_assert_cmpuint(c.complete(kKey, result("cache-only")), ==, 0);
  g_assert_false(c.open(kKey));
}

// A member's callback may ask again at once: it starts a new request.
static void test_coalesce_reentrant() {
  RequestCoalescer c;
  std::vector<RequestCoalescer::Joined> rejoined;
  c.join(kKey, [&](const Outcome &) { rejoined.push_back(c.join(kKey, nullptr)); });
  c.join(kKey, [&](const Outcome &) { rejoined.push_back(c.join(kKey, nullptr)); });
  g_assert_cmpuint(c.complete(kKey, result("x")), ==, 2);
  g_assert_cmpuint(rejoined.size(), ==, 2);
  g_assert_true(rejoined[0].starts_request);
  g_assert_false(rejoined[1].starts_request);
  g_assert_cmpuint(c.waiting(kKey), ==, 2);
}

// A process meets many endpoints and accounts over its life: the queues it
// keeps for them are bounded. Busy queues are never forgotten, and the most
// recently idle keep what they learned.
static void test_idle_queues_are_bounded() {
  RequestScheduler s(1);
  const size_t bound = RequestScheduler::kMaxIdleQueues;
  Ticket busy = s.enqueue("busy", 0);
  s.dispatch(0);
  uint64_t now = 1;
  for (size_t i = 0; i < 4 * bound; i++, now++) {
    std::string key = scheduler_queue_key("https://api.example.com/" + std::to_string(i), "acct");
    Ticket t = s.enqueue(key, 0);
    assert_tickets(s.dispatch(now).start, {t});
    g_assert_true(s.finished(t, i % 2 ? Completion::Success : Completion::Failed, now));
    g_assert_cmpuint(s.queue_count(), <=, bound + 1);  // the idle ones, and the busy one
  }
  g_assert_cmpuint(s.state("busy").in_flight, ==, 1);
  // The last queue learned a limit from a refusal: idle, it still has it.
  Ticket a = s.enqueue(kQueue, 0), b = s.enqueue(kQueue, 0);
  assert_tickets(s.dispatch(now).start, {a});
  s.accepted(a);
  assert_tickets(s.dispatch(now).start, {b});
  g_assert_true(s.finished(b, Completion::Refused, now));
  g_assert_true(s.finished(a, Completion::Success, now));
  assert_tickets(s.dispatch(now + 20000).start, {b});
  g_assert_true(s.finished(b, Completion::Success, now + 20000));
  g_assert_cmpuint(s.state(kQueue).live_limit.value_or(0), ==, 1);
  // A forgotten queue starts afresh: a new ticket there works as before.
  Ticket again = s.enqueue(scheduler_queue_key("https://api.example.com/0", "acct"), 0);
  assert_tickets(s.dispatch(now).start, {again});
  g_assert_true(s.finished(again, Completion::Success, now));
  g_assert_true(s.finished(busy, Completion::Success, now));
  g_assert_cmpuint(s.queue_count(), <=, bound);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/scheduler/fixed-limit-fifo", test_fixed_limit_fifo);
  g_test_add_func("/scheduler/position-reports", test_position_reports);
  g_test_add_func("/scheduler/shared-queue-limit", test_shared_queue_limit);
  g_test_add_func("/scheduler/refusal-backoff", test_refusal_backoff);
  g_test_add_func("/scheduler/refusal-lowers-limit", test_refusal_lowers_limit);
  g_test_add_func("/scheduler/limit-rises-slowly", test_limit_rises_slowly);
  g_test_add_func("/scheduler/account-simulation", test_account_simulation);
  g_test_add_func("/scheduler/cancel-queued", test_cancel_queued);
  g_test_add_func("/scheduler/refusal-classification", test_refusal_classification);
  g_test_add_func("/scheduler/idle-queues-bounded", test_idle_queues_are_bounded);
  g_test_add_func("/coalescer/two-askers-one-request", test_coalesce_two);
  g_test_add_func("/coalescer/leave", test_coalesce_leave);
  g_test_add_func("/coalescer/never-resubmits", test_coalesce_never_resubmits);
  g_test_add_func("/coalescer/reentrant", test_coalesce_reentrant);
  return g_test_run();
}
