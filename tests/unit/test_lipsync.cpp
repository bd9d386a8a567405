// SPDX-License-Identifier: LGPL-2.1-or-later
// The lip-sync core without a pipeline: request bodies of both dialects,
// their answers (variants, strictness), every pre-flight rule at its edge,
// and the automatic choice of face and insert time.
#include <glib.h>

#include <string>

#include "job/lipsync_preflight.h"
#include "runtime/audio_probe.h"
#include "wire/lipsync_dialect.h"
#include "wire/lipsync_request.h"

using namespace idf;

namespace {

void assert_str(const std::string &got, const std::string &want) {
  if (got != want) g_error("\"%s\" != \"%s\"", got.c_str(), want.c_str());
}

constexpr uint64_t S = kNsPerSecond;
constexpr uint64_t MS = kNsPerMs;

void assert_contains(const std::string &text, const char *needle) {
  if (text.find(needle) == std::string::npos) g_error("\"%s\" not found in \"%s\"", needle, text.c_str());
}

Face face(const char *id, uint64_t start, uint64_t end) {
  Face f;
  f.id = id;
  f.start_ns = start;
  f.end_ns = end;
  return f;
}

LipsyncRequest request() {
  LipsyncRequest r;
  r.session_id = "s-1";
  r.face_id = "0";
  r.audio = {LipsyncAudio::Kind::Url, "https://cdn.test/dub.mp3"};
  r.audio_start_ns = 0;
  r.audio_end_ns = 3 * S;
  r.insert_ns = 1500 * MS;
  r.sound_volume = 1.5;
  r.original_volume = 0;
  return r;
}

// A plan every rule accepts: a 10 s video, face 0 from 1 s to 6 s, 3 s of
// a 4 s wav inserted at 1 s.
LipsyncPlan good_plan() {
  LipsyncPlan p;
  p.session.provider = "kling";
  p.session.session_id = "s-1";
  p.session.created_wall_s = 1000;
  p.session.faces = {face("0", 1 * S, 6 * S)};
  p.face_id = "0";
  p.audio_kind = LipsyncAudio::Kind::Data;
  p.audio = {"wav", 4 * S, 400000};
  p.audio_start_ns = 0;
  p.audio_end_ns = 3 * S;
  p.insert_ns = 1 * S;
  p.video_duration_ns = 10 * S;
  p.now_wall_s = 2000;
  return p;
}

std::string rules(const LipsyncPlan &p) {
  std::string out;
  for (const auto &v : check_lipsync(p)) out += (out.empty() ? "" : ",") + v.rule;
  return out;
}

void assert_only(const LipsyncPlan &p, const char *rule, const char *text) {
  auto v = check_lipsync(p);
  if (v.size() != 1 || v[0].rule != rule) g_error("expected only %s, got [%s]", rule, rules(p).c_str());
  assert_contains(v[0].text, text);
}

/* ---- bodies ---- */

void test_kling_body() {
  std::string body = kling_lipsync_body(request());
  assert_str(body, R"({"session_id":"s-1","face_choose":[{"face_id":"0","sound_file":"https://cdn.test/dub.mp3",)"
                   R"("sound_start_time":0,"sound_end_time":3000,"sound_insert_time":1500,"sound_volume":1.5,)"
                   R"("original_audio_volume":0.0}]})");
  LipsyncRequest r = request();
  r.audio = {LipsyncAudio::Kind::Id, "tts-7"};
  r.external_task_id = "mine-1";
  body = kling_lipsync_body(r);
  assert_contains(body, R"("audio_id":"tts-7")");
  assert_contains(body, R"("external_task_id":"mine-1")");
  g_assert_true(body.find("sound_file") == std::string::npos);  // exactly one of the two
}

void test_kirin_body() {
  std::string body = kirin_lipsync_body("kirin_lipsync", request());
  assert_contains(body, R"({"model":"kirin_lipsync","session_id":"s-1","face_choose":[{"face_id":"0",)");
  assert_contains(body, R"("sound_insert_time":1500)");
}

void test_ms_rounding() {
  g_assert_cmpint(lipsync_ms(1999999999), ==, 2000);
  g_assert_cmpint(lipsync_ms(1999400000), ==, 1999);
  g_assert_cmpint(lipsync_ms(0), ==, 0);
}

void test_urls() {
  assert_str(lipsync_url_beside("https://api.chainhub.tech/kling/v1/videos/identify-face"),
             "https://api.chainhub.tech/kling/v1/videos/advanced-lip-sync");
  assert_str(lipsync_url_beside("http://127.0.0.1:5/kling/v1/videos/identify-face?x=1"),
             "http://127.0.0.1:5/kling/v1/videos/advanced-lip-sync?x=1");
  assert_str(lipsync_url_beside("https://cloud.vtrix.ai/model/v1/generation"),
             "https://cloud.vtrix.ai/model/v1/generation");
  assert_str(kling_lipsync_poll_url("https://a.test/v1/videos/advanced-lip-sync", "t 1/2"),
             "https://a.test/v1/videos/advanced-lip-sync/t%201%2F2");
  assert_str(kling_lipsync_poll_url("https://a.test/x", ".."), "");
}

/* ---- answers ---- */

const char *kKlingSubmitted =
    R"({"code":0,"message":"SUCCEED","request_id":"r-1","data":{"task_id":"t-1","task_status":"submitted",)"
    R"("created_at":1,"updated_at":1}})";
const char *kKlingSucceed =
    R"({"code":0,"message":"SUCCEED","request_id":"r-2","data":{"task_id":"t-1","task_status":"succeed",)"
    R"("task_result":{"videos":[{"id":"v-1","url":"https://cdn.test/out.mp4","duration":"5.1"},)"
    R"({"id":2,"url":"http://cdn.test/b.mp4","duration":3}]},"final_unit_deduction":"4"}})";

void test_kling_answers() {
  auto st = parse_kling_lipsync_task(kKlingSubmitted, 200);
  auto &sub = std::get<TaskStatus>(st);
  assert_str(sub.task_id, "t-1");
  g_assert_true(sub.state == TaskState::Running);

  auto done = parse_kling_lipsync_task(kKlingSucceed, 200, "t-1");
  auto &task = std::get<TaskStatus>(done);
  g_assert_true(task.state == TaskState::Completed);
  const Result &r = std::get<Result>(task.outcome);
  assert_str(r.task_id, "t-1");
  assert_str(r.request_id, "r-2");
  assert_str(r.final_unit_deduction, "4");
  assert_str(r.task_status, "succeed");
  g_assert_cmpuint(r.videos.size(), ==, 2);
  assert_str(r.videos[0].url, "https://cdn.test/out.mp4");
  g_assert_cmpuint(r.videos[0].duration_ns, ==, 5100 * MS);
  assert_str(r.videos[1].id, "2");  // a number as sent
  g_assert_cmpuint(r.videos[1].duration_ns, ==, 3 * S);

  // "id" for "task_id".
  auto alt = parse_kling_lipsync_task(R"({"code":"0","data":{"id":"t-9","task_status":"processing"}})", 200);
  assert_str(std::get<TaskStatus>(alt).task_id, "t-9");
}

void test_kling_failed_task_says_why() {
  auto st = parse_kling_lipsync_task(
      R"({"code":0,"request_id":"r-3","data":{"task_id":"t-1","task_status":"failed","task_status_msg":"face too small"}})",
      200, "t-1");
  auto &task = std::get<TaskStatus>(st);
  g_assert_true(task.state == TaskState::Failed);
  const Failure &f = std::get<Failure>(task.outcome);
  assert_contains(f.message, "lip-sync task t-1 failed: face too small");
  assert_str(f.task_id, "t-1");
  g_assert_true(f.message.find("code 0") == std::string::npos);
  // No reason given: still not "code 0".
  auto bare = parse_kling_lipsync_task(R"({"code":0,"data":{"task_id":"t-1","task_status":"failed"}})", 200);
  assert_contains(std::get<Failure>(std::get<TaskStatus>(bare).outcome).message, "the service gave no reason");
}

void test_kling_refusals() {
  auto busy = parse_kling_lipsync_task(R"({"code":1303,"message":"parallel task over resource pack limit"})", 200);
  const Failure &f = std::get<Failure>(busy);
  assert_str(f.code, "1303");
  assert_contains(f.message, "policy or rate limit");
  auto auth = parse_kling_lipsync_task(R"({"code":1002,"message":"bad token"})", 401);
  g_assert_true(std::get<Failure>(auth).kind == Failure::Kind::Auth);
  auto html = parse_kling_lipsync_task("<html>bad gateway</html>", 502);
  g_assert_true(std::get<Failure>(html).kind == Failure::Kind::Http);
}

void test_kling_strictness() {
  const char *bad[] = {
      R"({"code":0,"data":{"task_id":"t-1","task_status":"succeed","task_result":{"videos":[]}}})",
      R"({"code":0,"data":{"task_id":"t-1","task_status":"succeed"}})",
      R"({"code":0,"data":{"task_id":"t-1","task_status":"succeed","task_result":{"videos":[{"url":"file:///etc/passwd"}]}}})",
      R"({"code":0,"data":{"task_id":"t-1","task_status":"succeed","task_result":{"videos":[{"url":"https://a/b","duration":-1}]}}})",
      R"({"code":0,"data":{"task_id":"t-1","task_status":"succeed","task_result":{"videos":[{"url":"https://a/b","duration":"x"}]}}})",
      R"({"code":0,"data":{"task_id":"..","task_status":"submitted"}})",
      R"({"code":0})",
      R"({"code":0,"data":{"task_id":"t-1","task_status":"succeed","task_result":{"videos":[{"url":"https://a/b"}]}})",
  };
  for (const char *body : bad) {
    auto st = parse_kling_lipsync_task(body, 200, "t-1");
    if (!std::holds_alternative<Failure>(st)) g_error("accepted: %s", body);
    g_assert_true(std::get<Failure>(st).kind == Failure::Kind::Parse);
  }
  // A poll answer about another task.
  auto other = parse_kling_lipsync_task(kKlingSubmitted, 200, "t-2");
  assert_contains(std::get<Failure>(other).message, "not the submitted task");
}

void test_kirin_answers() {
  auto sub = parse_kirin_lipsync_task(R"({"task_id":"k-1","status":"pending"})", 200);
  g_assert_true(std::get<TaskStatus>(sub).state == TaskState::Running);

  auto videos = parse_kirin_lipsync_task(
      R"({"task_id":"k-1","status":"completed","output":[{"content":[{"type":"video","url":"https://cdn.test/k.mp4",)"
      R"("duration":"4.5"}]}],"usage":{"cost":"0.30","discount":0}})",
      200, "k-1");
  const Result &r = std::get<Result>(std::get<TaskStatus>(videos).outcome);
  assert_str(r.task_id, "k-1");
  g_assert_cmpuint(r.videos.size(), ==, 1);
  g_assert_cmpuint(r.videos[0].duration_ns, ==, 4500 * MS);
  assert_str(*r.cost, "0.30");

  // The Kling envelope as text, in a "data" wrapper, with "id".
  gchar *inner = g_strescape(kKlingSucceed, nullptr);
  std::string wrapped =
      std::string(R"({"data":{"id":"k-1","status":"completed","output":[{"content":[{"type":"text","text":")") + inner +
      R"("}]}]}})";
  g_free(inner);
  auto text = parse_kirin_lipsync_task(wrapped, 200, "k-1");
  const Result &rt = std::get<Result>(std::get<TaskStatus>(text).outcome);
  g_assert_cmpuint(rt.videos.size(), ==, 2);
  assert_str(rt.final_unit_deduction, "4");

  auto failed = parse_kirin_lipsync_task(
      R"({"task_id":"k-1","status":"failed","error":{"code":"014002095","error_message":"boom"}})", 200, "k-1");
  const Failure &f = std::get<Failure>(std::get<TaskStatus>(failed).outcome);
  assert_contains(f.message, "task k-1 failed: error 014002095 (internal generation error): boom");

  auto empty = parse_kirin_lipsync_task(R"({"task_id":"k-1","status":"completed","output":[]})", 200, "k-1");
  const Failure &fe = std::get<Failure>(std::get<TaskStatus>(empty).outcome);
  assert_contains(fe.message, "completed without a video");
}

/* ---- pre-flight ---- */

void test_good_plan_passes() {
  assert_str(rules(good_plan()), "");
}

void test_overlap_edge() {
  // Face 1 s..6 s; 3 s of audio at 4.1 s overlaps 1.9 s; at 4.0 s, 2.0 s.
  LipsyncPlan p = good_plan();
  p.insert_ns = 4100 * MS;
  assert_only(p, "overlap", "for 1.900 s: it must overlap for at least 2 s");
  p.insert_ns = 4000 * MS;
  assert_str(rules(p), "");
  // Before the face: 0 s..3 s overlaps 1 s..3 s = 2.0 s; -0.1 s is impossible,
  // so shorten the crop: 2.9 s at 0 overlaps 1.9 s.
  p.insert_ns = 0;
  p.audio_end_ns = 2900 * MS;
  assert_only(p, "overlap", "for 1.900 s");
}

void test_insert_inside_video() {
  LipsyncPlan p = good_plan();
  p.session.faces = {face("0", 1 * S, 10 * S)};
  p.insert_ns = 7001 * MS;  // 3 s from 7.001 s ends after 10 s
  assert_only(p, "insert-inside-video", "ends at 10.001 s, after the video's end at 10.000 s");
  p.insert_ns = 7000 * MS;
  assert_str(rules(p), "");
  p.video_duration_ns.reset();
  assert_only(p, "insert-inside-video", "duration is unknown");
}

void test_audio_rules() {
  LipsyncPlan p = good_plan();
  p.audio.duration_ns = 1999 * MS;
  p.audio_end_ns = 1999 * MS;
  std::string r = rules(p);
  assert_contains(r, "audio-duration");
  assert_contains(r, "audio-crop");
  p = good_plan();
  p.audio.duration_ns = 60001 * MS;
  assert_only(p, "audio-duration", "lasts 60.001 s: it must be 2 to 60 s");
  p.audio.duration_ns = 60 * S;
  assert_str(rules(p), "");
  p = good_plan();
  p.audio.size_bytes = 5 * 1024 * 1024 + 1;
  assert_only(p, "audio-size", "5242881 bytes, more than 5 MB");
  p.audio.size_bytes = 5 * 1024 * 1024;
  assert_str(rules(p), "");
  p = good_plan();
  p.audio.format = "ogg";
  assert_only(p, "audio-format", "the audio is ogg: it must be .mp3, .wav, .m4a or .aac");
  p.audio.format = "";
  assert_only(p, "audio-format", "unknown");
  // An audio_id is the service's: nothing to read.
  p = good_plan();
  p.audio_kind = LipsyncAudio::Kind::Id;
  p.audio = {};
  assert_str(rules(p), "");
}

void test_crop_rules() {
  LipsyncPlan p = good_plan();
  p.audio_start_ns = 1 * S;
  p.audio_end_ns = 2999 * MS;  // 1.999 s
  std::string r = rules(p);
  assert_contains(r, "audio-crop");
  p.audio_end_ns = 3 * S;
  assert_str(rules(p), "");
  p.audio_start_ns = 2 * S;
  p.audio_end_ns = 4001 * MS;  // ends after the 4 s audio
  p.session.faces = {face("0", 1 * S, 9 * S)};
  assert_only(p, "audio-crop", "ends at 4.001 s, after the audio's end at 4.000 s");
}

void test_session_and_face_rules() {
  LipsyncPlan p = good_plan();
  p.now_wall_s = 1000 + 24 * 3600;
  assert_only(p, "session-age", "24.0 h old");
  p.now_wall_s = 1000 + 24 * 3600 - 1;
  assert_str(rules(p), "");
  p = good_plan();
  p.face_id = "7";
  assert_only(p, "face-in-session", "face \"7\" is not in session s-1 (its faces: 0)");
  p = good_plan();
  p.session.faces = {face("0", 1 * S, 2999 * MS)};
  p.insert_ns = 1 * S;
  std::string r = rules(p);
  assert_contains(r, "face-lipsync-ready");
  p = good_plan();
  p.session.faces.clear();
  p.session.faces_known = false;
  assert_only(p, "face-interval", "the faces of session s-1 are unknown");
  p = good_plan();
  p.session.provider = "local";
  p.session.session_id = "";
  assert_only(p, "session-provider", "identify the clip with provider=kling or provider=kirin");
}

void test_volume_rules() {
  LipsyncPlan p = good_plan();
  p.sound_volume = 2.01;
  assert_only(p, "audio-volume", "audio-volume is 2.01: it must be 0 to 2");
  p.sound_volume = 2;
  p.original_volume = -0.5;
  assert_only(p, "original-volume", "-0.5");
}

void test_every_broken_rule_is_named() {
  LipsyncPlan p = good_plan();
  p.audio.format = "flac";
  p.audio.size_bytes = 6 << 20;
  p.sound_volume = 3;
  auto v = check_lipsync(p);
  g_assert_cmpuint(v.size(), ==, 3);
  std::string text = describe_lipsync_violations(v);
  assert_contains(text, "audio-format: the audio is flac");
  assert_contains(text, "; audio-size: ");
  assert_contains(text, "; audio-volume: audio-volume is 3");
}

void test_format_of_name() {
  assert_str(audio_format_of_name("/tmp/Dub.WAV"), "wav");
  assert_str(audio_format_of_name("https://a.test/x.m4a?sig=1"), "m4a");
  assert_str(audio_format_of_name("https://a.test/x.ogg"), "");
  assert_str(audio_format_of_name("https://a.mp3/x"), "");
}

void test_format_of_caps() {
  // A wav file's only stream carries the file's type, without container info.
  assert_str(audio_format_of_caps("", "", "audio/x-wav", 0, 0), "wav");
  assert_str(audio_format_of_caps("audio/x-wav", "", "audio/x-raw", 0, 0), "wav");
  assert_str(audio_format_of_caps("application/x-id3", "", "audio/mpeg", 1, 3), "mp3");
  assert_str(audio_format_of_caps("", "", "audio/mpeg", 1, 3), "mp3");
  assert_str(audio_format_of_caps("video/quicktime", "iso", "audio/mpeg", 4, 0), "m4a");
  assert_str(audio_format_of_caps("", "", "audio/mpeg", 4, 0), "aac");
  assert_str(audio_format_of_caps("", "", "audio/x-flac", 0, 0), "audio/x-flac");
  assert_str(audio_format_of_caps("application/ogg", "", "audio/x-vorbis", 0, 0), "application/ogg");
}

/* ---- the choice ---- */

void test_auto_choice_most_overlap() {
  // 3 s of audio at 2 s: face a 0..3 s overlaps 1 s, b 2..4.5 s 2.5 s, c 1..10 s 3 s.
  std::vector<Face> faces = {face("a", 0, 3 * S), face("b", 2 * S, 4500 * MS), face("c", 1 * S, 10 * S)};
  auto c = std::get<FaceChoice>(choose_lipsync_face(faces, "auto", 3 * S, 2 * S, 10 * S));
  assert_str(c.face_id, "c");
  g_assert_cmpint(c.overlap_ms, ==, 3000);
  g_assert_cmpuint(c.insert_ns, ==, 2 * S);
  assert_contains(c.why, "face c overlaps the audio most (3.000 s of 3 lip-sync-ready face(s))");
}

void test_auto_choice_ties_and_placement() {
  // Insert unset: each face's best place; a and b both take all 3 s: the longer wins.
  std::vector<Face> faces = {face("a", 0, 4 * S), face("b", 5 * S, 10 * S), face("tiny", 0, 1 * S)};
  auto c = std::get<FaceChoice>(choose_lipsync_face(faces, "", 3 * S, std::nullopt, 10 * S));
  assert_str(c.face_id, "b");
  g_assert_cmpuint(c.insert_ns, ==, 5 * S);
  assert_contains(c.why, "inserted at 5.000 s");
  // Equal intervals: the larger box wins.
  Face x = face("x", 0, 4 * S), y = face("y", 5 * S, 9 * S);
  x.box = FaceBox{0, 0, 0.1, 0.1};
  y.box = FaceBox{0, 0, 0.3, 0.2};
  c = std::get<FaceChoice>(choose_lipsync_face({x, y}, "auto", 3 * S, std::nullopt, 10 * S));
  assert_str(c.face_id, "y");
  // Longer audio than the face ends with it, clamped inside the video.
  Face late = face("l", 8 * S, 10 * S);
  g_assert_cmpuint(best_insert_ns(late, 5 * S, 10 * S), ==, 5 * S);
  g_assert_cmpuint(best_insert_ns(late, 3 * S, 10 * S), ==, 7 * S);
  g_assert_cmpuint(best_insert_ns(late, 1500 * MS, std::nullopt), ==, 8 * S);
}

void test_choice_refusals() {
  auto none = choose_lipsync_face({face("tiny", 0, 1 * S)}, "auto", 3 * S, std::nullopt, 10 * S);
  assert_contains(std::get<std::string>(none), "no face of the session is visible for the 2 s");
  auto unknown = choose_lipsync_face({face("a", 0, 5 * S)}, "b", 3 * S, std::nullopt, 10 * S);
  assert_contains(std::get<std::string>(unknown), "face \"b\" is not in the session");
  auto asked = choose_lipsync_face({face("a", 0, 5 * S), face("b", 1 * S, 9 * S)}, "a", 3 * S, std::nullopt, 10 * S);
  assert_str(std::get<FaceChoice>(asked).face_id, "a");
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/lipsync/body/kling", test_kling_body);
  g_test_add_func("/lipsync/body/kirin", test_kirin_body);
  g_test_add_func("/lipsync/body/ms-rounding", test_ms_rounding);
  g_test_add_func("/lipsync/urls", test_urls);
  g_test_add_func("/lipsync/answer/kling", test_kling_answers);
  g_test_add_func("/lipsync/answer/kling-failed-says-why", test_kling_failed_task_says_why);
  g_test_add_func("/lipsync/answer/kling-refusals", test_kling_refusals);
  g_test_add_func("/lipsync/answer/kling-strict", test_kling_strictness);
  g_test_add_func("/lipsync/answer/kirin", test_kirin_answers);
  g_test_add_func("/lipsync/preflight/good-plan", test_good_plan_passes);
  g_test_add_func("/lipsync/preflight/overlap-1.9-vs-2.0", test_overlap_edge);
  g_test_add_func("/lipsync/preflight/insert-inside-video", test_insert_inside_video);
  g_test_add_func("/lipsync/preflight/audio", test_audio_rules);
  g_test_add_func("/lipsync/preflight/crop", test_crop_rules);
  g_test_add_func("/lipsync/preflight/session-and-face", test_session_and_face_rules);
  g_test_add_func("/lipsync/preflight/volumes", test_volume_rules);
  g_test_add_func("/lipsync/preflight/every-rule-named", test_every_broken_rule_is_named);
  g_test_add_func("/lipsync/preflight/format-of-name", test_format_of_name);
  g_test_add_func("/lipsync/preflight/format-of-caps", test_format_of_caps);
  g_test_add_func("/lipsync/choice/most-overlap", test_auto_choice_most_overlap);
  g_test_add_func("/lipsync/choice/ties-and-placement", test_auto_choice_ties_and_placement);
  g_test_add_func("/lipsync/choice/refusals", test_choice_refusals);
  return g_test_run();
}
