// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/local_test_util.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <cstring>

namespace idf::test {

namespace {

struct Portrait {
  int width = 0, height = 0, stride = 0;
  std::vector<guint8> bgrx;
};

// Decodes the portrait to BGRx with GStreamer's own JPEG decoder.
std::optional<Portrait> load_portrait() {
  const std::string description = std::string("filesrc location=\"") + kPortraitPath +
                                  "\" ! jpegdec ! videoconvert ! video/x-raw,format=BGRx ! appsink name=sink";
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline) {
    g_test_message("cannot decode %s: %s", kPortraitPath, error ? error->message : "?");
    g_clear_error(&error);
    return std::nullopt;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND);
  std::optional<Portrait> portrait;
  if (sample) {
    GstVideoInfo info;
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      portrait = Portrait{GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
                          GST_VIDEO_INFO_PLANE_STRIDE(&info, 0), std::vector<guint8>(map.data, map.data + map.size)};
      gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return portrait;
}

bool wait_for_eos(GstElement *pipeline, unsigned timeout_s) {
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *message = gst_bus_timed_pop_filtered(bus, timeout_s * GST_SECOND,
                                                   static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  bool ok = message && GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS;
  if (message && !ok) {
    GError *error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    g_test_message("pipeline error: %s", error ? error->message : "?");
    g_clear_error(&error);
  } else if (!message) {
    g_test_message("pipeline timed out");
  }
  if (message) gst_message_unref(message);
  gst_object_unref(bus);
  return ok;
}

}  // namespace

std::string make_face_clip(const std::string &dir, const std::string &name, const FaceClipSpec &spec) {
  const std::optional<Portrait> portrait = load_portrait();
  if (!portrait) {
    g_test_fail();
    return "";
  }
  gchar *path_c = g_build_filename(dir.c_str(), name.c_str(), nullptr);
  const std::string path(path_c);
  g_free(path_c);

  const std::string description =
      "appsrc name=src format=time block=true caps=video/x-raw,format=BGRx,width=" + std::to_string(spec.width) +
      ",height=" + std::to_string(spec.height) + ",framerate=" + std::to_string(spec.fps) +
      "/1 ! videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=ultrafast key-int-max=" +
      std::to_string(spec.fps * 2) + " ! mp4mux ! filesink location=\"" + path + "\"";
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline || error) {
    g_test_message("cannot build the clip encoder: %s", error ? error->message : "?");
    g_clear_error(&error);
    g_test_fail();
    return "";
  }
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);

  const int stride = spec.width * 4;
  // A plain, slightly bluish grey background.
  std::vector<guint8> background(static_cast<size_t>(stride) * spec.height);
  for (size_t i = 0; i < background.size(); i += 4) {
    background[i] = 150;
    background[i + 1] = 140;
    background[i + 2] = 130;
    background[i + 3] = 255;
  }
  const int frames = static_cast<int>(spec.seconds * spec.fps + 0.5);
  for (int n = 0; n < frames; n++) {
    const double t = static_cast<double>(n) / spec.fps;
    GstBuffer *buffer = gst_buffer_new_allocate(nullptr, background.size(), nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    std::memcpy(map.data, background.data(), background.size());
    for (const auto &shown : spec.appearances) {
      if (t < shown.start_s || t >= shown.end_s) continue;
      for (int row = 0; row < portrait->height && shown.y + row < spec.height; row++) {
        const guint8 *source = portrait->bgrx.data() + static_cast<size_t>(row) * portrait->stride;
        guint8 *target = map.data + static_cast<size_t>(shown.y + row) * stride + static_cast<size_t>(shown.x) * 4;
        const int columns = std::min(portrait->width, spec.width - shown.x);
        if (!shown.mirrored) {
          std::memcpy(target, source, static_cast<size_t>(columns) * 4);
        } else {
          for (int column = 0; column < columns; column++)
            std::memcpy(target + column * 4, source + (portrait->width - 1 - column) * 4, 4);
        }
      }
    }
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(n, GST_SECOND, spec.fps);
    GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale(n + 1, GST_SECOND, spec.fps) - GST_BUFFER_PTS(buffer);
    if (gst_app_src_push_buffer(GST_APP_SRC(src), buffer) != GST_FLOW_OK) break;
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  const bool ok = wait_for_eos(pipeline, 120);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  if (!ok) {
    g_test_fail();
    return "";
  }
  return path;
}

std::vector<std::string> files_under(const std::string &path) {
  std::vector<std::string> files;
  GDir *dir = g_dir_open(path.c_str(), 0, nullptr);
  if (!dir) return files;
  while (const gchar *name = g_dir_read_name(dir)) {
    gchar *child = g_build_filename(path.c_str(), name, nullptr);
    if (g_file_test(child, G_FILE_TEST_IS_DIR)) {
      files.push_back(std::string(child) + "/");
      for (auto &nested : files_under(child)) files.push_back(nested);
    } else {
      files.push_back(child);
    }
    g_free(child);
  }
  g_dir_close(dir);
  return files;
}

LocalEngine::ProgressFn Collector::progress_fn() {
  return [state = state_](double fraction) {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->progress.push_back(fraction);
    state->changed.notify_all();
  };
}

LocalEngine::DoneFn Collector::done_fn() {
  return [state = state_](Outcome outcome) {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->outcome = std::move(outcome);
    state->done_calls++;
    state->changed.notify_all();
  };
}

bool Collector::wait_done(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->done_calls > 0; });
}

bool Collector::wait_progress(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return !state_->progress.empty() || state_->done_calls > 0; });
}

std::optional<Outcome> Collector::outcome() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->outcome;
}

std::vector<double> Collector::progress() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->progress;
}

int Collector::done_calls() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->done_calls;
}

int Collector::callbacks() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->done_calls + static_cast<int>(state_->progress.size());
}

}  // namespace idf::test
