// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/debug_categories.h"

#include <mutex>

GST_DEBUG_CATEGORY(idf_job_debug);
GST_DEBUG_CATEGORY(idf_http_debug);
GST_DEBUG_CATEGORY(idf_local_debug);

namespace idf {

void init_debug_categories() {
  static std::once_flag once;
  std::call_once(once, [] {
    GST_DEBUG_CATEGORY_INIT(idf_job_debug, "identifyface-job", 0, "identifyface: identification jobs and retries");
    GST_DEBUG_CATEGORY_INIT(idf_http_debug, "identifyface-http", 0, "identifyface: the shared network worker");
    GST_DEBUG_CATEGORY_INIT(idf_local_debug, "identifyface-local", 0, "identifyface: the local face engine");
  });
}

}  // namespace idf
