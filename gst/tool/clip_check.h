// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-identify-face --check: measures the clip (GstDiscoverer; the file size
// from the file system or an HTTP HEAD) and applies the core's limits, the
// same rules the element applies before it sends anything.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "model/clip_info.h"

struct ClipCheck {
  std::string uri;
  idf::ClipInfo clip;
  bool by_video_id = false;  // only the duration limit applies
  std::vector<idf::LimitCheck> limits;
  bool accepted() const;
  std::string refusal() const;  // "duration 75.00 s (must be 2 to 60 s); ..." or ""
};

// Reads the clip's metadata. On failure returns false and sets `error`.
// `ca_file` (may be "") is trusted besides the system's CAs for the size of an
// https clip (HEAD).
bool measure_clip(const std::string &uri, unsigned timeout_s, const std::string &ca_file, idf::ClipInfo &clip,
                  std::string &error);

ClipCheck check_clip(const std::string &uri, const idf::ClipInfo &clip, bool by_video_id);

std::string format_check_table(const ClipCheck &check);
std::string format_check_json(const ClipCheck &check);
