// SPDX-License-Identifier: LGPL-2.1-or-later
#include "timeline.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <gst/app/gstappsink.h>
#include <gst/identifyface/identifyface.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

Timeline timeline_from_result(const GstStructure *result, std::optional<uint64_t> duration_ns, std::string title) {
  Timeline t;
  t.title = std::move(title);
  uint64_t latest = 0;
  const GValue *faces = gst_structure_get_value(result, IDENTIFYFACE_FIELD_FACES);
  for (guint i = 0; faces && GST_VALUE_HOLDS_LIST(faces) && i < gst_value_list_get_size(faces); i++) {
    const GValue *v = gst_value_list_get_value(faces, i);
    if (!GST_VALUE_HOLDS_STRUCTURE(v)) continue;
    const GstStructure *f = gst_value_get_structure(v);
    TimelineFace face;
    const char *id = gst_structure_get_string(f, IDENTIFYFACE_FIELD_FACE_ID);
    const char *image = gst_structure_get_string(f, IDENTIFYFACE_FIELD_FACE_IMAGE);
    face.id = id ? id : "";
    face.image = image ? image : "";
    guint64 start = 0, end = 0;
    gboolean ready = FALSE;
    gst_structure_get_uint64(f, IDENTIFYFACE_FIELD_START_TIME, &start);
    gst_structure_get_uint64(f, IDENTIFYFACE_FIELD_END_TIME, &end);
    gst_structure_get_boolean(f, IDENTIFYFACE_FIELD_LIPSYNC_READY, &ready);
    face.start_ns = start;
    face.end_ns = std::max(start, end);
    face.lipsync_ready = ready;
    latest = std::max(latest, face.end_ns);
    t.faces.push_back(face);
  }
  const GValue *cuts = gst_structure_get_value(result, IDENTIFYFACE_FIELD_SHOT_CUTS);
  for (guint i = 0; cuts && GST_VALUE_HOLDS_LIST(cuts) && i < gst_value_list_get_size(cuts); i++) {
    const GValue *v = gst_value_list_get_value(cuts, i);
    if (!G_VALUE_HOLDS_UINT64(v)) continue;
    t.cuts_ns.push_back(g_value_get_uint64(v));
    latest = std::max(latest, t.cuts_ns.back());
  }
  t.duration_ns = duration_ns && *duration_ns > 0 ? std::max(*duration_ns, latest) : latest;
  return t;
}

double TimelineLayout::x_of(uint64_t t_ns, uint64_t duration_ns) {
  if (duration_ns == 0) return kTrackLeft;
  double f = std::min(1.0, (double)t_ns / (double)duration_ns);
  return kTrackLeft + f * (kTrackRight - kTrackLeft);
}

namespace {

using Layout = TimelineLayout;

void set_colour(cairo_t *cr, unsigned rgb) {
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

void text_at(cairo_t *cr, double x, double y, const std::string &text, double size, bool bold = false) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, text.c_str());
}

std::string seconds(uint64_t ns, int decimals = 2) {
  char buf[32];
  g_snprintf(buf, sizeof buf, "%.*f s", decimals, ns / 1e9);
  return buf;
}

// A tick step of 1, 2 or 5 times a power of ten seconds: at most 12 ticks.
double tick_step_s(double duration_s) {
  for (double scale = 0.1;; scale *= 10)
    for (double m : {1.0, 2.0, 5.0})
      if (duration_s / (m * scale) <= 12) return m * scale;
}

void cairo_surface_free(cairo_surface_t *s) {
  cairo_surface_destroy(s);
}
using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_free)>;

// The face's picture, letterboxed into a square, read with GStreamer.
SurfacePtr load_image(const std::string &uri, unsigned timeout_s, std::string &problem) {
  SurfacePtr none(nullptr, cairo_surface_free);
  if (!gst_uri_is_valid(uri.c_str())) {
    problem = "not a URL";
    return none;
  }
  gchar *quoted = g_strescape(uri.c_str(), nullptr);
  std::string desc = std::string("uridecodebin uri=\"") + quoted +
                     "\" ! videoconvert ! videoscale add-borders=true ! video/x-raw,format=BGRA,width=" +
                     std::to_string(Layout::kImageSize) + ",height=" + std::to_string(Layout::kImageSize) +
                     ",pixel-aspect-ratio=1/1 ! appsink name=sink sync=false max-buffers=1";
  g_free(quoted);
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(desc.c_str(), &err);
  if (!pipeline) {
    problem = err ? err->message : "cannot build the decoder";
    g_clear_error(&err);
    return none;
  }
  g_clear_error(&err);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  // The picture, an error or the timeout, whichever comes first.
  GstBus *bus = gst_element_get_bus(pipeline);
  GstSample *sample = nullptr;
  const gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
  while (!sample && problem.empty()) {
    sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 100 * GST_MSECOND);
    if (sample) break;
    if (GstMessage *msg = gst_bus_pop_filtered(bus, (GstMessageType)(GST_MESSAGE_ERROR | GST_MESSAGE_EOS))) {
      GError *e = nullptr;
      if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
        gst_message_parse_error(msg, &e, nullptr);
      else  // EOS: the picture may have come just before it
        sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 0);
      if (!sample) problem = e ? e->message : "no picture in it";
      g_clear_error(&e);
      gst_message_unref(msg);
    } else if (g_get_monotonic_time() >= deadline) {
      problem = "not read within " + std::to_string(timeout_s) + " s";
    }
  }
  gst_object_unref(bus);
  SurfacePtr surface(nullptr, cairo_surface_free);
  if (sample) {
    GstBuffer *buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
      const int side = Layout::kImageSize;
      surface.reset(cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side));
      unsigned char *data = cairo_image_surface_get_data(surface.get());
      int stride = cairo_image_surface_get_stride(surface.get());
      for (int y = 0; y < side && (size_t)(y + 1) * side * 4 <= map.size; y++)
        memcpy(data + y * stride, map.data + (size_t)y * side * 4,
               (size_t)side * 4);  // BGRA = cairo's on little endian
      cairo_surface_mark_dirty(surface.get());
      gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return surface;
}

void draw(cairo_t *cr, const Timeline &t, unsigned image_timeout_s, std::vector<std::string> &warnings) {
  const int height = Layout::height(t.faces.size());
  set_colour(cr, 0xffffff);
  cairo_paint(cr);

  set_colour(cr, 0x202020);
  text_at(cr, 16, 30, t.title, 18, true);
  text_at(cr, 16, 56,
          std::to_string(t.faces.size()) + (t.faces.size() == 1 ? " face" : " faces") + ", " +
              std::to_string(t.cuts_ns.size()) + (t.cuts_ns.size() == 1 ? " shot cut" : " shot cuts") + ", duration " +
              seconds(t.duration_ns, 3),
          13);

  // The time axis above the rows: ticks, and the duration at its end.
  const double axis_y = Layout::kRowsTop - 8;
  const double duration_s = t.duration_ns / 1e9;
  cairo_set_line_width(cr, 1);
  set_colour(cr, 0x808080);
  cairo_move_to(cr, Layout::kTrackLeft, axis_y + 0.5);
  cairo_line_to(cr, Layout::kTrackRight, axis_y + 0.5);
  cairo_stroke(cr);
  if (duration_s > 0) {
    double step = tick_step_s(duration_s);
    for (double s = 0; s <= duration_s - step * 0.3; s += step) {
      double x = Layout::x_of((uint64_t)std::llround(s * 1e9), t.duration_ns);
      cairo_move_to(cr, std::round(x) + 0.5, axis_y - 5);
      cairo_line_to(cr, std::round(x) + 0.5, axis_y);
      cairo_stroke(cr);
      char label[32];
      g_snprintf(label, sizeof label, step < 1 ? "%.1f s" : "%.0f s", s);
      text_at(cr, x + 2, axis_y - 8, label, 11);
    }
  }
  text_at(cr, Layout::kTrackRight - 60, axis_y - 22, seconds(t.duration_ns, 3), 11, true);
  cairo_move_to(cr, Layout::kTrackRight + 0.5, axis_y - 18);
  cairo_line_to(cr, Layout::kTrackRight + 0.5, height - 50);
  cairo_stroke(cr);

  if (t.faces.empty()) {
    set_colour(cr, 0x606060);
    text_at(cr, Layout::kTrackLeft, Layout::bar_centre(0) + 5, "no face found", 14);
  }
  for (size_t i = 0; i < t.faces.size(); i++) {
    const TimelineFace &f = t.faces[i];
    const int top = Layout::row_top(i);
    if (i % 2) {  // every other row shaded, so that a row reads across
      set_colour(cr, 0xf6f6f6);
      cairo_rectangle(cr, 0, top, Layout::kWidth, Layout::kRowHeight);
      cairo_fill(cr);
    }
    const double ix = 16, iy = top + (Layout::kRowHeight - Layout::kImageSize) / 2.0;
    std::string problem;
    SurfacePtr image =
        f.image.empty() ? SurfacePtr(nullptr, cairo_surface_free) : load_image(f.image, image_timeout_s, problem);
    if (image) {
      cairo_set_source_surface(cr, image.get(), ix, iy);
      cairo_paint(cr);
    } else {
      set_colour(cr, 0xc8c8c8);
      cairo_rectangle(cr, ix, iy, Layout::kImageSize, Layout::kImageSize);
      cairo_fill(cr);
      set_colour(cr, 0x606060);
      text_at(cr, ix + 18, iy + Layout::kImageSize / 2.0 + 4, "no image", 12);
      warnings.push_back("face " + f.id + ": its image " + (f.image.empty() ? "is not known" : f.image) +
                         (problem.empty() ? "" : " (" + problem + ")"));
    }
    set_colour(cr, 0x202020);
    text_at(cr, 126, top + 32, "face " + f.id, 16, true);
    text_at(cr, 126, top + 56, seconds(f.start_ns) + " - " + seconds(f.end_ns), 13);
    text_at(cr, 126, top + 78, "length " + seconds(f.end_ns - f.start_ns), 13);
    set_colour(cr, f.lipsync_ready ? kTimelineReady : kTimelineTooShort);
    text_at(cr, 126, top + 100, f.lipsync_ready ? "lip-sync ready" : "too short (< 2 s)", 13, true);

    const double bar_top = Layout::bar_centre(i) - Layout::kBarHeight / 2.0;
    set_colour(cr, kTimelineTrack);
    cairo_rectangle(cr, Layout::kTrackLeft, bar_top, Layout::kTrackRight - Layout::kTrackLeft, Layout::kBarHeight);
    cairo_fill(cr);
    const double x0 = Layout::x_of(f.start_ns, t.duration_ns), x1 = Layout::x_of(f.end_ns, t.duration_ns);
    set_colour(cr, f.lipsync_ready ? kTimelineReady : kTimelineTooShort);
    cairo_rectangle(cr, x0, bar_top, std::max(1.0, x1 - x0), Layout::kBarHeight);
    cairo_fill(cr);
  }

  // Shot cuts across every row.
  const double rows_bottom = Layout::row_top(std::max<size_t>(1, t.faces.size()));
  set_colour(cr, kTimelineCut);
  cairo_set_line_width(cr, 2);
  const double dash[] = {6, 4};
  cairo_set_dash(cr, dash, 2, 0);
  for (uint64_t cut : t.cuts_ns) {
    double x = std::round(Layout::x_of(cut, t.duration_ns));  // on the pixel grid: crisp, not blurred
    cairo_move_to(cr, x, Layout::kRowsTop);
    cairo_line_to(cr, x, rows_bottom);
    cairo_stroke(cr);
  }
  cairo_set_dash(cr, nullptr, 0, 0);

  // The legend.
  const double ly = height - 24;
  struct Key {
    unsigned colour;
    const char *text;
  };
  double lx = 16;
  for (const Key &k : {Key{kTimelineReady, "lip-sync ready (at least 2 s)"}, Key{kTimelineTooShort, "too short"},
                       Key{kTimelineCut, "shot cut (provider=local)"}}) {
    set_colour(cr, k.colour);
    cairo_rectangle(cr, lx, ly - 11, 24, 12);
    cairo_fill(cr);
    set_colour(cr, 0x202020);
    text_at(cr, lx + 30, ly, k.text, 12);
    lx += 60 + 7.0 * strlen(k.text);
  }
}

}  // namespace

bool write_timeline(const Timeline &timeline, const std::string &path, unsigned image_timeout_s,
                    std::vector<std::string> &warnings, std::string &error) {
  const int width = Layout::kWidth, height = Layout::height(timeline.faces.size());
  const bool svg = g_str_has_suffix(path.c_str(), ".svg");
  cairo_surface_t *surface = svg ? cairo_svg_surface_create(path.c_str(), width, height)
                                 : cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create(surface);
  draw(cr, timeline, image_timeout_s, warnings);
  cairo_destroy(cr);
  cairo_status_t status;
  if (svg) {
    cairo_surface_finish(surface);  // writes the file
    status = cairo_surface_status(surface);
  } else {
    status = cairo_surface_write_to_png(surface, path.c_str());
  }
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    error = "--timeline=" + path + ": cannot write the picture: " + cairo_status_to_string(status);
    return false;
  }
  return true;
}
