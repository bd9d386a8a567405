// SPDX-License-Identifier: LGPL-2.1-or-later
#include "model/utf8_text.h"

#include <glib.h>

namespace idf {

std::string valid_utf8(std::string_view s) {
  if (g_utf8_validate(s.data(), (gssize)s.size(), nullptr)) return std::string(s);
  gchar *fixed = g_utf8_make_valid(s.data(), (gssize)s.size());
  std::string out(fixed);
  g_free(fixed);
  return out;
}

std::string quoted_excerpt(std::string_view s, size_t max_chars) {
  std::string text = valid_utf8(s);
  std::string out = "\"";
  size_t chars = 0;
  for (const char *p = text.c_str(); *p && p < text.c_str() + text.size(); p = g_utf8_next_char(p)) {
    if (chars++ == max_chars) {
      out += "\xE2\x80\xA6";  // …
      break;
    }
    gunichar c = g_utf8_get_char(p);
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '"')
      out += "\\\"";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      g_snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else
      out.append(p, g_utf8_next_char(p) - p);
  }
  return out + "\"";
}

static void fix(std::string &s) {
  if (!g_utf8_validate(s.data(), (gssize)s.size(), nullptr)) s = valid_utf8(s);
}

void make_valid_utf8(Result &r) {
  for (std::string *s : {&r.provider, &r.session_id, &r.request_id, &r.task_id, &r.final_unit_deduction, &r.video_url,
                         &r.video_id, &r.stream_id})
    fix(*s);
  if (r.cost) fix(*r.cost);
  for (auto &face : r.faces) {
    fix(face.id);
    fix(face.image);
  }
}

void make_valid_utf8(Failure &f) {
  for (std::string *s : {&f.code, &f.message, &f.request_id, &f.task_id, &f.detail}) fix(*s);
}

void make_valid_utf8(Outcome &o) {
  if (auto *r = std::get_if<Result>(&o))
    make_valid_utf8(*r);
  else
    make_valid_utf8(std::get<Failure>(o));
}

}  // namespace idf
