// SPDX-License-Identifier: LGPL-2.1-or-later
// Turns the core's result model into what users see: the bus messages'
// structures and the stream tags, named by the public header.
#pragma once

#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>

#include "job/provider_flow.h"
#include "model/result.h"

// Registers the plugin's tags (once; at plugin load).
void idf_register_tags(void);

// "identify-face" structure: the message body and the `result` property.
GstStructure *idf_result_to_structure(const idf::Result &result);
// "identify-face-error" structure; also the error's details.
GstStructure *idf_failure_to_structure(const idf::Failure &failure, const char *provider, const char *stream_id);
// "identify-face-progress" structure.
GstStructure *idf_progress_to_structure(const idf::Progress &progress);
// STREAM-scope tags: lipsync-session-id and one lipsync-face per face.
GstTagList *idf_result_to_tags(const idf::Result &result);
