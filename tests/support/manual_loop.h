// SPDX-License-Identifier: LGPL-2.1-or-later
// An EventLoop whose time moves only when the test says so: timers fire in
// due order as advance() passes them, on the test's own thread. Job policy
// tests run on it with no sleep and no thread.
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <tuple>

#include "base/event_loop.h"

class ManualLoop final : public idf::EventLoop {
 public:
  int64_t monotonic_us() const override { return now_us_; }
  int64_t wall_s() const override { return wall_start_s_ + now_us_ / 1000000; }
  TimerId add_timer(unsigned ms, std::function<void()> fn) override;
  void cancel_timer(TimerId id) override;
  // Other threads may post (the local engine's callbacks do).
  void post(std::function<void()> fn) override;
  void run_sync(std::function<void()> fn) override { fn(); }
  bool on_loop_thread() const override { return true; }

  // Runs everything due now, including what that schedules for now.
  void run_due();
  // Moves time forward by `ms`, running each timer at its due time.
  void advance_ms(int64_t ms);
  // Advances timer by timer until `done()` or `max_ms` passed; true if done.
  bool advance_until(const std::function<bool()> &done, int64_t max_ms);
  size_t pending() const;
  double now_s() const { return now_us_ / 1e6; }
  void set_wall_start(int64_t s) { wall_start_s_ = s; }

 private:
  // Run the earliest due timer if it is due by `until_us`; false if none.
  bool run_one(int64_t until_us);

  mutable std::mutex lock_;  // guards timers_ (posts come from any thread)
  // (due, id) → callback; ids grow, so equal due times run in order.
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers_;
  TimerId next_id_ = 1;
  int64_t now_us_ = 1000000;
  int64_t wall_start_s_ = g_get_real_time() / 1000000;  // the cache compares with the real clock
};
