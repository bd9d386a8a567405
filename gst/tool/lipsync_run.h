// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-identify-face --lipsync: after the identification, the lipsync
// element on the session and faces it found (the element chooses, checks,
// submits and polls), and the download of the video (--output), written
// under a temporary name and renamed: never a half file under FILE.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include <cstdint>
#include <string>

#include "progress_line.h"

struct LipsyncOutcome {
  int exit_code = 1;               // kExit*
  GstStructure *result = nullptr;  // the lipsync message, on success
  std::string failure_text;
  std::string task_id;      // once submitted, also on failure
  std::string task_status;  // the status of a task the service ended failed, else ""
  std::string checked;      // check-only: what would be sent (the checks passed)
  ~LipsyncOutcome();
};

// Runs `lipsync` (configured: audio, face, api-url, keys) on the session and
// faces of `identify_result` (an identify-face structure), for a clip of
// `clip_duration_ns` (0: unknown). Waits at most `watchdog_s`; SIGINT and
// SIGTERM cancel it (128 + the signal).
void run_lipsync(GstElement *lipsync, const GstStructure *identify_result, guint64 clip_duration_ns,
                 unsigned watchdog_s, ProgressLine &progress, LipsyncOutcome &outcome);

// Downloads `url` to `path`: into a temporary file beside it, renamed to
// `path` once complete. On failure (or `cancellable` cancelled) no file is
// left at `path` nor beside it; `error` says why. `progress` sees bytes so far.
bool download_to_file(const std::string &url, const std::string &path, unsigned timeout_s, const std::string &ca_file,
                      GCancellable *cancellable, std::string &error, uint64_t *bytes_written = nullptr);

struct CliOptions;
// gst-identify-face --lipsync: the lipsync element configured like
// `identifyface` (provider, timeouts, keys; its lip-sync endpoint beside
// identifyface's api-url unless --lipsync-api-url), run on `identify_result`
// (nullptr with --lipsync-task-id: that task is collected, nothing submitted),
// then the choice and result printed and, with --output, the video
// downloaded. Returns the exit status.
int lipsync_after_identification(GstElement *identifyface, const CliOptions &options, const std::string &clip_uri,
                                 const GstStructure *identify_result);
