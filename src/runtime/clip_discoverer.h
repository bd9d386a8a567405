// SPDX-License-Identifier: LGPL-2.1-or-later
// Limits the stream left unknown, read from the clip with GstDiscoverer.
#pragma once

#include "job/clip_probe.h"

namespace idf {

// GstDiscoverer in asynchronous mode on the calling thread's default main
// context (the HTTP worker's): its pipeline runs on threads of its own, so
// the loop is never blocked.
ClipProber &discoverer_prober();

}  // namespace idf
