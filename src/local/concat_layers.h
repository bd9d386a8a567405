// SPDX-License-Identifier: LGPL-2.1-or-later
// Keeps a loaded network's Concat layers out of an OpenCV optimisation that
// breaks BlazeFace on OpenCV 4.7 and later.
#pragma once

#include <opencv2/dnn.hpp>

namespace idf::local {

// OpenCV 4.7+ fuses, on the CPU, a Convolution with the Add that follows it:
// the Add's other operand is made to write straight into the convolution's
// output buffer, and so are the layers that OpenCV had folded into that
// operand. It treats a Concat along channels that it had optimised away (its
// inputs writing into their slices of its buffer) like such a folded layer,
// and hands the WHOLE buffer to each of its inputs. BlazeFace pads channels
// the way tf2onnx exports TensorFlow's Pad, Concat(MaxPool, zeros), before
// such an Add, so its MaxPool gets a 48-channel output for 24 input channels
// and the first forward pass fails (pooling_layer.cpp: "src.size[1] ==
// dst.size[1]").
//
// A Concat marked as padding (filling what its inputs do not cover with
// zeros) is never optimised away: it stays a layer that copies its inputs
// into its buffer, and the fusion then writes through it correctly. The
// values do not change: every Concat of the model joins inputs of equal
// sizes, so there is nothing to pad. OpenCV 4.6, which has no such fusion,
// only loses the copy it saved. Returns how many Concat layers it marked.
int keep_concat_layers(cv::dnn::Net &net);

}  // namespace idf::local
