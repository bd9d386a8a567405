// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_IDENTIFY_FACE (gst_identify_face_get_type())
G_DECLARE_FINAL_TYPE(GstIdentifyFace, gst_identify_face, GST, IDENTIFY_FACE, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE(identifyface);

G_END_DECLS
