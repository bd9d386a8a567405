// SPDX-License-Identifier: LGPL-2.1-or-later
// identifyface provider=local: the same message and tags as the services,
// offline, with validation, and cancellation that leaves nothing behind.
#include <gst/gst.h>

#include "support/local_test_util.h"
#include "support/test_util.h"

static std::string g_dir;
static std::string g_face_clip;  // 1280x720, 3 s, one face all along

static GstElement *local_pipeline(const std::string &clip, const std::string &props) {
  std::string desc = "filesrc location=\"" + clip + "\" ! qtdemux ! h264parse ! identifyface provider=local " + props +
                     " ! fakesink sync=false";
  return launch(desc);
}

static void test_message_like_the_services() {
  std::string images = g_dir + "/faces-ok";
  GstElement *p = local_pipeline(g_face_clip, "face-image-dir=" + images);
  BusLog log;
  run_until_done(p, log, 60000);
  g_assert_true(log.eos);
  const GstStructure *s = log.element_message("identify-face");
  g_assert_nonnull(s);
  g_assert_cmpstr(gst_structure_get_string(s, "provider"), ==, "local");
  g_assert_true(g_uuid_string_is_valid(gst_structure_get_string(s, "session-id")));
  g_assert_cmpstr(gst_structure_get_string(s, "final-unit-deduction"), ==, "0");
  std::string clip_uri = file_uri(g_face_clip);
  g_assert_cmpstr(gst_structure_get_string(s, "video-url"), ==, clip_uri.c_str());
  g_assert_cmpuint(gst_value_list_get_size(faces_of(s)), ==, 1);
  const GstStructure *face = face_at(s, 0);
  g_assert_cmpstr(gst_structure_get_string(face, "face-id"), ==, "0");
  guint64 start, end;
  gboolean ready;
  gst_structure_get(face, "start-time", G_TYPE_UINT64, &start, "end-time", G_TYPE_UINT64, &end, "lipsync-ready",
                    G_TYPE_BOOLEAN, &ready, nullptr);
  g_assert_cmpuint(start, <=, 250 * GST_MSECOND);
  g_assert_cmpuint(end, >=, 2750 * GST_MSECOND);
  g_assert_cmpuint(end, <=, 3 * GST_SECOND);
  g_assert_true(ready);
  const gchar *image = gst_structure_get_string(face, "face-image");
  g_assert_true(g_str_has_prefix(image, "file://"));
  gchar *path = g_filename_from_uri(image, nullptr, nullptr);
  g_assert_nonnull(path);
  g_assert_true(g_str_has_prefix(path, images.c_str()));
  g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
  g_free(path);
  // Progress: START, CONTINUE (share analysed), COMPLETE.
  auto progress = log.progress();
  g_assert_cmpuint(progress.size(), >=, 3);
  g_assert_cmpstr(progress.front().phase.c_str(), ==, "analysing");
  g_assert_cmpstr(progress[1].phase.c_str(), ==, "analysing");
  g_assert_cmpstr(progress.back().phase.c_str(), ==, "complete");
  stop(p);
}

// On raw frames the result names the clip the frames came from, as on the
// encoded stream: upstream's URI (here filesrc's), video-url left unset.
static void test_raw_frames_report_the_clip_uri() {
  std::string desc = "filesrc location=\"" + g_face_clip +
                     "\" ! qtdemux ! h264parse ! avdec_h264 ! identifyface provider=local face-image-dir=\"" + g_dir +
                     "/faces-raw\" ! fakesink sync=false";
  GstElement *p = launch(desc);
  BusLog log;
  run_until_done(p, log, 60000);
  g_assert_true(log.eos);
  const GstStructure *s = log.element_message("identify-face");
  g_assert_nonnull(s);
  std::string clip_uri = file_uri(g_face_clip);
  g_assert_cmpstr(gst_structure_get_string(s, "video-url"), ==, clip_uri.c_str());
  g_assert_cmpuint(gst_value_list_get_size(faces_of(s)), ==, 1);
  stop(p);
}

static void test_validation_applies_offline() {
  idf::test::FaceClipSpec spec;
  spec.width = 640;
  spec.height = 360;
  spec.seconds = 2.5;
  spec.fps = 10;
  spec.appearances = {{0, 2.5, 200, 40, false}};
  std::string clip = idf::test::make_face_clip(g_dir, "small-face.mp4", spec);
  std::string images = g_dir + "/faces-small";
  // Nothing is billed: by default the limits are a verdict, not a gate.
  GstElement *p = local_pipeline(clip, "face-image-dir=" + images);
  BusLog unset;
  run_until_done(p, unset, 30000);
  g_assert_true(unset.eos);
  const GstStructure *m = unset.element_message("identify-face");
  g_assert_nonnull(m);
  g_assert_cmpstr(gst_structure_get_string(m, "service-verdict"), ==, "refused");
  g_assert_true(strstr(gst_structure_get_string(m, "service-refusal"), "height 360 px") != nullptr);
  stop(p);

  // validation=strict, asked for, refuses.
  p = local_pipeline(clip, "validation=strict face-image-dir=" + images);
  BusLog strict;
  run_until_done(p, strict, 30000);
  g_assert_true(strict.error);
  const GstStructure *e = strict.element_message("identify-face-error");
  g_assert_nonnull(e);
  g_assert_cmpstr(gst_structure_get_string(e, "kind"), ==, "validation");
  stop(p);

  p = local_pipeline(clip, "validation=off face-image-dir=" + images);
  BusLog off;
  run_until_done(p, off, 30000);
  g_assert_true(off.eos);
  g_assert_nonnull(off.element_message("identify-face"));
  stop(p);
}

static void test_video_id_is_an_error() {
  GstElement *p = local_pipeline(g_face_clip, "video-id=123");
  BusLog log;
  run_until_done(p, log, 10000);
  g_assert_true(log.error);
  log.problem(GST_MESSAGE_ERROR).assert_contains({"video-id", "provider=local"});
  stop(p);
}

// Raw video flows through the element, which analyses those very frames:
// holding them for the result would wait forever. The combination is
// refused when the raw stream starts, naming both properties; the pipeline
// ends.
static void test_wait_for_result_on_raw_video_is_refused() {
  GstElement *p = launch("filesrc location=\"" + g_face_clip +
                         "\" ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! identifyface provider=local "
                         "wait-for-result=true face-image-dir=" +
                         g_dir + "/faces-raw-wait ! fakesink sync=false");
  BusLog log;
  run_until_done(p, log, 30000);
  g_assert_false(log.timed_out);
  g_assert_true(log.error);
  log.problem(GST_MESSAGE_ERROR).assert_contains({"wait-for-result", "provider=local", "raw video"});
  stop(p);

  // The same element on the encoded stream waits for the engine's answer.
  p = local_pipeline(g_face_clip, "wait-for-result=true face-image-dir=" + g_dir + "/faces-encoded-wait");
  BusLog encoded;
  run_until_done(p, encoded, 60000);
  g_assert_true(encoded.eos);
  g_assert_nonnull(encoded.element_message("identify-face"));
  stop(p);
}

static guint thread_count() {
  guint n = 0;
  if (GDir *dir = g_dir_open("/proc/self/task", 0, nullptr)) {
    while (g_dir_read_name(dir)) n++;
    g_dir_close(dir);
  }
  return n;
}

static void test_stop_mid_analysis_leaves_nothing() {
  // Long but cheap to encode: 30 s at 4 frames a second (the analysis
  // samples at most 8 a second, so it still has every frame to look at).
  idf::test::FaceClipSpec spec;
  spec.seconds = 30;
  spec.fps = 4;
  spec.appearances = {{0, 30, 100, 60, false}};
  std::string clip = idf::test::make_face_clip(g_dir, "long-face.mp4", spec);
  std::string images = g_dir + "/faces-cancel";
  GstElement *p = local_pipeline(clip, "face-image-dir=" + images);
  GstBus *bus = gst_element_get_bus(p);
  guint threads_before = thread_count();
  gst_element_set_state(p, GST_STATE_PLAYING);
  // Wait until the analysis is under way (a CONTINUE progress message).
  bool analysing = false;
  while (!analysing) {
    GstMessage *m =
        gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, (GstMessageType)(GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR));
    g_assert_nonnull(m);
    g_assert_cmpint(GST_MESSAGE_TYPE(m), ==, GST_MESSAGE_ELEMENT);
    ProgressStep step;
    analysing = progress_step(m, &step) && step.phase == "analysing" && step.text.find('%') != std::string::npos;
    gst_message_unref(m);
  }
  // READY, not NULL: the bus is flushed on the way to NULL.
  gint64 t0 = g_get_monotonic_time();
  gst_element_set_state(p, GST_STATE_READY);
  g_assert_cmpint((g_get_monotonic_time() - t0) / 1000, <, 5000);
  // The analysis stopped: after CANCELED, a second of silence (a running
  // analysis reports progress at least every 0.5 s).
  bool canceled = false;
  while (GstMessage *m = gst_bus_timed_pop(bus, GST_SECOND)) {
    ProgressStep step;
    if (progress_step(m, &step)) {
      if (canceled) g_error("progress \"%s\" after cancelled", step.phase.c_str());
      canceled = step.phase == "cancelled";
    }
    g_assert_false(gst_message_has_name(m, "identify-face"));
    gst_message_unref(m);
  }
  g_assert_true(canceled);
  g_assert_true(idf::test::files_under(images).empty());
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(p);
  // No thread of the analysis is left (threads of earlier tests may have
  // ended meanwhile, so the count may also drop).
  g_assert_cmpuint(thread_count(), <=, threads_before);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_dir = make_temp_dir();
  idf::test::FaceClipSpec spec;
  spec.seconds = 3;
  spec.fps = 10;
  spec.appearances = {{0, 3, 400, 60, false}};
  g_face_clip = idf::test::make_face_clip(g_dir, "face.mp4", spec);
  g_test_add_func("/local-element/message-like-the-services", test_message_like_the_services);
  g_test_add_func("/local-element/raw-frames-report-the-clip-uri", test_raw_frames_report_the_clip_uri);
  g_test_add_func("/local-element/validation-applies", test_validation_applies_offline);
  g_test_add_func("/local-element/video-id-is-an-error", test_video_id_is_an_error);
  g_test_add_func("/local-element/wait-for-result-on-raw-refused", test_wait_for_result_on_raw_video_is_refused);
  g_test_add_func("/local-element/stop-mid-analysis", test_stop_mid_analysis_leaves_nothing);
  int ret = g_test_run();
  remove_dir(g_dir);
  return ret;
}
