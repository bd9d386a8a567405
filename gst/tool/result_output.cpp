// SPDX-License-Identifier: LGPL-2.1-or-later
#include "result_output.h"

#include <gst/identifyface/identifyface.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "cli_options.h"

std::string format_table(const std::vector<std::vector<std::string>> &rows) {
  std::vector<glong> widths;
  for (const auto &row : rows)
    for (size_t i = 0; i < row.size(); i++) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], g_utf8_strlen(row[i].c_str(), -1));
    }
  std::string out;
  for (const auto &row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); i++) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - g_utf8_strlen(row[i].c_str(), -1) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

static std::string seconds(GstClockTime ns) {
  gchar *s = g_strdup_printf("%.3f", ns / 1e9);
  std::string out = s;
  g_free(s);
  return out;
}

static std::string field(const GstStructure *s, const char *name) {
  const gchar *v = gst_structure_get_string(s, name);
  return v ? v : "";
}

// Face `index`'s score and box ("0.88", "0.336,0.237 0.377x0.322"), when
// the result has them (provider=local).
static std::optional<std::pair<std::string, std::string>> face_location(const GstStructure *result, guint index) {
  const GValue *list = gst_structure_get_value(result, IDENTIFYFACE_FIELD_FACES);
  if (!list || !GST_VALUE_HOLDS_LIST(list) || index >= gst_value_list_get_size(list)) return std::nullopt;
  const GValue *v = gst_value_list_get_value(list, index);
  if (!GST_VALUE_HOLDS_STRUCTURE(v)) return std::nullopt;
  const GstStructure *face = gst_value_get_structure(v);
  double x, y, width, height, score;
  if (!gst_structure_get_double(face, IDENTIFYFACE_FIELD_X, &x) ||
      !gst_structure_get_double(face, IDENTIFYFACE_FIELD_Y, &y) ||
      !gst_structure_get_double(face, IDENTIFYFACE_FIELD_WIDTH, &width) ||
      !gst_structure_get_double(face, IDENTIFYFACE_FIELD_HEIGHT, &height) ||
      !gst_structure_get_double(face, IDENTIFYFACE_FIELD_SCORE, &score))
    return std::nullopt;
  gchar *score_text = g_strdup_printf("%.2f", score);
  gchar *box_text = g_strdup_printf("%.3f,%.3f %.3fx%.3f", x, y, width, height);
  std::pair<std::string, std::string> out{score_text, box_text};
  g_free(score_text);
  g_free(box_text);
  return out;
}

std::string format_result_table(const GstStructure *result) {
  std::vector<std::vector<std::string>> head;
  head.push_back({"session", field(result, IDENTIFYFACE_FIELD_SESSION_ID)});
  head.push_back({"provider", field(result, IDENTIFYFACE_FIELD_PROVIDER)});
  head.push_back({"credits", field(result, IDENTIFYFACE_FIELD_FINAL_UNIT_DEDUCTION)});
  gboolean cached = FALSE;
  if (gst_structure_get_boolean(result, IDENTIFYFACE_FIELD_CACHED, &cached) && cached) {
    // This run spent nothing ("credits 0"); what the request that got the
    // answer was charged is told as that.
    std::string paid = field(result, IDENTIFYFACE_FIELD_ORIGINAL_FINAL_UNIT_DEDUCTION);
    std::string paid_cost = field(result, IDENTIFYFACE_FIELD_ORIGINAL_COST);
    std::string original;
    if (!paid.empty() || !paid_cost.empty())
      original = "; the request that got the answer was charged " +
                 (paid.empty() ? std::string() : paid + " credit(s)") +
                 (paid_cost.empty() ? "" : (paid.empty() ? "" : ", ") + paid_cost + " USD");
    head.push_back(
        {"cached", field(result, IDENTIFYFACE_FIELD_CACHED_AT) + " (no request sent, nothing spent" + original + ")"});
  }
  std::string cost = field(result, IDENTIFYFACE_FIELD_COST);
  if (!cost.empty()) {
    gdouble discount = 0;
    if (gst_structure_get_double(result, IDENTIFYFACE_FIELD_DISCOUNT, &discount) && discount != 0) {
      gchar *d = g_strdup_printf(" (discount %g)", discount);
      cost += d;
      g_free(d);
    }
    head.push_back({"cost", cost + " USD"});
  }
  // provider=local as a free pre-check: would the paid service take it?
  std::string verdict = field(result, IDENTIFYFACE_FIELD_SERVICE_VERDICT);
  if (!verdict.empty()) {
    std::string refusal = command_spelling(field(result, IDENTIFYFACE_FIELD_SERVICE_REFUSAL));
    if (verdict == "accepted")
      head.push_back({"service", "would accept this clip"});
    else if (verdict == "refused")
      head.push_back({"service", "would refuse this clip: " + refusal});
    else
      head.push_back({"service", "cannot tell: " + refusal});
  }
  std::string request = field(result, IDENTIFYFACE_FIELD_REQUEST_ID);
  if (!request.empty()) head.push_back({"request", request});
  std::string task = field(result, IDENTIFYFACE_FIELD_TASK_ID);
  if (!task.empty()) head.push_back({"task", task});
  std::string out = format_table(head) + "\n";

  guint n = identifyface_result_n_faces(result);
  if (n == 0) return out + "no faces found\n";
  // provider=local also knows where each face was and how sure it is.
  std::vector<std::optional<std::pair<std::string, std::string>>> locations;
  for (guint i = 0; i < n; i++) locations.push_back(face_location(result, i));
  const bool located = std::any_of(locations.begin(), locations.end(), [](const auto &l) { return l.has_value(); });
  std::vector<std::vector<std::string>> faces;
  faces.push_back({"face", "start (s)", "end (s)", "length (s)", "lip-sync ready"});
  if (located) {
    faces.back().push_back("score");
    faces.back().push_back("box (x,y w x h, share of the frame)");
  }
  faces.back().push_back("image");
  for (guint i = 0; i < n; i++) {
    IdentifyFaceFace f;
    if (!identifyface_result_get_face(result, i, &f)) continue;
    faces.push_back({f.face_id, seconds(f.start_time), seconds(f.end_time),
                     seconds(f.end_time > f.start_time ? f.end_time - f.start_time : 0),
                     f.lipsync_ready ? "yes" : "no"});
    if (located) {
      const auto &where = locations[i];
      faces.back().push_back(where ? where->first : "");
      faces.back().push_back(where ? where->second : "");
    }
    faces.back().push_back(f.face_image);
  }
  return out + format_table(faces);
}

static JsonNode *value_to_json(const GValue *v) {
  GType t = G_VALUE_TYPE(v);
  JsonNode *node = json_node_new(JSON_NODE_VALUE);
  if (t == G_TYPE_STRING) {
    const gchar *s = g_value_get_string(v);
    if (s)
      json_node_set_string(node, s);
    else
      json_node_init_null(node);
  } else if (t == G_TYPE_BOOLEAN) {
    json_node_set_boolean(node, g_value_get_boolean(v));
  } else if (t == G_TYPE_INT) {
    json_node_set_int(node, g_value_get_int(v));
  } else if (t == G_TYPE_UINT) {
    json_node_set_int(node, g_value_get_uint(v));
  } else if (t == G_TYPE_INT64) {
    json_node_set_int(node, g_value_get_int64(v));
  } else if (t == G_TYPE_UINT64) {
    json_node_set_int(node, (gint64)g_value_get_uint64(v));
  } else if (t == G_TYPE_DOUBLE) {
    json_node_set_double(node, g_value_get_double(v));
  } else if (t == G_TYPE_FLOAT) {
    json_node_set_double(node, g_value_get_float(v));
  } else if (GST_VALUE_HOLDS_LIST(v) || GST_VALUE_HOLDS_ARRAY(v)) {
    bool list = GST_VALUE_HOLDS_LIST(v);
    guint n = list ? gst_value_list_get_size(v) : gst_value_array_get_size(v);
    JsonArray *array = json_array_sized_new(n);
    for (guint i = 0; i < n; i++)
      json_array_add_element(array,
                             value_to_json(list ? gst_value_list_get_value(v, i) : gst_value_array_get_value(v, i)));
    json_node_init_array(node, array);
    json_array_unref(array);
  } else if (GST_VALUE_HOLDS_STRUCTURE(v)) {
    json_node_unref(node);
    return structure_to_json(gst_value_get_structure(v));
  } else {
    gchar *s = gst_value_serialize(v);
    json_node_set_string(node, s ? s : "");
    g_free(s);
  }
  return node;
}

static gboolean add_field(GQuark id, const GValue *value, gpointer data) {
  json_object_set_member(static_cast<JsonObject *>(data), g_quark_to_string(id), value_to_json(value));
  return TRUE;
}

JsonNode *structure_to_json(const GstStructure *s) {
  JsonObject *object = json_object_new();
  gst_structure_foreach(s, add_field, object);
  JsonNode *node = json_node_init_object(json_node_alloc(), object);
  json_object_unref(object);
  return node;
}

std::string json_to_string(JsonNode *node) {
  JsonGenerator *gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_root(gen, node);
  gchar *text = json_generator_to_data(gen, nullptr);
  std::string out = std::string(text) + "\n";
  g_free(text);
  g_object_unref(gen);
  return out;
}

std::string command_spelling(const std::string &element_text) {
  std::string names;
  for (const auto &p : property_options()) names += std::string(names.empty() ? "" : "|") + p.name;
  // "NAME=" anywhere, or "set NAME" (not already an option, not part of a
  // longer name).
  std::string pattern = "(?<![-\\w])((?:" + names + ")(?==)|(?<=set )(?:" + names + ")\\b(?!-))";
  GRegex *re = g_regex_new(pattern.c_str(), (GRegexCompileFlags)0, (GRegexMatchFlags)0, nullptr);
  gchar *out = g_regex_replace(re, element_text.c_str(), -1, 0, "--\\1", (GRegexMatchFlags)0, nullptr);
  std::string text = out ? out : element_text;
  g_free(out);
  g_regex_unref(re);
  return text;
}

std::string advice_for_kind(const std::string &kind, const std::string &code) {
  if (kind == IDENTIFYFACE_KIND_CONFIG)
    return "fix the option named above (see gst-identify-face --help). A local FILE needs --video-url, the public "
           "URL of the same clip (the service fetches it itself), or --provider=local";
  if (kind == IDENTIFYFACE_KIND_VALIDATION)
    return "nothing was sent. Run gst-identify-face --check on the clip to see every limit; the service takes a "
           "video stream in mp4 or mov, 720p or 1080p, 2 to 60 s, at most 100 MB (re-encode it; --validation=warn "
           "sends a clip that breaks a limit anyway)";
  if (kind == IDENTIFYFACE_KIND_AUTH)
    return "check the key (IDENTIFYFACE_API_KEY, --api-key-file, or IDENTIFYFACE_ACCESS_KEY and "
           "IDENTIFYFACE_SECRET_KEY) and that it is one for --provider's service and --api-url";
  if (kind == IDENTIFYFACE_KIND_SERVICE)
    return "the service refused the request" + (code.empty() ? std::string() : " with code " + code) +
           ": see its documentation for the code; quote the request id to its support";
  if (kind == IDENTIFYFACE_KIND_HTTP)
    return "check --api-url (and --poll-url): the address answered with an HTTP error, not the service's";
  if (kind == IDENTIFYFACE_KIND_TRANSPORT)
    return "check the network connection and --api-url; transient failures were retried up to --max-retries times";
  if (kind == IDENTIFYFACE_KIND_AMBIGUOUS)
    return "the service may have received and billed the clip: it was not resent. Check the account (and the task "
           "id, if any) before trying again";
  if (kind == IDENTIFYFACE_KIND_TIMEOUT)
    return "raise --timeout; an asynchronous task may still finish: collect it with --task-id (no new charge)";
  if (kind == IDENTIFYFACE_KIND_PARSE) return "the service's answer was not understood: report it with the request id";
  if (kind == IDENTIFYFACE_KIND_LOCAL)
    return "check that GStreamer can read the clip (gst-launch-1.0 playbin uri=URI video-sink=fakesink "
           "audio-sink=fakesink, with GST_DEBUG=3 to say why not) and that the face image folder is writable";
  return "check that GStreamer can read the clip (gst-launch-1.0 playbin uri=URI video-sink=fakesink "
         "audio-sink=fakesink, with GST_DEBUG=3 to say why not)";
}

std::string format_failure(const std::string &text, const GstStructure *details) {
  IdentifyFaceError e;
  identifyface_error_from_structure(details, &e);
  std::string out = "gst-identify-face: " + command_spelling(text) + "\n";
  std::vector<std::vector<std::string>> rows;
  if (*e.kind) rows.push_back({"  kind:", e.kind});
  if (*e.code) rows.push_back({"  code:", e.code});
  if (e.http_status) rows.push_back({"  http status:", std::to_string(e.http_status)});
  if (*e.request_id) rows.push_back({"  request id:", e.request_id});
  if (*e.task_id) rows.push_back({"  task id:", e.task_id});
  rows.push_back({"  what to do:", advice_for_kind(e.kind, e.code)});
  return out + format_table(rows);
}
