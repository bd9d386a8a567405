// SPDX-License-Identifier: LGPL-2.1-or-later
#include "runtime/clip_discoverer.h"

#include <gst/pbutils/pbutils.h>

#include <memory>

#include "base/debug_categories.h"
#include "runtime/ca_file_trust.h"

#define GST_CAT_DEFAULT idf_job_debug

namespace idf {

namespace {

// One discovery, shared by the discoverer's signals and the cancellation:
// whichever comes first reports (or, cancelled, stays silent).
struct Discovery {
  GstDiscoverer *discoverer = nullptr;
  GCancellable *cancellable = nullptr;
  gulong cancel_handler = 0;
  GMainContext *context = nullptr;
  ClipProber::DoneFn done;
  ProbedClip result;
  bool reported = false;

  ~Discovery() {
    g_clear_object(&cancellable);
    if (context) g_main_context_unref(context);
  }
};

using DiscoveryPtr = std::shared_ptr<Discovery>;

// Runs `fn` on the discovery's context from an idle: never inside one of the
// discoverer's own signal emissions.
void later(const DiscoveryPtr &d, std::function<void()> fn) {
  struct Call {
    std::function<void()> fn;
  };
  GSource *src = g_idle_source_new();
  g_source_set_callback(
      src,
      [](gpointer data) -> gboolean {
        static_cast<Call *>(data)->fn();
        return G_SOURCE_REMOVE;
      },
      new Call{std::move(fn)}, [](gpointer data) { delete static_cast<Call *>(data); });
  g_source_attach(src, d->context);
  g_source_unref(src);
}

std::string caps_name(GstCaps *caps) {
  if (!caps || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return "";
  return gst_structure_get_name(gst_caps_get_structure(caps, 0));
}

void read_info(GstDiscovererInfo *info, ProbedClip &out) {
  GstClockTime duration = gst_discoverer_info_get_duration(info);
  if (GST_CLOCK_TIME_IS_VALID(duration) && duration > 0) out.clip.duration_ns = duration;
  GstDiscovererStreamInfo *top = gst_discoverer_info_get_stream_info(info);
  if (top && GST_IS_DISCOVERER_CONTAINER_INFO(top)) {
    GstCaps *caps = gst_discoverer_stream_info_get_caps(top);
    if (caps && !gst_caps_is_empty(caps)) {
      const GstStructure *s = gst_caps_get_structure(caps, 0);
      out.clip.container = container_from_caps(gst_structure_get_name(s), gst_structure_get_string(s, "variant") ?: "");
      if (out.clip.container.empty())
        out.clip.container = gst_structure_get_name(s);  // named as typefind names it: never mp4/mov
    }
    if (caps) gst_caps_unref(caps);
  }
  if (top) gst_discoverer_stream_info_unref(top);
  GList *videos = gst_discoverer_info_get_video_streams(info);
  if (videos) {
    auto *v = GST_DISCOVERER_VIDEO_INFO(videos->data);
    if (gst_discoverer_video_info_get_width(v) > 0) {
      out.clip.width = (int)gst_discoverer_video_info_get_width(v);
      out.clip.height = (int)gst_discoverer_video_info_get_height(v);
    }
    if (gst_discoverer_video_info_get_framerate_num(v) > 0) {
      out.clip.fps_n = (int)gst_discoverer_video_info_get_framerate_num(v);
      out.clip.fps_d = (int)gst_discoverer_video_info_get_framerate_denom(v);
    }
  } else {
    GList *streams = gst_discoverer_info_get_stream_list(info);
    for (GList *l = streams; l; l = l->next) {
      GstCaps *caps = gst_discoverer_stream_info_get_caps(GST_DISCOVERER_STREAM_INFO(l->data));
      std::string name = caps_name(caps);
      if (caps) gst_caps_unref(caps);
      if (GST_IS_DISCOVERER_CONTAINER_INFO(l->data) || name.empty()) continue;
      out.has_video = false;
      out.streams += (out.streams.empty() ? "" : ", ") + name;
    }
    gst_discoverer_stream_info_list_free(streams);
  }
  gst_discoverer_stream_info_list_free(videos);
}

// Loop thread. Stops the discoverer and reports once (unless cancelled).
void report(const DiscoveryPtr &d, bool cancelled) {
  if (d->reported) return;
  d->reported = true;
  if (d->cancel_handler) {
    g_cancellable_disconnect(d->cancellable, d->cancel_handler);
    d->cancel_handler = 0;
  }
  if (GstDiscoverer *disc = d->discoverer) {
    d->discoverer = nullptr;
    g_signal_handlers_disconnect_matched(disc, G_SIGNAL_MATCH_DATA, 0, 0, nullptr, nullptr, d.get());
    later(d, [disc] {
      gst_discoverer_stop(disc);
      g_object_unref(disc);
    });
  }
  if (cancelled || !d->done) return;
  if (!d->result.problem.empty()) GST_DEBUG("clip probe: %s", d->result.problem.c_str());
  auto done = std::move(d->done);
  done(std::move(d->result));
}

void on_discovered(GstDiscoverer *, GstDiscovererInfo *info, GError *err, gpointer data) {
  auto *d = static_cast<Discovery *>(data);
  switch (gst_discoverer_info_get_result(info)) {
    case GST_DISCOVERER_OK: break;
    case GST_DISCOVERER_TIMEOUT: d->result.problem = "reading the clip took longer than request-timeout"; break;
    case GST_DISCOVERER_MISSING_PLUGINS: d->result.problem = "GStreamer lacks a plugin to read the clip"; break;
    default: d->result.problem = err ? err->message : "the clip could not be read"; break;
  }
  read_info(info, d->result);
}

class DiscovererProber final : public ClipProber {
 public:
  void probe(const std::string &uri, unsigned timeout_s, const std::string &ca_file, GCancellable *cancellable,
             DoneFn done) override {
    auto d = std::make_shared<Discovery>();
    d->done = std::move(done);
    d->context = g_main_context_ref_thread_default();
    GError *err = nullptr;
    d->discoverer = gst_discoverer_new(timeout_s * GST_SECOND, &err);
    if (!d->discoverer) {
      d->result.problem = std::string("cannot create a discoverer: ") + (err ? err->message : "?");
      g_clear_error(&err);
      later(d, [d] { report(d, false); });
      return;
    }
    if (!ca_file.empty())
      g_signal_connect_data(
          d->discoverer, "source-setup", G_CALLBACK(+[](GstDiscoverer *, GstElement *source, gpointer data) {
            trust_ca_file_in_source(source, *static_cast<std::string *>(data));
          }),
          new std::string(ca_file), [](gpointer data, GClosure *) { delete static_cast<std::string *>(data); },
          (GConnectFlags)0);
    // The signals hold a reference to the discovery until it reports.
    auto *hold = new DiscoveryPtr(d);
    g_signal_connect(d->discoverer, "discovered", G_CALLBACK(on_discovered), d.get());
    g_signal_connect_data(
        d->discoverer, "finished", G_CALLBACK(+[](GstDiscoverer *, gpointer data) {
          DiscoveryPtr self = *static_cast<DiscoveryPtr *>(data);
          report(self, false);
        }),
        hold, [](gpointer data, GClosure *) { delete static_cast<DiscoveryPtr *>(data); }, (GConnectFlags)0);
    if (cancellable) {
      d->cancellable = G_CANCELLABLE(g_object_ref(cancellable));
      // Runs in the cancelling thread: stop on the loop, silently.
      d->cancel_handler =
          g_cancellable_connect(cancellable, G_CALLBACK(+[](GCancellable *, gpointer data) {
                                  DiscoveryPtr self = *static_cast<DiscoveryPtr *>(data);
                                  later(self, [self] { report(self, true); });
                                }),
                                new DiscoveryPtr(d), [](gpointer data) { delete static_cast<DiscoveryPtr *>(data); });
      if (g_cancellable_is_cancelled(cancellable)) return;  // the handler ran already and queued the stop
    }
    gst_discoverer_start(d->discoverer);
    if (!gst_discoverer_discover_uri_async(d->discoverer, uri.c_str())) {
      d->result.problem = "the clip's URI cannot be read: " + uri;
      later(d, [d] { report(d, false); });
    }
  }
};

}  // namespace

ClipProber &discoverer_prober() {
  static DiscovererProber prober;
  return prober;
}

}  // namespace idf
