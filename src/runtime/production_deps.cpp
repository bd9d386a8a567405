// SPDX-License-Identifier: LGPL-2.1-or-later
#include "runtime/production_deps.h"

#include "runtime/clip_discoverer.h"
#include "runtime/http_worker.h"

namespace idf {

Admission &process_admission() {
  static Admission *admission = new Admission(HttpWorker::get());  // never freed: the worker outlives main too
  return *admission;
}

JobDeps production_job_deps() {
  JobDeps deps;
  deps.loop = &HttpWorker::get();
  deps.transport = &HttpWorker::get();
  deps.local_engine = LocalEngine::start;
  deps.prober = &discoverer_prober();
  deps.admission = &process_admission();
  return deps;
}

}  // namespace idf
