// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_LIPSYNC (gst_lipsync_get_type())
G_DECLARE_FINAL_TYPE(GstLipsync, gst_lipsync, GST, LIPSYNC, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE(lipsync);

G_END_DECLS
