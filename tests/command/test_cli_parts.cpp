// SPDX-License-Identifier: LGPL-2.1-or-later
// Parts of gst-identify-face on their own: the progress line (both message
// forms the element posts, terminal and plain), the JSON of a structure, the
// --check table.
#include <cairo.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "clip_check.h"
#include "progress_line.h"
#include "result_output.h"
#include "timeline.h"

// Captures what a ProgressLine writes.
struct Capture {
  char *data = nullptr;
  size_t size = 0;
  FILE *file = open_memstream(&data, &size);
  ~Capture() {
    if (file) fclose(file);
    free(data);
  }
  std::string text() {
    fflush(file);
    return std::string(data, size);
  }
};

static GstMessage *progress_message(const char *phase, double elapsed, const char *text) {
  GstStructure *s = gst_structure_new(IDENTIFYFACE_MESSAGE_PROGRESS, IDENTIFYFACE_FIELD_PHASE, G_TYPE_STRING, phase,
                                      IDENTIFYFACE_FIELD_TEXT, G_TYPE_STRING, text, IDENTIFYFACE_FIELD_ELAPSED,
                                      G_TYPE_DOUBLE, elapsed, nullptr);
  return gst_message_new_element(nullptr, s);
}

static void test_renders_the_progress_contract() {
  Capture out;
  ProgressLine line(out.file, false, false);

  GstMessage *m = progress_message(IDENTIFYFACE_PHASE_POLLING, 4.24, "task t-1: processing");
  gst_structure_set(gst_message_writable_structure(m), IDENTIFYFACE_FIELD_STATUS, G_TYPE_STRING, "processing",
                    IDENTIFYFACE_FIELD_QUEUE_POSITION, G_TYPE_UINT, 3u, nullptr);
  g_assert_true(line.handle_message(m));
  gst_message_unref(m);

  m = progress_message(IDENTIFYFACE_PHASE_ANALYSING, 1.0, "analysing the clip");
  gst_structure_set(gst_message_writable_structure(m), IDENTIFYFACE_FIELD_FRACTION, G_TYPE_DOUBLE, 0.45, nullptr);
  g_assert_true(line.handle_message(m));
  gst_message_unref(m);

  m = progress_message(IDENTIFYFACE_PHASE_CHECKING, 0.0, "checking the clip against the limits");
  g_assert_true(line.handle_message(m));
  gst_message_unref(m);

  std::string text = out.text();
  g_assert_cmpstr(text.c_str(), ==,
                  "[  4.2 s] polling: service status processing, queue position 3\n"
                  "[  1.0 s] analysing: 45% analysed\n"
                  "[  0.0 s] checking: checking the clip against the limits\n");

  // Other messages are not progress.
  GstMessage *other = gst_message_new_element(nullptr, gst_structure_new_empty(IDENTIFYFACE_MESSAGE_RESULT));
  g_assert_false(line.handle_message(other));
  gst_message_unref(other);
}

static void test_reads_gstreamer_progress_messages() {
  Capture out;
  ProgressLine line(out.file, false, false);
  GstMessage *m = gst_message_new_progress(nullptr, GST_PROGRESS_TYPE_START, "identify", "analysing the clip locally");
  g_assert_true(line.handle_message(m));
  gst_message_unref(m);
  std::string text = out.text();
  g_assert_true(text.find("] analysing: analysing the clip locally\n") != std::string::npos);
  // A CONTINUE after a local start is still the analysis; a terminal phase
  // is always printed; "(1.0 s)" is not repeated after the line's seconds.
  m = gst_message_new_progress(nullptr, GST_PROGRESS_TYPE_COMPLETE, "identify", "identified 2 face(s) (1.0 s)");
  g_assert_true(line.handle_message(m));
  gst_message_unref(m);
  text = out.text();
  g_assert_true(text.find("] complete: identified 2 face(s)\n") != std::string::npos);
}

static void test_plain_lines_are_throttled() {
  Capture out;
  ProgressLine line(out.file, false, false);
  ProgressState s;
  s.phase = IDENTIFYFACE_PHASE_ANALYSING;
  for (int i = 0; i < 10; i++) {  // ten updates within a second: one line
    s.fraction = i / 10.0;
    line.update(s);
  }
  s.phase = IDENTIFYFACE_PHASE_COMPLETE;  // a new phase: a line
  s.fraction = -1;
  s.text = "identified 1 face(s)";
  line.update(s);
  std::string text = out.text();
  g_assert_cmpint(std::count(text.begin(), text.end(), '\n'), ==, 2);
}

static void test_terminal_redraws_in_place() {
  Capture out;
  ProgressLine line(out.file, true, false);
  ProgressState s;
  s.phase = IDENTIFYFACE_PHASE_SUBMITTING;
  s.text = "submitting the clip to kling";
  line.update(s);
  line.tick();
  line.clear();
  s.phase = IDENTIFYFACE_PHASE_COMPLETE;
  line.update(s);
  line.finish();
  std::string text = out.text();
  g_assert_true(g_str_has_prefix(text.c_str(), "\r\033[K[  0.0 s] submitting: submitting the clip to kling\r\033[K"));
  g_assert_true(g_str_has_suffix(text.c_str(), "complete: submitting the clip to kling\n"));
  g_assert_cmpint(std::count(text.begin(), text.end(), '\n'), ==, 1);

  Capture quiet_out;
  ProgressLine quiet(quiet_out.file, true, true);
  quiet.update(s);
  quiet.finish();
  std::string quiet_text = quiet_out.text();
  g_assert_cmpstr(quiet_text.c_str(), ==, "");
}

static void test_json_of_a_structure() {
  GstStructure *face = gst_structure_new("face", "face-id", G_TYPE_STRING, "7", "start-time", G_TYPE_UINT64,
                                         (guint64)1500000000, "lipsync-ready", G_TYPE_BOOLEAN, TRUE, nullptr);
  GValue faces = G_VALUE_INIT, v = G_VALUE_INIT;
  gst_value_list_init(&faces, 1);
  g_value_init(&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed(&v, face);
  gst_value_list_append_and_take_value(&faces, &v);
  GstStructure *s = gst_structure_new("identify-face", "session-id", G_TYPE_STRING, "s-1", "discount", G_TYPE_DOUBLE,
                                      0.5, "http-status", G_TYPE_UINT, 401u, nullptr);
  gst_structure_take_value(s, "faces", &faces);
  JsonNode *node = structure_to_json(s);
  std::string text = json_to_string(node);
  json_node_unref(node);
  gst_structure_free(s);
  // Compact it for comparing.
  JsonParser *p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, text.c_str(), -1, nullptr));
  gchar *compact = json_to_string(json_parser_get_root(p), FALSE);
  g_assert_cmpstr(compact, ==,
                  "{\"session-id\":\"s-1\",\"discount\":0.5,\"http-status\":401,\"faces\":[{\"face-id\":\"7\","
                  "\"start-time\":1500000000,\"lipsync-ready\":true}]}");
  g_free(compact);
  g_object_unref(p);
}

static GstStructure *result_with_faces(std::vector<GstStructure *> faces) {
  GValue list = G_VALUE_INIT;
  gst_value_list_init(&list, faces.size());
  for (GstStructure *face : faces) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&v, face);
    gst_value_list_append_and_take_value(&list, &v);
  }
  GstStructure *s = gst_structure_new("identify-face", "session-id", G_TYPE_STRING, "s-1", "provider", G_TYPE_STRING,
                                      "local", "final-unit-deduction", G_TYPE_STRING, "0", nullptr);
  gst_structure_take_value(s, "faces", &list);
  return s;
}

static GstStructure *face(const char *id, guint64 start_ms, guint64 end_ms) {
  return gst_structure_new("face", "face-id", G_TYPE_STRING, id, "face-image", G_TYPE_STRING, "file:///f.jpg",
                           "start-time", G_TYPE_UINT64, start_ms * GST_MSECOND, "end-time", G_TYPE_UINT64,
                           end_ms * GST_MSECOND, "lipsync-ready", G_TYPE_BOOLEAN, end_ms - start_ms >= 2000, nullptr);
}

// provider=local knows where each face was and how sure it is: the table
// shows both; the services' faces have neither, and no such columns.
static void test_result_table_shows_box_and_score_when_known() {
  GstStructure *located = face("0", 0, 4000);
  gst_structure_set(located, "x", G_TYPE_DOUBLE, 0.3362, "y", G_TYPE_DOUBLE, 0.2366, "width", G_TYPE_DOUBLE, 0.3772,
                    "height", G_TYPE_DOUBLE, 0.3219, "score", G_TYPE_DOUBLE, 0.8828, nullptr);
  GstStructure *local = result_with_faces({located});
  std::string table = format_result_table(local);
  gst_structure_free(local);
  g_test_message("%s", table.c_str());
  g_assert_true(table.find("score") != std::string::npos);
  g_assert_true(table.find("box (x,y w x h, share of the frame)") != std::string::npos);
  GRegex *row =
      g_regex_new("^0 +0\\.000 +4\\.000 +4\\.000 +yes +0\\.88 +0\\.336,0\\.237 0\\.377x0\\.322 +file:///f\\.jpg$",
                  G_REGEX_MULTILINE, (GRegexMatchFlags)0, nullptr);
  g_assert_true(g_regex_match(row, table.c_str(), (GRegexMatchFlags)0, nullptr));
  g_regex_unref(row);

  GstStructure *service = result_with_faces({face("0", 0, 2500)});
  table = format_result_table(service);
  gst_structure_free(service);
  g_assert_true(table.find("score") == std::string::npos);
  g_assert_true(table.find("box") == std::string::npos);
}

// A cached answer spent nothing: the credits row says 0, and the charge of
// the request that got it is shown as that, not as this run's.
static void test_result_table_of_a_cached_answer() {
  GstStructure *fresh = result_with_faces({face("0", 0, 2500)});
  gst_structure_set(fresh, "provider", G_TYPE_STRING, "kirin", "final-unit-deduction", G_TYPE_STRING, "1", "cost",
                    G_TYPE_STRING, "0.05", "cached", G_TYPE_BOOLEAN, FALSE, nullptr);
  std::string table = format_result_table(fresh);
  gst_structure_free(fresh);
  g_assert_true(table.find("credits   1\n") != std::string::npos);
  g_assert_true(table.find("cost      0.05 USD\n") != std::string::npos);
  g_assert_true(table.find("cached") == std::string::npos);

  GstStructure *cached = result_with_faces({face("0", 0, 2500)});
  gst_structure_set(cached, "provider", G_TYPE_STRING, "kirin", "final-unit-deduction", G_TYPE_STRING, "0", "cost",
                    G_TYPE_STRING, "0", "cached", G_TYPE_BOOLEAN, TRUE, "cached-at", G_TYPE_STRING,
                    "2026-11-21T21:30:00Z", "original-final-unit-deduction", G_TYPE_STRING, "1", "original-cost",
                    G_TYPE_STRING, "0.05", nullptr);
  table = format_result_table(cached);
  gst_structure_free(cached);
  g_test_message("%s", table.c_str());
  g_assert_true(table.find("credits   0\n") != std::string::npos);
  g_assert_true(table.find("cost      0 USD\n") != std::string::npos);
  g_assert_true(table.find("cached    2026-11-21T21:30:00Z (no request sent, nothing spent; the request that got the "
                           "answer was charged 1 credit(s), 0.05 USD)\n") != std::string::npos);
}

static void test_check_table_says_what_is_unknown() {
  idf::ClipInfo clip;
  clip.width = 1280;
  clip.height = 720;
  clip.duration_ns = 75ull * GST_SECOND;
  ClipCheck check = check_clip("file:///clip.mp4", clip, false);
  g_assert_false(check.accepted());
  std::string refusal = check.refusal();
  g_assert_cmpstr(refusal.c_str(), ==, "duration 75.00 s (must be 2 to 60 s)");
  std::string table = format_check_table(check);
  g_assert_true(table.find("container   unknown") != std::string::npos);
  g_assert_true(table.find("not checked") != std::string::npos);
  g_assert_true(table.find("REFUSED") != std::string::npos);
}

/* ---- --timeline ---- */

static GstStructure *timeline_face(const char *id, const std::string &image, guint64 start, guint64 end) {
  return gst_structure_new(IDENTIFYFACE_FACE, IDENTIFYFACE_FIELD_FACE_ID, G_TYPE_STRING, id,
                           IDENTIFYFACE_FIELD_FACE_IMAGE, G_TYPE_STRING, image.c_str(), IDENTIFYFACE_FIELD_START_TIME,
                           G_TYPE_UINT64, start, IDENTIFYFACE_FIELD_END_TIME, G_TYPE_UINT64, end,
                           IDENTIFYFACE_FIELD_LIPSYNC_READY, G_TYPE_BOOLEAN, end - start >= 2 * GST_SECOND, nullptr);
}

// Two faces (0: 0.5-4.5 s, lip-sync ready, with a blue picture; 1: 5-6 s,
// too short, without a picture), a cut at 4.75 s, in a 10 s clip.
static GstStructure *timeline_result(const std::string &image_uri) {
  GstStructure *s =
      gst_structure_new(IDENTIFYFACE_MESSAGE_RESULT, IDENTIFYFACE_FIELD_PROVIDER, G_TYPE_STRING, "local", nullptr);
  GValue faces = G_VALUE_INIT, cuts = G_VALUE_INIT;
  gst_value_list_init(&faces, 2);
  for (GstStructure *f : {timeline_face("0", image_uri, 500 * GST_MSECOND, 4500 * GST_MSECOND),
                          timeline_face("1", "", 5 * GST_SECOND, 6 * GST_SECOND)}) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&v, f);
    gst_value_list_append_and_take_value(&faces, &v);
  }
  gst_structure_take_value(s, IDENTIFYFACE_FIELD_FACES, &faces);
  gst_value_list_init(&cuts, 1);
  GValue c = G_VALUE_INIT;
  g_value_init(&c, G_TYPE_UINT64);
  g_value_set_uint64(&c, 4750 * GST_MSECOND);
  gst_value_list_append_and_take_value(&cuts, &c);
  gst_structure_take_value(s, IDENTIFYFACE_FIELD_SHOT_CUTS, &cuts);
  return s;
}

static unsigned pixel(cairo_surface_t *png, int x, int y) {
  const unsigned char *row = cairo_image_surface_get_data(png) + y * cairo_image_surface_get_stride(png);
  return (*(const uint32_t *)(row + 4 * x)) & 0xffffff;
}

static bool near(unsigned a, unsigned b) {
  for (int shift : {0, 8, 16})
    if (std::abs((int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff)) > 8) return false;
  return true;
}

// One row per face, each interval where the message says, green when
// lip-sync ready, orange when too short; the cut across the rows; the
// face's picture at the row's start.
static void test_timeline_png() {
  gchar *dir = g_dir_make_tmp("timeline-XXXXXX", nullptr);
  std::string image = std::string(dir) + "/face.png", out = std::string(dir) + "/faces.png";
  cairo_surface_t *blue = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 40, 50);
  cairo_t *cr = cairo_create(blue);
  cairo_set_source_rgb(cr, 0, 0, 1);
  cairo_paint(cr);
  cairo_destroy(cr);
  g_assert_cmpint(cairo_surface_write_to_png(blue, image.c_str()), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(blue);
  gchar *uri = g_filename_to_uri(image.c_str(), nullptr, nullptr);
  GstStructure *result = timeline_result(uri);
  g_free(uri);
  Timeline t = timeline_from_result(result, 10 * GST_SECOND, "clip.mp4");
  gst_structure_free(result);
  g_assert_cmpuint(t.faces.size(), ==, 2);
  g_assert_cmpuint(t.duration_ns, ==, 10 * GST_SECOND);
  std::vector<std::string> warnings;
  std::string error;
  g_assert_true(write_timeline(t, out, 10, warnings, error));
  g_assert_cmpuint(warnings.size(), ==, 1);  // face 1 has no picture
  g_assert_true(warnings[0].find("face 1") != std::string::npos);

  cairo_surface_t *png = cairo_image_surface_create_from_png(out.c_str());
  g_assert_cmpint(cairo_surface_status(png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint(cairo_image_surface_get_width(png), ==, TimelineLayout::kWidth);
  g_assert_cmpint(cairo_image_surface_get_height(png), ==, TimelineLayout::height(2));
  using L = TimelineLayout;
  auto x = [](double s) { return (int)std::lround(L::x_of((uint64_t)(s * GST_SECOND), 10 * GST_SECOND)); };
  const int y0 = L::bar_centre(0), y1 = L::bar_centre(1);
  // Face 0: green from 0.5 to 4.5 s, the track before and after.
  g_assert_true(near(pixel(png, x(0.2), y0), kTimelineTrack));
  for (double s : {0.6, 2.0, 4.4}) g_assert_true(near(pixel(png, x(s), y0), kTimelineReady));
  g_assert_true(near(pixel(png, x(5.5), y0), kTimelineTrack));
  // Face 1: orange from 5 to 6 s.
  g_assert_true(near(pixel(png, x(4.0), y1), kTimelineTrack));
  g_assert_true(near(pixel(png, x(5.5), y1), kTimelineTooShort));
  g_assert_true(near(pixel(png, x(6.5), y1), kTimelineTrack));
  // The cut at 4.75 s crosses both rows (a dashed line: look along it).
  for (int y : {y0, y1}) {
    bool red = false;
    for (int dy = -12; dy <= 12 && !red; dy++) red = near(pixel(png, x(4.75), y + dy), kTimelineCut);
    g_assert_true(red);
  }
  // The picture, letterboxed at the start of face 0's row.
  g_assert_true(near(pixel(png, 16 + L::kImageSize / 2, L::row_top(0) + L::kRowHeight / 2), 0x0000ff));
  cairo_surface_destroy(png);

  // SVG by the name; an unwritable file is an error naming it.
  std::string svg = std::string(dir) + "/faces.svg";
  warnings.clear();
  g_assert_true(write_timeline(t, svg, 10, warnings, error));
  gchar *text = nullptr;
  g_assert_true(g_file_get_contents(svg.c_str(), &text, nullptr, nullptr));
  g_assert_true(g_str_has_prefix(text, "<?xml") && strstr(text, "<svg") != nullptr);
  g_free(text);
  std::string bad = std::string(dir) + "/missing/faces.png";
  g_assert_false(write_timeline(t, bad, 10, warnings, error));
  g_assert_true(error.find(bad) != std::string::npos);

  for (const std::string &f : {image, out, svg}) g_unlink(f.c_str());
  g_rmdir(dir);
  g_free(dir);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/cli-parts/progress/contract", test_renders_the_progress_contract);
  g_test_add_func("/cli-parts/progress/gstreamer-progress", test_reads_gstreamer_progress_messages);
  g_test_add_func("/cli-parts/progress/plain-throttled", test_plain_lines_are_throttled);
  g_test_add_func("/cli-parts/progress/terminal", test_terminal_redraws_in_place);
  g_test_add_func("/cli-parts/json", test_json_of_a_structure);
  g_test_add_func("/cli-parts/result-table/cached", test_result_table_of_a_cached_answer);
  g_test_add_func("/cli-parts/check-table", test_check_table_says_what_is_unknown);
  g_test_add_func("/cli-parts/result-table/box-and-score", test_result_table_shows_box_and_score_when_known);
  g_test_add_func("/cli-parts/timeline/png-and-svg", test_timeline_png);
  return g_test_run();
}
