// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-identify-face --check: reads the clip as the element does before it
// sends anything (the core's read_clip: GstDiscoverer, then the file size
// from the file system or an HTTP HEAD with ssl-ca-file and the redirect
// policy of every request) and applies the core's limits.
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
// `ca_file` (may be "") is trusted besides the system's CAs for an https
// clip. Blocks for at most about 2 x `timeout_s`. `size_problem`, when given,
// says why the size of an http(s) clip stayed unknown ("" if it did not).
bool measure_clip(const std::string &uri, unsigned timeout_s, const std::string &ca_file, idf::ClipInfo &clip,
                  std::string &error, std::string *size_problem = nullptr);

ClipCheck check_clip(const std::string &uri, const idf::ClipInfo &clip, bool by_video_id);

std::string format_check_table(const ClipCheck &check);
std::string format_check_json(const ClipCheck &check);
