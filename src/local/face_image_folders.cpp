// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/face_image_folders.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include <cerrno>

#include "base/debug_categories.h"

#define GST_CAT_DEFAULT idf_local_debug

namespace idf {

std::string make_face_image_dir(const std::string &face_image_dir) {
  if (g_mkdir_with_parents(face_image_dir.c_str(), 0700) != 0 || g_access(face_image_dir.c_str(), W_OK) != 0)
    return "cannot write face images to " + face_image_dir + ": " + g_strerror(errno);
  return "";
}

bool mark_session_folder(const std::string &dir) {
  gchar *marker = g_build_filename(dir.c_str(), kSessionFolderMarker, nullptr);
  bool ok =
      g_file_set_contents(marker, "made by gst-identify-face (provider=local); removed after 7 days\n", -1, nullptr);
  g_free(marker);
  return ok;
}

// The folder's own files (the crops and the marker), then the folder. A
// session folder has no subfolders; anything unexpected keeps it.
static bool remove_session_folder(const std::string &dir) {
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return false;
  while (const gchar *name = g_dir_read_name(d)) {
    gchar *path = g_build_filename(dir.c_str(), name, nullptr);
    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) g_unlink(path);
    g_free(path);
  }
  g_dir_close(d);
  return g_rmdir(dir.c_str()) == 0;
}

unsigned prune_session_folders(const std::string &face_image_dir, int64_t now_s, int64_t max_age_s) {
  GDir *d = g_dir_open(face_image_dir.c_str(), 0, nullptr);
  if (!d) return 0;
  unsigned removed = 0;
  while (const gchar *name = g_dir_read_name(d)) {
    gchar *folder = g_build_filename(face_image_dir.c_str(), name, nullptr);
    gchar *marker = g_build_filename(folder, kSessionFolderMarker, nullptr);
    GStatBuf st;
    if (g_stat(marker, &st) == 0 && now_s - (int64_t)st.st_mtime > max_age_s && remove_session_folder(folder)) {
      GST_DEBUG("removed the face images of an old session: %s", folder);
      removed++;
    }
    g_free(marker);
    g_free(folder);
  }
  g_dir_close(d);
  return removed;
}

}  // namespace idf
