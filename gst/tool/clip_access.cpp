// SPDX-License-Identifier: LGPL-2.1-or-later
#include "clip_access.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "base/package_info.h"
#include "model/clip_info.h"

namespace {

// Trusts, besides the system's CAs (which refused it), a certificate that
// a CA of --ssl-ca-file signed for this host.
gboolean accept_by_ca_file(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags, gpointer data) {
  auto *db = static_cast<GTlsDatabase *>(data);
  GUri *uri = soup_message_get_uri(msg);
  int port = g_uri_get_port(uri) > 0 ? g_uri_get_port(uri) : 443;
  GSocketConnectable *identity = g_network_address_new(g_uri_get_host(uri), (guint16)port);
  unsigned flags = g_tls_database_verify_chain(db, cert, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity, nullptr,
                                               G_TLS_DATABASE_VERIFY_NONE, nullptr, nullptr);
  g_object_unref(identity);
  return flags == 0;
}

std::string status_text(unsigned status) {
  const char *phrase = soup_status_get_phrase(status);
  return "HTTP " + std::to_string(status) + (phrase ? std::string(" ") + phrase : "");
}

ClipAccessProblem diagnose_file(const std::string &uri) {
  ClipAccessProblem p;
  GFile *file = g_file_new_for_uri(uri.c_str());
  gchar *path = g_file_get_path(file);
  std::string name = path ? path : uri;
  g_free(path);
  GError *err = nullptr;
  GFileInputStream *in = g_file_read(file, nullptr, &err);
  if (in) {
    g_object_unref(in);
  } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
    p.what = name + ": no such file";
    p.advice = "check the file name";
  } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED)) {
    p.what = name + ": permission denied";
    p.advice = "make the file readable by this user";
  } else if (err) {
    p.what = name + ": " + err->message;
    p.advice = "check the file";
  }
  g_clear_error(&err);
  g_object_unref(file);
  return p;
}

}  // namespace

void trust_ca_file_in_message(SoupMessage *msg, GTlsDatabase *db) {
  if (db) g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_by_ca_file), db);
}

ClipAccessProblem diagnose_clip_access(const std::string &uri, unsigned timeout_s, const std::string &ca_file) {
  if (idf::uri_is_file(uri)) return diagnose_file(uri);
  ClipAccessProblem p;
  if (!idf::uri_is_http(uri)) return p;
  GUri *parsed = g_uri_parse(uri.c_str(), G_URI_FLAGS_NONE, nullptr);
  SoupMessage *msg = parsed ? soup_message_new_from_uri("GET", parsed) : nullptr;
  if (!msg) {
    if (parsed) g_uri_unref(parsed);
    p.what = "\"" + uri + "\" is not a valid URL";
    p.advice = "check the URL";
    return p;
  }
  int port = g_uri_get_port(parsed) > 0 ? g_uri_get_port(parsed) : (idf::uri_is_http(uri) && uri[4] == 's' ? 443 : 80);
  std::string host = g_uri_get_host(parsed) ? g_uri_get_host(parsed) : "";
  std::string where = host + ":" + std::to_string(port);
  g_uri_unref(parsed);

  SoupSession *session = soup_session_new_with_options("timeout", timeout_s, "user-agent", IDF_USER_AGENT, nullptr);
  GTlsDatabase *db = ca_file.empty() ? nullptr : g_tls_file_database_new(ca_file.c_str(), nullptr);
  trust_ca_file_in_message(msg, db);
  // The first byte only: what any reader that seeks asks for.
  soup_message_headers_replace(soup_message_get_request_headers(msg), "Range", "bytes=0-0");
  GError *err = nullptr;
  GInputStream *body = soup_session_send(session, msg, nullptr, &err);
  if (!body) {
    if (err && err->domain == G_RESOLVER_ERROR) {
      p.what = "host \"" + host + "\" not found (" + err->message + ")";
      p.advice = "check the URL's host name, and that this machine can resolve it (its network and DNS)";
    } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)) {
      p.what = where + " refused the connection: no server listens there";
      p.advice = "check the URL's host and port, and that the server is running";
    } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
      p.what = where + " did not answer within " + std::to_string(timeout_s) + " s";
      p.advice = "check the network and the URL, or raise --request-timeout";
    } else if (err && err->domain == G_TLS_ERROR) {
      p.what = "TLS with " + host + " failed: " + err->message;
      p.advice = "if a private CA (a corporate proxy) signed its certificate, pass that CA with --ssl-ca-file=FILE";
    } else {
      p.what = "cannot reach " + where + (err ? std::string(": ") + err->message : std::string());
      p.advice = "check the URL and the network";
    }
  } else {
    g_input_stream_close(body, nullptr, nullptr);
    g_object_unref(body);
    unsigned status = soup_message_get_status(msg);
    if (status == 404 || status == 410) {
      p.what = "the server answered " + status_text(status) + " for the clip";
      p.advice = "check the URL: the clip is not there (a signed URL may have expired)";
    } else if (status == 401 || status == 403) {
      p.what = "the server answered " + status_text(status) + " for the clip";
      p.advice = "the clip's URL must be readable without credentials: the service fetches it too";
    } else if (status >= 500) {
      p.what = "the server answered " + status_text(status) + " for the clip";
      p.advice = "the clip's server failed: try again later, or serve the clip elsewhere";
    } else if (status >= 400) {
      p.what = "the server answered " + status_text(status) + " for the clip";
      p.advice = "check the URL";
    } else if (status == 200) {
      p.what =
          "the server does not support Range requests (asked for the first byte, it sent the whole clip, "
          "HTTP 200), so GStreamer cannot seek in the clip, as an mp4 whose index is at its end needs";
      p.advice =
          "serve the clip from a server with Range support (any static file server, object storage, a CDN), "
          "or move the mp4's index to its start (mp4mux faststart=true)";
    }
  }
  g_clear_error(&err);
  g_object_unref(msg);
  if (db) g_object_unref(db);
  g_object_unref(session);
  return p;
}

std::string clip_read_advice(const std::string &uri) {
  return "check that GStreamer can read the clip: gst-launch-1.0 playbin uri=" + uri +
         " video-sink=fakesink audio-sink=fakesink plays it through, and with GST_DEBUG=3 says why not";
}
