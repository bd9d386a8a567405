// SPDX-License-Identifier: LGPL-2.1-or-later
// Text that came from a service, made safe to show: valid UTF-8 (GStreamer
// drops structure fields and tags that are not), and short when quoted.
#pragma once

#include <string>
#include <string_view>

#include "model/result.h"

namespace idf {

// `s` with every invalid byte sequence replaced by U+FFFD (g_utf8_make_valid).
std::string valid_utf8(std::string_view s);

// `s` in double quotes for a message: valid UTF-8, at most `max_chars`
// characters (then "…"), control characters shown as \n, \t, \u0001.
std::string quoted_excerpt(std::string_view s, size_t max_chars = 48);

// Repairs every string of the outcome in place.
void make_valid_utf8(Result &r);
void make_valid_utf8(Failure &f);
void make_valid_utf8(Outcome &o);

}  // namespace idf
