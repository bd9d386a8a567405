// Benchmark of provider=local against the decoding floor.
//
//   bench-local-engine [--make-clip] [--runs N] [--facedetect] CLIP.mp4
//
// Times, on the same H.264 clip,
//   1. decode only: filesrc ! qtdemux ! h264parse ! avdec_h264 ! fakesink
//   2. idf::LocalEngine (decode + sampling + face detection + tracking)
// and prints both, their ratio and the faces found. --make-clip first encodes
// a 60 s 1080p30 ~6 Mbit/s H.264 clip with a face in it to CLIP.mp4 (takes
// minutes; reused when the file exists).
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "local_engine.h"
#include "test_util.h"

namespace {

using Clock = std::chrono::steady_clock;

const char *const kPortrait = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";

// 60 s of 1080p30: a scrolling test pattern with some noise (so that the
// encoder really spends ~6 Mbit/s) and the portrait composited on top.
bool make_clip(const std::string &path) {
  const std::string frames = "num-buffers=1800";
  const std::string raw = "video/x-raw,width=1920,height=1080,framerate=30/1";
  return run_to_eos(
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
      kPortrait + " ! jpegdec ! videoconvert ! imagefreeze " + frames + " ! video/x-raw,framerate=30/1 ! mix.sink_2");
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time (user + system) of this process so far: less sensitive than
// wall time to other work on the machine.
double cpu_seconds() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

// Resets the process's peak resident set (Linux: /proc/self/clear_refs "5"),
// so the peak read afterwards is the engine's, not the clip encoder's.
bool reset_peak_rss() {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  bool ok = fputs("5", f) >= 0;
  return fclose(f) == 0 && ok;
}

// VmHWM of /proc/self/status, in MiB; -1 when unknown.
double peak_rss_mib() {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double kib = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
  fclose(f);
  return kib < 0 ? -1 : kib / 1024.0;
}

int main(int argc, char **argv) {
  gboolean make = FALSE, facedetect = FALSE;
  gint runs = 1;
  GOptionEntry entries[] = {
      {"make-clip", 0, 0, G_OPTION_ARG_NONE, &make, "Encode the benchmark clip first if it does not exist", nullptr},
      {"runs", 0, 0, G_OPTION_ARG_INT, &runs, "Repetitions of each measurement (best is kept)", "N"},
      {"facedetect", 0, 0, G_OPTION_ARG_NONE, &facedetect,
       "Also time GStreamer's facedetect element (gstreamer1.0-opencv) once: about 10 minutes", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext *context = g_option_context_new("CLIP.mp4 - time provider=local against decoding");
  g_option_context_add_main_entries(context, entries, nullptr);
  g_option_context_add_group(context, gst_init_get_option_group());
  GError *error = nullptr;
  if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2) {
    g_printerr("%s\n", error ? error->message : "usage: bench-local-engine [--make-clip] [--runs N] CLIP.mp4");
    return 2;
  }
  g_option_context_free(context);
  gchar *absolute = g_canonicalize_filename(argv[1], nullptr);
  const std::string clip = absolute;
  g_free(absolute);

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
  if (!idf::LocalEngine::available()) {
    g_printerr("provider=local is not available in this build\n");
    return 1;
  }

  double decode_best = 1e9, engine_best = 1e9, decode_cpu_best = 1e9, engine_cpu_best = 1e9;
  for (int run = 0; run < runs; run++) {
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    if (!run_to_eos("filesrc location=\"" + clip + "\" ! qtdemux ! h264parse ! avdec_h264 ! fakesink sync=false"))
      return 1;
    const double took = seconds_since(start), cpu = cpu_seconds() - cpu_start;
    g_print("decode only: %.2f s (CPU %.2f s)\n", took, cpu);
    decode_best = std::min(decode_best, took);
    decode_cpu_best = std::min(decode_cpu_best, cpu);
  }

  gchar *image_dir = g_dir_make_tmp("bench-local-XXXXXX", nullptr);
  gchar *uri = g_filename_to_uri(clip.c_str(), nullptr, nullptr);
  const bool peak_known = reset_peak_rss();
  for (int run = 0; run < runs; run++) {
    std::mutex mutex;
    std::condition_variable finished;
    std::optional<idf::Outcome> outcome;
    idf::LocalEngineOptions options;
    options.uri = uri;
    options.face_image_dir = image_dir;
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    auto engine = idf::LocalEngine::start(options, nullptr, [&](idf::Outcome result) {
      std::lock_guard<std::mutex> lock(mutex);
      outcome = std::move(result);
      finished.notify_all();
    });
    {
      std::unique_lock<std::mutex> lock(mutex);
      finished.wait(lock, [&] { return outcome.has_value(); });
    }
    const double took = seconds_since(start), cpu = cpu_seconds() - cpu_start;
    engine.reset();
    if (const auto *failure = std::get_if<idf::Failure>(&*outcome)) {
      g_printerr("engine failed: %s\n", failure->message.c_str());
      return 1;
    }
    const auto &result = std::get<idf::Result>(*outcome);
    g_print("engine: %.2f s (CPU %.2f s), %zu face(s):", took, cpu, result.faces.size());
    for (const auto &face : result.faces)
      g_print(" [%s %.2f-%.2f s]", face.id.c_str(), face.start_ns / 1e9, face.end_ns / 1e9);
    g_print("\n");
    engine_best = std::min(engine_best, took);
    engine_cpu_best = std::min(engine_cpu_best, cpu);
    // Drop this run's images.
    for (const auto &face : result.faces) {
      gchar *path = g_filename_from_uri(face.image.c_str(), nullptr, nullptr);
      if (path) {
        gchar *dir = g_path_get_dirname(path);
        g_remove(path);
        g_rmdir(dir);
        g_free(dir);
      }
      g_free(path);
    }
  }
  const double engine_peak = peak_known ? peak_rss_mib() : -1;
  if (engine_peak >= 0)
    g_print("engine peak memory (whole process, VmHWM since the engine runs began): %.0f MiB\n", engine_peak);

  double facedetect_took = -1;
  if (facedetect) {
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    if (!run_to_eos("filesrc location=\"" + clip +
                    "\" ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! facedetect display=false ! "
                    "fakesink sync=false"))
      return 1;
    facedetect_took = seconds_since(start);
    g_print("facedetect: %.2f s (CPU %.2f s)\n", facedetect_took, cpu_seconds() - cpu_start);
  }

  // Cancellation in the middle of the clip: how long cancel() blocks.
  {
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
  }

  g_rmdir(image_dir);
  g_free(image_dir);
  g_free(uri);

  g_print("best of %d: decode only %.2f s (CPU %.2f s), engine %.2f s (CPU %.2f s); ratio %.2f (CPU %.2f)\n", runs,
          decode_best, decode_cpu_best, engine_best, engine_cpu_best, engine_best / decode_best,
          engine_cpu_best / decode_cpu_best);
  if (facedetect_took > 0)
    g_print("facedetect %.2f s: the engine is %.0fx faster\n", facedetect_took, facedetect_took / engine_best);
  return 0;
}
