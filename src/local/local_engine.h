// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local: identifies faces on this machine, without network or key.
// The engine decodes the clip itself on its own thread (never a streaming
// thread), samples frames 8 times a second, detects faces with a CNN
// (BlazeFace, src/local/face_analyser.h) and tracks them with the service's
// rule (a face unseen for more than 1 s comes back with a new id); a shot
// cut ends every face.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "model/result.h"

namespace idf {

struct LocalEngineOptions {
  std::string uri;                      // file:// or http(s):// clip to analyse
  std::string face_image_dir;           // where the JPEG crops go ("" = default)
  std::optional<uint64_t> duration_ns;  // hint, used for progress only
  std::string face_model;               // the model file; "" = the one set up by the build
};

class LocalEngine {
 public:
  using ProgressFn = std::function<void(double fraction_analysed)>;
  using DoneFn = std::function<void(Outcome)>;

  // Starts the analysis on a thread of its own. `progress` and `done` are
  // called from that thread; `done` exactly once unless cancel() ran first.
  static std::shared_ptr<LocalEngine> start(LocalEngineOptions options, ProgressFn progress, DoneFn done);

  // Stops the analysis promptly and synchronously: when this returns no
  // thread of the engine is running, no callback will come, and no partial
  // face image is left behind. Safe to call more than once, from any thread
  // other than the engine's own.
  virtual void cancel() = 0;
  virtual ~LocalEngine() = default;

  // True when the plugin was built with a face detector.
  static bool available();
  // Why an analysis would fail at once (no engine in this build, or its
  // face detection model is missing or damaged, with how to get it), or
  // nothing when it can run.
  static std::optional<std::string> unavailable_reason();
  // Default for face-image-dir: a folder of the user's cache dir.
  static std::string default_face_image_dir();
  // What an analysis's faces depend on besides the clip: the plugin's
  // version, the model and the analyser's settings. Part of the result
  // cache's key, so that a newer engine never serves an older one's answer.
  static std::string result_identity();
};

}  // namespace idf
