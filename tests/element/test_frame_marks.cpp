// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local on raw video: the frames that flow through the element are
// analysed (no second decode) and marked with a GstVideoRegionOfInterestMeta
// per face; the message at EOS (or at a stop, complete=false) lists the
// faces. The portrait of Grace Hopper (python-matplotlib-data) is placed at
// a known place of a 1280x720 frame with compositor.
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>
#include <gst/video/video.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "local/face_model.h"
#include "support/process_util.h"
#include "support/test_util.h"

static const char *kPortrait = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";
static std::string g_dir;
static std::string g_face_marks;  // docs/examples/face-marks

// The portrait (scaled to 320x375) at x=600, y=200 of a dark 1280x720 frame.
constexpr int kPicX = 600, kPicY = 200, kPicW = 320, kPicH = 375;

static std::string portrait_source(int buffers, bool live) {
  return "compositor name=mix background=black sink_1::xpos=" + std::to_string(kPicX) +
         " sink_1::ypos=" + std::to_string(kPicY) +
         " ! video/x-raw,width=1280,height=720,format=I420 ! identifyface name=idf provider=local face-image-dir=" +
         g_dir + "/faces PROPS ! fakesink name=sink sync=" + (live ? "true" : "false") +
         " videotestsrc pattern=black num-buffers=" + std::to_string(buffers) + (live ? " is-live=true" : "") +
         " ! video/x-raw,width=1280,height=720,framerate=10/1 ! mix.sink_0 filesrc location=" + kPortrait +
         " ! jpegdec ! videoconvert ! videoscale ! video/x-raw,width=" + std::to_string(kPicW) +
         ",height=" + std::to_string(kPicH) + " ! imagefreeze num-buffers=" + std::to_string(buffers) +
         " ! video/x-raw,framerate=10/1 ! mix.sink_1";
}

// Two portraits side by side (x=100 and x=800, y=200): two faces on every
// frame, not live.
static std::string two_portraits_source(int buffers) {
  std::string portrait = std::string(" filesrc location=") + kPortrait +
                         " ! jpegdec ! videoconvert ! videoscale ! video/x-raw,width=" + std::to_string(kPicW) +
                         ",height=" + std::to_string(kPicH) + " ! imagefreeze num-buffers=" + std::to_string(buffers) +
                         " ! video/x-raw,framerate=10/1 ! mix.sink_";
  return "compositor name=mix background=black sink_1::xpos=100 sink_1::ypos=200 sink_2::xpos=800 "
         "sink_2::ypos=200 ! video/x-raw,width=1280,height=720,format=I420 ! identifyface name=idf provider=local "
         "face-image-dir=" +
         g_dir +
         "/faces ! fakesink name=sink sync=false videotestsrc pattern=black num-buffers=" + std::to_string(buffers) +
         " ! video/x-raw,width=1280,height=720,framerate=10/1 ! mix.sink_0" + portrait + "1" + portrait + "2";
}

static std::string with_props(std::string desc, const std::string &props) {
  desc.replace(desc.find("PROPS"), 5, props);
  return desc;
}

// What reached the sink: per buffer, its time and its face marks.
struct MarkLog {
  struct Mark {
    guint x, y, w, h;
    std::string face_id;
    double score, mouth_x, mouth_y;
  };
  std::mutex lock;
  std::vector<std::pair<GstClockTime, std::vector<Mark>>> buffers;
};

static GstPadProbeReturn on_buffer(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *log = static_cast<MarkLog *>(data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  std::vector<MarkLog::Mark> marks;
  gpointer state = nullptr;
  while (GstMeta *meta = gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
    auto *roi = (GstVideoRegionOfInterestMeta *)meta;
    g_assert_cmpstr(g_quark_to_string(roi->roi_type), ==, IDENTIFYFACE_ROI_TYPE);
    const GstStructure *p = gst_video_region_of_interest_meta_get_param(roi, IDENTIFYFACE_FACE);
    g_assert_nonnull(p);
    MarkLog::Mark m{roi->x, roi->y, roi->w, roi->h, gst_structure_get_string(p, IDENTIFYFACE_FIELD_FACE_ID), 0, 0, 0};
    g_assert_true(gst_structure_get_double(p, IDENTIFYFACE_FIELD_SCORE, &m.score));
    g_assert_true(gst_structure_get_double(p, IDENTIFYFACE_FIELD_MOUTH_X, &m.mouth_x));
    g_assert_true(gst_structure_get_double(p, IDENTIFYFACE_FIELD_MOUTH_Y, &m.mouth_y));
    marks.push_back(m);
  }
  std::lock_guard<std::mutex> g(log->lock);
  log->buffers.emplace_back(GST_BUFFER_PTS(buf), marks);
  return GST_PAD_PROBE_OK;
}

static void watch_sink(GstElement *pipeline, MarkLog *log) {
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, log, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
}

// Runs `description` to EOS with the sink's marks logged into `log`; the
// identify-face message, kept alive by `bus`.
static const GstStructure *run_marked(const std::string &description, MarkLog &log, BusLog &bus,
                                      GstElement **pipeline) {
  *pipeline = launch(description);
  watch_sink(*pipeline, &log);
  run_until_done(*pipeline, bus, 60000);
  g_assert_true(bus.eos);
  const GstStructure *result = bus.element_message(IDENTIFYFACE_MESSAGE_RESULT);
  g_assert_nonnull(result);
  return result;
}

static bool have_model() {
  std::string error;
  if (!idf::local::locate_face_model(&error).empty()) return true;
  g_test_skip(("no face detection model in this build: " + error).c_str());
  return false;
}

// Every mark lies on the portrait, its mouth inside its box; the buffers
// from the second sample on carry exactly the one face of the message.
static void check_marks(MarkLog &log, const GstStructure *result, size_t min_marked) {
  std::lock_guard<std::mutex> g(log.lock);
  size_t marked = 0;
  for (auto &b : log.buffers) {
    g_assert_cmpuint(b.second.size(), <=, 1);
    if (b.second.empty()) continue;
    marked++;
    const auto &m = b.second[0];
    g_assert_cmpuint(m.x, >=, kPicX);
    g_assert_cmpuint(m.y, >=, kPicY);
    g_assert_cmpuint(m.x + m.w, <=, kPicX + kPicW);
    g_assert_cmpuint(m.y + m.h, <=, kPicY + kPicH);
    g_assert_cmpfloat(m.mouth_x, >=, m.x);
    g_assert_cmpfloat(m.mouth_x, <=, m.x + m.w);
    g_assert_cmpfloat(m.mouth_y, >=, m.y + m.h / 2.0);  // the mouth is in the lower half of the face
    g_assert_cmpfloat(m.mouth_y, <=, m.y + m.h);
    g_assert_cmpfloat(m.score, >, 0.5);
    g_assert_cmpstr(m.face_id.c_str(), ==, gst_structure_get_string(face_at(result, 0), IDENTIFYFACE_FIELD_FACE_ID));
  }
  g_assert_cmpuint(marked, >=, min_marked);
}

static void test_not_live_marks_every_frame() {
  if (!have_model()) return;
  MarkLog log;
  BusLog bus;
  GstElement *p;
  const GstStructure *result = run_marked(with_props(portrait_source(30, false), ""), log, bus, &p);
  g_assert_cmpuint(gst_value_list_get_size(faces_of(result)), ==, 1);
  guint64 start = 1, end = 0;
  gst_structure_get_uint64(face_at(result, 0), IDENTIFYFACE_FIELD_START_TIME, &start);
  gst_structure_get_uint64(face_at(result, 0), IDENTIFYFACE_FIELD_END_TIME, &end);
  g_assert_cmpuint(start, ==, 0);
  g_assert_cmpuint(end, ==, 3 * GST_SECOND);
  gboolean complete = FALSE;
  g_assert_true(gst_structure_get_boolean(result, IDENTIFYFACE_FIELD_COMPLETE, &complete) && complete);
  // Not live: every sample analysed, the frames wait for it: from the
  // confirming (second) sample on, every buffer is marked.
  check_marks(log, result, 28);
  guint64 dropped = 1;
  g_assert_true(gst_structure_get_uint64(result, IDENTIFYFACE_FIELD_SAMPLES_DROPPED, &dropped));
  g_assert_cmpuint(dropped, ==, 0);
  stop(p);
}

static void test_mark_frames_false() {
  if (!have_model()) return;
  MarkLog log;
  GstElement *p = launch(with_props(portrait_source(15, false), "mark-frames=false"));
  watch_sink(p, &log);
  BusLog bus;
  run_until_done(p, bus, 60000);
  g_assert_nonnull(bus.element_message(IDENTIFYFACE_MESSAGE_RESULT));
  g_assert_cmpuint(gst_value_list_get_size(faces_of(bus.element_message(IDENTIFYFACE_MESSAGE_RESULT))), ==, 1);
  for (auto &b : log.buffers) g_assert_true(b.second.empty());
  g_assert_cmpuint(log.buffers.size(), ==, 15);
  stop(p);
}

// A live source runs in real time; it ends by EOS with the whole result, or
// by a stop with what was seen so far (complete=false).
static void test_live_source_eos_and_stop() {
  if (!have_model()) return;
  for (bool by_stop : {false, true}) {
    MarkLog log;
    const double slowdown = test_slowdown();
    GstElement *p = launch(with_props(portrait_source(by_stop ? 1000 : (int)(15 * slowdown), true), ""));
    watch_sink(p, &log);
    BusLog bus;
    if (!by_stop) {
      run_until_done(p, bus, 60000);
      g_assert_true(bus.eos);
    } else {
      gst_element_set_state(p, GST_STATE_PLAYING);
      GstBus *b = gst_element_get_bus(p);
      // 1.2 s of stream (times the slowdown), then the stop (READY keeps the bus).
      GstMessage *m = gst_bus_timed_pop_filtered(b, (GstClockTime)(1200 * slowdown) * GST_MSECOND, GST_MESSAGE_ERROR);
      g_assert_null(m);
      gst_element_set_state(p, GST_STATE_READY);
      while (GstMessage *msg = gst_bus_pop(b)) bus.messages.push_back(msg);
      gst_object_unref(b);
    }
    const GstStructure *result = bus.element_message(IDENTIFYFACE_MESSAGE_RESULT);
    g_assert_nonnull(result);
    gboolean complete = !by_stop;
    g_assert_true(gst_structure_get_boolean(result, IDENTIFYFACE_FIELD_COMPLETE, &complete));
    g_assert_cmpint(complete, ==, !by_stop);
    g_assert_true(gst_structure_has_field(result, IDENTIFYFACE_FIELD_SAMPLES_DROPPED));
    g_assert_cmpuint(gst_value_list_get_size(faces_of(result)), ==, 1);
    // Live: how many buffers get marks depends on how fast the analysis
    // keeps up on this machine (it never slows the stream); some must.
    check_marks(log, result, 1);
    stop(p);
  }
}

// What flows is analysed, not what video-url names: a face-free test
// pattern with video-url naming a file that does not exist gives no face
// and no error (a second decode would have failed on it).
// Two seconds of a face-free test pattern through identifyface provider=local.
static void run_test_pattern(const std::string &properties, BusLog &bus, GstElement **pipeline) {
  *pipeline = launch(
      "videotestsrc num-buffers=20 ! video/x-raw,width=1280,height=720,framerate=10/1 ! "
      "identifyface provider=local " +
      properties + " ! fakesink");
  run_until_done(*pipeline, bus, 30000);
}

static void test_analyses_what_flows() {
  if (!have_model()) return;
  BusLog bus;
  GstElement *p;
  run_test_pattern("video-url=file:///nonexistent/clip.mp4 face-image-dir=" + g_dir + "/faces", bus, &p);
  g_assert_true(bus.eos);
  g_assert_false(bus.error);
  const GstStructure *result = bus.element_message(IDENTIFYFACE_MESSAGE_RESULT);
  g_assert_nonnull(result);
  g_assert_cmpuint(gst_value_list_get_size(faces_of(result)), ==, 0);
  g_assert_cmpstr(gst_structure_get_string(result, IDENTIFYFACE_FIELD_VIDEO_URL), ==, "file:///nonexistent/clip.mp4");
  stop(p);
}

// A face-image-dir that cannot be written is an error naming it when the
// analysis starts, whether or not a face turns up later.
static void test_unwritable_face_image_dir() {
  if (!have_model()) return;
  const std::string blocker = g_dir + "/blocker";
  g_assert_true(g_file_set_contents(blocker.c_str(), "", 0, nullptr));
  BusLog bus;
  GstElement *p;
  run_test_pattern("face-image-dir=" + blocker + "/faces", bus, &p);
  g_assert_true(bus.error);
  bus.problem(GST_MESSAGE_ERROR).assert_contains({(blocker + "/faces").c_str()});
  g_assert_null(bus.element_message(IDENTIFYFACE_MESSAGE_RESULT));
  stop(p);
}

// docs/examples/face-marks prints the marks as a downstream consumer reads
// them: one line per marked buffer, the face on the portrait.
static void test_example_prints_the_marks() {
  if (!have_model()) return;
  ProcessSpec spec;
  spec.argv = {g_face_marks, with_props(portrait_source(10, false), "")};
  ProcessResult r = run_process(spec);
  if (r.status != 0) g_error("face-marks failed: %s", r.describe().c_str());
  gchar **lines = g_strsplit(r.out.c_str(), "\n", -1);
  int marked = 0;
  for (gchar **l = lines; *l; l++) {
    if (!**l) continue;
    guint x, y, w, h;
    double t, mx, my;
    if (sscanf(*l, "%lf s: face 0 at %u,%u %ux%u mouth %lf,%lf", &t, &x, &y, &w, &h, &mx, &my) != 7)
      g_error("unexpected line \"%s\"", *l);
    g_assert_cmpuint(x, >=, kPicX);
    g_assert_cmpuint(x + w, <=, kPicX + kPicW);
    marked++;
  }
  g_strfreev(lines);
  g_assert_cmpint(marked, >=, 8);
}

// What a reader that can only look marks up by id (Python on GStreamer
// 1.22) finds on each buffer, against what is there.
struct MarkIds {
  std::mutex lock;
  size_t buffers_with_two = 0;
  std::set<std::string> faces;
  std::string problem;  // the first one seen
};

static GstPadProbeReturn on_buffer_ids(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *log = static_cast<MarkIds *>(data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  std::set<gint> ids;
  std::vector<std::string> faces;
  std::string problem;
  gpointer state = nullptr;
  while (GstMeta *meta = gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
    auto *roi = (GstVideoRegionOfInterestMeta *)meta;
    IdentifyFaceMark mark;
    if (!identifyface_mark_from_roi(roi, &mark)) {
      problem = "a ROI meta the reader does not take as a face mark";
      continue;
    }
    faces.push_back(mark.face_id);
    if (!ids.insert(roi->id).second) problem = "two marks with id " + std::to_string(roi->id);
    if (std::to_string(roi->id) != mark.face_id)
      problem = "face " + std::string(mark.face_id) + "'s mark has id " + std::to_string(roi->id);
    if (identifyface_buffer_get_mark(buf, mark.face_id) != roi)
      problem = "looking face " + std::string(mark.face_id) + " up by its id finds another mark";
    if (gst_buffer_get_video_region_of_interest_meta_id(buf, roi->id) != roi)
      problem = "gst_buffer_get_video_region_of_interest_meta_id(" + std::to_string(roi->id) + ") finds another mark";
  }
  std::lock_guard<std::mutex> g(log->lock);
  if (faces.size() >= 2) log->buffers_with_two++;
  log->faces.insert(faces.begin(), faces.end());
  if (log->problem.empty() && !problem.empty())
    log->problem = problem + " at " + std::to_string(GST_BUFFER_PTS(buf)) + " ns";
  return GST_PAD_PROBE_OK;
}

// Two faces on a frame: each mark has its own id, the face's id as a
// number, and looking a face up by that id finds its mark.
static void test_each_face_mark_has_its_own_id() {
  if (!have_model()) return;
  GstElement *p = launch(two_portraits_source(20));
  MarkIds log;
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer_ids, &log, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
  BusLog bus;
  run_until_done(p, bus, 60000);
  g_assert_true(bus.eos);
  const GstStructure *result = bus.element_message(IDENTIFYFACE_MESSAGE_RESULT);
  g_assert_nonnull(result);
  g_assert_cmpuint(gst_value_list_get_size(faces_of(result)), ==, 2);
  std::lock_guard<std::mutex> g(log.lock);
  if (!log.problem.empty()) g_error("%s", log.problem.c_str());
  g_assert_cmpuint(log.faces.size(), ==, 2);
  g_assert_cmpuint(log.buffers_with_two, >=, 15);
  stop(p);
}

// A decoded file with a hard cut at 2 s: the portrait on a black background,
// then, at the same place, mirrored on a light one (another shot: a face in
// the same place after a cut is a new face). Two faces, with different ids,
// and no interval across the cut (within one sample).
static void test_decoded_file_with_a_cut() {
  if (!have_model()) return;
  std::string clip = g_dir + "/cut.mp4";
  auto shot = [](const char *bg, int x, const char *flip, const char *name) {
    return std::string("compositor name=") + name + " background=" + bg + " sink_1::xpos=" + std::to_string(x) +
           " sink_1::ypos=200 ! video/x-raw,width=1280,height=720,format=I420 ! cat. videotestsrc pattern=" +
           (std::string(bg) == "black" ? "black" : "white") +
           " num-buffers=20 ! video/x-raw,width=1280,height=720,framerate=10/1 ! " + name +
           ".sink_0 filesrc location=" + kPortrait +
           " ! jpegdec ! videoconvert ! videoscale ! videoflip method=" + flip +
           " ! video/x-raw,width=320,height=375 ! imagefreeze num-buffers=20 ! video/x-raw,framerate=10/1 ! " + name +
           ".sink_1 ";
  };
  GstElement *enc =
      launch("concat name=cat ! x264enc speed-preset=ultrafast key-int-max=10 ! mp4mux ! filesink location=" + clip +
             " " + shot("black", 150, "none", "a") + shot("white", 150, "horizontal-flip", "b"));
  BusLog enc_log;
  run_until_done(enc, enc_log, 60000);
  g_assert_true(enc_log.eos);
  stop(enc);
  MarkLog log;
  BusLog bus;
  GstElement *p;
  const GstStructure *result =
      run_marked("filesrc location=" + clip + " ! decodebin ! videoconvert ! identifyface provider=local " +
                     "face-image-dir=" + g_dir + "/faces ! fakesink name=sink sync=false",
                 log, bus, &p);
  g_assert_cmpuint(gst_value_list_get_size(faces_of(result)), ==, 2);
  guint64 end0 = 0, start1 = 0;
  gst_structure_get_uint64(face_at(result, 0), IDENTIFYFACE_FIELD_END_TIME, &end0);
  gst_structure_get_uint64(face_at(result, 1), IDENTIFYFACE_FIELD_START_TIME, &start1);
  g_assert_cmpstr(gst_structure_get_string(face_at(result, 0), IDENTIFYFACE_FIELD_FACE_ID), !=,
                  gst_structure_get_string(face_at(result, 1), IDENTIFYFACE_FIELD_FACE_ID));
  g_assert_cmpuint(end0, <=, 2 * GST_SECOND + GST_SECOND / 8);
  g_assert_cmpuint(start1, >=, 2 * GST_SECOND - GST_SECOND / 8);
  // The marks follow: the first face's id before the cut, the second's
  // after it.
  std::string id0 = gst_structure_get_string(face_at(result, 0), IDENTIFYFACE_FIELD_FACE_ID);
  std::string id1 = gst_structure_get_string(face_at(result, 1), IDENTIFYFACE_FIELD_FACE_ID);
  std::lock_guard<std::mutex> g(log.lock);
  for (auto &b : log.buffers)
    for (auto &m : b.second) {
      if (b.first < 2 * GST_SECOND - GST_SECOND / 8) g_assert_cmpstr(m.face_id.c_str(), ==, id0.c_str());
      if (b.first >= 2 * GST_SECOND + GST_SECOND / 8) g_assert_cmpstr(m.face_id.c_str(), ==, id1.c_str());
    }
  stop(p);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  if (argc < 2) g_error("usage: test_frame_marks FACE-MARKS");
  g_face_marks = argv[1];
  g_dir = make_temp_dir();
  g_test_add_func("/frame-marks/example-prints-the-marks", test_example_prints_the_marks);
  g_test_add_func("/frame-marks/not-live-marks-every-frame", test_not_live_marks_every_frame);
  g_test_add_func("/frame-marks/mark-frames-false", test_mark_frames_false);
  g_test_add_func("/frame-marks/live-eos-and-stop", test_live_source_eos_and_stop);
  g_test_add_func("/frame-marks/analyses-what-flows", test_analyses_what_flows);
  g_test_add_func("/frame-marks/unwritable-face-image-dir", test_unwritable_face_image_dir);
  g_test_add_func("/frame-marks/decoded-file-with-a-cut", test_decoded_file_with_a_cut);
  g_test_add_func("/frame-marks/each-mark-has-its-own-id", test_each_face_mark_has_its_own_id);
  int ret = g_test_run();
  remove_dir(g_dir);
  return ret;
}
