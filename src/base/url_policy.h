// SPDX-License-Identifier: LGPL-2.1-or-later
// What a URL reveals and where credentials may travel.
#pragma once

#include <string>

namespace idf {

// scheme://host[:port]/path without query or fragment (signed URLs carry
// secrets in their query).
std::string loggable_url(const std::string &url);

// Same scheme, host and port (default ports filled in). False when either
// is not an absolute http(s) URL.
bool same_origin(const std::string &a, const std::string &b);

// localhost, 127.0.0.0/8, ::1 (also "[::1]").
bool is_loopback_host(const std::string &host);

// True for plain http:// to a host other than loopback: an API key or JWT
// sent there travels in clear. The element warns about api-url/poll-url.
bool url_sends_secrets_in_clear(const std::string &url);

}  // namespace idf
