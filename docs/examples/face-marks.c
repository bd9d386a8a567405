// SPDX-License-Identifier: LGPL-2.1-or-later
/* face-marks: prints the face marks that identifyface provider=local puts on
 * raw video buffers (a GstVideoRegionOfInterestMeta of type "face" each).
 *
 *   face-marks 'PIPELINE ending in: identifyface provider=local ! fakesink name=sink'
 *
 * One line per buffer with a face: its time, then per face its id, box and
 * mouth, in the buffer's pixels. */
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>
#include <gst/video/video.h>

static GstPadProbeReturn on_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  gpointer state = NULL;
  GstMeta *meta;
  GString *line = g_string_new(NULL);
  (void)pad;
  (void)data;
  while ((meta = gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *)meta;
    const GstStructure *face = gst_video_region_of_interest_meta_get_param(roi, IDENTIFYFACE_FACE);
    double mouth_x = 0, mouth_y = 0;
    if (roi->roi_type != g_quark_from_string(IDENTIFYFACE_ROI_TYPE) || !face) continue;
    gst_structure_get_double(face, IDENTIFYFACE_FIELD_MOUTH_X, &mouth_x);
    gst_structure_get_double(face, IDENTIFYFACE_FIELD_MOUTH_Y, &mouth_y);
    g_string_append_printf(line, " face %s at %u,%u %ux%u mouth %.0f,%.0f",
                           gst_structure_get_string(face, IDENTIFYFACE_FIELD_FACE_ID), roi->x, roi->y, roi->w, roi->h,
                           mouth_x, mouth_y);
  }
  if (line->len) g_print("%.3f s:%s\n", (double)GST_BUFFER_PTS(buf) / GST_SECOND, line->str);
  g_string_free(line, TRUE);
  return GST_PAD_PROBE_OK;
}

int main(int argc, char **argv) {
  GError *err = NULL;
  GstElement *pipeline, *sink;
  GstPad *pad;
  GstMessage *msg;
  int status = 0;
  gst_init(&argc, &argv);
  if (argc != 2) {
    g_printerr("usage: %s 'PIPELINE ... identifyface provider=local ! fakesink name=sink'\n", argv[0]);
    return 2;
  }
  pipeline = gst_parse_launch(argv[1], &err);
  if (!pipeline) {
    g_printerr("%s\n", err->message);
    return 2;
  }
  sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, NULL, NULL);
  gst_object_unref(pad);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered(GST_ELEMENT_BUS(pipeline), GST_CLOCK_TIME_NONE,
                                   (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error(msg, &err, NULL);
    g_printerr("%s\n", err->message);
    g_error_free(err);
    status = 1;
  }
  gst_message_unref(msg);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return status;
}
