// SPDX-License-Identifier: LGPL-2.1-or-later
// The two lip-sync dialects on a FakeService: Kling's advanced lip-sync
// (POST /kling/v1/videos/advanced-lip-sync, GET .../{task_id}) or Kirin's
// kirin_lipsync task (POST /model/v1/generation, GET .../task/{task_id}),
// and the result video they point at (a fixed, deterministic payload), with
// failure switches to rehearse what a real account does.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "support/fake_service.h"

struct FakeLipsyncOptions {
  bool kirin = false;
  unsigned processing_polls = 1;  // polls answered "processing" before the task ends
  size_t video_bytes = 64 * 1024;
  // Failure switches.
  std::vector<std::string> submit_codes;  // Kling error codes answered to the first submissions, in order ("1303")
  std::string task_failure;               // non-empty: the task fails with this message
  bool reset_submission = false;          // the submission is read, then the connection closed unanswered
  bool hang_submission = false;           // the submission is never answered
};

struct FakeLipsync {
  std::string api_url;    // where to submit
  std::string video_url;  // where the result video is served
  std::string video;      // its bytes
};

// Routes the lip-sync dialect of `options` on `service`. Submissions are
// tasks "lipsync-1", "lipsync-2"...; each polls `processing_polls` times
// "processing", then succeeds with the video (or fails).
FakeLipsync install_fake_lipsync(FakeService &service, const FakeLipsyncOptions &options);

// The fake's result video: `bytes` deterministic bytes.
std::string fake_lipsync_video(size_t bytes);
