// SPDX-License-Identifier: LGPL-2.1-or-later
// BlazeFace run through OpenCV's DNN module: finds faces in a region of a
// frame letterboxed into the model's 256x256 input.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <string>
#include <vector>

#include "local/blazeface_decoding.h"
#include "local/frame_view.h"

namespace idf::local {

class FaceDetector {
 public:
  // Loads the ONNX model at `path`. nullptr, with the reason in `error`,
  // when OpenCV cannot load it or it does not have BlazeFace's outputs.
  static std::unique_ptr<FaceDetector> load(const std::string &path, std::string *error);

  // One forward pass on a kBlazeFaceInputSize square RGB picture
  // (CV_8UC3): detections in input pixels whose score reaches `min_score`,
  // before suppression.
  std::vector<Detection> run(const cv::Mat &input_rgb, double min_score);

  // Faces in `region` (frame pixels) of the frame, the region letterboxed
  // into the input: detections in frame pixels, before suppression.
  std::vector<Detection> detect(const FrameView &frame, const cv::Rect &region, double min_score);

  // Forward passes run so far.
  size_t runs() const { return runs_; }

 private:
  FaceDetector() = default;

  cv::dnn::Net net_;
  std::vector<cv::String> output_names_;
  cv::Mat canvas_;  // letterboxed input, CV_8UC3
  cv::Mat blob_;    // 1 x 256 x 256 x 3 floats (NHWC)
  std::vector<float> scores_, regressors_;
  size_t runs_ = 0;
};

}  // namespace idf::local
