// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-identify-face --lipsync, run as a user runs it, against the in-process
// fakes of identify-face and lip-sync. Usage: test_lipsync_cli PATH-TO-COMMAND
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>

#include <string>
#include <vector>

#include "support/fake_lipsync.h"
#include "support/fake_service.h"
#include "support/process_util.h"
#include "support/test_util.h"

namespace {

std::string g_tool, g_dir, g_clip, g_wav;
const char *kKey = "sk-lipsync-cli-test";
const char *kIdentifyPath = "/kling/v1/videos/identify-face";
const char *kLipsyncRoute = "POST /kling/v1/videos/advanced-lip-sync";

// Face 0 is visible 0-5 s (lip-sync ready), face 1 1-2.5 s (not ready).
const char *kFaces =
    "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"req-1\",\"data\":{\"session_id\":\"sess-cli\","
    "\"final_unit_deduction\":\"1\",\"face_data\":["
    "{\"face_id\":\"0\",\"face_image\":\"https://img.example/0.png\",\"start_time\":0,\"end_time\":5000},"
    "{\"face_id\":\"1\",\"face_image\":\"https://img.example/1.png\",\"start_time\":1000,\"end_time\":2500}]}}";

void contains(const std::string &haystack, const char *needle, const ProcessResult &r) {
  if (haystack.find(needle) == std::string::npos)
    g_error("expected \"%s\"; the run gave %s", needle, r.describe().c_str());
}

struct Service {
  FakeService svc;
  FakeLipsync lipsync;
  Service() {
    svc.script(std::string("POST ") + kIdentifyPath, {CannedResponse::json(200, kFaces)});
    lipsync = install_fake_lipsync(svc, FakeLipsyncOptions());
  }
};

ProcessSpec spec_for(FakeService &svc, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {g_tool, "--api-url=" + svc.url(kIdentifyPath), "--video-url=https://cdn.example/clip.mp4",
               "--cache-ttl=0", "--poll-interval=50"};
  for (auto &a : args) spec.argv.push_back(a);
  spec.argv.push_back(g_clip);
  spec.setenv = {{"IDENTIFYFACE_API_KEY", kKey}};
  spec.unsetenv = {"GST_DEBUG", "IDENTIFYFACE_ACCESS_KEY", "IDENTIFYFACE_SECRET_KEY"};
  return spec;
}

ProcessResult run(Service &s, std::vector<std::string> args) {
  return run_process(spec_for(s.svc, args));
}

// Whether a file whose name starts with `prefix` is in `dir`.
bool has_file(const std::string &dir, const char *prefix) {
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  bool found = false;
  while (const char *name = d ? g_dir_read_name(d) : nullptr)
    if (g_str_has_prefix(name, prefix)) found = true;
  if (d) g_dir_close(d);
  return found;
}

// No file named like the output, nor a temporary beside it.
void assert_no_output(const std::string &dir, const ProcessResult &r) {
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  while (const char *name = g_dir_read_name(d))
    if (g_str_has_prefix(name, "out") || g_str_has_prefix(name, ".out"))
      g_error("%s/%s was left; the run gave %s", dir.c_str(), name, r.describe().c_str());
  g_dir_close(d);
}

void test_lipsync_and_download() {
  Service s;
  std::string dir = make_temp_dir();
  std::string out = dir + "/out.mp4";
  ProcessResult r = run(s, {"--lipsync", g_wav, "--output", out});
  if (r.status != 0) g_error("expected exit 0; the run gave %s", r.describe().c_str());
  contains(r.out, "lip-sync face: 0, audio inserted at 0.000 s: face 0 overlaps the audio most", r);
  contains(r.out, ("lip-sync video: " + s.lipsync.video_url).c_str(), r);
  contains(r.out, "lip-sync task: lipsync-1 (succeed)", r);
  contains(r.out, ("wrote " + out + " (65536 bytes)").c_str(), r);
  gchar *bytes = nullptr;
  gsize len = 0;
  g_assert_true(g_file_get_contents(out.c_str(), &bytes, &len, nullptr));
  g_assert_true(std::string(bytes, len) == s.lipsync.video);
  g_free(bytes);
  g_assert_cmpuint(s.svc.count(kLipsyncRoute), ==, 1);
  remove_dir(dir);
}

void test_overlap_1_9_sends_nothing() {
  Service s;
  std::string dir = make_temp_dir();
  // 3 s of audio at 3.1 s overlaps face 0 (0-5 s) for 1.9 s.
  ProcessResult r = run(s, {"--lipsync", g_wav, "--face", "0", "--insert-at", "3.1", "--output", dir + "/out.mp4"});
  if (r.status != 1) g_error("expected exit 1; the run gave %s", r.describe().c_str());
  contains(r.err, "overlap: the audio inserted at 3.100 s overlaps face \"0\"", r);
  contains(r.err, "for 1.900 s: it must overlap for at least 2 s", r);
  contains(r.err, "no request sent", r);
  g_assert_cmpuint(s.svc.count(kLipsyncRoute), ==, 0);
  assert_no_output(dir, r);
  remove_dir(dir);
}

void test_cut_download_leaves_no_file() {
  Service s;
  s.svc.script("GET /lipsync/result/video.mp4", {CannedResponse::reset()});
  std::string dir = make_temp_dir();
  ProcessResult r = run(s, {"--lipsync", g_wav, "--output", dir + "/out.mp4"});
  if (r.status != 1) g_error("expected exit 1; the run gave %s", r.describe().c_str());
  contains(r.err, "was not written (the video stays at the URL above)", r);
  contains(r.out, "lip-sync video: ", r);  // what was paid for is still printed
  assert_no_output(dir, r);
  remove_dir(dir);
}

// Ctrl-C while the lip-sync is polled: the task was paid for, so its id and
// how to collect it are printed; --lipsync-task-id then collects it without
// a new submission (nor a new identification) and downloads its video.
void test_ctrl_c_after_submission_then_collect() {
  FakeService svc;
  svc.script(std::string("POST ") + kIdentifyPath, {CannedResponse::json(200, kFaces)});
  FakeLipsyncOptions options;
  options.processing_polls = 40;  // 2 s at 50 ms: still processing when Ctrl-C comes
  FakeLipsync lipsync = install_fake_lipsync(svc, options);
  Process p(spec_for(svc, {"--lipsync", g_wav}));
  g_assert_true(svc.wait_for("GET /kling/v1/videos/advanced-lip-sync/lipsync-1", 2, 20000));
  p.send_signal(SIGINT);
  ProcessResult r = p.wait(10000);
  if (r.status != 130) g_error("expected exit 130; the run gave %s", r.describe().c_str());
  contains(r.err, "lip-sync task lipsync-1 was submitted", r);
  contains(r.err, "--lipsync-task-id=lipsync-1", r);
  contains(r.err, "task-id=lipsync-1", r);
  g_assert_cmpuint(svc.count(kLipsyncRoute), ==, 1);

  std::string dir = make_temp_dir();
  std::string out = dir + "/out.mp4";
  size_t identified = svc.count(std::string("POST ") + kIdentifyPath);
  r = run_process(spec_for(svc, {"--lipsync-task-id=lipsync-1", "--output", out}), 60000);
  if (r.status != 0) g_error("expected exit 0; the run gave %s", r.describe().c_str());
  contains(r.out, "lip-sync task: lipsync-1 (succeed)", r);
  contains(r.out, ("wrote " + out).c_str(), r);
  g_assert_cmpuint(svc.count(kLipsyncRoute), ==, 1);
  g_assert_cmpuint(svc.count(std::string("POST ") + kIdentifyPath), ==, identified);
  remove_dir(dir);
}

// A task the service reports failed: said so (not "may still finish"),
// with its id, and nothing resubmitted.
void test_failed_task_says_failed() {
  FakeService svc;
  svc.script(std::string("POST ") + kIdentifyPath, {CannedResponse::json(200, kFaces)});
  FakeLipsyncOptions options;
  options.task_failure = "the face is too small";
  install_fake_lipsync(svc, options);
  ProcessResult r = run_process(spec_for(svc, {"--lipsync", g_wav}));
  if (r.status != 1) g_error("expected exit 1; the run gave %s", r.describe().c_str());
  contains(r.err, "the face is too small", r);
  contains(r.err, "lip-sync task lipsync-1 failed", r);
  if (r.err.find("may still finish") != std::string::npos)
    g_error("a failed task was said to be still running; the run gave %s", r.describe().c_str());
  if (r.err.find("--lipsync-task-id=") != std::string::npos)
    g_error("collecting a failed task was suggested; the run gave %s", r.describe().c_str());
  g_assert_cmpuint(svc.count(kLipsyncRoute), ==, 1);
}

// Ctrl-C in the middle of the download: no half video under the final name,
// and no temporary file left beside it.
void test_ctrl_c_during_download_leaves_no_file() {
  Service s;
  s.svc.script("GET /lipsync/result/video.mp4", {CannedResponse::stream(std::string(4096, 'v'), 0)});
  std::string dir = make_temp_dir();
  Process p(spec_for(s.svc, {"--lipsync", g_wav, "--output", dir + "/out.mp4"}));
  gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  while (!has_file(dir, ".out.mp4.part") && g_get_monotonic_time() < deadline) g_usleep(20000);
  g_assert_true(has_file(dir, ".out.mp4.part"));
  p.send_signal(SIGINT);
  ProcessResult r = p.wait(10000);
  if (r.status != 130) g_error("expected exit 130; the run gave %s", r.describe().c_str());
  contains(r.err, "download cancelled (Ctrl-C)", r);
  contains(r.out, "lip-sync video: ", r);  // what was paid for is still printed
  assert_no_output(dir, r);
  remove_dir(dir);
}

// --check --lipsync: nothing is sent. Without a cached identification it
// says which command identifies the clip; with one, it checks every rule on
// the cached faces.
void test_check_lipsync_uses_the_cache() {
  Service s;
  std::string cache = make_temp_dir();
  std::vector<std::string> cached = {"--cache-ttl=82800", "--cache-dir=" + cache};
  auto with = [&cached](std::vector<std::string> args) {
    args.insert(args.begin(), cached.begin(), cached.end());
    return args;
  };
  ProcessResult r = run(s, with({"--check", "--lipsync", g_wav}));
  if (r.status != 1) g_error("expected exit 1; the run gave %s", r.describe().c_str());
  contains(r.err, "--check --lipsync needs an identification of this clip first", r);
  contains(r.err, "--video-url=https://cdn.example/clip.mp4", r);
  size_t at = r.err.find("\n  gst-identify-face ");
  g_assert_true(at != std::string::npos);
  std::string command = r.err.substr(at + 3, r.err.find('\n', at + 1) - at - 3);
  if (command.find("--check") != std::string::npos || command.find("--lipsync") != std::string::npos ||
      command.find(g_wav) != std::string::npos)
    g_error("the command to run still checks or lip-syncs: %s", command.c_str());
  g_assert_cmpuint(s.svc.requests().size(), ==, 0);

  r = run(s, with({}));  // the identification, cached
  if (r.status != 0) g_error("expected exit 0; the run gave %s", r.describe().c_str());
  g_assert_cmpuint(s.svc.count(std::string("POST ") + kIdentifyPath), ==, 1);

  r = run(s, with({"--check", "--lipsync", g_wav}));
  if (r.status != 0) g_error("expected exit 0; the run gave %s", r.describe().c_str());
  contains(r.out, "faces from the identification cached at ", r);
  contains(r.out, "lip-sync checked, nothing sent: face 0, audio inserted at 0.000 s", r);
  contains(r.out, "every documented rule passed", r);

  r = run(s, with({"--check", "--lipsync", g_wav, "--face", "0", "--insert-at", "3.1"}));
  if (r.status != 1) g_error("expected exit 1; the run gave %s", r.describe().c_str());
  contains(r.err, "for 1.900 s: it must overlap for at least 2 s", r);
  g_assert_cmpuint(s.svc.count(std::string("POST ") + kIdentifyPath), ==, 1);
  g_assert_cmpuint(s.svc.count(kLipsyncRoute), ==, 0);
  remove_dir(cache);
}

void test_companions_need_lipsync() {
  Service s;
  ProcessResult r = run(s, {"--output", "x.mp4"});
  if (r.status != 2) g_error("expected exit 2; the run gave %s", r.describe().c_str());
  contains(r.err, "--output goes with --lipsync AUDIO", r);
  g_assert_cmpuint(s.svc.requests().size(), ==, 0);
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  if (argc < 2) g_error("usage: test_lipsync_cli PATH-TO-COMMAND");
  g_tool = argv[1];
  g_dir = make_temp_dir();
  ClipSpec spec;
  spec.seconds = 8;
  spec.fps = 5;
  g_clip = make_clip(g_dir, "clip.mp4", spec);
  g_wav = g_dir + "/dub.wav";
  std::string error;
  if (!run_to_eos("audiotestsrc num-buffers=30 samplesperbuffer=800 ! audio/x-raw,format=S16LE,rate=8000,channels=1 "
                  "! wavenc ! filesink location=\"" +
                      g_wav + "\"",
                  60, &error))
    g_error("cannot make the audio: %s", error.c_str());
  g_test_add_func("/lipsync-cli/lipsync-and-download", test_lipsync_and_download);
  g_test_add_func("/lipsync-cli/overlap-1.9s-sends-nothing", test_overlap_1_9_sends_nothing);
  g_test_add_func("/lipsync-cli/cut-download-leaves-no-file", test_cut_download_leaves_no_file);
  g_test_add_func("/lipsync-cli/companions-need-lipsync", test_companions_need_lipsync);
  g_test_add_func("/lipsync-cli/check-lipsync-uses-the-cache", test_check_lipsync_uses_the_cache);
  g_test_add_func("/lipsync-cli/ctrl-c-after-submission-then-collect", test_ctrl_c_after_submission_then_collect);
  g_test_add_func("/lipsync-cli/ctrl-c-during-download-leaves-no-file", test_ctrl_c_during_download_leaves_no_file);
  g_test_add_func("/lipsync-cli/failed-task-says-failed", test_failed_task_says_failed);
  int rc = g_test_run();
  remove_dir(g_dir);
  return rc;
}
