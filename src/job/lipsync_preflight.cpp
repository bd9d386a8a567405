// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/lipsync_preflight.h"

#include <glib.h>

#include <algorithm>

namespace idf {

using namespace lipsync_limits;

namespace {

std::string seconds(uint64_t ns) {
  char buf[64];
  g_snprintf(buf, sizeof buf, "%.3f s", ns / 1e9);
  return buf;
}

std::string seconds_ms(int64_t ms) {
  char buf[64];
  g_snprintf(buf, sizeof buf, "%.3f s", ms / 1e3);
  return buf;
}

std::string number(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_formatd(buf, sizeof buf, "%g", v);
}

const Face *find_face(const std::vector<Face> &faces, const std::string &id) {
  for (const auto &f : faces)
    if (f.id == id) return &f;
  return nullptr;
}

double box_area(const Face &f) {
  return f.box ? f.box->width * f.box->height : 0;
}

}  // namespace

std::string audio_format_of_name(const std::string &name) {
  std::string path = name.substr(0, name.find_first_of("?#"));
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  char *lower = g_ascii_strdown(path.c_str() + dot + 1, -1);
  std::string ext = lower;
  g_free(lower);
  return audio_format_accepted(ext) ? ext : "";
}

bool audio_format_accepted(const std::string &format) {
  return format == "mp3" || format == "wav" || format == "m4a" || format == "aac";
}

int64_t lipsync_overlap_ms(const Face &face, uint64_t insert_ns, uint64_t length_ns) {
  int64_t a = lipsync_ms(insert_ns), b = a + lipsync_ms(length_ns);
  int64_t fs = lipsync_ms(face.start_ns), fe = lipsync_ms(face.end_ns);
  return std::max<int64_t>(0, std::min(b, fe) - std::max(a, fs));
}

uint64_t best_insert_ns(const Face &face, uint64_t length_ns, std::optional<uint64_t> video_duration_ns) {
  uint64_t face_len = face.end_ns > face.start_ns ? face.end_ns - face.start_ns : 0;
  // Audio shorter than the face starts with it; longer audio ends with it
  // (then it covers the whole face).
  uint64_t at = length_ns <= face_len ? face.start_ns : (face.end_ns > length_ns ? face.end_ns - length_ns : 0);
  if (video_duration_ns) {
    uint64_t latest = *video_duration_ns > length_ns ? *video_duration_ns - length_ns : 0;
    at = std::min(at, latest);
  }
  return at;
}

std::vector<LipsyncViolation> check_lipsync(const LipsyncPlan &p) {
  std::vector<LipsyncViolation> v;
  auto add = [&v](const char *rule, std::string text) { v.push_back({rule, std::move(text)}); };

  // The session.
  if (p.session.provider == "local")
    add("session-provider",
        "the faces come from provider=local, which makes no service session: identify the clip with provider=kling "
        "or provider=kirin first");
  else if (p.session.session_id.empty())
    add("session-id", "no session id: identify the clip first (identifyface upstream, or session-id)");
  if (p.session.created_wall_s && p.session.provider != "local") {
    int64_t age = p.now_wall_s - *p.session.created_wall_s;
    if (age >= kSessionLifetimeS) {
      char buf[128];
      g_snprintf(buf, sizeof buf, "the session is %.1f h old and sessions live 24 h: identify the clip again",
                 age / 3600.0);
      add("session-age", buf);
    }
  }

  // The face.
  const Face *face = find_face(p.session.faces, p.face_id);
  if (p.session.provider != "local" && !p.session.faces_known) {
    add("face-interval", "the faces of session " + p.session.session_id + " are unknown: cannot check that face \"" +
                             p.face_id +
                             "\" is in it, visible for 2 s and overlapped for 2 s (place identifyface upstream)");
  } else if (p.session.provider != "local") {
    if (!face) {
      std::string known;
      for (const auto &f : p.session.faces) known += (known.empty() ? "" : ", ") + f.id;
      add("face-in-session", "face \"" + p.face_id + "\" is not in session " + p.session.session_id +
                                 (known.empty() ? " (it has no face)" : " (its faces: " + known + ")"));
    } else if (!face->lipsync_ready()) {
      add("face-lipsync-ready", "face \"" + face->id + "\" is visible for " + seconds(face->end_ns - face->start_ns) +
                                    ", less than the 2 s a lip-sync needs");
    }
  }

  // The audio itself (an audio_id is the service's: nothing to read).
  if (p.audio_kind != LipsyncAudio::Kind::Id) {
    if (p.audio.format.empty())
      add("audio-format", "the audio's format is unknown: it must be .mp3, .wav, .m4a or .aac");
    else if (!audio_format_accepted(p.audio.format))
      add("audio-format", "the audio is " + p.audio.format + ": it must be .mp3, .wav, .m4a or .aac");
    if (!p.audio.size_bytes)
      add("audio-size", "the audio's size is unknown: it must be at most 5 MB");
    else if (*p.audio.size_bytes > kMaxAudioBytes)
      add("audio-size",
          "the audio is " + std::to_string(*p.audio.size_bytes) + " bytes, more than 5 MB (5242880 bytes)");
    if (!p.audio.duration_ns)
      add("audio-duration", "the audio's duration is unknown: it must be 2 to 60 s");
    else if (*p.audio.duration_ns < kMinAudioNs || *p.audio.duration_ns > kMaxAudioNs)
      add("audio-duration", "the audio lasts " + seconds(*p.audio.duration_ns) + ": it must be 2 to 60 s");
  }

  // The crop.
  int64_t start = lipsync_ms(p.audio_start_ns), end = lipsync_ms(p.audio_end_ns);
  int64_t crop = end - start;
  if (crop < kMinCropMs)
    add("audio-crop", "the audio's crop " + seconds_ms(start) + " to " + seconds_ms(end) + " lasts " +
                          seconds_ms(std::max<int64_t>(crop, 0)) + ": it must last at least 2 s");
  if (p.audio.duration_ns && end > lipsync_ms(*p.audio.duration_ns))
    add("audio-crop",
        "the audio's crop ends at " + seconds_ms(end) + ", after the audio's end at " + seconds(*p.audio.duration_ns));

  // Where it goes.
  int64_t insert = lipsync_ms(p.insert_ns);
  uint64_t length_ns = p.audio_end_ns > p.audio_start_ns ? p.audio_end_ns - p.audio_start_ns : 0;
  if (!p.video_duration_ns)
    add("insert-inside-video", "the video's duration is unknown: cannot check that the audio stays inside it");
  else if (insert + std::max<int64_t>(crop, 0) > lipsync_ms(*p.video_duration_ns))
    add("insert-inside-video", "the audio inserted at " + seconds_ms(insert) + " ends at " +
                                   seconds_ms(insert + std::max<int64_t>(crop, 0)) + ", after the video's end at " +
                                   seconds(*p.video_duration_ns));
  if (face && p.session.provider != "local") {
    int64_t overlap = lipsync_overlap_ms(*face, p.insert_ns, length_ns);
    if (overlap < kMinOverlapMs)
      add("overlap", "the audio inserted at " + seconds_ms(insert) + " overlaps face \"" + face->id + "\" (" +
                         seconds(face->start_ns) + " to " + seconds(face->end_ns) + ") for " + seconds_ms(overlap) +
                         ": it must overlap for at least 2 s");
  }

  // Volumes.
  if (!(p.sound_volume >= 0 && p.sound_volume <= kMaxVolume))
    add("audio-volume", "audio-volume is " + number(p.sound_volume) + ": it must be 0 to 2");
  if (!(p.original_volume >= 0 && p.original_volume <= kMaxVolume))
    add("original-volume", "original-volume is " + number(p.original_volume) + ": it must be 0 to 2");
  return v;
}

std::string describe_lipsync_violations(const std::vector<LipsyncViolation> &violations) {
  std::string out;
  for (const auto &v : violations) out += (out.empty() ? "" : "; ") + v.rule + ": " + v.text;
  return out;
}

std::variant<FaceChoice, std::string> choose_lipsync_face(const std::vector<Face> &faces, const std::string &face_id,
                                                          uint64_t length_ns, std::optional<uint64_t> insert_ns,
                                                          std::optional<uint64_t> video_duration_ns) {
  auto place = [&](const Face &f) { return insert_ns ? *insert_ns : best_insert_ns(f, length_ns, video_duration_ns); };
  if (!face_id.empty() && face_id != "auto") {
    const Face *f = find_face(faces, face_id);
    if (!f) return "face \"" + face_id + "\" is not in the session";
    FaceChoice c{f->id, place(*f), 0, ""};
    c.overlap_ms = lipsync_overlap_ms(*f, c.insert_ns, length_ns);
    c.why = "face-id=" + face_id + " was asked for; the audio overlaps it for " + seconds_ms(c.overlap_ms);
    return c;
  }
  const Face *best = nullptr;
  int64_t best_overlap = -1;
  uint64_t best_insert = 0;
  size_t candidates = 0;
  for (const auto &f : faces) {
    if (!f.lipsync_ready()) continue;
    candidates++;
    uint64_t at = place(f);
    int64_t overlap = lipsync_overlap_ms(f, at, length_ns);
    bool better = !best || overlap > best_overlap;
    if (best && overlap == best_overlap) {
      uint64_t len = f.end_ns - f.start_ns, best_len = best->end_ns - best->start_ns;
      better = len > best_len || (len == best_len && box_area(f) > box_area(*best));
    }
    if (better) {
      best = &f;
      best_overlap = overlap;
      best_insert = at;
    }
  }
  if (!best)
    return faces.empty() ? std::string("the session has no face")
                         : "no face of the session is visible for "
                           "the 2 s a lip-sync needs";
  FaceChoice c{best->id, best_insert, best_overlap, ""};
  c.why = "face " + best->id + " overlaps the audio most (" + seconds_ms(best_overlap) + " of " +
          std::to_string(candidates) + " lip-sync-ready face(s)" +
          (insert_ns ? ")" : ", with the audio inserted at " + seconds(best_insert) + ")");
  return c;
}

}  // namespace idf
