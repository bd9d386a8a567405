// SPDX-License-Identifier: LGPL-2.1-or-later
#include "runtime/audio_probe.h"

#include <gio/gio.h>
#include <gst/pbutils/pbutils.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <optional>

namespace idf {

std::string audio_format_of_caps(const std::string &container, const std::string &variant, const std::string &audio,
                                 int mpegversion, int layer) {
  // A single-stream file may have no container info: its stream's caps are
  // the file's type (audio/x-wav).
  for (const std::string *name : {&container, &audio})
    if (*name == "audio/x-wav" || *name == "audio/x-rf64") return "wav";
  if (container == "audio/x-m4a" || (container == "video/quicktime" && (variant == "iso" || variant.empty())))
    return audio == "audio/mpeg" && mpegversion == 4 ? "m4a" : container;
  if (audio == "audio/mpeg" && mpegversion == 1 && layer == 3 &&
      (container.empty() || container == "application/x-id3" || container == "application/x-apetag"))
    return "mp3";
  if (audio == "audio/mpeg" && (mpegversion == 4 || mpegversion == 2) && container.empty()) return "aac";
  return !container.empty() ? container : audio;
}

static std::optional<uint64_t> http_size(const std::string &uri, unsigned timeout_s, const std::string &ca_file,
                                         std::string *problem) {
  SoupSession *session = soup_session_new_with_options("timeout", timeout_s, nullptr);
  if (!ca_file.empty()) {
    GError *err = nullptr;
    GTlsDatabase *db = g_tls_file_database_new(ca_file.c_str(), &err);
    if (db) {
      soup_session_set_tls_database(session, db);
      g_object_unref(db);
    } else {
      g_clear_error(&err);
    }
  }
  std::optional<uint64_t> out;
  SoupMessage *msg = soup_message_new("HEAD", uri.c_str());
  if (msg) {
    GError *err = nullptr;
    GInputStream *in = soup_session_send(session, msg, nullptr, &err);
    if (in) {
      goffset len = soup_message_headers_get_content_length(soup_message_get_response_headers(msg));
      unsigned status = soup_message_get_status(msg);
      if (status >= 200 && status < 300 && len > 0)
        out = (uint64_t)len;
      else if (problem)
        *problem = "HEAD of the audio: HTTP " + std::to_string(status) + ", no size";
      g_object_unref(in);
    } else if (problem) {
      *problem = std::string("HEAD of the audio failed: ") + err->message;
    }
    g_clear_error(&err);
    g_object_unref(msg);
  }
  g_object_unref(session);
  return out;
}

AudioFacts read_audio(const std::string &uri, unsigned timeout_s, const std::string &ca_file, std::string *problem) {
  AudioFacts facts;
  std::string why;
  if (g_str_has_prefix(uri.c_str(), "file:")) {
    GFile *file = g_file_new_for_uri(uri.c_str());
    GError *err = nullptr;
    GFileInfo *info = g_file_query_info(file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, nullptr, &err);
    if (info) {
      facts.size_bytes = (uint64_t)g_file_info_get_size(info);
      g_object_unref(info);
    } else {
      why = err->message;
      g_clear_error(&err);
    }
    g_object_unref(file);
    if (!facts.size_bytes) {
      if (problem) *problem = "cannot read the audio: " + why;
      return facts;
    }
  } else {
    facts.size_bytes = http_size(uri, timeout_s, ca_file, &why);
  }

  GError *err = nullptr;
  GstDiscoverer *disc = gst_discoverer_new((GstClockTime)std::max(1u, timeout_s) * GST_SECOND, &err);
  if (!disc) {
    if (problem) *problem = std::string("no discoverer: ") + (err ? err->message : "?");
    g_clear_error(&err);
    return facts;
  }
  GstDiscovererInfo *info = gst_discoverer_discover_uri(disc, uri.c_str(), &err);
  if (info && gst_discoverer_info_get_result(info) == GST_DISCOVERER_OK) {
    GstClockTime duration = gst_discoverer_info_get_duration(info);
    if (GST_CLOCK_TIME_IS_VALID(duration) && duration > 0) facts.duration_ns = duration;
    std::string container, variant, audio;
    int mpegversion = 0, layer = 0;
    GstDiscovererStreamInfo *top = gst_discoverer_info_get_stream_info(info);
    if (top && GST_IS_DISCOVERER_CONTAINER_INFO(top)) {
      if (GstCaps *caps = gst_discoverer_stream_info_get_caps(top)) {
        if (!gst_caps_is_empty(caps)) {
          const GstStructure *s = gst_caps_get_structure(caps, 0);
          container = gst_structure_get_name(s);
          if (const char *v = gst_structure_get_string(s, "variant")) variant = v;
        }
        gst_caps_unref(caps);
      }
    }
    if (top) gst_discoverer_stream_info_unref(top);
    GList *audios = gst_discoverer_info_get_audio_streams(info);
    if (audios) {
      if (GstCaps *caps = gst_discoverer_stream_info_get_caps(GST_DISCOVERER_STREAM_INFO(audios->data))) {
        if (!gst_caps_is_empty(caps)) {
          const GstStructure *s = gst_caps_get_structure(caps, 0);
          audio = gst_structure_get_name(s);
          gst_structure_get_int(s, "mpegversion", &mpegversion);
          gst_structure_get_int(s, "layer", &layer);
        }
        gst_caps_unref(caps);
      }
      facts.format = audio_format_of_caps(container, variant, audio, mpegversion, layer);
    } else {
      why = "no audio stream in it";
      facts.format = container.empty() ? "no audio" : container + " without audio";
    }
    gst_discoverer_stream_info_list_free(audios);
  } else {
    why = err ? err->message : "GStreamer cannot read it";
  }
  g_clear_error(&err);
  if (info) g_object_unref(info);
  g_object_unref(disc);
  if (problem) *problem = why;
  return facts;
}

}  // namespace idf
