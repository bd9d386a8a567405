// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/lipsync_request.h"

#include <glib.h>
#include <json-glib/json-glib.h>

#include "wire/json_util.h"

namespace idf {

int64_t lipsync_ms(uint64_t ns) {
  return (int64_t)((ns + 500000) / 1000000);
}

static void add_face_choose(JsonBuilder *b, const LipsyncRequest &r) {
  json_builder_set_member_name(b, "face_choose");
  json_builder_begin_array(b);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "face_id");
  json_builder_add_string_value(b, r.face_id.c_str());
  json_builder_set_member_name(b, r.audio.kind == LipsyncAudio::Kind::Id ? "audio_id" : "sound_file");
  json_builder_add_string_value(b, r.audio.value.c_str());
  json_builder_set_member_name(b, "sound_start_time");
  json_builder_add_int_value(b, lipsync_ms(r.audio_start_ns));
  json_builder_set_member_name(b, "sound_end_time");
  json_builder_add_int_value(b, lipsync_ms(r.audio_end_ns));
  json_builder_set_member_name(b, "sound_insert_time");
  json_builder_add_int_value(b, lipsync_ms(r.insert_ns));
  json_builder_set_member_name(b, "sound_volume");
  json_builder_add_double_value(b, r.sound_volume);
  json_builder_set_member_name(b, "original_audio_volume");
  json_builder_add_double_value(b, r.original_volume);
  json_builder_end_object(b);
  json_builder_end_array(b);
}

static void add_optional(JsonBuilder *b, const char *name, const std::string &value) {
  if (value.empty()) return;
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, value.c_str());
}

// Both dialects send the same members; Kirin names its model first.
static std::string lipsync_body(const std::string *model, const LipsyncRequest &r) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  if (model) {
    json_builder_set_member_name(b, "model");
    json_builder_add_string_value(b, model->c_str());
  }
  json_builder_set_member_name(b, "session_id");
  json_builder_add_string_value(b, r.session_id.c_str());
  add_face_choose(b, r);
  add_optional(b, "external_task_id", r.external_task_id);
  add_optional(b, "callback_url", r.callback_url);
  json_builder_end_object(b);
  return json::finish(b);
}

std::string kling_lipsync_body(const LipsyncRequest &r) {
  return lipsync_body(nullptr, r);
}

std::string kirin_lipsync_body(const std::string &model, const LipsyncRequest &r) {
  return lipsync_body(&model, r);
}

std::string kling_lipsync_poll_url(const std::string &api_url, const std::string &task_id) {
  if (task_id.empty() || task_id == "." || task_id == "..") return "";
  char *escaped = g_uri_escape_string(task_id.c_str(), nullptr, FALSE);
  std::string base = api_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string out = base + "/" + escaped;
  g_free(escaped);
  return out;
}

std::string lipsync_url_beside(const std::string &identify_url) {
  const std::string from = "identify-face";
  size_t query = identify_url.find_first_of("?#");
  size_t at = identify_url.rfind(from, query == std::string::npos ? std::string::npos : query);
  if (at == std::string::npos) return identify_url;
  return identify_url.substr(0, at) + "advanced-lip-sync" + identify_url.substr(at + from.size());
}

}  // namespace idf
