// SPDX-License-Identifier: LGPL-2.1-or-later
// The API key, the secret key and the JWTs made from them appear nowhere:
// not in debug logs at any level (GST_DEBUG=*:9), not in GLib's log, not in
// bus messages, errors or property notifications.
#include <gst/gst.h>

#include <mutex>
#include <string>

#include "support/fake_service.h"
#include "support/test_util.h"

static std::mutex g_log_lock;
static std::string g_captured;  // everything logged, at every level

static void collect_gst_log(GstDebugCategory *category, GstDebugLevel level, const gchar *file, const gchar *function,
                            gint line, GObject *object, GstDebugMessage *message, gpointer) {
  const gchar *text = gst_debug_message_get(message);  // formatted before taking the lock
  std::lock_guard<std::mutex> g(g_log_lock);
  g_captured += gst_debug_category_get_name(category);
  g_captured += ' ';
  g_captured += gst_debug_level_get_name(level);
  g_captured += ' ';
  g_captured += file;
  g_captured += ':';
  g_captured += function;
  g_captured += ':' + std::to_string(line) + ' ';
  (void)object;  // formatting it would log (refcounts) from inside the log
  g_captured += text ? text : "";
  g_captured += '\n';
}

static GLogWriterOutput collect_glib_log(GLogLevelFlags, const GLogField *fields, gsize n_fields, gpointer) {
  std::lock_guard<std::mutex> g(g_log_lock);
  for (gsize i = 0; i < n_fields; i++) {
    if (fields[i].length < 0) g_captured += (const char *)fields[i].value;
    g_captured += ' ';
  }
  g_captured += '\n';
  return G_LOG_WRITER_HANDLED;
}

static void on_deep_notify(GstObject *, GstObject *prop_object, GParamSpec *pspec, gpointer data) {
  auto *out = static_cast<std::string *>(data);
  if (!(pspec->flags & G_PARAM_READABLE)) return;
  GValue v = G_VALUE_INIT;
  g_value_init(&v, pspec->value_type);
  g_object_get_property(G_OBJECT(prop_object), pspec->name, &v);
  gchar *s = gst_value_serialize(&v);
  *out += std::string(pspec->name) + "=" + (s ? s : "") + "\n";
  g_free(s);
  g_value_unset(&v);
}

static std::string dump_messages(const BusLog &log) {
  std::string out;
  for (auto *m : log.messages) {
    const GstStructure *s = gst_message_get_structure(m);
    if (s) {
      gchar *str = gst_structure_to_string(s);
      out += str;
      g_free(str);
    }
    GError *err = nullptr;
    gchar *debug = nullptr;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR)
      gst_message_parse_error(m, &err, &debug);
    else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING)
      gst_message_parse_warning(m, &err, &debug);
    if (err) {
      out += err->message;
      g_error_free(err);
    }
    if (debug) {
      out += debug;
      g_free(debug);
    }
    out += '\n';
  }
  return out;
}

static void assert_absent(const std::string &haystack, const std::string &secret, const char *where) {
  if (haystack.find(secret) != std::string::npos) g_error("a secret (%zu chars) appears in %s", secret.size(), where);
}

static std::string run(FakeService &svc, const char *provider, const char *route_path,
                       std::function<void(GstElement *)> configure, std::string *notifications, BusLog &log) {
  std::string clip = make_clip(make_temp_dir(), "clip.mp4", ClipSpec{});
  std::string desc =
      std::string("filesrc location=\"") + clip +
      "\" ! qtdemux ! h264parse ! identifyface name=idf poll-interval=50 video-url=https://cdn.example/c.mp4"
      " provider=" +
      provider + " api-url=" + svc.url(route_path) + " ! fakesink sync=false";
  GstElement *p = launch(desc);
  GstElement *idf = gst_bin_get_by_name(GST_BIN(p), "idf");
  configure(idf);
  gst_object_unref(idf);
  g_signal_connect(p, "deep-notify", G_CALLBACK(on_deep_notify), notifications);
  run_until_done(p, log, 20000);
  stop(p);
  return dump_messages(log);
}

static void test_no_secret_anywhere() {
  const std::string api_key = "sk-live-SECRET-7f3a9c1b2e";
  const std::string access_key = "AK-SECRET-ACCESS-0042";
  const std::string secret_key = "SK-SECRET-SIGNING-9911";
  std::string notifications, messages;

  // Kling with a Bearer key, answered with an auth failure (error path).
  FakeService kling;
  kling.script("POST /kling",
               {CannedResponse::json(401, "{\"code\":1001,\"message\":\"invalid key\",\"request_id\":\"r\"}")});
  {
    BusLog log;
    messages += run(
        kling, "kling", "/kling", [&](GstElement *e) { g_object_set(e, "api-key", api_key.c_str(), nullptr); },
        &notifications, log);
    g_assert_true(log.error);
  }
  std::string bearer = kling.requests().at(0).headers["authorization"];
  g_assert_true(bearer == "Bearer " + api_key);  // the key did reach the service

  // Kirin with access-key/secret-key: requests carry a JWT, through to success.
  FakeService kirin;
  kirin.script("POST /gen", {CannedResponse::json(200, "{\"task_id\":\"t\",\"status\":\"pending\"}")});
  kirin.script("GET /gen/task/t",
               {CannedResponse::json(200, "{\"task_id\":\"t\",\"status\":\"processing\"}"),
                CannedResponse::json(200,
                                     "{\"task_id\":\"t\",\"status\":\"completed\",\"output\":[{\"content\":[{"
                                     "\"type\":\"text\",\"text\":\"{\\\"code\\\":0,\\\"data\\\":{\\\"session_id\\\":"
                                     "\\\"s\\\",\\\"face_data\\\":[]}}\"}]}]}")});
  {
    BusLog log;
    messages += run(
        kirin, "kirin", "/gen",
        [&](GstElement *e) {
          g_object_set(e, "access-key", access_key.c_str(), "secret-key", secret_key.c_str(), nullptr);
        },
        &notifications, log);
    g_assert_true(log.eos);
    g_assert_nonnull(log.element_message("identify-face"));
  }
  auto reqs = kirin.requests();
  g_assert_cmpuint(reqs.size(), ==, 3);
  std::string jwt_header = reqs.at(0).headers["authorization"];
  g_assert_true(g_str_has_prefix(jwt_header.c_str(), "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
  std::string jwt = jwt_header.substr(7);
  // The JWT's payload names the access key as issuer and lives 30 minutes.
  g_assert_true(jwt_signed_with(jwt, secret_key));
  std::string payload_json = jwt_payload(jwt);
  std::string iss = "\"iss\":\"" + access_key + "\"";
  g_assert_nonnull(strstr(payload_json.c_str(), iss.c_str()));
  gint64 exp = 0, nbf = 0;
  g_assert_cmpint(sscanf(strstr(payload_json.c_str(), "\"exp\":"),
                         "\"exp\":%" G_GINT64_FORMAT ",\"nbf\":%" G_GINT64_FORMAT, &exp, &nbf),
                  ==, 2);
  g_assert_cmpint(exp - nbf, ==, 1805);
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  g_assert_cmpint(exp, >, now + 1800 - 120);  // signed during this test
  g_assert_cmpint(exp, <=, now + 1800);

  std::lock_guard<std::mutex> g(g_log_lock);
  g_assert_cmpuint(g_captured.size(), >, 100000);  // the log really was on at every level
  g_assert_nonnull(strstr(g_captured.c_str(), "identifyface"));
  for (const std::string &secret : {api_key, access_key, secret_key, jwt, jwt.substr(jwt.rfind('.') + 1)}) {
    assert_absent(g_captured, secret, "the debug log");
    assert_absent(messages, secret, "bus messages");
    assert_absent(notifications, secret, "property notifications");
  }
}

int main(int argc, char **argv) {
  // Every category at every level, as GST_DEBUG=*:9 would.
  g_setenv("GST_DEBUG", "*:9", TRUE);
  g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
  g_setenv("GST_DEBUG_NO_COLOR", "1", TRUE);
  gst_init(&argc, &argv);
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(collect_gst_log, nullptr, nullptr);
  g_log_set_writer_func(collect_glib_log, nullptr, nullptr);
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/secrets/nowhere", test_no_secret_anywhere);
  return g_test_run();
}
