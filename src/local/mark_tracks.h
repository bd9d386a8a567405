// SPDX-License-Identifier: LGPL-2.1-or-later
// The faces of a marked stream as tracks, the way GStreamer's analytics
// tracking metadata tells them (GstAnalyticsTrackingMtd, as ioutracker
// writes it): each face is a track from the first buffer it is marked on,
// with the latest buffer it was marked on, carried on every buffer while
// the face may still come back under its id, and flagged lost once, on the
// first buffer after its interval ended. Pure: the caller gives the times
// and says which faces have ended.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace idf::local {

struct MarkTrack {
  uint64_t id = 0;  // the face id as a number
  uint64_t first_seen = 0, last_seen = 0;
  bool lost = false;           // its interval ended: the last time it is carried
  std::optional<size_t> mark;  // index of its mark on this buffer, when visible
};

class MarkTracks {
 public:
  // Whether a face marked before, and not on this buffer, has ended (else
  // it may come back under its id).
  using EndedFn = std::function<bool(const std::string &face_id)>;

  // One buffer at `time` (any monotonic time: the caller's choice) marked
  // with the faces `face_ids` (in mark order): the tracks it carries, those
  // visible first in mark order, then the others by id. Face ids that are
  // not numbers get no track.
  std::vector<MarkTrack> update(uint64_t time, const std::vector<std::string> &face_ids, const EndedFn &ended);
  bool empty() const { return tracks_.empty(); }

 private:
  struct Seen {
    std::string face_id;
    uint64_t first = 0, last = 0;
  };
  std::map<uint64_t, Seen> tracks_;  // by numeric id
};

// "12" -> 12; nullopt for anything but a decimal number.
std::optional<uint64_t> numeric_face_id(const std::string &face_id);

}  // namespace idf::local
