// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/url_policy.h"

#include <gio/gio.h>

namespace idf {

std::string loggable_url(const std::string &url) {
  return url.substr(0, url.find_first_of("?#"));
}

static GUri *parse_http(const std::string &url) {
  GUri *uri = g_uri_parse(url.c_str(), G_URI_FLAGS_ENCODED, nullptr);
  if (!uri) return nullptr;
  const char *scheme = g_uri_get_scheme(uri);
  if (!g_uri_get_host(uri) || (g_ascii_strcasecmp(scheme, "http") && g_ascii_strcasecmp(scheme, "https"))) {
    g_uri_unref(uri);
    return nullptr;
  }
  return uri;
}

static int port_of(GUri *uri) {
  int port = g_uri_get_port(uri);
  if (port > 0) return port;
  return g_ascii_strcasecmp(g_uri_get_scheme(uri), "https") ? 80 : 443;
}

bool same_origin(const std::string &a, const std::string &b) {
  GUri *ua = parse_http(a), *ub = parse_http(b);
  bool same = ua && ub && !g_ascii_strcasecmp(g_uri_get_scheme(ua), g_uri_get_scheme(ub)) &&
              !g_ascii_strcasecmp(g_uri_get_host(ua), g_uri_get_host(ub)) && port_of(ua) == port_of(ub);
  if (ua) g_uri_unref(ua);
  if (ub) g_uri_unref(ub);
  return same;
}

bool is_loopback_host(const std::string &host_in) {
  std::string host = host_in;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!g_ascii_strcasecmp(host.c_str(), "localhost") || g_str_has_suffix(host.c_str(), ".localhost")) return true;
  GInetAddress *addr = g_inet_address_new_from_string(host.c_str());
  if (!addr) return false;
  bool loopback = g_inet_address_get_is_loopback(addr);
  g_object_unref(addr);
  return loopback;
}

bool url_sends_secrets_in_clear(const std::string &url) {
  GUri *uri = parse_http(url);
  if (!uri) return false;  // not http(s) at all: the settings check reports it
  bool clear = !g_ascii_strcasecmp(g_uri_get_scheme(uri), "http") && !is_loopback_host(g_uri_get_host(uri));
  g_uri_unref(uri);
  return clear;
}

}  // namespace idf
