// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/job_settings.h"

#include <glib.h>

#include "base/url_policy.h"

namespace idf {

std::optional<Failure> check_video_settings(Provider provider, const std::string &video_url,
                                            const std::string &video_id) {
  if (!video_url.empty() && !video_id.empty())
    return Failure::config("both video-url (\"" + video_url + "\") and video-id (\"" + video_id +
                           "\") are set; set at most one");
  if (provider == Provider::Local && !video_id.empty())
    return Failure::config("video-id \"" + video_id +
                           "\" cannot be used with provider=local: only the service resolves video ids; "
                           "set video-url or let the element read the upstream file");
  return std::nullopt;
}

namespace {

// Why `url` is not an absolute http(s) URL with a host, or "" when it is.
std::string http_url_problem(const std::string &url) {
  GError *err = nullptr;
  GUri *uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, &err);
  if (!uri) {
    std::string why = err ? err->message : "not a URL";
    g_clear_error(&err);
    return why;
  }
  const char *scheme = g_uri_get_scheme(uri);
  const char *host = g_uri_get_host(uri);
  std::string why;
  if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0)
    why = "the scheme must be http or https";
  else if (!host || !*host)
    why = "it has no host";
  g_uri_unref(uri);
  return why;
}

// `checked` is what is parsed, `value` what the user wrote.
std::optional<Failure> check_url(const char *property, const std::string &value, const std::string &checked) {
  if (value.empty()) return std::nullopt;
  std::string why = http_url_problem(checked);
  if (why.empty()) return std::nullopt;
  return Failure::config(std::string(property) + " \"" + value + "\" is not an http(s) URL: " + why);
}

}  // namespace

std::optional<Failure> check_urls(Provider provider, const std::string &api_url, const std::string &poll_url,
                                  const std::string &video_url) {
  if (provider != Provider::Local) {
    if (auto f = check_url("api-url", api_url, api_url)) return f;
    std::string poll = poll_url;
    for (size_t at; (at = poll.find("{task_id}")) != std::string::npos;) poll.replace(at, 9, "task");
    if (auto f = check_url("poll-url", poll_url, poll)) return f;
  }
  // provider=local also reads file:// clips; resolve_target checks those.
  if (provider != Provider::Local || uri_is_http(video_url)) return check_url("video-url", video_url, video_url);
  return std::nullopt;
}

std::optional<std::string> cleartext_key_warning(Provider provider, const std::string &api_url) {
  if (provider == Provider::Local || api_url.empty()) return std::nullopt;
  GUri *uri = g_uri_parse(api_url.c_str(), G_URI_FLAGS_NONE, nullptr);
  if (!uri) return std::nullopt;
  bool clear = g_ascii_strcasecmp(g_uri_get_scheme(uri), "http") == 0 && g_uri_get_host(uri) &&
               !is_loopback_host(g_uri_get_host(uri));
  std::string host = g_uri_get_host(uri) ? g_uri_get_host(uri) : "";
  g_uri_unref(uri);
  if (!clear) return std::nullopt;
  return "api-url \"" + api_url + "\" is plain http to " + host +
         ": the API key travels in clear; use https:// (plain http is meant for a service on this machine)";
}

std::variant<VideoTarget, Failure> resolve_target(Provider provider, const std::string &video_url,
                                                  const std::string &video_id, const std::string &upstream_uri) {
  if (auto settings = check_video_settings(provider, video_url, video_id)) return *settings;
  if (provider == Provider::Local) {
    std::string uri = !video_url.empty() ? video_url : upstream_uri;
    if (uri_is_file(uri) || uri_is_http(uri)) return VideoTarget{uri, ""};
    return Failure::config(uri.empty() ? "provider=local needs the clip's location: upstream has no URI, set video-url"
                                       : "provider=local reads file:// or http(s):// clips, not \"" + uri + "\"");
  }
  if (!video_id.empty()) return VideoTarget{"", video_id};
  if (!video_url.empty()) {
    if (!uri_is_http(video_url))
      return Failure::config("video-url must be a public http(s) URL the service can fetch, not \"" + video_url + "\"");
    return VideoTarget{video_url, ""};
  }
  if (uri_is_http(upstream_uri)) return VideoTarget{upstream_uri, ""};
  if (upstream_uri.empty())
    return Failure::config(
        "no clip location: upstream has no URI; set video-url to a public URL of this clip, or video-id");
  return Failure::config("the clip comes from \"" + upstream_uri +
                         "\", which the service cannot fetch (it downloads the clip itself, there is no upload): "
                         "set video-url to a public http(s) URL of this clip, or video-id");
}

}  // namespace idf
