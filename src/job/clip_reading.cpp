// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/clip_reading.h"

#include <gst/gst.h>

#include <memory>

#include "base/debug_categories.h"

#define GST_CAT_DEFAULT idf_job_debug

namespace idf {

namespace {

using Step = std::function<void(std::function<void()>)>;

struct Reading {
  ClipReadRequest req;
  Transport *transport;
  GCancellable *cancellable;
  Step step;
  std::function<void(ClipReading)> done;
  ClipReading out;

  ~Reading() { g_clear_object(&cancellable); }
};

// What the limits need that the stream did not say, the file size aside
// (the size comes from the file system or a HEAD, not from a demuxer).
bool lacks_what_a_probe_finds(const ClipInfo &clip) {
  return clip.container.empty() || !clip.duration_ns || !clip.width || !clip.height;
}

void finish(const std::shared_ptr<Reading> &r) {
  auto done = std::move(r->done);
  done(std::move(r->out));
}

// The file size (a file's, or an http(s) HEAD's Content-Length) and the
// validators of an http(s) clip.
void read_size(const std::shared_ptr<Reading> &r) {
  ClipInfo &clip = r->out.clip;
  const std::string &uri = r->req.uri;
  bool need_size = r->req.size && !clip.size_bytes;
  if (need_size && uri_is_file(uri)) {
    GFile *file = g_file_new_for_uri(uri.c_str());
    GFileInfo *info = g_file_query_info(file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, nullptr, nullptr);
    if (info) {
      clip.size_bytes = (uint64_t)g_file_info_get_size(info);
      g_object_unref(info);
    }
    g_object_unref(file);
  }
  if (!uri_is_http(uri) || !(need_size || r->req.validators)) {
    finish(r);
    return;
  }
  HttpRequest head;
  head.method = "HEAD";
  head.url = uri;
  head.timeout_s = r->req.timeout_s;
  head.requester = r->req.requester;
  head.ca_file = r->req.ca_file;
  r->transport->send(head, r->cancellable, [r](HttpResponse resp) {
    r->step([&] {
      bool ok = resp.error == HttpResponse::Error::None && resp.status >= 200 && resp.status < 300;
      if (ok && !r->out.clip.size_bytes && resp.content_length) r->out.clip.size_bytes = resp.content_length;
      if (ok) {
        r->out.validators = HttpValidators{resp.etag, resp.last_modified, resp.content_length};
      } else {
        GST_DEBUG("%s: HEAD of the clip: status %u, %s", r->req.requester.c_str(), resp.status,
                  resp.error_text.c_str());
        // Why the size stays unknown, where it is the user's to fix (a
        // private CA: ssl-ca-file; a redirect refused).
        bool actionable = resp.error == HttpResponse::Error::Tls || resp.error == HttpResponse::Error::Redirect;
        if (r->req.size && !r->out.clip.size_bytes && actionable)
          r->out.size_problem = "the HEAD for its size: " + resp.error_text;
      }
      finish(r);
    });
  });
}

}  // namespace

bool clip_read_probes(const ClipReadRequest &req, const ClipProber *prober) {
  return req.probe && prober && lacks_what_a_probe_finds(req.known) && (uri_is_file(req.uri) || uri_is_http(req.uri));
}

void read_clip(const ClipReadRequest &req, ClipProber *prober, Transport &transport, GCancellable *cancellable,
               Step step, std::function<void(ClipReading)> done) {
  auto r = std::make_shared<Reading>();
  r->req = req;
  r->transport = &transport;
  r->cancellable = cancellable ? G_CANCELLABLE(g_object_ref(cancellable)) : nullptr;
  r->step = std::move(step);
  r->done = std::move(done);
  r->out.clip = req.known;
  if (!clip_read_probes(req, prober)) {
    read_size(r);
    return;
  }
  r->out.probed = true;
  prober->probe(req.uri, req.timeout_s, req.ca_file, cancellable, [r](ProbedClip probed) {
    r->step([&] {
      r->out.problem = probed.problem;
      if (!probed.has_video) {
        r->out.has_video = false;
        r->out.streams = probed.streams;
        finish(r);
        return;
      }
      fill_unknowns(r->out.clip, probed.clip);
      read_size(r);
    });
  });
}

}  // namespace idf
