// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/face_detector.h"

#include <opencv2/imgproc.hpp>

#include "local/concat_layers.h"

namespace idf::local {

namespace {

LetterboxMapping mapping_for(const FrameView &frame, const cv::Rect &region) {
  return LetterboxMapping::fit(region.x, region.y, region.width, region.height, frame.pixel_aspect);
}

}  // namespace

std::unique_ptr<FaceDetector> FaceDetector::load(const std::string &path, std::string *error) {
  std::unique_ptr<FaceDetector> detector(new FaceDetector());
  try {
    detector->net_ = cv::dnn::readNetFromONNX(path);
    keep_concat_layers(detector->net_);
  } catch (const cv::Exception &failure) {
    if (error) *error = "cannot load the face detection model " + path + ": " + failure.what();
    return nullptr;
  }
  if (detector->net_.empty()) {
    if (error) *error = "cannot load the face detection model " + path;
    return nullptr;
  }
  detector->output_names_ = detector->net_.getUnconnectedOutLayersNames();
  if (detector->output_names_.size() != 4) {
    if (error)
      *error = "the face detection model " + path + " has " + std::to_string(detector->output_names_.size()) +
               " outputs, BlazeFace has 4";
    return nullptr;
  }
  const int shape[] = {1, kBlazeFaceInputSize, kBlazeFaceInputSize, 3};
  detector->blob_.create(4, shape, CV_32F);
  detector->canvas_ = cv::Mat::zeros(kBlazeFaceInputSize, kBlazeFaceInputSize, CV_8UC3);
  detector->scores_.resize(kBlazeFaceAnchors);
  detector->regressors_.resize(kBlazeFaceAnchors * kBlazeFaceValuesPerAnchor);
  return detector;
}

std::vector<Detection> FaceDetector::run(const cv::Mat &input_rgb, double min_score) {
  CV_Assert(input_rgb.type() == CV_8UC3 && input_rgb.rows == kBlazeFaceInputSize &&
            input_rgb.cols == kBlazeFaceInputSize);
  // NHWC, values x / 127.5 - 1: the blob's memory is the picture's layout.
  cv::Mat as_picture(kBlazeFaceInputSize, kBlazeFaceInputSize, CV_32FC3, blob_.ptr<float>());
  input_rgb.convertTo(as_picture, CV_32FC3, 1.0 / 127.5, -1.0);
  net_.setInput(blob_);
  std::vector<cv::Mat> outputs;
  net_.forward(outputs, output_names_);
  runs_++;
  // Told apart by shape: scores have 1 value a row, regressors 16; the
  // 16x16 grid's 512 rows come first.
  const float *scores16 = nullptr, *scores8 = nullptr, *boxes16 = nullptr, *boxes8 = nullptr;
  for (const cv::Mat &output : outputs) {
    const size_t values = output.total();
    const float *data = output.ptr<float>();
    if (values == kBlazeFaceRows16) scores16 = data;
    if (values == kBlazeFaceRows8) scores8 = data;
    if (values == kBlazeFaceRows16 * kBlazeFaceValuesPerAnchor) boxes16 = data;
    if (values == kBlazeFaceRows8 * kBlazeFaceValuesPerAnchor) boxes8 = data;
  }
  CV_Assert(scores16 && scores8 && boxes16 && boxes8);
  std::copy(scores16, scores16 + kBlazeFaceRows16, scores_.begin());
  std::copy(scores8, scores8 + kBlazeFaceRows8, scores_.begin() + kBlazeFaceRows16);
  std::copy(boxes16, boxes16 + kBlazeFaceRows16 * kBlazeFaceValuesPerAnchor, regressors_.begin());
  std::copy(boxes8, boxes8 + kBlazeFaceRows8 * kBlazeFaceValuesPerAnchor,
            regressors_.begin() + kBlazeFaceRows16 * kBlazeFaceValuesPerAnchor);
  return decode_blazeface(scores_.data(), regressors_.data(), min_score);
}

std::vector<Detection> FaceDetector::detect(const FrameView &frame, const cv::Rect &region, double min_score) {
  const LetterboxMapping mapping = mapping_for(frame, region);
  const cv::Size content_size(mapping.content_width, mapping.content_height);
  const cv::Mat content = region_to_rgb(frame, region, content_size);
  if (content.empty()) return {};
  canvas_.setTo(cv::Scalar::all(0));
  content.copyTo(canvas_(cv::Rect(mapping.pad_x, mapping.pad_y, content_size.width, content_size.height)));
  std::vector<Detection> detections = run(canvas_, min_score);
  for (Detection &detection : detections) detection = mapping.to_frame(detection);
  return detections;
}

}  // namespace idf::local
