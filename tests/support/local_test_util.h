// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers of the provider=local tests: ground-truth clips composed from the
// public-domain portrait of Grace Hopper, and a collector of the engine's
// callbacks.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "local/local_engine.h"
#include "support/test_util.h"

namespace idf::test {

// Shipped by python-matplotlib-data (public domain).
constexpr const char *kPortraitPath = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";

// A face shown during [start_s, end_s) at a placement of the frame.
struct Appearance {
  double start_s;
  double end_s;
  int x;
  int y;
  bool mirrored;
};

struct FaceClipSpec {
  int width = 1280;
  int height = 720;
  int fps = 25;
  double seconds = 8.0;
  std::vector<Appearance> appearances;
};

// Encodes (x264enc in mp4mux) a clip of the portrait shown as `spec` says on
// a plain background. Returns the path, or "" after a g_test failure.
std::string make_face_clip(const std::string &dir, const std::string &name, const FaceClipSpec &spec);

std::vector<std::string> files_under(const std::string &dir);  // recursive

// Records what an engine reports, from its thread.
class Collector {
 public:
  LocalEngine::ProgressFn progress_fn();
  LocalEngine::DoneFn done_fn();
  // Waits for done(); false on timeout.
  bool wait_done(std::chrono::milliseconds timeout);
  bool wait_progress(std::chrono::milliseconds timeout);
  std::optional<Outcome> outcome();
  std::vector<double> progress();
  int done_calls();
  int callbacks();  // progress and done calls so far

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    std::optional<Outcome> outcome;
    std::vector<double> progress;
    int done_calls = 0;
  };
  // Shared with the callbacks, which may outlive the collector.
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace idf::test
