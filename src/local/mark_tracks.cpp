// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/mark_tracks.h"

#include <cerrno>
#include <cstdlib>
#include <set>

namespace idf::local {

std::optional<uint64_t> numeric_face_id(const std::string &face_id) {
  if (face_id.empty() || face_id.size() > 19) return std::nullopt;
  for (char c : face_id)
    if (c < '0' || c > '9') return std::nullopt;
  errno = 0;
  unsigned long long v = std::strtoull(face_id.c_str(), nullptr, 10);
  if (errno) return std::nullopt;
  return (uint64_t)v;
}

std::vector<MarkTrack> MarkTracks::update(uint64_t time, const std::vector<std::string> &face_ids,
                                          const EndedFn &ended) {
  std::vector<MarkTrack> out;
  std::set<uint64_t> visible;
  for (size_t i = 0; i < face_ids.size(); i++) {
    auto id = numeric_face_id(face_ids[i]);
    if (!id || !visible.insert(*id).second) continue;
    auto it = tracks_.find(*id);
    if (it == tracks_.end()) it = tracks_.emplace(*id, Seen{face_ids[i], time, time}).first;
    it->second.last = time;
    out.push_back(MarkTrack{*id, it->second.first, time, false, i});
  }
  for (auto it = tracks_.begin(); it != tracks_.end();) {
    if (visible.count(it->first)) {
      ++it;
      continue;
    }
    bool lost = ended(it->second.face_id);
    out.push_back(MarkTrack{it->first, it->second.first, it->second.last, lost, std::nullopt});
    it = lost ? tracks_.erase(it) : std::next(it);
  }
  return out;
}

}  // namespace idf::local
