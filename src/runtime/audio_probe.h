// SPDX-License-Identifier: LGPL-2.1-or-later
// The lip-sync's audio as GStreamer reads it: its format (container and
// codec), duration and size, for the pre-flight rules (lipsync_preflight.h).
#pragma once

#include <string>

#include "job/lipsync_preflight.h"

namespace idf {

// "mp3", "wav", "m4a", "aac", or the caps name found ("audio/x-flac") for
// a stream of the top-level caps `container` (may be "") holding `audio`.
std::string audio_format_of_caps(const std::string &container, const std::string &container_variant,
                                 const std::string &audio, int mpegversion, int layer);

// Reads `uri` (file:// or http(s)://) with GstDiscoverer for at most
// `timeout_s`: format and duration; the size from the file or a HEAD
// request. What cannot be read stays unknown, and `problem` says why.
AudioFacts read_audio(const std::string &uri, unsigned timeout_s, const std::string &ca_file, std::string *problem);

}  // namespace idf
