#include "result.h"

#include <algorithm>

namespace idf {

const char *failure_kind_name(Failure::Kind kind) {
  switch (kind) {
    case Failure::Kind::Config: return "config";
    case Failure::Kind::Validation: return "validation";
    case Failure::Kind::Auth: return "auth";
    case Failure::Kind::Service: return "service";
    case Failure::Kind::Http: return "http";
    case Failure::Kind::Transport: return "transport";
    case Failure::Kind::Ambiguous: return "ambiguous";
    case Failure::Kind::Timeout: return "timeout";
    case Failure::Kind::Parse: return "parse";
    case Failure::Kind::Local: return "local";
  }
  return "unknown";
}

void clamp_faces_to_duration(std::vector<Face> &faces, std::optional<uint64_t> duration_ns) {
  if (!duration_ns) return;
  for (auto &face : faces) {
    face.start_ns = std::min(face.start_ns, *duration_ns);
    face.end_ns = std::min(face.end_ns, *duration_ns);
  }
}

}  // namespace idf
