// provider=local's result from the analyser's faces, and the JPEG pictures
// of the faces, wherever the frames came from (the engine's own decoding or
// the buffers flowing through the element).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "face_analyser.h"
#include "result.h"

namespace idf::local {

// The Result of provider=local like the services': provider "local", the
// given session id (a UUID), final-unit-deduction "0", no request or task
// id; one face per found face with its interval (clamped to
// `duration_ns` when known), its box and best score. Face pictures are not
// written yet (`image` is empty).
Result local_result(const std::vector<FoundFace> &found, const std::string &session_id, const std::string &video_url,
                    std::optional<uint64_t> duration_ns);

// Writes each face's picture as <face_image_dir>/<session id>/face-<id>.jpg
// and sets its `image` to the file:// URL; removes them again on request
// (a cancelled analysis leaves nothing behind).
class FacePictureWriter {
 public:
  // `face_image_dir` must be absolute (image URLs need an absolute path).
  FacePictureWriter(std::string face_image_dir, std::string session_id);

  // pictures[i] is the picture of faces[i]. On failure (a Failure of kind
  // Local naming the path and the reason, or "cancelled" when `cancelled`
  // says so before a picture) nothing written is left.
  std::optional<Failure> write(std::vector<Face> &faces, const std::vector<cv::Mat> &pictures,
                               const std::function<bool()> &cancelled);
  // Removes what write() wrote.
  void remove_written();

 private:
  std::string face_image_dir_;
  std::string session_id_;
  std::string session_dir_;
  std::vector<std::string> written_;
};

}  // namespace idf::local
