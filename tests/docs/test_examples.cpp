// SPDX-License-Identifier: LGPL-2.1-or-later
// The programs of docs/examples, built by meson and run here against an
// in-process fake Kling service, so that they cannot rot.
// Usage: test_examples PRINT-FACES ACTIVE-FACES PYTHON PRINT_FACES.PY
// (PYTHON "" when no Python with GObject introspection was found).
#include <gst/gst.h>

#include <string>

#include "support/fake_service.h"
#include "support/process_util.h"
#include "support/test_util.h"

static std::string g_print_faces, g_active_faces, g_python, g_print_faces_py;
static std::string g_dir, g_clip;  // 1280x720, 3 s at 10 fps, mp4

static const char *kRoute = "POST /kling/v1/videos/identify-face";
static const char *kBody =
    "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"req-ex\",\"data\":{\"session_id\":\"sess-ex\","
    "\"final_unit_deduction\":\"1\",\"face_data\":["
    "{\"face_id\":\"0\",\"face_image\":\"https://img.example/0.png\",\"start_time\":0,\"end_time\":2500},"
    "{\"face_id\":\"1\",\"face_image\":\"https://img.example/1.png\",\"start_time\":1200,\"end_time\":2000}]}}";

// What both print-faces examples print for kBody, from the message and
// again from the tags.
static const char *kFaces =
    "  face 0: 0.000 s to 2.500 s, lip-sync ready, https://img.example/0.png\n"
    "  face 1: 1.200 s to 2.000 s, https://img.example/1.png\n";

static ProcessResult run_example(std::vector<std::string> argv, FakeService &svc) {
  argv.push_back(g_clip);
  argv.push_back("api-url=" + svc.url("/kling/v1/videos/identify-face"));
  argv.push_back("video-url=https://cdn.example/clip.mp4");
  ProcessSpec spec;
  spec.argv = argv;
  spec.setenv = {{"IDENTIFYFACE_API_KEY", "sk-examples"}};
  spec.unsetenv = {"GST_DEBUG"};
  return run_process(spec);
}

static void expect_print_faces_output(const ProcessResult &r) {
  std::string expected = std::string("message: session sess-ex, 2 face(s)\n") + kFaces +
                         "tags at the sink: session sess-ex, 2 face(s)\n" + kFaces;
  if (r.status != 0 || r.out != expected)
    g_error("expected status 0 and\n%s\ngot %s", expected.c_str(), r.describe().c_str());
}

static void test_c_print_faces() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kBody)});
  expect_print_faces_output(run_example({g_print_faces}, svc));
  g_assert_cmpuint(svc.count(kRoute), ==, 1);
}

static void test_c_print_faces_failure() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(401, "{\"code\":1002,\"message\":\"bad key\",\"request_id\":\"r\"}")});
  ProcessResult r = run_example({g_print_faces}, svc);
  if (r.status != 1 || r.err.find("identification failed (auth, code 1002)") == std::string::npos)
    g_error("expected status 1 and the failure on stderr, got %s", r.describe().c_str());
}

static void test_python_print_faces() {
  if (g_python.empty()) {
    g_test_skip("no Python 3 with GObject introspection (python3-gi, gir1.2-gstreamer-1.0, python3-gst-1.0)");
    return;
  }
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kBody)});
  expect_print_faces_output(run_example({g_python, g_print_faces_py}, svc));
}

// One line per buffer (10 fps, 3 s) naming the faces whose interval holds
// the buffer's stream time: face 0 [0, 2.5 s), face 1 [1.2 s, 2.0 s).
static void test_c_active_faces() {
  FakeService svc;
  svc.script(kRoute, {CannedResponse::json(200, kBody)});
  ProcessResult r = run_example({g_active_faces}, svc);
  std::string expected;
  for (int ms = 0; ms < 3000; ms += 100) {
    std::string active;
    if (ms < 2500) active = "0";
    if (ms >= 1200 && ms < 2000) active += ", 1";
    gchar *line = g_strdup_printf("%.3f s: %s\n", ms / 1000.0, active.empty() ? "none" : active.c_str());
    expected += line;
    g_free(line);
  }
  if (r.status != 0 || r.out != expected)
    g_error("expected status 0 and\n%s\ngot %s", expected.c_str(), r.describe().c_str());
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  if (argc < 5) g_error("usage: test_examples PRINT-FACES ACTIVE-FACES PYTHON PRINT_FACES.PY");
  g_print_faces = argv[1];
  g_active_faces = argv[2];
  g_python = argv[3];
  g_print_faces_py = argv[4];
  g_dir = make_temp_dir();
  g_clip = make_clip(g_dir, "clip.mp4", ClipSpec{});

  g_test_add_func("/examples/c/print-faces", test_c_print_faces);
  g_test_add_func("/examples/c/print-faces-failure", test_c_print_faces_failure);
  g_test_add_func("/examples/c/active-faces", test_c_active_faces);
  g_test_add_func("/examples/python/print-faces", test_python_print_faces);
  int status = g_test_run();
  remove_dir(g_dir);
  return status;
}
