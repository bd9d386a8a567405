// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/test_util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

std::string make_clip(const std::string &dir, const std::string &name, const ClipSpec &spec) {
  std::string path = dir + "/" + name;
  int frames = (int)(spec.seconds * spec.fps + 0.5);
  std::string mux = spec.container == "mkv"   ? "matroskamux"
                    : spec.container == "mov" ? "qtmux"
                                              : "mp4mux faststart=true";
  // I420 as cameras and phones record (x264enc would otherwise pick 10-bit
  // 4:4:4, three times slower to encode and to decode).
  gchar *desc = g_strdup_printf(
      "videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! "
      "x264enc speed-preset=ultrafast tune=zerolatency key-int-max=%d ! h264parse ! %s ! filesink location=\"%s\"",
      frames, spec.width, spec.height, spec.fps, spec.fps, mux.c_str(), path.c_str());
  GstElement *p = launch(desc);
  g_free(desc);
  BusLog log;
  run_until_done(p, log, 60000);
  if (!log.eos) g_error("could not encode %s: %s", path.c_str(), log.problem(GST_MESSAGE_ERROR).text.c_str());
  stop(p);
  return path;
}

std::string file_uri(const std::string &path) {
  gchar *uri = g_filename_to_uri(path.c_str(), nullptr, nullptr);
  std::string out = uri;
  g_free(uri);
  return out;
}

GstElement *launch(const std::string &description) {
  GError *err = nullptr;
  GstElement *p = gst_parse_launch(description.c_str(), &err);
  if (err) g_error("cannot launch \"%s\": %s", description.c_str(), err->message);
  return p;
}

void stop(GstElement *pipeline) {
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

BusLog::~BusLog() {
  for (auto *m : messages) gst_message_unref(m);
}

const GstStructure *BusLog::element_message(const char *name) const {
  for (auto *m : messages)
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT && gst_message_has_name(m, name))
      return gst_message_get_structure(m);
  return nullptr;
}

int BusLog::index_of_element(const char *name) const {
  for (size_t i = 0; i < messages.size(); i++)
    if (GST_MESSAGE_TYPE(messages[i]) == GST_MESSAGE_ELEMENT && gst_message_has_name(messages[i], name)) return (int)i;
  return -1;
}

int BusLog::index_of_type(GstMessageType type) const {
  for (size_t i = 0; i < messages.size(); i++)
    if (GST_MESSAGE_TYPE(messages[i]) == type) return (int)i;
  return -1;
}

GstMessage *BusLog::first(GstMessageType type) const {
  int i = index_of_type(type);
  return i < 0 ? nullptr : messages[i];
}

std::vector<GstMessage *> BusLog::all(GstMessageType type) const {
  std::vector<GstMessage *> out;
  for (auto *m : messages)
    if (GST_MESSAGE_TYPE(m) == type) out.push_back(m);
  return out;
}

BusProblem BusLog::problem(GstMessageType type) const {
  BusProblem out;
  GstMessage *m = first(type);
  if (!m) return out;
  GError *err = nullptr;
  if (type == GST_MESSAGE_ERROR) {
    gst_message_parse_error(m, &err, nullptr);
    gst_message_parse_error_details(m, &out.details);
  } else {
    gst_message_parse_warning(m, &err, nullptr);
    gst_message_parse_warning_details(m, &out.details);
  }
  out.found = true;
  out.text = err->message;
  out.domain = err->domain;
  out.code = err->code;
  g_error_free(err);
  return out;
}

void BusProblem::assert_contains(std::initializer_list<const char *> needles) const {
  if (!found) g_error("expected an error or warning, none was posted");
  for (const char *needle : needles)
    if (text.find(needle) == std::string::npos) g_error("expected \"%s\" in \"%s\"", needle, text.c_str());
}

bool progress_step(GstMessage *m, ProgressStep *step) {
  if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ELEMENT || !gst_message_has_name(m, "identify-face-progress")) return false;
  const GstStructure *s = gst_message_get_structure(m);
  step->phase = gst_structure_get_string(s, "phase") ?: "";
  step->text = gst_structure_get_string(s, "text") ?: "";
  step->status = gst_structure_get_string(s, "status") ?: "";
  double elapsed = -1;
  g_assert_true(gst_structure_get_double(s, "elapsed", &elapsed));
  g_assert_cmpfloat(elapsed, >=, 0);
  return true;
}

std::vector<ProgressStep> BusLog::progress() const {
  std::vector<ProgressStep> out;
  ProgressStep step;
  for (auto *m : messages)
    if (progress_step(m, &step)) out.push_back(step);
  return out;
}

void run_until_done(GstElement *pipeline, BusLog &log, unsigned timeout_ms) {
  GstBus *bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (true) {
    gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0) {
      log.timed_out = true;
      break;
    }
    GstMessage *m = gst_bus_timed_pop(bus, left * GST_USECOND);
    if (!m) {
      log.timed_out = true;
      break;
    }
    log.messages.push_back(m);
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
      log.eos = true;
      break;
    }
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      log.error = true;
      break;
    }
  }
  gst_object_unref(bus);
}

bool run_to_eos(const std::string &description, unsigned timeout_s, std::string *error) {
  GError *err = nullptr;
  GstElement *p = gst_parse_launch(description.c_str(), &err);
  if (!p || err) {
    if (error) *error = "cannot build \"" + description + "\": " + (err ? err->message : "?");
    g_clear_error(&err);
    if (p) gst_object_unref(p);
    return false;
  }
  BusLog log;
  run_until_done(p, log, timeout_s * 1000);
  if (!log.eos && error)
    *error = log.timed_out ? "no EOS within " + std::to_string(timeout_s) + " s" : log.problem(GST_MESSAGE_ERROR).text;
  stop(p);
  return log.eos;
}

// Every test process starts with an empty result cache (and crops folder):
// an answer cached by an earlier run, whose fake service happened to get the
// same port, must not stand in for the request a test expects. Removed at
// exit. A plain pointer: this constructor may run before the dynamic
// initialisation of this file's objects (a std::string set here would be
// constructed again over it, losing the path).
static gchar *g_cache_home = nullptr;

__attribute__((constructor)) static void fresh_cache_home() {
  g_cache_home = g_dir_make_tmp("idf-test-cache-XXXXXX", nullptr);
  if (!g_cache_home) return;
  g_setenv("XDG_CACHE_HOME", g_cache_home, TRUE);
  atexit([] {
    remove_dir(g_cache_home);
    g_clear_pointer(&g_cache_home, g_free);
  });
}

double test_slowdown() {
  const gchar *value = g_getenv("IDF_TEST_SLOWDOWN");
  const double slowdown = value ? g_ascii_strtod(value, nullptr) : 1.0;
  return slowdown >= 1.0 ? slowdown : 1.0;
}

std::string make_temp_dir() {
  GError *err = nullptr;
  gchar *dir = g_dir_make_tmp("identifyface-test-XXXXXX", &err);
  g_assert_no_error(err);
  std::string out = dir;
  g_free(dir);
  return out;
}

void remove_dir(const std::string &dir) {
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return;
  while (const gchar *name = g_dir_read_name(d)) {
    std::string path = dir + "/" + name;
    if (g_file_test(path.c_str(), G_FILE_TEST_IS_DIR))
      remove_dir(path);
    else
      g_unlink(path.c_str());
  }
  g_dir_close(d);
  g_rmdir(dir.c_str());
}

const GValue *faces_of(const GstStructure *s) {
  return gst_structure_get_value(s, "faces");
}

const GstStructure *face_at(const GstStructure *s, guint i) {
  const GValue *faces = faces_of(s);
  g_assert_nonnull(faces);
  g_assert_true(GST_VALUE_HOLDS_LIST(faces));
  g_assert_cmpuint(i, <, gst_value_list_get_size(faces));
  return gst_value_get_structure(gst_value_list_get_value(faces, i));
}

static std::string base64url_decode(std::string b64) {
  for (auto &c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b64.size() % 4) b64 += '=';
  gsize len = 0;
  guchar *raw = g_base64_decode(b64.c_str(), &len);
  std::string out((const char *)raw, len);
  g_free(raw);
  return out;
}

bool jwt_signed_with(const std::string &jwt, const std::string &secret) {
  size_t dot = jwt.rfind('.');
  if (dot == std::string::npos) return false;
  std::string signing_input = jwt.substr(0, dot);
  std::string signature = base64url_decode(jwt.substr(dot + 1));
  GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret.data(), secret.size());
  g_hmac_update(hmac, (const guchar *)signing_input.data(), signing_input.size());
  guint8 digest[32];
  gsize len = sizeof digest;
  g_hmac_get_digest(hmac, digest, &len);
  g_hmac_unref(hmac);
  return signature == std::string((const char *)digest, len);
}

std::string jwt_payload(const std::string &jwt) {
  size_t first = jwt.find('.'), last = jwt.rfind('.');
  if (first == std::string::npos || last == first) return "";
  return base64url_decode(jwt.substr(first + 1, last - first - 1));
}
