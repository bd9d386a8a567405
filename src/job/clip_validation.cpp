// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/clip_validation.h"

#include <vector>

namespace idf {

ClipValidation validate_clip_for_job(const ClipInfo &clip, VideoRef ref, ValidationMode mode, bool mode_explicit,
                                     bool billed, const std::string &probe_problem) {
  ClipValidation out;
  if (mode == ValidationMode::Off || (!billed && !mode_explicit)) return out;
  std::string text;
  auto violations = validate_clip(clip, ref);
  if (!violations.empty()) text = describe_violations(violations);
  std::vector<std::string> unknown;
  if (billed) unknown = unknown_limits(clip, ref);
  if (!unknown.empty()) {
    std::string names;
    for (const auto &u : unknown) names += (names.empty() ? "" : ", ") + u;
    text += std::string(text.empty() ? "" : "; ") + "cannot check the clip against the service's limits: " + names +
            " unknown" + (probe_problem.empty() ? "" : " (" + probe_problem + ")") +
            "; place identifyface after the demuxer, or set validation=warn";
  }
  if (text.empty()) return out;
  out.refuse = mode == ValidationMode::Strict;
  out.problem = !out.refuse ? text
                : billed    ? text + "; no request sent (set validation=warn or off to send anyway)"
                            : text + "; nothing analysed (set validation=warn or off)";
  return out;
}

}  // namespace idf
