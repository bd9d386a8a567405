// SPDX-License-Identifier: LGPL-2.1-or-later
#include "lipsync_run.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/identifyface/identifyface.h>
#include <libsoup/soup.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <vector>

#include "cli_options.h"
#include "clip_check.h"
#include "credentials.h"
#include "runtime/ca_file_trust.h"
#include "wire/lipsync_request.h"

LipsyncOutcome::~LipsyncOutcome() {
  if (result) gst_structure_free(result);
}

namespace {

struct Run {
  GMainLoop *loop = nullptr;
  GstElement *pipeline = nullptr;
  GstElement *lipsync = nullptr;
  ProgressLine *progress = nullptr;
  LipsyncOutcome *outcome = nullptr;
  GstTagList *tags = nullptr;  // pushed before the only buffer
  GstStructure *error_message = nullptr;
  bool done = false;
  guint watchdog_id = 0;
};

void finish(Run *run, int code, const std::string &text = "") {
  if (run->done) return;
  run->done = true;
  run->outcome->exit_code = code;
  if (!text.empty()) run->outcome->failure_text = text;
  g_main_loop_quit(run->loop);
}

// lipsync-progress has identify-face-progress's fields.
bool handle_progress(Run *run, const GstStructure *s) {
  if (!s || !gst_structure_has_name(s, LIPSYNC_MESSAGE_PROGRESS)) return false;
  ProgressState st;
  if (const char *v = gst_structure_get_string(s, IDENTIFYFACE_FIELD_PHASE)) st.phase = v;
  if (const char *v = gst_structure_get_string(s, IDENTIFYFACE_FIELD_TEXT)) st.text = v;
  if (const char *v = gst_structure_get_string(s, IDENTIFYFACE_FIELD_STATUS)) st.status = v;
  gst_structure_get_double(s, IDENTIFYFACE_FIELD_ELAPSED, &st.elapsed);
  guint place = 0;
  if (gst_structure_get_uint(s, IDENTIFYFACE_FIELD_QUEUE_POSITION, &place)) st.queue_position = (int)place;
  // The task id rides in the polling text ("lip-sync task ID: status"): keep
  // it, so that a stopped run still names what was paid for.
  const std::string prefix = "lip-sync task ";
  if (st.text.rfind(prefix, 0) == 0) {
    size_t end = st.text.find(':', prefix.size());
    if (end != std::string::npos) run->outcome->task_id = st.text.substr(prefix.size(), end - prefix.size());
  }
  // check-only: every rule passed, nothing sent; EOS follows.
  if (st.phase == IDENTIFYFACE_PHASE_COMPLETE && st.text.rfind("checked", 0) == 0) run->outcome->checked = st.text;
  run->progress->update(st);
  return true;
}

gboolean on_bus(GstBus *, GstMessage *msg, gpointer data) {
  auto *run = static_cast<Run *>(data);
  const GstStructure *s = gst_message_get_structure(msg);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT:
      if (handle_progress(run, s)) break;
      if (s && gst_structure_has_name(s, LIPSYNC_MESSAGE_RESULT)) {
        run->outcome->result = gst_structure_copy(s);
        if (const char *t = gst_structure_get_string(s, IDENTIFYFACE_FIELD_TASK_ID)) run->outcome->task_id = t;
        finish(run, kExitResult);
      } else if (s && gst_structure_has_name(s, LIPSYNC_MESSAGE_ERROR)) {
        if (run->error_message) gst_structure_free(run->error_message);
        run->error_message = gst_structure_copy(s);
        const char *t = gst_structure_get_string(s, IDENTIFYFACE_FIELD_TASK_ID);
        if (t && *t) run->outcome->task_id = t;
        const char *ended = gst_structure_get_string(s, IDENTIFYFACE_FIELD_STATUS);
        if (ended && *ended) run->outcome->task_status = ended;
      }
      break;
    case GST_MESSAGE_WARNING: {
      GError *err = nullptr;
      gst_message_parse_warning(msg, &err, nullptr);
      run->progress->clear();
      g_printerr("gst-identify-face: warning: %s\n", err->message);
      g_error_free(err);
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError *err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      const char *text =
          run->error_message ? gst_structure_get_string(run->error_message, IDENTIFYFACE_FIELD_MESSAGE) : nullptr;
      finish(run, kExitFailed, std::string("lip-sync failed: ") + (text ? text : err->message));
      g_error_free(err);
      break;
    }
    case GST_MESSAGE_EOS:
      if (!run->outcome->checked.empty())
        finish(run, kExitResult);
      else
        finish(run, kExitFailed, "the lip-sync ended without an answer");
      break;
    default: break;
  }
  return TRUE;
}

GstPadProbeReturn push_tags_first(GstPad *pad, GstPadProbeInfo *, gpointer data) {
  auto *run = static_cast<Run *>(data);
  if (run->tags) {
    GstTagList *tags = run->tags;
    run->tags = nullptr;
    gst_pad_push_event(pad, gst_event_new_tag(tags));
  }
  return GST_PAD_PROBE_REMOVE;
}

void interrupt(Run *run, int signum) {
  finish(run, 128 + signum, signum == SIGINT ? "cancelled (Ctrl-C)" : "cancelled (terminated)");
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
  finish(run, kExitFailed, "no answer in time: the run was stopped");
  return G_SOURCE_REMOVE;
}

// The identification's session and faces, as identifyface tags them.
GstTagList *tags_of(const GstStructure *identify_result) {
  GstTagList *tags = gst_tag_list_new_empty();
  gst_tag_list_set_scope(tags, GST_TAG_SCOPE_STREAM);
  if (!identify_result) return tags;  // collecting a task: no session needed
  const char *session = gst_structure_get_string(identify_result, IDENTIFYFACE_FIELD_SESSION_ID);
  if (session && *session) gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDENTIFYFACE_TAG_SESSION_ID, session, nullptr);
  const char *created = gst_structure_get_string(identify_result, IDENTIFYFACE_FIELD_SESSION_CREATED);
  if (created && *created)
    gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDENTIFYFACE_TAG_SESSION_CREATED, created, nullptr);
  const GValue *faces = gst_structure_get_value(identify_result, IDENTIFYFACE_FIELD_FACES);
  for (guint i = 0; faces && GST_VALUE_HOLDS_LIST(faces) && i < gst_value_list_get_size(faces); i++) {
    const GValue *v = gst_value_list_get_value(faces, i);
    if (GST_VALUE_HOLDS_STRUCTURE(v))
      gst_tag_list_add(tags, GST_TAG_MERGE_APPEND, IDENTIFYFACE_TAG_FACE, gst_value_get_structure(v), nullptr);
  }
  return tags;
}

}  // namespace

void run_lipsync(GstElement *lipsync, const GstStructure *identify_result, guint64 clip_duration_ns,
                 unsigned watchdog_s, ProgressLine &progress, LipsyncOutcome &outcome) {
  Run run;
  run.outcome = &outcome;
  run.progress = &progress;
  run.loop = g_main_loop_new(nullptr, FALSE);
  run.lipsync = GST_ELEMENT(gst_object_ref_sink(lipsync));
  run.tags = tags_of(identify_result);
  run.pipeline = gst_pipeline_new("gst-identify-face-lipsync");
  GstElement *src = gst_element_factory_make("appsrc", nullptr);
  GstElement *sink = gst_element_factory_make("fakesink", nullptr);
  // The clip's duration answers lipsync's duration query: the audio must
  // stay inside the video.
  GstCaps *caps = gst_caps_new_empty_simple("application/x-identify-face-session");
  g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "duration",
               clip_duration_ns ? clip_duration_ns : GST_CLOCK_TIME_NONE, nullptr);
  gst_caps_unref(caps);
  g_object_set(sink, "sync", FALSE, nullptr);
  g_object_set(lipsync, "hold-eos", TRUE, nullptr);
  gst_util_set_object_arg(G_OBJECT(lipsync), "on-error", "error");
  gst_bin_add_many(GST_BIN(run.pipeline), src, GST_ELEMENT(gst_object_ref(run.lipsync)), sink, nullptr);
  gst_element_link_many(src, run.lipsync, sink, nullptr);
  GstPad *srcpad = gst_element_get_static_pad(src, "src");
  gst_pad_add_probe(srcpad, GST_PAD_PROBE_TYPE_BUFFER, push_tags_first, &run, nullptr);
  gst_object_unref(srcpad);

  GstBus *bus = gst_element_get_bus(run.pipeline);
  guint bus_watch = gst_bus_add_watch(bus, on_bus, &run);
  guint sigint = g_unix_signal_add(SIGINT, on_sigint, &run);
  guint sigterm = g_unix_signal_add(SIGTERM, on_sigterm, &run);
  guint tick = g_timeout_add(250, on_tick, &run);
  run.watchdog_id = g_timeout_add_seconds(watchdog_s, on_watchdog, &run);

  gst_element_set_state(run.pipeline, GST_STATE_PLAYING);
  GstBuffer *buffer = gst_buffer_new();
  GST_BUFFER_PTS(buffer) = 0;
  gst_app_src_push_buffer(GST_APP_SRC(src), buffer);
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  g_main_loop_run(run.loop);

  // Stopping cancels the lip-sync synchronously: nothing is sent after this.
  gst_element_set_state(run.pipeline, GST_STATE_READY);
  while (GstMessage *msg = gst_bus_pop(bus)) {
    handle_progress(&run, gst_message_get_structure(msg));
    gst_message_unref(msg);
  }
  gst_element_set_state(run.pipeline, GST_STATE_NULL);
  g_source_remove(bus_watch);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(tick);
  if (run.watchdog_id) g_source_remove(run.watchdog_id);
  if (run.tags) gst_tag_list_unref(run.tags);
  gst_object_unref(bus);
  gst_object_unref(run.pipeline);
  gst_object_unref(run.lipsync);
  if (run.error_message) gst_structure_free(run.error_message);
  g_main_loop_unref(run.loop);
}

bool download_to_file(const std::string &url, const std::string &path, unsigned timeout_s, const std::string &ca_file,
                      GCancellable *cancellable, std::string &error, uint64_t *bytes_written) {
  gchar *dir = g_path_get_dirname(path.c_str());
  gchar *base = g_path_get_basename(path.c_str());
  std::string tmpl = std::string(dir) + "/." + base + ".part-XXXXXX";
  g_free(dir);
  g_free(base);
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = g_mkstemp(name.data());
  if (fd < 0) {
    error = "cannot write beside " + path + ": " + g_strerror(errno);
    return false;
  }
  std::string temp = name.data();
  FILE *out = fdopen(fd, "wb");
  if (!out) {
    close(fd);
    g_unlink(temp.c_str());
    error = "cannot write beside " + path + ": " + g_strerror(errno);
    return false;
  }
  SoupSession *session = soup_session_new_with_options("timeout", timeout_s, nullptr);
  std::string ca_problem;
  if (!ca_file.empty()) {  // besides the system's CAs: the video may be on a public CDN
    if (GTlsDatabase *db = idf::ca_file_database_new(ca_file, ca_problem)) {
      soup_session_set_tls_database(session, db);
      g_object_unref(db);
    }
  }
  bool ok = false;
  uint64_t total = 0;
  SoupMessage *msg = ca_problem.empty() ? soup_message_new("GET", url.c_str()) : nullptr;
  GError *err = nullptr;
  GInputStream *in = msg ? soup_session_send(session, msg, cancellable, &err) : nullptr;
  if (!ca_problem.empty()) {
    error = "download failed: " + ca_problem;
  } else if (!msg) {
    error = "the result URL cannot be fetched: " + url;
  } else if (!in) {
    error = std::string("download failed: ") + err->message;
  } else if (soup_message_get_status(msg) != SOUP_STATUS_OK) {
    error = "download failed: HTTP " + std::to_string(soup_message_get_status(msg));
  } else {
    goffset expected = soup_message_headers_get_content_length(soup_message_get_response_headers(msg));
    char buf[65536];
    gssize n;
    while ((n = g_input_stream_read(in, buf, sizeof buf, cancellable, &err)) > 0) {
      if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
        error = "cannot write " + temp + ": " + g_strerror(errno);
        n = 0;
        break;
      }
      total += (uint64_t)n;
      if (bytes_written) *bytes_written = total;
    }
    bool write_failed = !error.empty();
    if (!write_failed && (n < 0 || err))
      error = std::string("download failed after ") + std::to_string(total) + " bytes: " + (err ? err->message : "?");
    else if (!write_failed && expected > 0 && (uint64_t)expected != total)
      error = "download ended after " + std::to_string(total) + " of " + std::to_string(expected) + " bytes";
    else if (!write_failed)
      ok = true;
  }
  g_clear_error(&err);
  if (in) g_object_unref(in);
  if (msg) g_object_unref(msg);
  g_object_unref(session);
  if (fclose(out) != 0 && ok) {
    error = "cannot write " + temp + ": " + g_strerror(errno);
    ok = false;
  }
  if (ok && g_rename(temp.c_str(), path.c_str()) != 0) {
    error = "cannot rename the download to " + path + ": " + g_strerror(errno);
    ok = false;
  }
  if (!ok) g_unlink(temp.c_str());
  return ok;
}

namespace {

struct Download {
  std::string url, path, ca_file, error;
  unsigned timeout_s = 0;
  uint64_t bytes = 0;
  bool ok = false;
  int signum = 0;
  GCancellable *cancellable = nullptr;
  GMainLoop *loop = nullptr;
};

gboolean on_download_signal(Download *d, int signum) {
  if (!d->signum) d->signum = signum;
  g_cancellable_cancel(d->cancellable);
  return G_SOURCE_CONTINUE;
}
gboolean on_download_sigint(gpointer data) {
  return on_download_signal(static_cast<Download *>(data), SIGINT);
}
gboolean on_download_sigterm(gpointer data) {
  return on_download_signal(static_cast<Download *>(data), SIGTERM);
}

gboolean on_download_done(gpointer data) {
  g_main_loop_quit(static_cast<Download *>(data)->loop);
  return G_SOURCE_REMOVE;
}

}  // namespace

// The download on a thread of its own, so that Ctrl-C (or SIGTERM) reaches
// the main loop and cancels it: download_to_file() then removes its
// temporary file, and nothing is left beside `path`.
static bool download_interruptibly(const std::string &url, const std::string &path, unsigned timeout_s,
                                   const std::string &ca_file, std::string &error, uint64_t *bytes, int *signum) {
  Download d;
  d.url = url;
  d.path = path;
  d.ca_file = ca_file;
  d.timeout_s = timeout_s;
  d.cancellable = g_cancellable_new();
  GMainContext *context = g_main_context_default();
  d.loop = g_main_loop_new(context, FALSE);
  guint sigint = g_unix_signal_add(SIGINT, on_download_sigint, &d);
  guint sigterm = g_unix_signal_add(SIGTERM, on_download_sigterm, &d);
  GThread *thread = g_thread_new(
      "lipsync-download",
      [](gpointer data) -> gpointer {
        auto *dl = static_cast<Download *>(data);
        dl->ok =
            download_to_file(dl->url, dl->path, dl->timeout_s, dl->ca_file, dl->cancellable, dl->error, &dl->bytes);
        g_idle_add(on_download_done, dl);
        return nullptr;
      },
      &d);
  g_main_loop_run(d.loop);
  g_thread_join(thread);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_main_loop_unref(d.loop);
  g_object_unref(d.cancellable);
  if (d.signum) d.error = std::string("download cancelled (") + (d.signum == SIGINT ? "Ctrl-C" : "terminated") + ")";
  error = d.error;
  *bytes = d.bytes;
  *signum = d.ok ? 0 : d.signum;
  return d.ok;
}

static void copy_property(GstElement *from, GstElement *to, const char *name) {
  GParamSpec *a = g_object_class_find_property(G_OBJECT_GET_CLASS(from), name);
  GParamSpec *b = g_object_class_find_property(G_OBJECT_GET_CLASS(to), name);
  if (!a || !b || !(a->flags & G_PARAM_READABLE) || a->value_type != b->value_type) return;
  GValue v = G_VALUE_INIT;
  g_value_init(&v, a->value_type);
  g_object_get_property(G_OBJECT(from), name, &v);
  g_object_set_property(G_OBJECT(to), name, &v);
  g_value_unset(&v);
}

static std::string string_property(GstElement *e, const char *name) {
  gchar *v = nullptr;
  g_object_get(e, name, &v, nullptr);
  std::string out = v ? v : "";
  g_free(v);
  return out;
}

int lipsync_after_identification(GstElement *identifyface, const CliOptions &options, const std::string &clip_uri,
                                 const GstStructure *identify_result) {
  GstElement *lipsync = gst_element_factory_make(LIPSYNC_ELEMENT, nullptr);
  if (!lipsync) {
    g_printerr("gst-identify-face: GStreamer has no lipsync element: the plugin is too old or not found\n");
    return kExitFailed;
  }
  gst_object_ref_sink(lipsync);
  for (const char *name : {"provider", "validation", "request-timeout", "timeout", "max-retries", "max-concurrent",
                           "poll-interval", "ssl-ca-file"})
    copy_property(identifyface, lipsync, name);
  std::string api_url = options.lipsync_api_url;
  if (api_url.empty()) {
    std::string identify_url = string_property(identifyface, "api-url");
    if (!identify_url.empty()) api_url = idf::lipsync_url_beside(identify_url);
  }
  if (!api_url.empty()) g_object_set(lipsync, "api-url", api_url.c_str(), nullptr);
  std::string poll_url = string_property(identifyface, "poll-url");
  if (!poll_url.empty() && api_url == string_property(identifyface, "api-url"))
    g_object_set(lipsync, "poll-url", poll_url.c_str(), nullptr);  // kirin: the same task endpoint
  if (!options.lipsync_task_id.empty())
    g_object_set(lipsync, "task-id", options.lipsync_task_id.c_str(), nullptr);
  else
    g_object_set(lipsync, "audio-uri", options.lipsync_audio.c_str(), nullptr);
  if (!options.lipsync_face.empty()) g_object_set(lipsync, "face-id", options.lipsync_face.c_str(), nullptr);
  if (options.check) g_object_set(lipsync, "check-only", TRUE, nullptr);
  if (options.lipsync_insert_at >= 0)
    g_object_set(lipsync, "insert-time", (guint64)(options.lipsync_insert_at * GST_SECOND + 0.5), nullptr);
  std::string error, warning;
  if (!apply_credentials(lipsync, options, true, error, warning)) {
    g_printerr("gst-identify-face: %s\n", error.c_str());
    gst_object_unref(lipsync);
    return kExitUsage;
  }

  guint request_timeout = 30, timeout = 300;
  g_object_get(lipsync, "request-timeout", &request_timeout, "timeout", &timeout, nullptr);
  idf::ClipInfo clip;
  std::string clip_error;
  measure_clip(clip_uri, request_timeout, options.get("ssl-ca-file"), clip,
               clip_error);  // unknown: the element says it cannot check

  ProgressLine progress(stderr, isatty(STDERR_FILENO), options.quiet);
  LipsyncOutcome outcome;
  run_lipsync(lipsync, identify_result, clip.duration_ns.value_or(0), timeout + 2 * request_timeout + 60, progress,
              outcome);
  progress.finish();
  gst_object_unref(lipsync);

  if (options.check && outcome.exit_code == kExitResult && !outcome.checked.empty()) {
    printf("lip-sync %s\n", outcome.checked.c_str());
    return kExitResult;
  }
  if (outcome.exit_code != kExitResult || !outcome.result) {
    g_printerr("gst-identify-face: %s\n", outcome.failure_text.c_str());
    if (!outcome.task_id.empty() && !outcome.task_status.empty())
      g_printerr(
          "gst-identify-face: lip-sync task %s failed (status \"%s\"): the service ended it; it is not resubmitted "
          "(a new run submits it again, at a new charge)\n",
          outcome.task_id.c_str(), outcome.task_status.c_str());
    else if (!outcome.task_id.empty())
      g_printerr(
          "gst-identify-face: lip-sync task %s was submitted and may still finish: it is not resubmitted; collect "
          "it without a new charge with --lipsync-task-id=%s (the lipsync element: task-id=%s)\n",
          outcome.task_id.c_str(), outcome.task_id.c_str(), outcome.task_id.c_str());
    return outcome.exit_code;
  }
  const GstStructure *r = outcome.result;
  auto field = [r](const char *name) {
    const char *v = gst_structure_get_string(r, name);
    return std::string(v ? v : "");
  };
  guint64 insert = 0, duration = 0;
  gst_structure_get_uint64(r, LIPSYNC_FIELD_INSERT_TIME, &insert);
  gst_structure_get_uint64(r, LIPSYNC_FIELD_RESULT_DURATION, &duration);
  std::string choice = field(LIPSYNC_FIELD_CHOICE);
  if (!field(IDENTIFYFACE_FIELD_FACE_ID).empty())  // a collected task names no face
    printf("lip-sync face: %s, audio inserted at %.3f s%s%s\n", field(IDENTIFYFACE_FIELD_FACE_ID).c_str(), insert / 1e9,
           choice.empty() ? "" : ": ", choice.c_str());
  printf("lip-sync task: %s (%s), credits: %s\n", field(IDENTIFYFACE_FIELD_TASK_ID).c_str(),
         field(IDENTIFYFACE_FIELD_STATUS).c_str(), field(IDENTIFYFACE_FIELD_FINAL_UNIT_DEDUCTION).c_str());
  printf("lip-sync video: %s (%.1f s)\n", field(LIPSYNC_FIELD_RESULT_URL).c_str(), duration / 1e9);
  fflush(stdout);
  if (options.lipsync_output.empty()) return kExitResult;
  uint64_t bytes = 0;
  std::string ca_file = string_property(identifyface, "ssl-ca-file");
  int signum = 0;
  if (!download_interruptibly(field(LIPSYNC_FIELD_RESULT_URL), options.lipsync_output, request_timeout, ca_file, error,
                              &bytes, &signum)) {
    g_printerr("gst-identify-face: %s; %s was not written (the video stays at the URL above)\n", error.c_str(),
               options.lipsync_output.c_str());
    return signum ? 128 + signum : kExitFailed;
  }
  printf("wrote %s (%" G_GUINT64_FORMAT " bytes)\n", options.lipsync_output.c_str(), (guint64)bytes);
  return kExitResult;
}
