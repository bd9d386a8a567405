// SPDX-License-Identifier: LGPL-2.1-or-later
#include "admission/request_scheduler.h"

#include <algorithm>

#include "wire/retry_policy.h"

namespace idf {

bool is_concurrency_refusal(unsigned http_status, const std::string &code, bool has_retry_after) {
  if (code == "1303") return true;
  return http_status == 429 && !has_retry_after && code.empty();
}

std::string scheduler_queue_key(const std::string &endpoint, const std::string &account) {
  return endpoint + "\n" + account;
}

RequestScheduler::RequestScheduler(uint32_t seed) : rng_(seed) {}

RequestScheduler::Ticket RequestScheduler::enqueue(const std::string &queue_key, unsigned max_concurrent) {
  Queue &q = queues_[queue_key];
  if (q.key.empty()) q.key = queue_key;
  if (q.idle_at) {
    idle_.erase(*q.idle_at);
    q.idle_at.reset();
  }
  Ticket t = next_ticket_++;
  tickets_.emplace(t, TicketInfo{&q, max_concurrent});
  q.queued.insert(t);
  if (max_concurrent) q.limits.insert(max_concurrent);
  q.changed = true;
  return t;
}

std::optional<unsigned> RequestScheduler::limit(const Queue &q) const {
  std::optional<unsigned> l = q.live_limit;
  if (!q.limits.empty()) return std::min(l.value_or(*q.limits.begin()), *q.limits.begin());
  if (l) return l;
  return 1 + q.accepted;  // slow start until the account's limit is known
}

void RequestScheduler::accepted(Ticket ticket) {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end() || !it->second.in_flight) return;
  Queue &q = *it->second.queue;
  if (!q.live_limit && q.limits.empty()) {
    q.accepted++;
    q.changed = true;
  }
}

// The ticket stops counting against its queue's fixed limit.
void RequestScheduler::release(TicketInfo &info) {
  if (info.max_concurrent) info.queue->limits.erase(info.queue->limits.find(info.max_concurrent));
}

void RequestScheduler::note_if_idle(const std::string &key, Queue &q) {
  if (q.idle_at || q.in_flight || !q.queued.empty()) return;
  q.idle_at = idle_.insert(idle_.end(), key);  // a copy: `key` may be erased below
  while (idle_.size() > kMaxIdleQueues) {
    // No ticket points at an idle queue: it can go.
    queues_.erase(idle_.front());
    idle_.pop_front();
  }
}

bool RequestScheduler::finished(Ticket ticket, Completion completion, uint64_t now_ms) {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end() || !it->second.in_flight) return false;
  TicketInfo &info = it->second;
  Queue &q = *info.queue;
  q.in_flight--;
  switch (completion) {
    case Completion::Refused: {
      // What is still in flight is what the account accepts right now.
      q.live_limit = std::max<size_t>(1, q.in_flight);
      q.successes_under_pressure = 0;
      unsigned delay = backoff_ms(std::min(q.consecutive_refusals, 4u), rng_);
      q.consecutive_refusals++;
      q.held_until_ms = now_ms + delay;
      info.in_flight = false;
      info.reported_position = 0;
      q.queued.insert(ticket);  // back at its FIFO place: it was never billed
      q.changed = true;
      return true;
    }
    case Completion::Success:
      q.consecutive_refusals = 0;
      // Only a success while jobs wait says the limit is what holds them back.
      if (q.live_limit && !q.queued.empty() && ++q.successes_under_pressure >= kRaiseAfterSuccesses) {
        q.successes_under_pressure = 0;
        q.live_limit = *q.live_limit + 1;
        if (!q.limits.empty() && *q.live_limit >= *q.limits.begin()) q.live_limit.reset();
      }
      break;
    case Completion::Failed: break;
  }
  q.held_until_ms.reset();  // a slot was freed: the queue may move at once
  release(info);
  tickets_.erase(it);
  note_if_idle(q.key, q);
  return true;
}

bool RequestScheduler::cancel(Ticket ticket) {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end()) return false;
  if (it->second.in_flight) return finished(ticket, Completion::Failed, 0);
  Queue &q = *it->second.queue;
  q.queued.erase(ticket);
  q.changed = true;
  release(it->second);
  tickets_.erase(it);
  note_if_idle(q.key, q);
  return true;
}

RequestScheduler::Dispatch RequestScheduler::dispatch(uint64_t now_ms) {
  Dispatch d;
  for (auto &[key, q] : queues_) {
    if (q.held_until_ms && now_ms >= *q.held_until_ms) q.held_until_ms.reset();
    if (!q.held_until_ms) {
      auto l = limit(q);
      while (!q.queued.empty() && (!l || q.in_flight < *l)) {
        Ticket t = *q.queued.begin();
        q.queued.erase(q.queued.begin());
        q.in_flight++;
        TicketInfo &info = tickets_.at(t);
        info.in_flight = true;
        info.reported_position = 0;
        d.start.push_back(t);
        q.changed = true;
      }
    }
    if (!q.changed) continue;
    q.changed = false;
    size_t pos = 0;
    for (Ticket t : q.queued) {
      TicketInfo &info = tickets_.at(t);
      size_t last = info.reported_position;
      ++pos;
      // Every place near the front, then each halving: a long queue moving
      // one step at a time would otherwise report O(n^2) places.
      bool report = last == 0 || pos > last || (pos < last && (pos <= kReportEveryPlaceUpTo || 2 * pos <= last));
      if (report) {
        info.reported_position = pos;
        d.moved.emplace_back(t, pos);
      }
    }
  }
  // Queues are unordered: give tickets back in enqueue order.
  std::sort(d.start.begin(), d.start.end());
  return d;
}

std::optional<uint64_t> RequestScheduler::next_wakeup_ms() const {
  std::optional<uint64_t> at;
  for (const auto &[key, q] : queues_)
    if (q.held_until_ms && !q.queued.empty()) at = std::min(at.value_or(*q.held_until_ms), *q.held_until_ms);
  return at;
}

std::optional<size_t> RequestScheduler::position(Ticket ticket) const {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end()) return std::nullopt;
  if (it->second.in_flight) return 0;
  const auto &queued = it->second.queue->queued;
  return (size_t)std::distance(queued.begin(), queued.find(ticket)) + 1;
}

RequestScheduler::QueueState RequestScheduler::state(const std::string &queue_key) const {
  QueueState s;
  auto it = queues_.find(queue_key);
  if (it == queues_.end()) return s;
  const Queue &q = it->second;
  s.in_flight = q.in_flight;
  s.queued = q.queued.size();
  s.fixed_limit = q.limits.empty() ? 0 : *q.limits.begin();
  s.live_limit = q.live_limit;
  s.held_until_ms = q.held_until_ms;
  return s;
}

}  // namespace idf
