// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local_result.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <cerrno>
#include <opencv2/imgcodecs.hpp>

#include "face_image_folders.h"
#include "local_engine.h"

namespace idf::local {

namespace {

std::string take(gchar *s) {
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

}  // namespace

Outcome write_local_result(const std::vector<FoundFace> &found, const LocalResultOptions &options) {
  Result result;
  result.provider = "local";
  result.session_id = options.session_id.empty() ? take(g_uuid_string_random()) : options.session_id;
  result.final_unit_deduction = "0";
  for (const FoundFace &f : found) {
    Face face;
    face.id = f.tracked.id;
    face.start_ns = f.tracked.start_ns;
    face.end_ns = f.tracked.end_ns;
    face.box = FaceBox{f.box.x, f.box.y, f.box.width, f.box.height};
    face.score = f.tracked.best_score;
    result.faces.push_back(face);
  }
  if (result.faces.empty()) return result;
  std::string root = options.face_image_dir.empty() ? LocalEngine::default_face_image_dir() : options.face_image_dir;
  std::string dir = take(g_build_filename(root.c_str(), result.session_id.c_str(), nullptr));
  if (g_mkdir_with_parents(dir.c_str(), 0700) != 0)
    return Failure::local("cannot write face images to " + dir + ": " + g_strerror(errno));
  mark_session_folder(dir);
  std::vector<std::string> written;
  auto undo = [&] {
    for (const auto &path : written) g_remove(path.c_str());
    gchar *marker = g_build_filename(dir.c_str(), kSessionFolderMarker, nullptr);
    g_remove(marker);
    g_free(marker);
    g_rmdir(dir.c_str());
  };
  for (size_t i = 0; i < result.faces.size(); i++) {
    Face &face = result.faces[i];
    std::string path = take(g_build_filename(dir.c_str(), ("face-" + face.id + ".jpg").c_str(), nullptr));
    std::string reason = "no picture of the face was kept";
    bool ok = false;
    if (!found[i].picture_bgr.empty()) {
      try {
        ok = cv::imwrite(path, found[i].picture_bgr, {cv::IMWRITE_JPEG_QUALITY, 90});
        reason = "the JPEG encoder failed";
      } catch (const cv::Exception &e) {
        reason = e.what();
      }
    }
    if (ok || g_file_test(path.c_str(), G_FILE_TEST_EXISTS)) written.push_back(path);
    if (!ok) {
      undo();
      return Failure::local("cannot write the face image " + path + ": " + reason);
    }
    face.image = take(g_filename_to_uri(path.c_str(), nullptr, nullptr));
  }
  return result;
}

}  // namespace idf::local
