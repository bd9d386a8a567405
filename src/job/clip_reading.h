// SPDX-License-Identifier: LGPL-2.1-or-later
// What is learned about a clip before any request, and how: the clip read
// for what caps, queries and tags did not say (ClipProber), its size from
// the file system or an http(s) HEAD (the Transport: ssl-ca-file and the
// redirect policy of every request), and an http(s) clip's validators for
// the result cache. The element reads a clip this way before it sends
// anything, and `gst-identify-face --check` through the same function.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <optional>
#include <string>

#include "admission/clip_fingerprint.h"
#include "base/transport.h"
#include "job/clip_probe.h"
#include "model/clip_info.h"

namespace idf {

struct ClipReadRequest {
  std::string uri;          // file:// or http(s)://; nothing is read for another scheme
  ClipInfo known;           // what the stream said: never overwritten
  bool probe = true;        // read the clip for what `known` lacks (file size aside)
  bool size = true;         // learn the file size if `known` lacks it
  bool validators = false;  // an http(s) clip's ETag and Last-Modified (one HEAD with the size)
  unsigned timeout_s = 30;  // each of the probe and the HEAD
  std::string ca_file;      // ssl-ca-file, "" for the system's CAs only
  std::string requester;    // who asks, for the logs
};

struct ClipReading {
  ClipInfo clip;             // `known`, its gaps filled with what was read
  bool probed = false;       // the clip itself was read
  bool has_video = true;     // false: the clip has streams, none of them video (nothing else is read then)
  std::string streams;       // the streams found when none is video, e.g. "audio/mpeg"
  std::string problem;       // why the probe learned nothing (or not everything); "" when all went well
  std::string size_problem;  // why a HEAD left the size unknown, when the user can act on it, else ""
  std::optional<HttpValidators> validators;  // from a HEAD that succeeded
};

// Whether read_clip() would read the clip itself for `req` (a progress step).
bool clip_read_probes(const ClipReadRequest &req, const ClipProber *prober);

// Loop thread. `prober` may be nullptr (what the stream did not say stays
// unknown). Every continuation runs through `step` (a job's guard: it runs
// nothing once the job stopped); `done` runs once on the loop thread, unless
// `cancellable` is cancelled first.
void read_clip(const ClipReadRequest &req, ClipProber *prober, Transport &transport, GCancellable *cancellable,
               std::function<void(std::function<void()>)> step, std::function<void(ClipReading)> done);

}  // namespace idf
