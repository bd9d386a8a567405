// SPDX-License-Identifier: LGPL-2.1-or-later
#include "runtime/disk_thread.h"

#include <glib.h>

namespace idf {

namespace {

void run_work(gpointer data, gpointer) {
  auto *work = static_cast<std::function<void()> *>(data);
  (*work)();
  delete work;
}

}  // namespace

DiskRunner process_disk_thread() {
  // One thread: pieces run in order (a lookup after a write sees it), and
  // disk work of many elements does not multiply threads.
  static GThreadPool *pool = g_thread_pool_new(run_work, nullptr, 1, FALSE, nullptr);
  return
      [](std::function<void()> work) { g_thread_pool_push(pool, new std::function<void()>(std::move(work)), nullptr); };
}

}  // namespace idf
