// SPDX-License-Identifier: LGPL-2.1-or-later
// Benchmark of provider=local against the decoding floor.
//
//   bench-local-engine [--make-clip] [--runs N] [--facedetect] CLIP.mp4
//
// Times, on the same H.264 clip, side by side in one run (alternating, so
// that other work on the machine weighs on both alike),
//   1. decode only: filesrc ! qtdemux ! h264parse ! avdec_h264 ! fakesink
//   2. idf::LocalEngine (decode + sampling + face detection + tracking)
//   3. with --facedetect, once: GStreamer's facedetect on every frame
//      (gstreamer1.0-opencv), and a decode-only run right after it
// each in a process of its own (this program run with --child), whose wall
// time, CPU time (user + system) and peak resident memory (wait4's rusage,
// as /usr/bin/time reports them) are printed with their ratios and the
// faces found. --make-clip first encodes a 60 s 1080p30 ~6 Mbit/s H.264
// clip with a face in it to CLIP.mp4 (takes minutes; reused when the file
// exists).
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "local/local_engine.h"
#include "support/test_util.h"

namespace {

using Clock = std::chrono::steady_clock;

const char *const kPortrait = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";

// 60 s of 1080p30: a scrolling test pattern with some noise (so that the
// encoder really spends ~6 Mbit/s) and the portrait composited on top.
bool make_clip(const std::string &path) {
  const std::string frames = "num-buffers=1800";
  const std::string raw = "video/x-raw,width=1920,height=1080,framerate=30/1";
  std::string error;
  // Encoding takes minutes (run_to_eos() gives up after 60 s by default).
  const bool made = run_to_eos(
      "compositor name=mix background=black sink_1::alpha=0.12 sink_2::xpos=700 sink_2::ypos=240 ! " + raw +
          " ! videoconvert ! video/x-raw,format=I420 ! x264enc bitrate=6000 speed-preset=veryfast key-int-max=60 "
          "! video/x-h264,profile=high ! mp4mux ! filesink location=\"" +
          path +
          "\" "
          "videotestsrc " +
          frames + " pattern=smpte horizontal-speed=3 ! " + raw +
          " ! mix.sink_0 "
          "videotestsrc " +
          frames + " pattern=snow ! " + raw +
          " ! mix.sink_1 "
          "filesrc location=" +
          kPortrait + " ! jpegdec ! videoconvert ! imagefreeze " + frames +
          " ! video/x-raw,framerate=30/1 ! mix.sink_2",
      3600, &error);
  if (!made) {
    g_printerr("cannot encode %s: %s\n", path.c_str(), error.c_str());
    g_remove(path.c_str());
  }
  return made;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const char *decode_only(const std::string &clip, std::string &description) {
  description = "filesrc location=\"" + clip + "\" ! qtdemux ! h264parse ! avdec_h264 ! fakesink sync=false";
  return description.c_str();
}

// --child engine: one analysis, its faces printed.
int run_engine(const std::string &clip) {
  gchar *image_dir = g_dir_make_tmp("bench-local-XXXXXX", nullptr);
  gchar *uri = g_filename_to_uri(clip.c_str(), nullptr, nullptr);
  std::mutex mutex;
  std::condition_variable finished;
  std::optional<idf::Outcome> outcome;
  idf::LocalEngineOptions options;
  options.uri = uri;
  options.face_image_dir = image_dir;
  auto engine = idf::LocalEngine::start(options, nullptr, [&](idf::Outcome result) {
    std::lock_guard<std::mutex> lock(mutex);
    outcome = std::move(result);
    finished.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mutex);
    finished.wait(lock, [&] { return outcome.has_value(); });
  }
  engine.reset();
  int status = 0;
  if (const auto *failure = std::get_if<idf::Failure>(&*outcome)) {
    g_printerr("engine failed: %s\n", failure->message.c_str());
    status = 1;
  } else {
    g_print("  faces:");
    for (const auto &face : std::get<idf::Result>(*outcome).faces) {
      g_print(" [%s %.2f-%.2f s", face.id.c_str(), face.start_ns / 1e9, face.end_ns / 1e9);
      if (face.box) g_print(" box %.3f %.3f %.3f %.3f", face.box->x, face.box->y, face.box->width, face.box->height);
      if (face.score) g_print(" score %.2f", *face.score);
      g_print("]");
      gchar *path = g_filename_from_uri(face.image.c_str(), nullptr, nullptr);
      if (path) {
        gchar *dir = g_path_get_dirname(path);
        g_remove(path);
        g_rmdir(dir);
        g_free(dir);
      }
      g_free(path);
    }
    g_print("\n");
  }
  g_rmdir(image_dir);
  g_free(image_dir);
  g_free(uri);
  return status;
}

// Cancellation in the middle of the clip: how long cancel() blocks.
void measure_cancel(const std::string &clip) {
  gchar *image_dir = g_dir_make_tmp("bench-local-XXXXXX", nullptr);
  gchar *uri = g_filename_to_uri(clip.c_str(), nullptr, nullptr);
  idf::LocalEngineOptions options;
  options.uri = uri;
  options.face_image_dir = image_dir;
  std::atomic<int> callbacks_after_cancel{0};
  std::atomic<bool> cancelled{false};
  auto engine = idf::LocalEngine::start(
      options, [&](double) { callbacks_after_cancel += cancelled.load() ? 1 : 0; },
      [&](idf::Outcome) { callbacks_after_cancel += cancelled.load() ? 1 : 0; });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto start = Clock::now();
  engine->cancel();
  cancelled = true;
  const double took = seconds_since(start);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int left = 0;
  if (GDir *dir = g_dir_open(image_dir, 0, nullptr)) {
    while (g_dir_read_name(dir)) left++;
    g_dir_close(dir);
  }
  g_print("cancel after 3 s: returned in %.1f ms, %d callback(s) after it, %d file(s) left\n", took * 1000,
          callbacks_after_cancel.load(), left);
  g_rmdir(image_dir);
  g_free(image_dir);
  g_free(uri);
}

// What a child process used.
struct Usage {
  double wall_s = 0, cpu_s = 0, peak_mib = 0;
};

std::optional<Usage> run_child(const char *self, const char *mode, const std::string &clip) {
  const char *argv[] = {self, "--child", mode, clip.c_str(), nullptr};
  GPid pid;
  GError *error = nullptr;
  const auto start = Clock::now();
  if (!g_spawn_async(nullptr, const_cast<char **>(argv), nullptr, G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &pid,
                     &error)) {
    g_printerr("cannot run %s: %s\n", self, error->message);
    g_error_free(error);
    return std::nullopt;
  }
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    g_printerr("the %s run failed\n", mode);
    return std::nullopt;
  }
  Usage used;
  used.wall_s = seconds_since(start);
  used.cpu_s = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  used.peak_mib = usage.ru_maxrss / 1024.0;  // KiB on Linux
  return used;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
  gboolean make = FALSE, facedetect = FALSE;
  gint runs = 1;
  gchar *child = nullptr;
  GOptionEntry entries[] = {
      {"make-clip", 0, 0, G_OPTION_ARG_NONE, &make, "Encode the benchmark clip first if it does not exist", nullptr},
      {"runs", 0, 0, G_OPTION_ARG_INT, &runs, "Alternating runs of decode only and the engine", "N"},
      {"facedetect", 0, 0, G_OPTION_ARG_NONE, &facedetect,
       "Also time GStreamer's facedetect element (gstreamer1.0-opencv) once: several minutes", nullptr},
      {"child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &child, "decode, engine or facedetect (internal)",
       "MODE"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext *context = g_option_context_new("CLIP.mp4 - time provider=local against decoding");
  g_option_context_add_main_entries(context, entries, nullptr);
  g_option_context_add_group(context, gst_init_get_option_group());
  GError *error = nullptr;
  if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2) {
    g_printerr("%s\n",
               error ? error->message : "usage: bench-local-engine [--make-clip] [--runs N] [--facedetect] CLIP.mp4");
    return 2;
  }
  g_option_context_free(context);
  gchar *absolute = g_canonicalize_filename(argv[1], nullptr);
  const std::string clip = absolute;
  g_free(absolute);

  std::string description;
  if (child) {
    const std::string mode = child;
    // facedetect takes minutes, and decoding alone may take longer than
    // run_to_eos()'s default minute on a busy machine.
    constexpr unsigned kChildTimeoutS = 3600;
    std::string error;
    auto run = [&](const std::string &pipeline) {
      if (run_to_eos(pipeline, kChildTimeoutS, &error)) return 0;
      g_printerr("%s: %s\n", mode.c_str(), error.c_str());
      return 1;
    };
    if (mode == "decode") return run(decode_only(clip, description));
    if (mode == "engine") return run_engine(clip);
    if (mode == "facedetect")
      return run("filesrc location=\"" + clip +
                 "\" ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! facedetect display=false ! "
                 "fakesink sync=false");
    g_printerr("unknown --child %s\n", child);
    return 2;
  }

  if (!g_file_test(clip.c_str(), G_FILE_TEST_EXISTS)) {
    if (!make) {
      g_printerr("%s does not exist (use --make-clip)\n", clip.c_str());
      return 2;
    }
    g_print("encoding %s (60 s 1080p30, ~6 Mbit/s)...\n", clip.c_str());
    const auto start = Clock::now();
    if (!make_clip(clip)) return 1;
    g_print("encoded in %.1f s\n", seconds_since(start));
  }
  if (const auto reason = idf::LocalEngine::unavailable_reason()) {
    g_printerr("provider=local cannot run: %s\n", reason->c_str());
    return 1;
  }
  gchar *self = g_file_read_link("/proc/self/exe", nullptr);
  if (!self) self = g_strdup(argv[0]);

  // Alternating runs, each in a fresh process: decode only, engine, ...
  std::vector<double> ratios, cpu_ratios;
  Usage decode_best{1e9, 1e9, 0}, engine_best{1e9, 1e9, 0};
  for (int run = 1; run <= runs; run++) {
    const auto decode = run_child(self, "decode", clip);
    if (!decode) return 1;
    g_print("run %d: decode only %.2f s, CPU %.2f s, peak %.0f MiB\n", run, decode->wall_s, decode->cpu_s,
            decode->peak_mib);
    const auto engine = run_child(self, "engine", clip);
    if (!engine) return 1;
    g_print("run %d: engine      %.2f s, CPU %.2f s, peak %.0f MiB: ratio %.2f (CPU %.2f)\n", run, engine->wall_s,
            engine->cpu_s, engine->peak_mib, engine->wall_s / decode->wall_s, engine->cpu_s / decode->cpu_s);
    ratios.push_back(engine->wall_s / decode->wall_s);
    cpu_ratios.push_back(engine->cpu_s / decode->cpu_s);
    decode_best.wall_s = std::min(decode_best.wall_s, decode->wall_s);
    decode_best.cpu_s = std::min(decode_best.cpu_s, decode->cpu_s);
    decode_best.peak_mib = std::max(decode_best.peak_mib, decode->peak_mib);
    engine_best.wall_s = std::min(engine_best.wall_s, engine->wall_s);
    engine_best.cpu_s = std::min(engine_best.cpu_s, engine->cpu_s);
    engine_best.peak_mib = std::max(engine_best.peak_mib, engine->peak_mib);
  }

  std::optional<Usage> detected, decode_after;
  if (facedetect) {
    detected = run_child(self, "facedetect", clip);
    if (!detected) return 1;
    decode_after = run_child(self, "decode", clip);
    if (!decode_after) return 1;
    g_print("facedetect: %.2f s, CPU %.2f s, peak %.0f MiB; decode only right after it: %.2f s, CPU %.2f s\n",
            detected->wall_s, detected->cpu_s, detected->peak_mib, decode_after->wall_s, decode_after->cpu_s);
  }

  measure_cancel(clip);

  g_print(
      "%d alternating runs: decode only best %.2f s (CPU %.2f s), engine best %.2f s (CPU %.2f s); "
      "ratio of the bests %.2f (CPU %.2f); median of the runs' ratios %.2f (CPU %.2f)\n",
      runs, decode_best.wall_s, decode_best.cpu_s, engine_best.wall_s, engine_best.cpu_s,
      engine_best.wall_s / decode_best.wall_s, engine_best.cpu_s / decode_best.cpu_s, median(ratios),
      median(cpu_ratios));
  g_print("peak memory (largest of the runs): engine %.0f MiB, decode only %.0f MiB\n", engine_best.peak_mib,
          decode_best.peak_mib);
  if (detected)
    g_print(
        "facedetect: %.2fx decode only (wall, runs next to each other), CPU %.2fx; the engine's best run is "
        "%.1fx faster than facedetect\n",
        detected->wall_s / decode_after->wall_s, detected->cpu_s / decode_after->cpu_s,
        detected->wall_s / engine_best.wall_s);
  g_free(self);
  return 0;
}
