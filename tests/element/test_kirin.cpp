// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=kirin: submit, poll, retries without double billing, deadline,
// cancellation and progress, against an in-process fake task service.
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>
#include <json-glib/json-glib.h>

#include <atomic>
#include <cstring>
#include <string>

#include "support/fake_service.h"
#include "support/test_util.h"

static std::string g_dir;
static std::string g_clip;  // 1280x720, 3 s, mp4

static const char *kSubmit = "POST /model/v1/generation";
static const char *kKey = "kirin-key-5a5a5a5a";

static std::string task(const char *id_field, const char *id, const char *status, const std::string &extra = "") {
  return std::string("{\"") + id_field + "\":\"" + id + "\",\"status\":\"" + status + "\"" + extra + "}";
}

static std::string kling_text(const char *code = "0") {
  return std::string("{\"code\":") + code +
         ",\"message\":\"ok\",\"request_id\":\"kreq-7\",\"data\":{\"session_id\":\"ks-1\","
         "\"final_unit_deduction\":\"2\",\"face_data\":[{\"face_id\":\"3\",\"face_image\":\"https://i/3.png\","
         "\"start_time\":\"500\",\"end_time\":2900}]}}";
}

// A completed task carrying `text` (escaped into a JSON string).
static std::string completed(const char *id, const std::string &text) {
  gchar *escaped = g_strescape(text.c_str(), nullptr);
  std::string out = task("id", id, "completed",
                         std::string(",\"output\":[{\"content\":[{\"type\":\"text\",\"text\":\"") + escaped +
                             "\",\"url\":\"\"}]}],\"usage\":{\"cost\":\"0.05\",\"discount\":0.5},\"metadata\":{}");
  g_free(escaped);
  return out;
}

static GstElement *kirin_pipeline(FakeService &svc, const std::string &extra) {
  std::string desc =
      "filesrc location=\"" + g_clip +
      "\" ! qtdemux ! h264parse ! identifyface name=idf provider=kirin api-url=" + svc.url("/model/v1/generation") +
      " video-url=https://cdn.example/clip.mp4 api-key=" + kKey + " " + extra + " ! fakesink sync=false";
  return launch(desc);
}

static void test_status_sequence_and_progress() {
  FakeService svc;
  svc.script(kSubmit, {CannedResponse::json(200, task("task_id", "t-1", "pending"))});
  svc.script("GET /model/v1/generation/task/t-1",
             {CannedResponse::json(200, task("task_id", "t-1", "queued")),
              CannedResponse::json(200, task("task_id", "t-1", "processing")),
              CannedResponse::json(200, task("task_id", "t-1", "in_progress")),
              CannedResponse::json(200, task("task_id", "t-1", "warming_up")),  // unknown: keep polling
              CannedResponse::json(200, completed("t-1", kling_text()))});
  GstElement *p = kirin_pipeline(svc, "poll-interval=100");
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);

  // Submission body: model and the one video field.
  auto reqs = svc.requests();
  JsonParser *parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, reqs.at(0).body.c_str(), -1, nullptr));
  JsonObject *body = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpuint(json_object_get_size(body), ==, 2);
  g_assert_cmpstr(json_object_get_string_member(body, "model"), ==, "kirin_identify_face");
  g_assert_cmpstr(json_object_get_string_member(body, "video_url"), ==, "https://cdn.example/clip.mp4");
  g_object_unref(parser);
  g_assert_cmpuint(svc.count(kSubmit), ==, 1);
  g_assert_cmpuint(svc.count("GET /model/v1/generation/task/t-1"), ==, 5);
  std::string auth = reqs.at(1).headers["authorization"];
  std::string expected_auth = std::string("Bearer ") + kKey;
  g_assert_cmpstr(auth.c_str(), ==, expected_auth.c_str());

  const GstStructure *s = log.element_message("identify-face");
  g_assert_nonnull(s);
  g_assert_cmpstr(gst_structure_get_string(s, "provider"), ==, "kirin");
  g_assert_cmpstr(gst_structure_get_string(s, "task-id"), ==, "t-1");
  g_assert_cmpstr(gst_structure_get_string(s, "session-id"), ==, "ks-1");
  g_assert_cmpstr(gst_structure_get_string(s, "request-id"), ==, "kreq-7");
  g_assert_cmpstr(gst_structure_get_string(s, "final-unit-deduction"), ==, "2");
  g_assert_cmpstr(gst_structure_get_string(s, "cost"), ==, "0.05");
  gdouble discount = 0;
  g_assert_true(gst_structure_get_double(s, "discount", &discount));
  g_assert_cmpfloat(discount, ==, 0.5);
  const GstStructure *face = face_at(s, 0);
  guint64 start, end;
  g_assert_true(gst_structure_get_uint64(face, "start-time", &start));
  g_assert_true(gst_structure_get_uint64(face, "end-time", &end));
  g_assert_cmpuint(start, ==, 500 * GST_MSECOND);
  g_assert_cmpuint(end, ==, 2900 * GST_MSECOND);

  // Progress: submitting, a polling step per poll with the status, complete;
  // then EOS. No GST_MESSAGE_PROGRESS: that would hold gst-launch in PAUSED.
  auto steps = log.progress();
  g_assert_cmpuint(steps.size(), ==, 6);  // the completing poll reports complete
  g_assert_cmpstr(steps.front().phase.c_str(), ==, "submitting");
  for (size_t i = 1; i + 1 < steps.size(); i++) g_assert_cmpstr(steps[i].phase.c_str(), ==, "polling");
  g_assert_cmpstr(steps[1].status.c_str(), ==, "queued");
  g_assert_cmpstr(steps[3].status.c_str(), ==, "in_progress");
  g_assert_cmpstr(steps.back().phase.c_str(), ==, "complete");
  g_assert_true(log.all(GST_MESSAGE_PROGRESS).empty());
  g_assert_cmpint(log.index_of_element("identify-face"), <, log.index_of_type(GST_MESSAGE_EOS));
  stop(p);
}

static void test_id_field_and_poll_url_template() {
  FakeService svc;
  svc.script(kSubmit, {CannedResponse::json(200, task("id", "abc-1", "processing"))});
  svc.script("GET /tasks/abc-1/status", {CannedResponse::json(200, completed("abc-1", kling_text()))});
  GstElement *p = kirin_pipeline(svc, "poll-interval=50 poll-url=" + svc.url("/tasks/{task_id}/status"));
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.eos);
  g_assert_cmpuint(svc.count("GET /tasks/abc-1/status"), ==, 1);
  g_assert_cmpstr(gst_structure_get_string(log.element_message("identify-face"), "task-id"), ==, "abc-1");
  stop(p);
}

static void expect_task_failure(const std::string &poll_body, const char *code, const char *needle) {
  FakeService svc;
  svc.script(kSubmit, {CannedResponse::json(200, task("task_id", "t-f", "pending"))});
  svc.script("GET /model/v1/generation/task/t-f", {CannedResponse::json(200, poll_body)});
  GstElement *p = kirin_pipeline(svc, "poll-interval=50");
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.error);
  BusProblem error = log.problem(GST_MESSAGE_ERROR);
  error.assert_contains({needle});
  const GstStructure *details = error.details;
  g_assert_cmpstr(gst_structure_get_string(details, "code"), ==, code);
  g_assert_cmpstr(gst_structure_get_string(details, "task-id"), ==, "t-f");
  const GstStructure *e = log.element_message("identify-face-error");
  g_assert_cmpstr(gst_structure_get_string(e, "task-id"), ==, "t-f");
  // Progress ends with ERROR.
  const std::vector<ProgressStep> steps = log.progress();  // kept: g_assert_cmpstr reads it after the statement
  g_assert_cmpstr(steps.back().phase.c_str(), ==, "error");
  g_assert_cmpuint(svc.count(kSubmit), ==, 1);
  stop(p);
}

// The element reports a failed task with its code and text (the dialect's
// reading of every variant is test_core's).
static void test_failed_task_reported() {
  expect_task_failure(
      task("task_id", "t-f", "failed", ",\"error\":{\"code\":\"014002095\",\"error_message\":\"boom\"}"), "014002095",
      "internal generation error");
}

static void test_submission_not_resent_after_reset() {
  FakeService svc;
  svc.script(kSubmit, {CannedResponse::reset(), CannedResponse::json(200, task("task_id", "t-x", "pending"))});
  GstElement *p = kirin_pipeline(svc, "");
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.error);
  log.problem(GST_MESSAGE_ERROR).assert_contains({"not resent", "billed"});
  g_usleep(300 * 1000);
  g_assert_cmpuint(svc.count(kSubmit), ==, 1);
  stop(p);
}

static void test_submission_retried_when_refused() {
  // Nothing listens: the request never left, so retrying cannot double-bill.
  std::string url = refused_url("/model/v1/generation");
  std::string desc = "filesrc location=\"" + g_clip +
                     "\" ! qtdemux ! h264parse ! identifyface provider=kirin max-retries=1 api-url=" + url +
                     " video-url=https://cdn.example/clip.mp4 api-key=k ! fakesink sync=false";
  GstElement *p = launch(desc);
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.error);
  log.problem(GST_MESSAGE_ERROR).assert_contains({"gave up after 2 attempt(s)"});
  stop(p);
}

static void check_stop_is_final(FakeService &svc, GstElement *p, const char *route, size_t wait_n,
                                const char *task_id = nullptr) {
  gst_element_set_state(p, GST_STATE_PLAYING);
  g_assert_true(svc.wait_for(route, wait_n, 10000));
  g_usleep(100 * 1000);
  size_t before = svc.requests().size();
  gint64 t0 = g_get_monotonic_time();
  // READY first: the bus is flushed on the way to NULL.
  gst_element_set_state(p, GST_STATE_READY);
  g_assert_cmpint((g_get_monotonic_time() - t0) / 1000, <, 5000);
  GstBus *bus = gst_element_get_bus(p);
  bool canceled = false;
  while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) {
    ProgressStep step;
    if (progress_step(m, &step) && step.phase == "cancelled") {
      canceled = true;
      // A task was created (and may be billed): its id, and how to collect it.
      if (task_id) {
        IdentifyFaceProgress progress;
        g_assert_true(identifyface_progress_from_structure(gst_message_get_structure(m), &progress));
        g_assert_cmpstr(progress.task_id, ==, task_id);
        std::string collect = std::string("task-id=") + task_id;
        g_assert_nonnull(strstr(step.text.c_str(), collect.c_str()));
      }
    }
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  g_assert_true(canceled);
  gst_element_set_state(p, GST_STATE_NULL);
  g_usleep(1500 * 1000);
  g_assert_cmpuint(svc.requests().size(), ==, before);
  gst_object_unref(p);
}

static void test_cancel_mid_request() {
  FakeService svc;
  svc.script(kSubmit, {CannedResponse::json(200, task("task_id", "t-c", "pending"))});
  svc.script("GET /model/v1/generation/task/t-c", {CannedResponse::hang()});
  check_stop_is_final(svc, kirin_pipeline(svc, "poll-interval=50"), "GET /model/v1/generation/task/t-c", 1, "t-c");
}

// The deadline names the task, and how to collect it later.
static void test_timeout_names_the_task() {
  FakeService svc;
  svc.script(kSubmit, {CannedResponse::json(200, task("task_id", "t-to", "pending"))});
  svc.script("GET /model/v1/generation/task/t-to", {CannedResponse::json(200, task("task_id", "t-to", "processing"))});
  GstElement *p = kirin_pipeline(svc, "poll-interval=50 timeout=1");
  BusLog log;
  run_until_done(p, log, 20000);
  g_assert_true(log.error);
  BusProblem error = log.problem(GST_MESSAGE_ERROR);
  error.assert_contains({"timed out", "task-id=t-to"});
  g_assert_cmpstr(gst_structure_get_string(error.details, "task-id"), ==, "t-to");
  stop(p);
}

// task-id collects an existing task: polls only, no submission (no new
// charge), and no video-url needed since nothing names the clip to the
// service. Not served from the result cache: the task is asked each time.
static void test_task_id_collects_without_submission() {
  FakeService svc;
  const char *poll = "GET /model/v1/generation/task/t-old";
  svc.script(poll, {CannedResponse::json(200, task("task_id", "t-old", "processing")),
                    CannedResponse::json(200, completed("t-old", kling_text()))});
  std::string cache = g_dir + "/collect-cache";
  for (int run = 0; run < 2; run++) {
    GstElement *p =
        launch("filesrc location=\"" + g_clip +
               "\" ! qtdemux ! h264parse ! identifyface provider=kirin task-id=t-old poll-interval=50 "
               "api-url=" +
               svc.url("/model/v1/generation") + " api-key=" + kKey + " cache-dir=" + cache + " ! fakesink sync=false");
    BusLog log;
    run_until_done(p, log, 20000);
    g_assert_true(log.eos);
    const GstStructure *s = log.element_message("identify-face");
    g_assert_nonnull(s);
    g_assert_cmpstr(gst_structure_get_string(s, "task-id"), ==, "t-old");
    g_assert_cmpstr(gst_structure_get_string(s, "session-id"), ==, "ks-1");
    gboolean cached = TRUE;
    g_assert_true(gst_structure_get_boolean(s, "cached", &cached));
    g_assert_false(cached);
    for (const auto &step : log.progress()) g_assert_cmpstr(step.phase.c_str(), !=, "submitting");
    stop(p);
  }
  g_assert_cmpuint(svc.count(kSubmit), ==, 0);
  g_assert_cmpuint(svc.count(poll), ==, 3);  // processing, completed; completed again

  // Only a Kirin task can be collected: refused at start, nothing sent.
  GstElement *p =
      launch("filesrc location=\"" + g_clip +
             "\" ! qtdemux ! h264parse ! identifyface task-id=t-old api-key=k api-url=" + svc.url("/kling") +
             " video-url=https://cdn.example/clip.mp4 ! fakesink");
  BusLog log;
  run_until_done(p, log, 10000);
  g_assert_true(log.error);
  log.problem(GST_MESSAGE_ERROR).assert_contains({"task-id", "provider=kirin"});
  stop(p);
  g_assert_cmpuint(svc.requests().size(), ==, 3);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_dir = make_temp_dir();
  g_clip = make_clip(g_dir, "clip.mp4", ClipSpec{});

  g_test_add_func("/kirin/status-sequence-and-progress", test_status_sequence_and_progress);
  g_test_add_func("/kirin/id-field-and-poll-url", test_id_field_and_poll_url_template);
  g_test_add_func("/kirin/failed/reported", test_failed_task_reported);
  g_test_add_func("/kirin/retry/submission-not-resent-after-reset", test_submission_not_resent_after_reset);
  g_test_add_func("/kirin/retry/submission-retried-when-refused", test_submission_retried_when_refused);
  g_test_add_func("/kirin/cancel/mid-request", test_cancel_mid_request);
  g_test_add_func("/kirin/timeout-names-the-task", test_timeout_names_the_task);
  g_test_add_func("/kirin/task-id/collects-without-submission", test_task_id_collects_without_submission);
  int ret = g_test_run();
  remove_dir(g_dir);
  return ret;
}
