// SPDX-License-Identifier: LGPL-2.1-or-later
// The job's collaborators in a running process. The job and admission know
// only their interfaces; this is the one place that binds them to the
// process's HTTP worker, discoverer and local engine.
#pragma once

#include "admission/admission.h"
#include "job/job.h"

namespace idf {

// The shared HTTP worker (event loop and libsoup transport), GstDiscoverer,
// the local engine and the process's admission.
JobDeps production_job_deps();

// One per process, on the HTTP worker's thread, living as long as it.
Admission &process_admission();

}  // namespace idf
