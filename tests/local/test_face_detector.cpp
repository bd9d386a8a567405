// SPDX-License-Identifier: LGPL-2.1-or-later
// The face detection model as OpenCV runs it: the network provider=local
// loads must compute what the model says, on every OpenCV the project
// supports (4.6 and 4.10), and find the portrait's face.
#include <glib.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "local/concat_layers.h"
#include "local/face_detector.h"
#include "local/face_model.h"
#include "support/local_test_util.h"

using namespace idf;
using namespace idf::local;

namespace {

std::string model_or_skip() {
  std::string error;
  const std::string model = locate_face_model(&error);
  if (model.empty()) g_test_skip(("no face detection model in this build: " + error).c_str());
  return model;
}

// The portrait's face, as labelled in tests/bench/face_eval_labels.json.
const cv::Rect kPortraitFace(172, 142, 193, 193);

// The portrait letterboxed into the model's input (RGB), as the detector
// sees a frame; `face_centre` is where the labelled face's centre lands.
cv::Mat portrait_input(cv::Point2d *face_centre = nullptr) {
  const cv::Mat bgr = cv::imread(test::kPortraitPath);
  if (bgr.empty()) g_error("cannot read %s (python-matplotlib-data)", test::kPortraitPath);
  cv::Mat rgb, scaled;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  const double scale = double(kBlazeFaceInputSize) / std::max(rgb.cols, rgb.rows);
  cv::resize(rgb, scaled, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::Mat canvas = cv::Mat::zeros(kBlazeFaceInputSize, kBlazeFaceInputSize, CV_8UC3);
  const cv::Point offset((canvas.cols - scaled.cols) / 2, (canvas.rows - scaled.rows) / 2);
  scaled.copyTo(canvas(cv::Rect(offset, scaled.size())));
  if (face_centre)
    *face_centre = cv::Point2d(offset.x + (kPortraitFace.x + kPortraitFace.width / 2.0) * scale,
                               offset.y + (kPortraitFace.y + kPortraitFace.height / 2.0) * scale);
  return canvas;
}

std::vector<cv::Mat> forward(cv::dnn::Net &net, const cv::Mat &canvas) {
  const int shape[] = {1, kBlazeFaceInputSize, kBlazeFaceInputSize, 3};
  cv::Mat blob(4, shape, CV_32F);
  cv::Mat as_picture(kBlazeFaceInputSize, kBlazeFaceInputSize, CV_32FC3, blob.ptr<float>());
  canvas.convertTo(as_picture, CV_32FC3, 1.0 / 127.5, -1.0);
  net.setInput(blob);
  std::vector<cv::Mat> outputs;
  net.forward(outputs, net.getUnconnectedOutLayersNames());
  for (cv::Mat &output : outputs) output = output.clone();
  return outputs;
}

// The network as provider=local loads it (its Concat layers kept) computes
// what OpenCV computes layer by layer with every fusion turned off, the
// model's plain meaning. Without keep_concat_layers OpenCV 4.10 fails at the
// first forward pass.
void test_same_as_unfused() {
  const std::string model = model_or_skip();
  if (model.empty()) return;
  const cv::Mat canvas = portrait_input();

  cv::dnn::Net reference = cv::dnn::readNetFromONNX(model);
  reference.enableFusion(false);
  const std::vector<cv::Mat> expected = forward(reference, canvas);

  cv::dnn::Net loaded = cv::dnn::readNetFromONNX(model);
  // BlazeFace pads channels twice, each time with a Concat.
  g_assert_cmpint(keep_concat_layers(loaded), ==, 2);
  std::vector<cv::Mat> got;
  try {
    got = forward(loaded, canvas);
  } catch (const cv::Exception &failure) {
    g_error("OpenCV %s cannot run the model as loaded: %s", CV_VERSION, failure.what());
  }
  g_assert_cmpuint(got.size(), ==, expected.size());
  for (size_t i = 0; i < got.size(); i++) {
    g_assert_true(got[i].size == expected[i].size);
    const double difference = cv::norm(got[i], expected[i], cv::NORM_INF);
    g_test_message("output %zu: %zu values, largest difference %g", i, got[i].total(), difference);
    g_assert_cmpfloat(difference, <=, 1e-4);
  }
}

// The detector finds the portrait's face, confidently, where it is.
void test_finds_the_portrait() {
  const std::string model = model_or_skip();
  if (model.empty()) return;
  std::string error;
  auto detector = FaceDetector::load(model, &error);
  if (!detector) g_error("%s", error.c_str());
  cv::Point2d face_centre;
  const cv::Mat input = portrait_input(&face_centre);
  std::vector<Detection> detections;
  try {
    detections = detector->run(input, 0.5);
  } catch (const cv::Exception &failure) {
    g_error("OpenCV %s cannot run the face detector: %s", CV_VERSION, failure.what());
  }
  g_assert_cmpuint(detections.size(), >, 0);
  const Detection *best = &detections[0];
  for (const Detection &detection : detections)
    if (detection.score > best->score) best = &detection;
  g_test_message("best: score %.3f, box %.1f,%.1f %.1fx%.1f", best->score, best->box.x, best->box.y, best->box.width,
                 best->box.height);
  g_assert_cmpfloat(best->score, >=, 0.75);
  // The labelled face is 82 input pixels wide.
  g_assert_cmpfloat(std::abs(best->box.centre_x() - face_centre.x), <, 15);
  g_assert_cmpfloat(std::abs(best->box.centre_y() - face_centre.y), <, 15);
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/local/detector/same-as-unfused", test_same_as_unfused);
  g_test_add_func("/local/detector/finds-the-portrait", test_finds_the_portrait);
  return g_test_run();
}
