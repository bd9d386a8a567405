// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/concat_layers.h"

#include <opencv2/dnn/all_layers.hpp>

namespace idf::local {

int keep_concat_layers(cv::dnn::Net &net) {
  int marked = 0;
  for (const cv::String &name : net.getLayerNames()) {
    cv::Ptr<cv::dnn::ConcatLayer> concat = net.getLayer(net.getLayerId(name)).dynamicCast<cv::dnn::ConcatLayer>();
    if (!concat) continue;
    concat->padding = true;
    concat->paddingValue = 0;
    marked++;
  }
  return marked;
}

}  // namespace idf::local
