// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local writes each analysis's face crops into a session folder of
// face-image-dir. Those folders carry a marker file, so that pruning removes
// only what the element made, never a user's own folders.
#pragma once

#include <cstdint>
#include <string>

namespace idf {

constexpr const char *kSessionFolderMarker = ".gst-identify-face-session";
constexpr int64_t kSessionFolderMaxAgeS = 7 * 24 * 3600;

// Default for face-image-dir: a folder of the user's cache dir.
std::string default_face_image_dir();

// The one policy of both analyses (a clip the engine decodes, raw frames
// flowing through the element), applied when one starts: `face_image_dir`
// ("" = the default) made absolute (image URLs need one) and created, and
// the element's own session folders there older than 7 days removed, so
// that the folder does not grow without bound. Returns the folder, or ""
// with why not in `error` (naming the folder).
std::string open_face_image_dir(const std::string &face_image_dir, int64_t now_s, std::string *error);

// Marks `dir` (a session folder just made) as the element's.
bool mark_session_folder(const std::string &dir);

// Removes the marked session folders under `face_image_dir` whose marker is
// older than `max_age_s` (with their files); returns how many. Unmarked
// folders and loose files are left alone.
unsigned prune_session_folders(const std::string &face_image_dir, int64_t now_s,
                               int64_t max_age_s = kSessionFolderMaxAgeS);

}  // namespace idf
