// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/manual_loop.h"

idf::EventLoop::TimerId ManualLoop::add_timer(unsigned ms, std::function<void()> fn) {
  std::lock_guard<std::mutex> g(lock_);
  TimerId id = next_id_++;
  timers_.emplace(std::make_pair(now_us_ + (int64_t)ms * 1000, id), std::move(fn));
  return id;
}

void ManualLoop::cancel_timer(TimerId id) {
  std::lock_guard<std::mutex> g(lock_);
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->first.second == id) {
      timers_.erase(it);
      return;
    }
  }
}

void ManualLoop::post(std::function<void()> fn) {
  add_timer(0, std::move(fn));
}

bool ManualLoop::run_one(int64_t until_us) {
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (timers_.empty() || timers_.begin()->first.first > until_us) return false;
    auto it = timers_.begin();
    now_us_ = std::max(now_us_, it->first.first);
    fn = std::move(it->second);
    timers_.erase(it);
  }
  fn();
  return true;
}

void ManualLoop::run_due() {
  while (run_one(now_us_)) {
  }
}

void ManualLoop::advance_ms(int64_t ms) {
  int64_t until = now_us_ + ms * 1000;
  while (run_one(until)) {
  }
  now_us_ = until;
}

bool ManualLoop::advance_until(const std::function<bool()> &done, int64_t max_ms) {
  int64_t until = now_us_ + max_ms * 1000;
  run_due();
  while (!done()) {
    if (!run_one(until)) {
      now_us_ = until;
      return done();
    }
  }
  return true;
}

size_t ManualLoop::pending() const {
  std::lock_guard<std::mutex> g(lock_);
  return timers_.size();
}
