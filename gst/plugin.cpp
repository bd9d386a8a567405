// SPDX-License-Identifier: LGPL-2.1-or-later
// clang-format off
// First: GST_PLUGIN_DEFINE takes the release date from it when it is
// included before <gst/gst.h>.
#include "base/package_info.h"
// clang-format on
#include <gst/gst.h>

#include "gstidentifyface.h"
#include "gstlipsync.h"

#define PACKAGE IDF_PACKAGE_NAME

static gboolean plugin_init(GstPlugin *plugin) {
  gboolean ok = GST_ELEMENT_REGISTER(identifyface, plugin);
  return GST_ELEMENT_REGISTER(lipsync, plugin) && ok;
}

// "LGPL" is GStreamer's name for the LGPL 2.1 or later (see COPYING).
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, identifyface,
                  "Identifies the faces of a clip that can be lip-synced (docs: " IDF_DOC_URI ")", plugin_init,
                  IDF_VERSION, "LGPL", IDF_PACKAGE_NAME, IDF_PACKAGE_ORIGIN)
