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

// Makes `face_image_dir` (and its parents) if needed. Empty when face crops
// can be written there, else why not, naming the folder. Called when an
// analysis starts, so that an unusable folder is said at once rather than
// after the whole clip was analysed.
std::string make_face_image_dir(const std::string &face_image_dir);

// Marks `dir` (a session folder just made) as the element's.
bool mark_session_folder(const std::string &dir);

// Removes the marked session folders under `face_image_dir` whose marker is
// older than `max_age_s` (with their files); returns how many. Unmarked
// folders and loose files are left alone.
unsigned prune_session_folders(const std::string &face_image_dir, int64_t now_s,
                               int64_t max_age_s = kSessionFolderMaxAgeS);

}  // namespace idf
