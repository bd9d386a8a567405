// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/local_result.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/video/video.h>

#include <cerrno>
#include <cstring>

#include "local/face_image_folders.h"
#include "local/local_engine.h"

namespace idf::local {

namespace {

std::string take(gchar *s) {
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

// The picture as a JPEG file, through GStreamer's own jpegenc: OpenCV's
// imgcodecs would load GDAL and ~120 more libraries into every process
// that loads the plugin.
bool write_jpeg(const cv::Mat &bgr, const std::string &path, std::string *reason) {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    *reason = "no picture of the face was kept";
    return false;
  }
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_BGR, (guint)bgr.cols, (guint)bgr.rows);
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  for (int r = 0; r < bgr.rows; r++)
    memcpy(map.data + (size_t)r * GST_VIDEO_INFO_PLANE_STRIDE(&info, 0), bgr.ptr(r), (size_t)bgr.cols * 3);
  gst_buffer_unmap(buffer, &map);
  GstCaps *caps = gst_video_info_to_caps(&info);
  GstSample *raw = gst_sample_new(buffer, caps, nullptr, nullptr);
  gst_buffer_unref(buffer);
  gst_caps_unref(caps);
  GstCaps *jpeg_caps = gst_caps_new_empty_simple("image/jpeg");
  GError *err = nullptr;
  GstSample *jpeg = gst_video_convert_sample(raw, jpeg_caps, 10 * GST_SECOND, &err);
  gst_caps_unref(jpeg_caps);
  gst_sample_unref(raw);
  if (!jpeg) {
    *reason = std::string("the JPEG encoder failed: ") + (err ? err->message : "?");
    g_clear_error(&err);
    return false;
  }
  GstBuffer *out = gst_sample_get_buffer(jpeg);
  bool ok = out && gst_buffer_map(out, &map, GST_MAP_READ);
  if (ok) {
    GError *io = nullptr;
    ok = g_file_set_contents(path.c_str(), (const gchar *)map.data, (gssize)map.size, &io);
    if (!ok) *reason = io ? io->message : "cannot write";
    g_clear_error(&io);
    gst_buffer_unmap(out, &map);
  } else {
    *reason = "the JPEG encoder gave no data";
  }
  gst_sample_unref(jpeg);
  return ok;
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
    std::string reason;
    bool ok = write_jpeg(found[i].picture_bgr, path, &reason);
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
