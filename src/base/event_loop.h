// SPDX-License-Identifier: LGPL-2.1-or-later
// Time, timers and the thread a job runs on: the job's "clock". Production
// binds the HTTP worker's GMainContext; tests bind a manual loop whose time
// only moves when the test says so, so policy tests need no sleep.
#pragma once

#include <cstdint>
#include <functional>

namespace idf {

class EventLoop {
 public:
  using TimerId = uint64_t;  // 0 is never a timer

  virtual ~EventLoop() = default;

  // Monotonic time, for deadlines and schedules.
  virtual int64_t monotonic_us() const = 0;
  // Seconds since the epoch, for JWT claims.
  virtual int64_t wall_s() const = 0;

  // Loop thread only. A one-shot timer; cancel_timer() of a fired or unknown
  // id does nothing.
  virtual TimerId add_timer(unsigned ms, std::function<void()> fn) = 0;
  virtual void cancel_timer(TimerId id) = 0;

  // Any thread. Runs `fn` on the loop thread later, never inline.
  virtual void post(std::function<void()> fn) = 0;
  // Any thread. Runs `fn` on the loop thread and returns once it ran: a
  // barrier behind whatever the loop was doing. Inline on the loop thread.
  virtual void run_sync(std::function<void()> fn) = 0;
  virtual bool on_loop_thread() const = 0;
};

}  // namespace idf
