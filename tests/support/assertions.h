// SPDX-License-Identifier: LGPL-2.1-or-later
// The assertions the tests share beside GLib's own. Both sides are
// evaluated once, as std::string: either may be a temporary.
#pragma once

#include <glib.h>

#include <string>

#define assert_str(a, b)                         \
  do {                                           \
    std::string a_ = (a), b_ = (b);              \
    g_assert_cmpstr(a_.c_str(), ==, b_.c_str()); \
  } while (0)

#define assert_contains(haystack, needle)                                                                \
  do {                                                                                                   \
    std::string h_ = (haystack), n_ = (needle);                                                          \
    if (h_.find(n_) == std::string::npos) g_error("\"%s\" not found in \"%s\"", n_.c_str(), h_.c_str()); \
  } while (0)

#define assert_lacks(haystack, needle)                                                               \
  do {                                                                                               \
    std::string h_ = (haystack), n_ = (needle);                                                      \
    if (h_.find(n_) != std::string::npos) g_error("\"%s\" found in \"%s\"", n_.c_str(), h_.c_str()); \
  } while (0)
