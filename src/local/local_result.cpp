#include "local_result.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <cerrno>
#include <opencv2/imgcodecs.hpp>

namespace idf::local {

namespace {

std::string take_string(gchar *text) {
  std::string owned = text ? text : "";
  g_free(text);
  return owned;
}

Failure local_failure(std::string message) {
  Failure failure;
  failure.kind = Failure::Kind::Local;
  failure.message = std::move(message);
  return failure;
}

}  // namespace

Result local_result(const std::vector<FoundFace> &found, const std::string &session_id, const std::string &video_url,
                    std::optional<uint64_t> duration_ns) {
  Result result;
  result.provider = "local";
  result.session_id = session_id;
  result.request_id = "";  // no request was made
  result.task_id = "";
  result.final_unit_deduction = "0";
  result.video_url = video_url;
  for (const FoundFace &tracked : found) {
    Face face;
    face.id = tracked.tracked.id;
    face.start_ns = tracked.tracked.start_ns;
    face.end_ns = tracked.tracked.end_ns;
    face.box = FaceBox{tracked.box.x, tracked.box.y, tracked.box.width, tracked.box.height};
    face.score = tracked.tracked.best_score;
    result.faces.push_back(face);
  }
  clamp_faces_to_duration(result.faces, duration_ns);
  return result;
}

FacePictureWriter::FacePictureWriter(std::string face_image_dir, std::string session_id)
    : face_image_dir_(std::move(face_image_dir)), session_id_(std::move(session_id)) {}

std::optional<Failure> FacePictureWriter::write(std::vector<Face> &faces, const std::vector<cv::Mat> &pictures,
                                                const std::function<bool()> &cancelled) {
  if (faces.empty()) return std::nullopt;
  session_dir_ = take_string(g_build_filename(face_image_dir_.c_str(), session_id_.c_str(), nullptr));
  if (g_mkdir_with_parents(session_dir_.c_str(), 0700) != 0) {
    const std::string reason = g_strerror(errno);
    session_dir_.clear();  // nothing of ours to remove
    return local_failure("cannot write face images to " + face_image_dir_ + "/" + session_id_ + ": " + reason);
  }
  for (size_t i = 0; i < faces.size(); i++) {
    if (cancelled && cancelled()) {
      remove_written();
      return local_failure("cancelled");
    }
    Face &face = faces[i];
    const std::string path =
        take_string(g_build_filename(session_dir_.c_str(), ("face-" + face.id + ".jpg").c_str(), nullptr));
    bool written = false;
    std::string reason = "no picture of the face was kept";
    if (i < pictures.size() && !pictures[i].empty()) {
      try {
        written = cv::imwrite(path, pictures[i], {cv::IMWRITE_JPEG_QUALITY, 90});
        reason = "the JPEG encoder failed";
      } catch (const cv::Exception &error) {
        reason = error.what();
      }
    }
    if (written || g_file_test(path.c_str(), G_FILE_TEST_EXISTS))
      written_.push_back(path);  // a partly written file is removed too
    if (!written) {
      remove_written();
      return local_failure("cannot write the face image " + path + ": " + reason);
    }
    face.image = take_string(g_filename_to_uri(path.c_str(), nullptr, nullptr));
  }
  return std::nullopt;
}

void FacePictureWriter::remove_written() {
  for (const auto &path : written_) g_remove(path.c_str());
  written_.clear();
  if (!session_dir_.empty()) g_rmdir(session_dir_.c_str());
  session_dir_.clear();
}

}  // namespace idf::local
