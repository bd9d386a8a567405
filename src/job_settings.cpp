#include "job_settings.h"

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
