// SPDX-License-Identifier: LGPL-2.1-or-later
// Why a clip could not be read, in words a user can act on. GStreamer's own
// errors ("Internal data stream error.", "Server does not support
// seeking.") say little; once reading failed, the command asks the clip's
// server itself: host not found, connection refused, an HTTP error status,
// no Range support; or, for a file, that it is missing or unreadable.
#pragma once

#include <libsoup/soup.h>

#include <string>

struct ClipAccessProblem {
  std::string what;    // "" when nothing wrong was found
  std::string advice;  // what to do
};

// Blocks for at most about `timeout_s` seconds. `ca_file` (may be "") is
// trusted besides the system's CAs.
ClipAccessProblem diagnose_clip_access(const std::string &uri, unsigned timeout_s, const std::string &ca_file);

// Has `msg` trust, besides the system's CAs, those of `db` (nullptr: none).
void trust_ca_file_in_message(SoupMessage *msg, GTlsDatabase *db);

// How to see what GStreamer makes of a clip, with the tools the project's
// packages install (gstreamer1.0-tools).
std::string clip_read_advice(const std::string &uri);
