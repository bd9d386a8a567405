// SPDX-License-Identifier: LGPL-2.1-or-later
// Learns what caps, queries and tags did not tell about a clip from the clip
// itself, before any request: production reads it with GstDiscoverer, tests
// bind a fake.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <string>

#include "model/clip_info.h"

namespace idf {

struct ProbedClip {
  ClipInfo clip;          // what was found; unknown fields stay unset
  bool has_video = true;  // false: the clip has streams, none of them video
  std::string streams;    // the streams found, e.g. "audio/mpeg", when none is video
  std::string problem;    // why nothing (or not everything) was learned, "" if it all went well
};

class ClipProber {
 public:
  using DoneFn = std::function<void(ProbedClip)>;
  virtual ~ClipProber() = default;
  // Loop thread. Reads `uri` for at most `timeout_s`, an https one trusting
  // `ca_file` (may be "") besides the system's CAs; `done` runs on the loop
  // thread exactly once, unless `cancellable` is cancelled first.
  virtual void probe(const std::string &uri, unsigned timeout_s, const std::string &ca_file, GCancellable *cancellable,
                     DoneFn done) = 0;
};

}  // namespace idf
