/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * active-faces: a pad probe that reads the lipsync-face tags and logs, for
 * every buffer, which faces are active at that buffer's stream time: what a
 * downstream lip-sync element needs to know.
 *
 *   active-faces CLIP [PROPERTY=VALUE ...]
 *   IDENTIFYFACE_API_KEY=... active-faces clip.mp4 video-url=https://example.com/clip.mp4
 *
 * prints one line per buffer: "1.200 s: 0, 1" (or "none").
 * wait-for-result=true makes the tags arrive before the first buffer.
 */
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>
#include <stdio.h>

typedef struct {
  GstSegment segment; /* of the stream, for stream time */
  GArray *faces;      /* IdentifyFaceFace, strings owned by `tags` */
  GstTagList *tags;
} Probe;

static void take_faces(Probe *probe, GstTagList *tags) {
  IdentifyFaceFace face;
  guint i;
  if (identifyface_tags_n_faces(tags) == 0) return; /* other tags */
  if (probe->tags) gst_tag_list_unref(probe->tags);
  probe->tags = gst_tag_list_ref(tags);
  g_array_set_size(probe->faces, 0);
  for (i = 0; i < identifyface_tags_n_faces(tags); i++)
    if (identifyface_tags_get_face(tags, i, &face)) g_array_append_val(probe->faces, face);
}

/* The streaming thread, before every event and buffer reaches the sink. */
static GstPadProbeReturn on_data(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  Probe *probe = data;
  (void)pad;
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    GstTagList *tags;
    if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
      gst_event_copy_segment(event, &probe->segment);
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_TAG) {
      gst_event_parse_tag(event, &tags);
      take_faces(probe, tags);
    }
  } else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    GstClockTime t = gst_segment_to_stream_time(&probe->segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
    GString *line = g_string_new(NULL);
    guint i;
    if (!GST_CLOCK_TIME_IS_VALID(t)) return GST_PAD_PROBE_OK;
    for (i = 0; i < probe->faces->len; i++) {
      const IdentifyFaceFace *face = &g_array_index(probe->faces, IdentifyFaceFace, i);
      if (identifyface_face_is_active(face, t))
        g_string_append_printf(line, "%s%s", line->len ? ", " : "", face->face_id);
    }
    printf("%.3f s: %s\n", t / 1e9, line->len ? line->str : "none");
    g_string_free(line, TRUE);
  }
  return GST_PAD_PROBE_OK;
}

int main(int argc, char **argv) {
  Probe probe;
  GstElement *pipeline, *source, *identifyface, *sink;
  GstPad *sinkpad;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;
  int a, status = 0;

  gst_init(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s CLIP [PROPERTY=VALUE ...]\n", argv[0]);
    return 2;
  }
  pipeline = gst_parse_launch("filesrc name=src ! qtdemux ! h264parse ! " IDENTIFYFACE_ELEMENT
                              " name=faces wait-for-result=true ! fakesink name=sink",
                              &err);
  if (!pipeline) {
    fprintf(stderr, "%s\n", err->message);
    return 1;
  }
  source = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(source, "location", argv[1], NULL);
  gst_object_unref(source);
  identifyface = gst_bin_get_by_name(GST_BIN(pipeline), "faces");
  for (a = 2; a < argc; a++) {
    gchar **kv = g_strsplit(argv[a], "=", 2);
    if (!kv[1] || !g_object_class_find_property(G_OBJECT_GET_CLASS(identifyface), kv[0])) {
      fprintf(stderr, "%s: not a PROPERTY=VALUE of %s\n", argv[a], IDENTIFYFACE_ELEMENT);
      return 2;
    }
    gst_util_set_object_arg(G_OBJECT(identifyface), kv[0], kv[1]);
    g_strfreev(kv);
  }
  gst_object_unref(identifyface);

  gst_segment_init(&probe.segment, GST_FORMAT_TIME);
  probe.faces = g_array_new(FALSE, FALSE, sizeof(IdentifyFaceFace));
  probe.tags = NULL;
  sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER, on_data, &probe, NULL);

  /* No main loop needed: wait for the end on the bus. */
  bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered(bus, 10 * 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    if (msg) {
      gst_message_parse_error(msg, &err, NULL);
      fprintf(stderr, "error from %s: %s\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message);
      g_error_free(err);
    } else {
      fprintf(stderr, "no end after 10 minutes\n");
    }
    status = 1;
  }
  if (msg) gst_message_unref(msg);
  gst_element_set_state(pipeline, GST_STATE_NULL);

  if (probe.tags) gst_tag_list_unref(probe.tags);
  g_array_free(probe.faces, TRUE);
  gst_object_unref(sinkpad);
  gst_object_unref(sink);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return status;
}
