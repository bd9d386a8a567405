// SPDX-License-Identifier: LGPL-2.1-or-later
// The appearance (appearance.h) of a detected face, read from its frame.
#pragma once

#include "local/appearance.h"
#include "local/detection.h"
#include "local/frame_view.h"

namespace idf::local {

// The face of `detection` in `frame`: its box, turned upright on the line
// of its eyes (the roll the keypoints show), as a small grey picture and
// its cells' colours. Empty for a box without area.
Appearance describe_appearance(const FrameView &frame, const Detection &detection);

}  // namespace idf::local
