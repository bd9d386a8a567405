/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * print-faces: runs identifyface on an mp4 (H.264) clip and prints the faces
 * twice: from the identify-face bus message, and from the lipsync-face tags
 * that reach the sink.
 *
 *   print-faces CLIP [PROPERTY=VALUE ...]
 *   IDENTIFYFACE_API_KEY=... print-faces clip.mp4 video-url=https://example.com/clip.mp4
 *   print-faces clip.mp4 provider=local
 *
 * Build: cc print-faces.c -o print-faces $(pkg-config --cflags --libs gstreamer-identifyface-1.0)
 */
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>
#include <stdio.h>

typedef struct {
  GMainLoop *loop;
  int status;            /* the exit status */
  GstStructure *result;  /* the identify-face message's structure */
  GstTagList *sink_tags; /* the last tags with faces seen by the sink */
  GMutex lock;           /* sink_tags is set on the streaming thread */
} App;

static void print_face(const IdentifyFaceFace *face) {
  printf("  face %s: %.3f s to %.3f s%s, %s\n", face->face_id, face->start_time / 1e9, face->end_time / 1e9,
         face->lipsync_ready ? ", lip-sync ready" : "", face->face_image);
}

static gboolean on_message(GstBus *bus, GstMessage *msg, gpointer data) {
  App *app = data;
  const GstStructure *s = gst_message_get_structure(msg);
  (void)bus;
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT:
      if (gst_structure_has_name(s, IDENTIFYFACE_MESSAGE_RESULT)) {
        app->result = gst_structure_copy(s);
      } else if (gst_structure_has_name(s, IDENTIFYFACE_MESSAGE_ERROR)) {
        IdentifyFaceError e;
        identifyface_error_from_structure(s, &e);
        fprintf(stderr, "identification failed (%s%s%s): %s\n", e.kind, *e.code ? ", code " : "", e.code, e.message);
      }
      break;
    case GST_MESSAGE_ERROR: {
      GError *err = NULL;
      gst_message_parse_error(msg, &err, NULL);
      fprintf(stderr, "error from %s: %s\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message);
      g_error_free(err);
      app->status = 1;
      g_main_loop_quit(app->loop);
      break;
    }
    case GST_MESSAGE_EOS: /* identifyface holds EOS until the answer is known */ g_main_loop_quit(app->loop); break;
    default: break;
  }
  return TRUE;
}

/* On the sink's streaming thread: keeps the tags that carry faces. */
static GstPadProbeReturn on_sink_event(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  App *app = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  GstTagList *tags;
  (void)pad;
  if (GST_EVENT_TYPE(event) == GST_EVENT_TAG) {
    gst_event_parse_tag(event, &tags);
    if (identifyface_tags_n_faces(tags) > 0) {
      g_mutex_lock(&app->lock);
      if (app->sink_tags) gst_tag_list_unref(app->sink_tags);
      app->sink_tags = gst_tag_list_ref(tags);
      g_mutex_unlock(&app->lock);
    }
  }
  return GST_PAD_PROBE_OK;
}

int main(int argc, char **argv) {
  App app = {0};
  GstElement *pipeline, *source, *identifyface, *sink;
  GstPad *sinkpad;
  GstBus *bus;
  gchar *session = NULL;
  GError *err = NULL;
  guint i;
  int a;

  gst_init(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s CLIP [PROPERTY=VALUE ...]\n", argv[0]);
    return 2;
  }
  pipeline = gst_parse_launch(
      "filesrc name=src ! qtdemux ! h264parse ! " IDENTIFYFACE_ELEMENT " name=faces ! fakesink name=sink", &err);
  if (!pipeline) {
    fprintf(stderr, "%s\n", err->message);
    return 1;
  }
  source = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(source, "location", argv[1], NULL);
  gst_object_unref(source);
  identifyface = gst_bin_get_by_name(GST_BIN(pipeline), "faces");
  for (a = 2; a < argc; a++) { /* name=value, as gst-launch-1.0 takes them */
    gchar **kv = g_strsplit(argv[a], "=", 2);
    if (!kv[1] || !g_object_class_find_property(G_OBJECT_GET_CLASS(identifyface), kv[0])) {
      fprintf(stderr, "%s: not a PROPERTY=VALUE of %s\n", argv[a], IDENTIFYFACE_ELEMENT);
      return 2;
    }
    gst_util_set_object_arg(G_OBJECT(identifyface), kv[0], kv[1]);
    g_strfreev(kv);
  }

  sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_event, &app, NULL);

  g_mutex_init(&app.lock);
  app.loop = g_main_loop_new(NULL, FALSE);
  bus = gst_element_get_bus(pipeline);
  gst_bus_add_watch(bus, on_message, &app);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_main_loop_run(app.loop);
  gst_element_set_state(pipeline, GST_STATE_NULL);

  if (app.result) {
    IdentifyFaceFace face;
    guint n = identifyface_result_n_faces(app.result);
    printf("message: session %s, %u face(s)\n", gst_structure_get_string(app.result, IDENTIFYFACE_FIELD_SESSION_ID), n);
    for (i = 0; i < n; i++)
      if (identifyface_result_get_face(app.result, i, &face)) print_face(&face);
  } else {
    app.status = 1;
  }
  if (app.sink_tags) {
    IdentifyFaceFace face;
    guint n = identifyface_tags_n_faces(app.sink_tags);
    gst_tag_list_get_string(app.sink_tags, IDENTIFYFACE_TAG_SESSION_ID, &session);
    printf("tags at the sink: session %s, %u face(s)\n", session ? session : "?", n);
    for (i = 0; i < n; i++)
      if (identifyface_tags_get_face(app.sink_tags, i, &face)) print_face(&face);
    g_free(session);
    gst_tag_list_unref(app.sink_tags);
  }

  if (app.result) gst_structure_free(app.result);
  gst_object_unref(sinkpad);
  gst_object_unref(sink);
  gst_object_unref(identifyface);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  g_main_loop_unref(app.loop);
  g_mutex_clear(&app.lock);
  return app.status;
}
