// SPDX-License-Identifier: LGPL-2.1-or-later
// Where gst-identify-face takes keys from: a key file or the environment,
// never the command line. Keys are handed to the element and never printed.
#pragma once

#include <gst/gst.h>

#include <string>

#include "cli_options.h"
#include "job/credentials.h"  // IDENTIFYFACE_API_KEY_ENV

#define IDENTIFYFACE_ACCESS_KEY_ENV "IDENTIFYFACE_ACCESS_KEY"
#define IDENTIFYFACE_SECRET_KEY_ENV "IDENTIFYFACE_SECRET_KEY"

// Sets the element's key properties from --api-key-file, or from
// IDENTIFYFACE_ACCESS_KEY + IDENTIFYFACE_SECRET_KEY (IDENTIFYFACE_API_KEY the
// element resolves itself, with idf::resolve_credentials()). `provider_needs_key`: false for provider=local.
// Returns false and sets `error` when no usable key is there (bad usage).
// `warning` is set when the key file is readable by other users.
bool apply_credentials(GstElement *element, const CliOptions &options, bool provider_needs_key, std::string &error,
                       std::string &warning);
