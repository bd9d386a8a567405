// SPDX-License-Identifier: LGPL-2.1-or-later
#include "identify_run.h"

#include <glib-unix.h>
#include <gst/identifyface/identifyface.h>

#include <csignal>
#include <mutex>

#include "cli_options.h"
#include "clip_check.h"
#include "result_output.h"
#include "runtime/ca_file_trust.h"

RunOutcome::~RunOutcome() {
  if (result) gst_structure_free(result);
  if (failure) gst_structure_free(failure);
}

namespace {

struct Run {
  GstElement *pipeline = nullptr;
  GstElement *identifyface = nullptr;
  GstElement *parsebin = nullptr;
  GMainLoop *loop = nullptr;
  ProgressLine *progress = nullptr;
  RunOutcome *outcome = nullptr;
  std::mutex lock;  // pad-added comes from streaming threads
  bool source_linked = false;
  bool video_linked = false;
  std::string other_streams;  // what the clip has besides video, for "no video" (with lock)
  unsigned timeout_s = 0;
  bool interrupted = false;
  bool done = false;                      // the first outcome counts
  guint watchdog_id = 0;                  // 0 once it fired
  GstStructure *error_message = nullptr;  // the last identify-face-error
};

const char *kNoVideo = "gst-identify-face-no-video";

void finish(Run *run, int exit_code) {
  if (run->done) return;
  run->done = true;
  run->outcome->exit_code = exit_code;
  g_main_loop_quit(run->loop);
}

void fail(Run *run, int exit_code, const std::string &text, const GstStructure *details) {
  if (run->done) return;
  run->outcome->failure_text = text;
  if (details) run->outcome->failure = gst_structure_copy(details);
  finish(run, exit_code);
}

std::string caps_name(GstPad *pad) {
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  std::string name;
  if (caps && !gst_caps_is_empty(caps) && !gst_caps_is_any(caps))
    name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  if (caps) gst_caps_unref(caps);
  return name;
}

// Posted (from any thread) when the clip turned out to have no video: the
// run fails at once, naming what it has.
void post_no_video(Run *run) {
  std::string streams;
  {
    std::lock_guard<std::mutex> g(run->lock);
    if (run->video_linked) return;
    streams = run->other_streams;
  }
  gst_element_post_message(
      run->pipeline,
      gst_message_new_application(GST_OBJECT(run->pipeline),
                                  gst_structure_new(kNoVideo, "streams", G_TYPE_STRING, streams.c_str(), nullptr)));
}

// A parsed stream that is not video reached its end while no video stream
// was found: parsebin does not always say no-more-pads (an mp3, an audio-only
// mp4), and the element, never linked, would wait for nothing.
GstPadProbeReturn on_drained_event(GstPad *, GstPadProbeInfo *info, gpointer data) {
  if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) post_no_video(static_cast<Run *>(data));
  return GST_PAD_PROBE_OK;
}

// A fakesink for a stream nobody looks at; `parsed`: a stream of the clip
// (after parsebin), whose end says whether the clip had video.
void drain_pad(Run *run, GstPad *pad, bool parsed) {
  GstElement *sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(run->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sinkpad = gst_element_get_static_pad(sink, "sink");
  if (parsed) gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_drained_event, run, nullptr);
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
}

void on_source_pad(GstElement *, GstPad *pad, gpointer data) {
  auto *run = static_cast<Run *>(data);
  bool first;
  {
    std::lock_guard<std::mutex> g(run->lock);
    first = !run->source_linked;
    run->source_linked = true;
  }
  if (!first) {
    drain_pad(run, pad, false);
    return;
  }
  GstPad *sinkpad = gst_element_get_static_pad(run->parsebin, "sink");
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
}

void on_parsed_pad(GstElement *, GstPad *pad, gpointer data) {
  auto *run = static_cast<Run *>(data);
  std::string name = caps_name(pad);
  bool video = g_str_has_prefix(name.c_str(), "video/") || g_str_has_prefix(name.c_str(), "image/");
  bool take = false;
  {
    std::lock_guard<std::mutex> g(run->lock);
    if (video) {
      take = !run->video_linked;
      run->video_linked = true;
    } else {
      std::string what = name.empty() ? "a stream of unknown type" : name;
      run->other_streams += (run->other_streams.empty() ? "" : ", ") + what;
    }
  }
  if (!take) {
    drain_pad(run, pad, !video);
    return;
  }
  GstPad *sinkpad = gst_element_get_static_pad(run->identifyface, "sink");
  GstPadLinkReturn r = gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
  if (r != GST_PAD_LINK_OK)
    GST_ELEMENT_ERROR(run->parsebin, CORE, NEGOTIATION, ("cannot link the video stream to identifyface"), (nullptr));
}

void on_no_more_pads(GstElement *, gpointer data) {
  post_no_video(static_cast<Run *>(data));
}

// Any message about a task carries its id: kept for every ending.
void note_task_id(Run *run, GstMessage *msg) {
  const GstStructure *s = gst_message_get_structure(msg);
  const gchar *task = s && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ELEMENT
                          ? gst_structure_get_string(s, IDENTIFYFACE_FIELD_TASK_ID)
                          : nullptr;
  if (task && *task) run->outcome->task_id = task;
}

gboolean on_bus(GstBus *, GstMessage *msg, gpointer data) {
  auto *run = static_cast<Run *>(data);
  note_task_id(run, msg);
  if (run->progress->handle_message(msg)) return TRUE;
  const GstStructure *s = gst_message_get_structure(msg);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT:
      if (s && gst_structure_has_name(s, IDENTIFYFACE_MESSAGE_RESULT)) {
        run->outcome->result = gst_structure_copy(s);
        finish(run, kExitResult);
      } else if (s && gst_structure_has_name(s, IDENTIFYFACE_MESSAGE_ERROR)) {
        if (run->error_message) gst_structure_free(run->error_message);
        run->error_message = gst_structure_copy(s);
      }
      break;
    case GST_MESSAGE_APPLICATION:
      if (s && gst_structure_has_name(s, kNoVideo)) {
        const gchar *streams = gst_structure_get_string(s, "streams");
        std::string text = std::string("the clip has no video stream (it has ") +
                           (streams && *streams ? streams : "no stream") +
                           "): identifyface identifies faces in video; nothing was sent";
        // The element's own kind for a clip the service would refuse.
        GstStructure *details = gst_structure_new(IDENTIFYFACE_MESSAGE_ERROR, IDENTIFYFACE_FIELD_KIND, G_TYPE_STRING,
                                                  IDENTIFYFACE_KIND_VALIDATION, IDENTIFYFACE_FIELD_MESSAGE,
                                                  G_TYPE_STRING, text.c_str(), nullptr);
        fail(run, kExitFailed, text, details);
        gst_structure_free(details);
      }
      break;
    case GST_MESSAGE_WARNING: {
      GError *err = nullptr;
      gst_message_parse_warning(msg, &err, nullptr);
      run->progress->clear();
      g_printerr("gst-identify-face: warning: %s\n", command_spelling(err->message).c_str());
      g_error_free(err);
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError *err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      const GstStructure *details = nullptr;
      gst_message_parse_error_details(msg, &details);
      if (run->error_message) {
        const gchar *text = gst_structure_get_string(run->error_message, IDENTIFYFACE_FIELD_MESSAGE);
        fail(run, kExitFailed, std::string("identification failed: ") + (text ? text : err->message),
             run->error_message);
      } else if (GST_MESSAGE_SRC(msg) == GST_OBJECT(run->identifyface) && err->domain == GST_RESOURCE_ERROR &&
                 (err->code == GST_RESOURCE_ERROR_SETTINGS || err->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED)) {
        // The element refused its settings before doing anything.
        fail(run, kExitUsage, err->message, details);
      } else if (GST_MESSAGE_SRC(msg) == GST_OBJECT(run->identifyface)) {
        fail(run, kExitFailed, std::string("identification failed: ") + err->message, details);
      } else {
        // The source, demuxer or parser: the clip cannot be read (the debug
        // text is for GST_DEBUG, not for users; the command then asks the
        // clip's server what went wrong).
        run->outcome->clip_unreadable = !run->done;
        fail(run, kExitFailed, err->message, details);
      }
      g_error_free(err);
      break;
    }
    case GST_MESSAGE_EOS:
      if (run->error_message)
        fail(run, kExitFailed, "identification failed", run->error_message);
      else
        fail(run, kExitFailed, "the clip ended without an answer from identifyface", nullptr);
      break;
    default: break;
  }
  return TRUE;
}

void interrupt(Run *run, int signum) {
  if (run->done) return;
  run->interrupted = true;
  run->outcome->failure_text = signum == SIGINT ? "cancelled (Ctrl-C)" : "cancelled (terminated)";
  finish(run, 128 + signum);
}

gboolean on_sigint(gpointer data) {
  interrupt(static_cast<Run *>(data), SIGINT);
  return G_SOURCE_CONTINUE;
}

gboolean on_sigterm(gpointer data) {
  interrupt(static_cast<Run *>(data), SIGTERM);
  return G_SOURCE_CONTINUE;
}

gboolean on_tick(gpointer data) {
  static_cast<Run *>(data)->progress->tick();
  return G_SOURCE_CONTINUE;
}

gboolean on_watchdog(gpointer data) {
  auto *run = static_cast<Run *>(data);
  run->watchdog_id = 0;
  fail(run, kExitFailed,
       "no answer within --timeout=" + std::to_string(run->timeout_s) + " s: the run was stopped (raise --timeout)",
       nullptr);
  return G_SOURCE_REMOVE;
}

}  // namespace

void run_identification(GstElement *identifyface, const std::string &uri, unsigned watchdog_s, unsigned timeout_s,
                        ProgressLine &progress, RunOutcome &outcome) {
  Run run;
  run.timeout_s = timeout_s;
  run.outcome = &outcome;
  run.progress = &progress;
  run.loop = g_main_loop_new(nullptr, FALSE);
  run.identifyface = GST_ELEMENT(gst_object_ref_sink(identifyface));
  run.pipeline = gst_pipeline_new("gst-identify-face");
  GstElement *source = gst_element_factory_make("urisourcebin", nullptr);
  run.parsebin = gst_element_factory_make("parsebin", nullptr);
  GstElement *sink = gst_element_factory_make("fakesink", nullptr);
  if (!source || !run.parsebin || !sink) {
    outcome.exit_code = kExitFailed;
    outcome.failure_text = "GStreamer's urisourcebin, parsebin or fakesink is missing (gstreamer1.0-plugins-base)";
    for (GstElement *e : {source, run.parsebin, sink})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    g_main_loop_unref(run.loop);
    gst_object_unref(run.identifyface);
    gst_object_unref(run.pipeline);
    return;
  }
  g_object_set(source, "uri", uri.c_str(), nullptr);
  gchar *ca_file = nullptr;
  g_object_get(identifyface, "ssl-ca-file", &ca_file, nullptr);
  if (ca_file && *ca_file)  // an https clip is read with the CAs the service is trusted with
    g_signal_connect_data(
        source, "source-setup", G_CALLBACK(+[](GstElement *, GstElement *src, gpointer data) {
          idf::trust_ca_file_in_source(src, static_cast<const char *>(data));
        }),
        g_strdup(ca_file), [](gpointer data, GClosure *) { g_free(data); }, (GConnectFlags)0);
  g_free(ca_file);
  g_object_set(sink, "sync", FALSE, nullptr);
  // The command wants the answer: hold EOS for it, and stop on a failure.
  g_object_set(identifyface, "hold-eos", TRUE, nullptr);
  gst_util_set_object_arg(G_OBJECT(identifyface), "on-error", "error");
  gst_bin_add_many(GST_BIN(run.pipeline), source, run.parsebin, GST_ELEMENT(gst_object_ref(run.identifyface)), sink,
                   nullptr);
  gst_element_link(run.identifyface, sink);
  g_signal_connect(source, "pad-added", G_CALLBACK(on_source_pad), &run);
  g_signal_connect(run.parsebin, "pad-added", G_CALLBACK(on_parsed_pad), &run);
  g_signal_connect(run.parsebin, "no-more-pads", G_CALLBACK(on_no_more_pads), &run);

  GstBus *bus = gst_element_get_bus(run.pipeline);
  guint bus_watch = gst_bus_add_watch(bus, on_bus, &run);
  guint sigint = g_unix_signal_add(SIGINT, on_sigint, &run);
  guint sigterm = g_unix_signal_add(SIGTERM, on_sigterm, &run);
  guint tick = g_timeout_add(250, on_tick, &run);
  run.watchdog_id = g_timeout_add_seconds(watchdog_s, on_watchdog, &run);

  // A failure to start posts an ERROR saying why; the loop delivers it.
  gst_element_set_state(run.pipeline, GST_STATE_PLAYING);
  g_main_loop_run(run.loop);

  // Stopping cancels the identification synchronously: nothing is sent
  // after this. READY first: the bus still delivers what the element says
  // about the cancellation (NULL flushes it).
  gst_element_set_state(run.pipeline, GST_STATE_READY);
  // What the stop said (the "cancelled" step names a task the service created).
  while (GstMessage *msg = gst_bus_pop(bus)) {
    note_task_id(&run, msg);
    if (run.interrupted) run.progress->handle_message(msg);
    gst_message_unref(msg);
  }
  gst_element_set_state(run.pipeline, GST_STATE_NULL);

  g_source_remove(bus_watch);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(tick);
  if (run.watchdog_id) g_source_remove(run.watchdog_id);
  gst_object_unref(bus);
  gst_object_unref(run.pipeline);
  gst_object_unref(run.identifyface);
  if (run.error_message) gst_structure_free(run.error_message);
  g_main_loop_unref(run.loop);
}
