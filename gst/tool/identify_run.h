// SPDX-License-Identifier: LGPL-2.1-or-later
// One run of the identifyface element on a clip: builds the pipeline
// (urisourcebin ! parsebin, the element on the first video stream after the
// demuxer and parser, every other stream to a fakesink), plays it until the
// answer, a failure or Ctrl-C, and stops it.
#pragma once

#include <gst/gst.h>

#include <string>

#include "progress_line.h"

struct RunOutcome {
  int exit_code = 1;                // kExit*
  GstStructure *result = nullptr;   // identify-face, on success
  std::string failure_text;         // on failure
  GstStructure *failure = nullptr;  // identify-face-error or the ERROR's details, may be nullptr
  std::string task_id;              // the service's task, once one exists: what --task-id collects
  bool clip_unreadable = false;     // the source, demuxer or parser failed: failure_text is GStreamer's
  ~RunOutcome();
};

// Runs `identifyface` (configured, floating or not; the run takes a
// reference) on `uri`. Waits at most `watchdog_s` seconds in all; `timeout_s`
// is the --timeout that the watchdog's message names.
// SIGINT and SIGTERM cancel the run (exit code 128 + the signal).
void run_identification(GstElement *identifyface, const std::string &uri, unsigned watchdog_s, unsigned timeout_s,
                        ProgressLine &progress, RunOutcome &outcome);
