// SPDX-License-Identifier: LGPL-2.1-or-later
// The core's GStreamer debug categories, all registered by one call when
// the plugin loads (so `gst-launch-1.0 --gst-debug-help` lists them) and
// again, harmlessly, by anything that runs the core without the plugin.
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(idf_job_debug);
GST_DEBUG_CATEGORY_EXTERN(idf_http_debug);
GST_DEBUG_CATEGORY_EXTERN(idf_local_debug);

namespace idf {

void init_debug_categories();

}  // namespace idf
