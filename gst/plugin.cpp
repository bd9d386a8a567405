#include <gst/gst.h>

#include "gstidentifyface.h"
#include "idf_version.h"

#ifndef PACKAGE
#define PACKAGE "gst-identify-face"
#endif

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(identifyface, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, identifyface,
                  "Identifies the faces of a clip that can be lip-synced", plugin_init, IDF_VERSION, "LGPL",
                  "gst-identify-face", "https://gstreamer.freedesktop.org")
