// SPDX-License-Identifier: LGPL-2.1-or-later
// The result of a local analysis, like the services': a UUID session id,
// no credits, and per face a file:// JPEG picture in a session folder of
// face-image-dir (marked as the element's, see face_image_folders.h).
#pragma once

#include <string>
#include <vector>

#include "local/face_analyser.h"
#include "model/result.h"

namespace idf::local {

struct LocalResultOptions {
  std::string face_image_dir;  // "" = LocalEngine::default_face_image_dir()
  std::string session_id;      // "" = a new UUID
};

// Writes the pictures and returns the Result, or a Failure (and no file
// left behind) when a picture cannot be written.
Outcome write_local_result(const std::vector<FoundFace> &found, const LocalResultOptions &options);

}  // namespace idf::local
