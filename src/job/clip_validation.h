// SPDX-License-Identifier: LGPL-2.1-or-later
// The validation property's one rule, for every job (a clip the element
// names by URI, or the raw frames that flow through it): what to say about
// a clip against the service's limits, and whether to refuse it.
#pragma once

#include <string>

#include "job/job_settings.h"
#include "model/clip_info.h"

namespace idf {

struct ClipValidation {
  std::string problem;  // "" when there is nothing to say
  bool refuse = false;  // validation=strict: the job ends with this validation error
};

// `billed`: the job spends credits. Then a limit that could not be checked
// is a problem too (`probe_problem` says why it could not); a job that
// costs nothing (provider=local) reports the limits as a verdict in its
// result instead, and is only held to them when validation was chosen
// (`mode_explicit`).
ClipValidation validate_clip_for_job(const ClipInfo &clip, VideoRef ref, ValidationMode mode, bool mode_explicit,
                                     bool billed, const std::string &probe_problem = "");

}  // namespace idf
