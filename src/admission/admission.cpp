// SPDX-License-Identifier: LGPL-2.1-or-later
#include "admission/admission.h"

#include "admission/account_fingerprint.h"
#include "base/debug_categories.h"

#define GST_CAT_DEFAULT idf_job_debug

namespace idf {

Admission::Admission(EventLoop &loop) : loop_(loop) {}

Admission::Handle Admission::admit(const AdmissionRequest &request, Callbacks callbacks) {
  Handle handle = next_handle_++;
  auto cache = std::make_unique<ResultCache>(CacheSettings{request.cache_dir, request.cache_ttl_s, {}});
  std::string cache_account = request.credential.empty() ? "" : cache->account(request.credential);
  // No account fingerprint (no salt could be made): no cache for this account.
  bool cache_usable =
      cache->enabled() && request.key.usable() && (request.credential.empty() || !cache_account.empty());
  if (cache_usable) {
    if (auto hit = cache->lookup(request.key, cache_account)) {
      GST_INFO("%s: answered from the result cache (stored %s)", request.requester.c_str(), hit->cached_at.c_str());
      loop_.post([cb = callbacks.cached, hit = *hit] { cb(hit); });
      return handle;
    }
  }
  Entry &e = entries_[handle];
  e.callbacks = std::move(callbacks);
  e.queued = request.queued;
  e.max_concurrent = request.max_concurrent;
  if (cache_usable) e.cache = std::move(cache);
  e.key = request.key;
  e.cache_account = cache_account;
  std::string account = process_account_fingerprint(request.credential);
  e.queue = scheduler_queue_key(request.key.endpoint, account);
  if (request.key.usable()) {
    e.group = request.key.text() + "\n" + account;
    auto joined = coalescer_.join(e.group, [this, handle](const Outcome &outcome) {
      auto it = entries_.find(handle);
      if (it == entries_.end() || it->second.leads) return;
      loop_.post([cb = it->second.callbacks.shared, outcome] { cb(outcome); });
    });
    e.member = joined.member;
    members_[e.member] = handle;
    if (!joined.starts_request) {
      GST_INFO("%s: the same clip is being identified for another element: sharing its request",
               request.requester.c_str());
      return handle;
    }
  }
  lead(handle);
  return handle;
}

void Admission::lead(Handle handle) {
  Entry &e = entries_.at(handle);
  e.leads = true;
  if (!e.queued) {
    loop_.post([cb = e.callbacks.start] { cb(); });
    return;
  }
  e.ticket = scheduler_.enqueue(e.queue, e.max_concurrent);
  tickets_[e.ticket] = handle;
  dispatch();
}

void Admission::dispatch() {
  auto d = scheduler_.dispatch(now_ms());
  for (auto ticket : d.start) {
    auto it = entries_.find(handle_of_ticket(ticket));
    if (it != entries_.end()) loop_.post([cb = it->second.callbacks.start] { cb(); });
  }
  for (auto &moved : d.moved) {
    auto it = entries_.find(handle_of_ticket(moved.first));
    if (it != entries_.end()) loop_.post([cb = it->second.callbacks.queued, place = moved.second] { cb(place); });
  }
  arm_wakeup();
}

void Admission::arm_wakeup() {
  loop_.cancel_timer(wakeup_);
  wakeup_ = 0;
  auto at = scheduler_.next_wakeup_ms();
  if (!at) return;
  uint64_t now = now_ms();
  wakeup_ = loop_.add_timer(*at > now ? (unsigned)(*at - now) : 0, [this] {
    wakeup_ = 0;
    dispatch();
  });
}

Admission::Handle Admission::handle_of_ticket(RequestScheduler::Ticket ticket) const {
  auto it = tickets_.find(ticket);
  return it == tickets_.end() ? 0 : it->second;
}

void Admission::submitted(Handle handle) {
  auto it = entries_.find(handle);
  if (it == entries_.end()) return;
  it->second.submitted = true;
  if (!it->second.group.empty()) coalescer_.submitted(it->second.group);
}

void Admission::accepted(Handle handle) {
  auto it = entries_.find(handle);
  if (it == entries_.end() || !it->second.ticket) return;
  scheduler_.accepted(it->second.ticket);
  dispatch();
}

void Admission::refused(Handle handle) {
  auto it = entries_.find(handle);
  if (it == entries_.end() || !it->second.ticket) return;
  it->second.submitted = false;  // refused: nothing was billed
  scheduler_.finished(it->second.ticket, Completion::Refused, now_ms());
  dispatch();
}

void Admission::finished(Handle handle, const Outcome &outcome, int64_t session_started_s) {
  auto it = entries_.find(handle);
  if (it == entries_.end()) return;
  Entry e = std::move(it->second);
  entries_.erase(it);
  if (e.member) members_.erase(e.member);
  if (!e.leads) return;  // the request was another element's
  if (e.ticket) {
    tickets_.erase(e.ticket);
    scheduler_.finished(e.ticket, std::holds_alternative<Result>(outcome) ? Completion::Success : Completion::Failed,
                        now_ms());
  }
  if (e.cache)
    if (const auto *r = std::get_if<Result>(&outcome)) e.cache->store(e.key, e.cache_account, *r, session_started_s);
  if (!e.group.empty()) coalescer_.complete(e.group, outcome);
  dispatch();
}

void Admission::leave(Handle handle) {
  auto it = entries_.find(handle);
  if (it == entries_.end()) return;
  Entry e = std::move(it->second);
  entries_.erase(it);
  if (e.ticket) {
    tickets_.erase(e.ticket);
    scheduler_.cancel(e.ticket);
  }
  if (e.member) {
    members_.erase(e.member);
    auto left = coalescer_.leave(e.member);
    if (e.leads) {
      auto next = left.new_leader ? members_.find(*left.new_leader) : members_.end();
      if (!e.submitted && next != members_.end()) {
        lead(next->second);  // nothing was sent: the next element sends its own
      } else {
        // This element's request stops with it (nothing is sent after its
        // stop), so the group closes: a later element starts afresh, and one
        // still waiting is told, since the request may have been billed.
        coalescer_.complete(
            e.group, Failure::ambiguous("the request this element shared with another was stopped with that element "
                                        "after it was submitted; not resent: it may have been billed"));
      }
    }
  }
  dispatch();
}

}  // namespace idf
