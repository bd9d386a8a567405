// SPDX-License-Identifier: LGPL-2.1-or-later
// The process's thread for the result cache's disk work, so that none of it
// (the salt, lookups, fsync'ed writes, a prune reading up to 4,096 files)
// runs on the HTTP worker's thread, which every element shares.
#pragma once

#include "admission/admission.h"

namespace idf {

// Runs work on one thread for the process, in the order given; started on
// first use, living as long as the process.
DiskRunner process_disk_thread();

}  // namespace idf
