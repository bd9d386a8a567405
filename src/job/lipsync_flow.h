// SPDX-License-Identifier: LGPL-2.1-or-later
// A lip-sync on the job (JobConfig::lipsync set): submit the task, then poll
// it until it succeeds or fails, for Kling's advanced lip-sync or Kirin's
// kirin_lipsync. With a task id given, only its polls are sent: an existing
// task is collected without a new charge. The job brings retries, the
// account's queue, the deadline and cancellation, as for identify-face.
#pragma once

#include <memory>

#include "job/job_settings.h"
#include "job/provider_flow.h"

namespace idf {

std::unique_ptr<ProviderFlow> make_lipsync_flow(Provider provider);

// The default lip-sync endpoint of a provider: Kling's advanced lip-sync
// through the seed's proxy, Kirin's generation endpoint; "" for local.
const char *lipsync_default_url(Provider provider);

}  // namespace idf
