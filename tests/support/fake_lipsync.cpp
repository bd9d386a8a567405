// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/fake_lipsync.h"

#include <atomic>
#include <map>
#include <mutex>

namespace {

const char *kKlingPath = "/kling/v1/videos/advanced-lip-sync";
const char *kKirinPath = "/model/v1/generation";
const char *kVideoPath = "/lipsync/result/video.mp4";

std::string kling_envelope(const std::string &task_id, const std::string &status, const std::string &extra) {
  return "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"fake-lipsync-request\",\"data\":{\"task_id\":\"" +
         task_id + "\",\"task_status\":\"" + status + "\",\"created_at\":1733600000000,\"updated_at\":1733600000000" +
         extra + "}}";
}

std::string json_text(const std::string &s) {
  gchar *escaped = g_strescape(s.c_str(), nullptr);
  std::string out = std::string("\"") + escaped + "\"";
  g_free(escaped);
  return out;
}

struct State {
  FakeLipsyncOptions options;
  std::string video_url;
  std::mutex lock;
  unsigned submissions = 0;
  std::map<std::string, unsigned> polls;  // task id -> polls answered
};

CannedResponse poll_answer(State &st, const std::string &task_id) {
  unsigned n;
  {
    std::lock_guard<std::mutex> g(st.lock);
    n = st.polls[task_id]++;
  }
  bool kirin = st.options.kirin;
  if (n < st.options.processing_polls)
    return CannedResponse::json(200, kirin ? "{\"task_id\":\"" + task_id + "\",\"status\":\"processing\"}"
                                           : kling_envelope(task_id, "processing", ""));
  if (!st.options.task_failure.empty()) {
    if (kirin)
      return CannedResponse::json(200, "{\"task_id\":\"" + task_id +
                                           "\",\"status\":\"failed\",\"error\":{\"code\":\"014002095\","
                                           "\"error_message\":" +
                                           json_text(st.options.task_failure) + "}}");
    return CannedResponse::json(
        200, kling_envelope(task_id, "failed", ",\"task_status_msg\":" + json_text(st.options.task_failure)));
  }
  std::string video = "{\"id\":\"video-" + task_id + "\",\"url\":\"" + st.video_url + "\",\"duration\":\"5.0\"}";
  if (kirin)
    return CannedResponse::json(200, "{\"task_id\":\"" + task_id +
                                         "\",\"status\":\"completed\",\"output\":[{\"content\":[{\"type\":\"video\","
                                         "\"url\":\"" +
                                         st.video_url +
                                         "\",\"duration\":5.0}]}],\"usage\":{\"cost\":\"0.30\",\"discount\":0}}");
  return CannedResponse::json(
      200, kling_envelope(task_id, "succeed",
                          ",\"final_unit_deduction\":\"4\",\"task_result\":{\"videos\":[" + video + "]}"));
}

}  // namespace

std::string fake_lipsync_video(size_t bytes) {
  std::string out(bytes, '\0');
  uint32_t x = 2463534242u;  // xorshift: the same bytes every run
  for (size_t i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = (char)(x & 0xff);
  }
  return out;
}

FakeLipsync install_fake_lipsync(FakeService &service, const FakeLipsyncOptions &options) {
  auto st = std::make_shared<State>();
  st->options = options;
  FakeLipsync out;
  out.api_url = service.url(options.kirin ? kKirinPath : kKlingPath);
  out.video_url = service.url(kVideoPath);
  out.video = fake_lipsync_video(options.video_bytes);
  st->video_url = out.video_url;

  CannedResponse video = CannedResponse::json(200, out.video);
  video.content_type = "video/mp4";
  service.script(std::string("GET ") + kVideoPath, {video});

  FakeService *svc = &service;  // the service outlives its handlers
  std::string base = options.kirin ? kKirinPath : kKlingPath;
  service.handle("POST " + base, [st, svc, base](const RecordedRequest &) {
    unsigned n;
    {
      std::lock_guard<std::mutex> g(st->lock);
      n = st->submissions++;
    }
    if (st->options.hang_submission) return CannedResponse::hang();
    if (st->options.reset_submission) return CannedResponse::reset();
    if (n < st->options.submit_codes.size())
      return CannedResponse::json(200, "{\"code\":" + st->options.submit_codes[n] +
                                           ",\"message\":\"refused by the fake\",\"request_id\":\"fake-refusal\"}");
    std::string task_id = "lipsync-" + std::to_string(n + 1);
    std::string poll = st->options.kirin ? "GET " + base + "/task/" + task_id : "GET " + base + "/" + task_id;
    svc->handle(poll, [st, task_id](const RecordedRequest &) { return poll_answer(*st, task_id); });
    return CannedResponse::json(200, st->options.kirin ? "{\"task_id\":\"" + task_id + "\",\"status\":\"pending\"}"
                                                       : kling_envelope(task_id, "submitted", ""));
  });
  return out;
}
