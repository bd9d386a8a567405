// SPDX-License-Identifier: LGPL-2.1-or-later
#include "model/result.h"

#include <glib.h>

#include <algorithm>

#include "model/public_names.h"

namespace idf {

const char *failure_kind_name(Failure::Kind kind) {
  switch (kind) {
    case Failure::Kind::Config: return IDENTIFYFACE_KIND_CONFIG;
    case Failure::Kind::Validation: return IDENTIFYFACE_KIND_VALIDATION;
    case Failure::Kind::Auth: return IDENTIFYFACE_KIND_AUTH;
    case Failure::Kind::Service: return IDENTIFYFACE_KIND_SERVICE;
    case Failure::Kind::Http: return IDENTIFYFACE_KIND_HTTP;
    case Failure::Kind::Transport: return IDENTIFYFACE_KIND_TRANSPORT;
    case Failure::Kind::Ambiguous: return IDENTIFYFACE_KIND_AMBIGUOUS;
    case Failure::Kind::Timeout: return IDENTIFYFACE_KIND_TIMEOUT;
    case Failure::Kind::Parse: return IDENTIFYFACE_KIND_PARSE;
    case Failure::Kind::Local: return IDENTIFYFACE_KIND_LOCAL;
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

std::string iso8601_utc(int64_t unix_s) {
  GDateTime *t = g_date_time_new_from_unix_utc(unix_s);
  if (!t) return "";
  char *text = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
  g_date_time_unref(t);
  std::string out = text ? text : "";
  g_free(text);
  return out;
}

}  // namespace idf
