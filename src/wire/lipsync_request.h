// SPDX-License-Identifier: LGPL-2.1-or-later
// What a lip-sync asks the service for, and the request bodies of the two
// dialects: Kling's advanced lip-sync (POST .../v1/videos/advanced-lip-sync,
// polled at .../advanced-lip-sync/{task_id}) and Kirin's task platform
// (model kirin_lipsync, submitted and polled like kirin_identify_face).
// docs/lipsync-api.md quotes the sources.
#pragma once

#include <cstdint>
#include <string>

namespace idf {

constexpr const char *kKlingLipsyncDefaultUrl = "https://api.chainhub.tech/kling/v1/videos/advanced-lip-sync";
constexpr const char *kKirinLipsyncDefaultModel = "kirin_lipsync";

// The audio to sync: exactly one of them goes in the request.
struct LipsyncAudio {
  enum class Kind {
    Id,    // audio_id: a Kling TTS audio of the last 30 days
    Url,   // sound_file as an http(s) URL
    Data,  // sound_file as the Base64 of a local file
  };
  Kind kind = Kind::Url;
  std::string value;  // the id, the URL, or the Base64 text
};

struct LipsyncRequest {
  std::string session_id;
  std::string face_id;
  LipsyncAudio audio;
  // The crop of the audio and where it goes in the video, in stream time;
  // sent as whole milliseconds (lipsync_ms()).
  uint64_t audio_start_ns = 0;
  uint64_t audio_end_ns = 0;
  uint64_t insert_ns = 0;
  double sound_volume = 1.0;     // 0..2
  double original_volume = 1.0;  // 0..2
  std::string external_task_id;  // optional
  std::string callback_url;      // optional
  // Non-empty: collect this task, which was submitted before; nothing is
  // submitted (and nothing billed) again.
  std::string task_id;
};

// Nanoseconds as the whole milliseconds the service is sent (rounded to the
// nearest): the checks use the same value as the request.
int64_t lipsync_ms(uint64_t ns);

std::string kling_lipsync_body(const LipsyncRequest &request);
std::string kirin_lipsync_body(const std::string &model, const LipsyncRequest &request);

// Kling's poll URL of a task: api_url/{task_id}, the id escaped; "" for the
// ids "." and "..", which no URL can carry as a segment.
std::string kling_lipsync_poll_url(const std::string &api_url, const std::string &task_id);

// The lip-sync endpoint beside an identify-face endpoint: the same URL with
// "advanced-lip-sync" in place of its last "identify-face"; a URL without it
// (Kirin's generation endpoint, which serves every model) is its own.
std::string lipsync_url_beside(const std::string &identify_url);

}  // namespace idf
