// SPDX-License-Identifier: LGPL-2.1-or-later
// Every documented rule of the lip-sync services, checked before anything
// is billed, plus what the service cannot know (the session's age, the
// session's maker), and the choice of a face and of where the audio goes.
// Pure functions: no I/O, no clock (the caller passes the time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/result.h"
#include "wire/lipsync_request.h"

namespace idf {

namespace lipsync_limits {
constexpr uint64_t kMinAudioNs = 2 * kNsPerSecond;
constexpr uint64_t kMaxAudioNs = 60 * kNsPerSecond;
constexpr uint64_t kMaxAudioBytes = 5ull * 1024 * 1024;
constexpr int64_t kMinCropMs = 2000;
constexpr int64_t kMinOverlapMs = 2000;
constexpr double kMaxVolume = 2.0;
constexpr int64_t kSessionLifetimeS = 24 * 3600;
}  // namespace lipsync_limits

// The audio as read (GstDiscoverer for a file or URL); unknown stays unset.
struct AudioFacts {
  std::string format;  // "mp3", "wav", "m4a", "aac", or what was found ("ogg"); "" unknown
  std::optional<uint64_t> duration_ns;
  std::optional<uint64_t> size_bytes;
};

// "mp3", "wav", "m4a" or "aac" for a file name or URL path ending so
// (case-insensitive, query and fragment ignored); "" otherwise.
std::string audio_format_of_name(const std::string &name);
// The documented formats: mp3, wav, m4a, aac.
bool audio_format_accepted(const std::string &format);

// The session the faces came from.
struct SessionFacts {
  std::string provider;  // who made it: "kling", "kirin", "local"
  std::string session_id;
  std::optional<int64_t> created_wall_s;  // when it was made (the result cache knows); unset: unknown
  std::vector<Face> faces;
  // False when the faces were not told (a session id given alone): the
  // face rules cannot be checked.
  bool faces_known = true;
};

struct LipsyncPlan {
  SessionFacts session;
  std::string face_id;
  LipsyncAudio::Kind audio_kind = LipsyncAudio::Kind::Url;
  AudioFacts audio;
  uint64_t audio_start_ns = 0;
  uint64_t audio_end_ns = 0;
  uint64_t insert_ns = 0;
  std::optional<uint64_t> video_duration_ns;
  double sound_volume = 1.0;
  double original_volume = 1.0;
  int64_t now_wall_s = 0;
};

struct LipsyncViolation {
  std::string rule;  // a short name: "audio-duration", "overlap", ...
  std::string text;  // the rule and the value measured, for people
};

// Every rule the plan breaks (empty: it may be sent). A fact that is unknown
// and needed breaks its rule too ("cannot check"): strict never bills blind.
std::vector<LipsyncViolation> check_lipsync(const LipsyncPlan &plan);
// "rule: text; rule: text".
std::string describe_lipsync_violations(const std::vector<LipsyncViolation> &violations);

// Milliseconds of [insert, insert + length) inside the face's interval, as
// the service computes them from the ms it is sent.
int64_t lipsync_overlap_ms(const Face &face, uint64_t insert_ns, uint64_t length_ns);
// Where `length_ns` of audio overlaps the face most, staying inside the
// video when its duration is known (the earliest such place).
uint64_t best_insert_ns(const Face &face, uint64_t length_ns, std::optional<uint64_t> video_duration_ns);

struct FaceChoice {
  std::string face_id;
  uint64_t insert_ns = 0;
  int64_t overlap_ms = 0;
  std::string why;  // for the message and the log
};

// `face_id` "auto" or "": the lip-sync-ready face overlapping the audio
// most (at `insert_ns`, or where each overlaps most when unset); ties: the
// longer interval, then the larger box. Another id: that face, with the
// insert time given or its best one. The string says why no face fits.
std::variant<FaceChoice, std::string> choose_lipsync_face(const std::vector<Face> &faces, const std::string &face_id,
                                                          uint64_t length_ns, std::optional<uint64_t> insert_ns,
                                                          std::optional<uint64_t> video_duration_ns);

}  // namespace idf
