// SPDX-License-Identifier: LGPL-2.1-or-later
// GStreamer's analytics metadata (built against GStreamer >= 1.24): every
// buffer marked with face ROI metas also carries a GstAnalyticsRelationMeta
// with, per face, an object-detection mtd (type "face", the same box, the
// score) related to a tracking mtd (the face's id, first and last seen,
// lost once its interval ended), as ioutracker writes them; and the two
// recipes of docs/recipes.md that use it: objectdetectionoverlay drawing
// the face (the drawn frame's pixels are checked) and a Python script
// printing each frame's faces through GstAnalytics' introspection.
// Built without the analytics library (GStreamer 1.22) it reports
// "skipped: GStreamer < 1.24" (exit status 77: meson counts it skipped).
// Usage: test_analytics_meta RECIPES.md PYTHON
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>
#include <gst/video/video.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#ifdef IDF_HAVE_ANALYTICS_META
#include <glib/gstdio.h>
#include <gst/analytics/analytics.h>

#include "local/face_model.h"
#include "support/process_util.h"
#include "support/test_util.h"

static std::string g_recipes, g_python, g_dir;
static const char *kPortrait = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";

// The portrait at x=600, y=200 of a black 1280x720 frame for the first 2 s
// (20 buffers at 10 fps) of 4 s; then black.
static std::string appearing_portrait(const std::string &props) {
  return "compositor name=mix background=black sink_1::xpos=600 sink_1::ypos=200 ! "
         "video/x-raw,width=1280,height=720,format=I420 ! identifyface name=idf provider=local face-image-dir=" +
         g_dir + "/faces " + props +
         " ! fakesink name=sink sync=false videotestsrc pattern=black num-buffers=40 ! "
         "video/x-raw,width=1280,height=720,framerate=10/1 ! mix.sink_0 filesrc location=" +
         kPortrait +
         " ! jpegdec ! videoconvert ! videoscale ! video/x-raw,width=320,height=375 ! imagefreeze num-buffers=20 ! "
         "video/x-raw,framerate=10/1 ! mix.sink_1";
}

struct Roi {
  guint x, y, w, h;
  std::string face_id;
  double score;
};
struct Od {
  gint x, y, w, h;
  gfloat confidence;
  std::string type;
  bool tracked = false;  // related to a tracking mtd
  guint64 track_id = 0;
};
struct Track {
  guint64 id, first_seen, last_seen;
  gboolean lost;
  bool has_od = false;  // an od mtd of the buffer relates to it
};
struct Frame {
  GstClockTime running_time;
  bool has_rmeta = false;
  std::vector<Roi> rois;
  std::vector<Od> ods;
  std::vector<Track> tracks;
};
struct FrameLog {
  std::mutex lock;
  std::vector<Frame> frames;
};

static GstPadProbeReturn on_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  auto *log = static_cast<FrameLog *>(data);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  GstEvent *seg_event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *seg = nullptr;
  gst_event_parse_segment(seg_event, &seg);
  Frame f;
  f.running_time = gst_segment_to_running_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
  gst_event_unref(seg_event);
  gpointer state = nullptr;
  while (GstMeta *meta = gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
    auto *roi = (GstVideoRegionOfInterestMeta *)meta;
    const GstStructure *p = gst_video_region_of_interest_meta_get_param(roi, IDENTIFYFACE_FACE);
    g_assert_nonnull(p);
    Roi r{roi->x, roi->y, roi->w, roi->h, gst_structure_get_string(p, IDENTIFYFACE_FIELD_FACE_ID), 0};
    g_assert_true(gst_structure_get_double(p, IDENTIFYFACE_FIELD_SCORE, &r.score));
    f.rois.push_back(r);
  }
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buf);
  if (rmeta) {
    f.has_rmeta = true;
    GstAnalyticsMtd mtd;
    gpointer it = nullptr;
    while (gst_analytics_relation_meta_iterate(rmeta, &it, gst_analytics_od_mtd_get_mtd_type(), &mtd)) {
      auto *od = (GstAnalyticsODMtd *)&mtd;
      Od o{};
      g_assert_true(gst_analytics_od_mtd_get_location(od, &o.x, &o.y, &o.w, &o.h, &o.confidence));
      o.type = g_quark_to_string(gst_analytics_od_mtd_get_obj_type(od));
      GstAnalyticsMtd related;
      if (gst_analytics_relation_meta_get_direct_related(rmeta, od->id, GST_ANALYTICS_REL_TYPE_RELATE_TO,
                                                         gst_analytics_tracking_mtd_get_mtd_type(), nullptr,
                                                         &related)) {
        guint64 id, first, last;
        gboolean lost;
        g_assert_true(
            gst_analytics_tracking_mtd_get_info((GstAnalyticsTrackingMtd *)&related, &id, &first, &last, &lost));
        o.tracked = true;
        o.track_id = id;
      }
      f.ods.push_back(o);
    }
    it = nullptr;
    while (gst_analytics_relation_meta_iterate(rmeta, &it, gst_analytics_tracking_mtd_get_mtd_type(), &mtd)) {
      Track t{};
      g_assert_true(gst_analytics_tracking_mtd_get_info((GstAnalyticsTrackingMtd *)&mtd, &t.id, &t.first_seen,
                                                        &t.last_seen, &t.lost));
      // The relation goes from the detection to the track, as ioutracker's.
      for (const Od &o : f.ods) t.has_od = t.has_od || (o.tracked && o.track_id == t.id);
      f.tracks.push_back(t);
    }
  }
  std::lock_guard<std::mutex> g(log->lock);
  log->frames.push_back(f);
  return GST_PAD_PROBE_OK;
}

static const GstStructure *run_logged(const std::string &description, FrameLog &log, BusLog &bus,
                                      GstElement **pipeline) {
  *pipeline = launch(description);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(*pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &log, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
  run_until_done(*pipeline, bus, 120000);
  g_assert_true(bus.eos);
  return bus.element_message(IDENTIFYFACE_MESSAGE_RESULT);
}

static bool have_model() {
  std::string error;
  if (!idf::local::locate_face_model(&error).empty()) return true;
  g_test_skip(("no face detection model in this build: " + error).c_str());
  return false;
}

// Both metas on every marked buffer, describing the same faces; the tracks
// carry the message's face ids, first and last seen; the face is lost once,
// after its interval, and nothing is carried after that.
static void test_marked_buffers_carry_both_metas() {
  if (!have_model()) return;
  FrameLog log;
  BusLog bus;
  GstElement *p;
  const GstStructure *result = run_logged(appearing_portrait(""), log, bus, &p);
  g_assert_nonnull(result);
  g_assert_cmpuint(gst_value_list_get_size(faces_of(result)), ==, 1);
  const std::string face_id = gst_structure_get_string(face_at(result, 0), IDENTIFYFACE_FIELD_FACE_ID);
  guint64 end = 0;
  g_assert_true(gst_structure_get_uint64(face_at(result, 0), IDENTIFYFACE_FIELD_END_TIME, &end));
  g_assert_cmpuint(end, >=, 1800 * GST_MSECOND);
  g_assert_cmpuint(end, <=, 2200 * GST_MSECOND);

  std::lock_guard<std::mutex> g(log.lock);
  g_assert_cmpuint(log.frames.size(), ==, 40);
  std::map<guint64, GstClockTime> first_od;  // track id -> running time of its first od
  GstClockTime last_marked = GST_CLOCK_TIME_NONE;
  size_t marked = 0, lost_frames = 0;
  bool after_lost = false;
  for (const Frame &f : log.frames) {
    g_test_message(
        "%.3f s: rmeta %d, %zu rois, %zu ods, %zu tracks%s", f.running_time / 1e9, f.has_rmeta, f.rois.size(),
        f.ods.size(), f.tracks.size(),
        f.tracks.empty() ? "" : (f.tracks[0].lost ? " (lost)" : (f.tracks[0].has_od ? " (seen)" : " (unseen)")));
  }
  for (const Frame &f : log.frames) {
    // (A buffer recycled by the compositor's pool may keep an emptied
    // relation meta: what counts is the mtds in it.)
    if (after_lost) {
      g_assert_true(f.ods.empty() && f.tracks.empty());
      g_assert_true(f.rois.empty());
      continue;
    }
    if (!f.rois.empty()) {
      marked++;
      // A marked buffer lacking the analytics meta fails here.
      g_assert_true(f.has_rmeta);
      g_assert_cmpuint(f.ods.size(), ==, f.rois.size());
      for (size_t i = 0; i < f.rois.size(); i++) {
        const Roi &r = f.rois[i];
        const Od &o = f.ods[i];
        g_assert_cmpstr(o.type.c_str(), ==, "face");
        g_assert_cmpint(o.x, ==, (gint)r.x);
        g_assert_cmpint(o.y, ==, (gint)r.y);
        g_assert_cmpint(o.w, ==, (gint)r.w);
        g_assert_cmpint(o.h, ==, (gint)r.h);
        g_assert_cmpfloat_with_epsilon(o.confidence, r.score, 1e-6);
        g_assert_true(o.tracked);
        g_assert_cmpstr(std::to_string(o.track_id).c_str(), ==, r.face_id.c_str());
        g_assert_cmpstr(r.face_id.c_str(), ==, face_id.c_str());
        first_od.emplace(o.track_id, f.running_time);
      }
      for (const Track &t : f.tracks) {
        g_assert_true(t.has_od);
        g_assert_false(t.lost);
        g_assert_cmpuint(t.first_seen, ==, first_od.at(t.id));
        g_assert_cmpuint(t.last_seen, ==, f.running_time);
      }
      g_assert_cmpuint(f.tracks.size(), ==, f.rois.size());
      last_marked = f.running_time;
      continue;
    }
    g_assert_true(f.ods.empty());
    // Not visible: its track is carried (the face may come back under its
    // id) until its interval is known to have ended, then lost once.
    if (f.tracks.empty()) {
      g_assert_true(first_od.empty());  // before the face was first marked
      continue;
    }
    g_assert_cmpuint(f.tracks.size(), ==, 1);
    const Track &t = f.tracks[0];
    g_assert_false(t.has_od);
    g_assert_cmpstr(std::to_string(t.id).c_str(), ==, face_id.c_str());
    g_assert_cmpuint(t.first_seen, ==, first_od.at(t.id));
    g_assert_cmpuint(t.last_seen, ==, last_marked);
    if (t.lost) {
      lost_frames++;
      after_lost = true;
      g_assert_cmpuint(f.running_time, >=, end);
    }
  }
  // From the confirming sample to the end of the interval: ~18 buffers.
  g_assert_cmpuint(marked, >=, 15);
  g_assert_cmpuint(lost_frames, ==, 1);
  stop(p);
}

// mark-frames=false: neither meta.
static void test_mark_frames_false_neither_meta() {
  if (!have_model()) return;
  FrameLog log;
  BusLog bus;
  GstElement *p;
  const GstStructure *result = run_logged(appearing_portrait("mark-frames=false"), log, bus, &p);
  g_assert_nonnull(result);
  g_assert_cmpuint(gst_value_list_get_size(faces_of(result)), ==, 1);
  std::lock_guard<std::mutex> g(log.lock);
  g_assert_cmpuint(log.frames.size(), ==, 40);
  for (const Frame &f : log.frames) {
    g_assert_true(f.ods.empty() && f.tracks.empty());
    g_assert_true(f.rois.empty());
  }
  stop(p);
}

// The code block of docs/recipes.md whose text contains `needle`.
static std::string recipe_block(const std::string &needle) {
  gchar *text = nullptr;
  if (!g_file_get_contents(g_recipes.c_str(), &text, nullptr, nullptr)) g_error("cannot read %s", g_recipes.c_str());
  std::string doc = text;
  g_free(text);
  size_t at = doc.find(needle);
  if (at == std::string::npos) g_error("%s has no block with %s", g_recipes.c_str(), needle.c_str());
  size_t open = doc.rfind("```", at);
  open = doc.find('\n', open) + 1;
  size_t close = doc.find("\n```", at);
  return doc.substr(open, close - open + 1);
}

// A reader's folder: build/ takes what the recipes write (the plugin is
// found through the test's GST_PLUGIN_PATH).
static std::string sandbox() {
  std::string dir = make_temp_dir();
  g_assert_cmpint(g_mkdir((dir + "/build").c_str(), 0755), ==, 0);
  return dir;
}

static ProcessResult run_in(const std::string &dir, const std::vector<std::string> &argv) {
  ProcessSpec spec;
  spec.argv = argv;
  spec.cwd = dir;
  spec.unsetenv = {"GST_DEBUG"};
  return run_process(spec, 120000);
}

// RGB pixels of a PNG, through GStreamer.
struct Picture {
  int width = 0, height = 0;
  std::vector<guint8> rgb;
  const guint8 *at(int x, int y) const { return &rgb[((size_t)y * width + x) * 3]; }
};

static Picture read_png(const std::string &path) {
  GstElement *p = launch("filesrc location=" + path +
                         " ! pngdec ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstSample *sample = nullptr;
  g_signal_emit_by_name(sink, "try-pull-sample", (GstClockTime)30 * GST_SECOND, &sample);
  g_assert_nonnull(sample);
  GstVideoInfo info;
  g_assert_true(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
  GstVideoFrame frame;
  g_assert_true(gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ));
  Picture pic;
  pic.width = GST_VIDEO_INFO_WIDTH(&info);
  pic.height = GST_VIDEO_INFO_HEIGHT(&info);
  for (int y = 0; y < pic.height; y++) {
    const guint8 *row =
        (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(&frame, 0) + y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
    pic.rgb.insert(pic.rgb.end(), row, row + pic.width * 3);
  }
  gst_video_frame_unmap(&frame);
  gst_sample_unref(sample);
  gst_object_unref(sink);
  stop(p);
  return pic;
}

// The overlay recipe draws the face: in its frame at 0.5 s, the box where
// the message puts the face is outlined in white, the face inside it is
// left as it was.
static void test_overlay_recipe_draws_the_face() {
  if (!have_model()) return;
  std::string dir = sandbox();
  std::string block = recipe_block("! objectdetectionoverlay !");
  g_assert_true(g_file_set_contents((dir + "/recipe.sh").c_str(), block.c_str(), -1, nullptr));
  ProcessResult r = run_in(dir, {"bash", "-e", "-o", "pipefail", "recipe.sh"});
  if (r.status != 0) g_error("the overlay recipe failed:\n%s%s", block.c_str(), r.describe().c_str());
  Picture drawn = read_png(dir + "/build/drawn-05.png");
  g_assert_cmpint(drawn.width, ==, 1280);
  g_assert_cmpint(drawn.height, ==, 720);

  // Where the element puts the face on that frame: the same source through
  // identifyface alone.
  FrameLog log;
  BusLog bus;
  GstElement *p;
  run_logged(std::string("filesrc location=") + kPortrait +
                 " ! jpegdec ! imagefreeze num-buffers=10 ! videoconvert ! videoscale ! "
                 "video/x-raw,width=1280,height=720,framerate=10/1 ! identifyface provider=local face-image-dir=" +
                 dir + "/faces ! fakesink name=sink",
             log, bus, &p);
  stop(p);
  const Frame &f = log.frames.at(5);
  g_assert_cmpuint(f.ods.size(), ==, 1);
  const Od &box = f.ods[0];
  auto white = [&](int x, int y) {
    const guint8 *px = drawn.at(x, y);
    return px[0] > 220 && px[1] > 220 && px[2] > 220;
  };
  // The outline (2 px wide, centred on the box's edges): along each edge,
  // nearly every pixel within a pixel of it is white.
  int edge_white = 0, edge_total = 0;
  for (int x = box.x + 4; x < box.x + box.w - 4; x++)
    for (int y : {box.y, box.y + box.h}) {
      edge_total++;
      edge_white += white(x, y) || white(x, y - 1) || white(x, y + 1);
    }
  for (int y = box.y + 4; y < box.y + box.h - 4; y++)
    for (int x : {box.x, box.x + box.w}) {
      edge_total++;
      edge_white += white(x, y) || white(x - 1, y) || white(x + 1, y);
    }
  g_test_message("box %d,%d %dx%d: %d of %d edge pixels white", box.x, box.y, box.w, box.h, edge_white, edge_total);
  g_assert_cmpint(edge_white, >=, edge_total * 95 / 100);
  // Inside (the face) and well outside, the portrait is not white.
  int inside_white = 0, inside_total = 0;
  for (int y = box.y + 10; y < box.y + box.h - 10; y += 3)
    for (int x = box.x + 10; x < box.x + box.w - 10; x += 3) {
      inside_total++;
      inside_white += white(x, y);
    }
  g_assert_cmpint(inside_white, <, inside_total / 20);
  remove_dir(dir);
}

// The Python recipe prints, for each frame with a face, the face's id, box
// and score from the analytics meta: the ids of the message, the boxes of
// the element's marks.
static void test_python_recipe_prints_faces() {
  if (!have_model()) return;
  if (g_python.empty()) {
    g_test_skip("no Python 3 with GObject introspection");
    return;
  }
  std::string dir = sandbox();
  std::string script = recipe_block("# analytics_faces.py");
  g_assert_true(g_file_set_contents((dir + "/analytics_faces.py").c_str(), script.c_str(), -1, nullptr));
  ProcessResult r = run_in(dir, {g_python, "analytics_faces.py"});
  // (An exception in the pad probe is printed, not fatal: none may be.)
  if (r.status != 0 || r.err.find("Traceback") != std::string::npos)
    g_error("the Python recipe failed:\n%s", r.describe().c_str());
  gchar **lines = g_strsplit(r.out.c_str(), "\n", -1);
  int with_face = 0;
  for (gchar **l = lines; *l; l++) {
    if (!**l) continue;
    // e.g. "0.500 s: face 0 at 425,165 495x237 score 0.87, seen since 0.200 s"
    double t, score, since;
    unsigned id, x, y, w, h;
    if (sscanf(*l, "%lf s: face %u at %u,%u %ux%u score %lf, seen since %lf s", &t, &id, &x, &y, &w, &h, &score,
               &since) != 8)
      g_error("unexpected line from the Python recipe: %s\n%s", *l, r.describe().c_str());
    g_assert_cmpuint(id, ==, 0);
    g_assert_cmpuint(w, >, 100);
    g_assert_cmpfloat(score, >, 0.5);
    g_assert_cmpfloat(since, <=, t);
    with_face++;
  }
  g_strfreev(lines);
  g_assert_cmpint(with_face, >=, 8);  // 10 frames, the first marked from the confirming sample on
  remove_dir(dir);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  if (argc < 3) g_error("usage: test_analytics_meta RECIPES.md PYTHON");
  g_recipes = argv[1];
  g_python = argv[2];
  g_dir = make_temp_dir();
  g_test_add_func("/analytics-meta/marked-buffers-carry-both", test_marked_buffers_carry_both_metas);
  g_test_add_func("/analytics-meta/mark-frames-false", test_mark_frames_false_neither_meta);
  g_test_add_func("/analytics-meta/overlay-recipe", test_overlay_recipe_draws_the_face);
  g_test_add_func("/analytics-meta/python-recipe", test_python_recipe_prints_faces);
  int status = g_test_run();
  remove_dir(g_dir);
  return status;
}

#else

int main() {
  std::printf(
      "skipped: GStreamer < 1.24 (built against GStreamer %d.%d: no analytics library, so no "
      "GstAnalyticsRelationMeta on marked buffers)\n",
      GST_VERSION_MAJOR, GST_VERSION_MINOR);
  return 77;  // meson: skipped
}

#endif
