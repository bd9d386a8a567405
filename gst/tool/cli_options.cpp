// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_options.h"

#include <gio/gio.h>

#include <cstring>

#include "base/package_info.h"

const std::vector<PropertyOption> &property_options() {
  static const std::vector<PropertyOption> options = {
      {"provider", "NAME", "the service that identifies the faces; local runs on this machine, with no key"},
      {"api-url", "URL", "the endpoint to send the clip to, instead of the provider's default"},
      {"poll-url", "URL", "kirin: the task status URL, {task_id} replaced (default: API-URL/task/{task_id})"},
      {"model", "ID", "kirin: the model id sent with the task"},
      {"task-id", "ID",
       "kirin: collect the task that an earlier run submitted (printed when it was stopped, timed out or failed): "
       "polls it only, with no submission and no new charge"},
      {"video-url", "URL",
       "the public URL of this same clip, which the service fetches itself; needed for a local FILE with kling "
       "or kirin (an http(s) URI is its own video URL)"},
      {"video-id", "ID", "the id of a Kling-generated video, instead of --video-url"},
      {"validation", "MODE",
       "check the clip against the service's limits before sending: strict refuses it, warn warns and sends, off "
       "sends unchecked"},
      {"timeout", "SECONDS", "the longest the run may take: reading the clip, the identification and its polling"},
      {"request-timeout", "SECONDS", "the longest wait for one HTTP answer"},
      {"max-retries", "N", "retries of a transient failure; a submission that may have been billed is never resent"},
      {"poll-interval", "MS", "kirin: milliseconds between status polls during the first 30 s"},
      {"poll-interval-max", "MS", "kirin: after 30 s the interval grows x1.5 per poll up to this"},
      {"face-image-dir", "DIR", "local: the folder for the JPEG face crops"},
      {"cache-ttl", "SECONDS",
       "how long a finished identification of the same clip is reused instead of paying again; 0 asks the service "
       "every time"},
      {"cache-dir", "DIR", "where finished identifications are kept (default: the user's cache dir)"},
      {"max-concurrent", "N", "tasks in flight at once for this account (0: learned from the service)"},
      {"ssl-ca-file", "FILE",
       "a PEM file of CA certificates to trust besides the system's, for the service and an https clip (a "
       "corporate proxy, a test server)"},
  };
  return options;
}

std::string CliOptions::get(const char *property) const {
  std::string value;
  for (const auto &p : properties)
    if (p.first == property) value = p.second;  // the last one given wins
  return value;
}

// Other options, for parsing and for --help.
struct FlagOption {
  const char *name;
  char short_name;
  const char *arg;  // nullptr: a flag
  const char *help;
};

static const FlagOption kFlagOptions[] = {
    {"check", 'c', nullptr,
     "only read the clip and print each of the service's limits with the value measured and a verdict; exit 1 "
     "when the service would refuse the clip. Sends no request and spends no credits"},
    {"json", 'j', nullptr,
     "print one JSON document instead of the table: the fields of the identify-face message (with --check: the "
     "limits)"},
    {"quiet", 'q', nullptr, "no progress line"},
    {"api-key-file", 0, "FILE", "read the API key from the first line of FILE"},
    {"timeline", 't', "FILE",
     "also draw the faces over time into FILE (.png or .svg): one row per face with its image, its interval, "
     "whether it is lip-sync ready, the shot cuts provider=local found and the clip's duration"},
    {"version", 0, nullptr, "print the version and exit"},
    {"help", 'h', nullptr, "print this help and exit"},
};

// --lipsync and its companions: after the identification, lip-sync a face.
struct LipsyncOption {
  const char *name;
  const char *arg;
  const char *help;
};
static const LipsyncOption kLipsyncOptions[] = {
    {"lipsync", "AUDIO",
     "then lip-sync a face of the clip to AUDIO (a file or an http(s) URL; .mp3, .wav, .m4a or .aac, at most 5 MB, "
     "2 to 60 s) with the lipsync element: every documented rule is checked before anything is sent; prints the "
     "face chosen, why, and the result video's URL"},
    {"face", "ID", "--lipsync: the face to sync (default: the lip-sync-ready face the audio overlaps most)"},
    {"insert-at", "SECONDS",
     "--lipsync: where the audio starts in the clip (default: where it overlaps the face most)"},
    {"output", "FILE",
     "--lipsync: download the video to FILE (written under a temporary name and renamed when complete)"},
    {"lipsync-api-url", "URL",
     "--lipsync: the lip-sync endpoint (default: --api-url with advanced-lip-sync in place of identify-face; "
     "kirin: the same generation endpoint)"},
    {"lipsync-task-id", "ID",
     "collect the lip-sync task that an earlier --lipsync run submitted (printed when it was stopped, timed out or "
     "failed): polls it without a new charge and without identifying again; with --output, downloads its video"},
};

static gboolean on_property_option(const gchar *option_name, const gchar *value, gpointer data, GError **) {
  auto *options = static_cast<CliOptions *>(data);
  const char *name = option_name + 2;  // "--timeout"
  options->properties.emplace_back(name, value ? value : "");
  return TRUE;
}

// Keys never come from the command line: a shell keeps it in its history and
// every user of the machine can read it in /proc. Refused without echoing the
// value.
static bool refuse_key_options(int argc, char **argv, std::string &error) {
  for (int i = 1; i < argc; i++) {
    for (const char *key : {"--api-key", "--access-key", "--secret-key"}) {
      size_t n = strlen(key);
      if (strncmp(argv[i], key, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '=')) {
        error = std::string(key) +
                " is not an option: keys never go on a command line (the shell's history and other users' ps "
                "would show them). Set IDENTIFYFACE_API_KEY, or IDENTIFYFACE_ACCESS_KEY and "
                "IDENTIFYFACE_SECRET_KEY, in the environment, or use --api-key-file FILE";
        return false;
      }
    }
  }
  return true;
}

bool parse_command_line(int argc, char **argv, CliOptions &options, std::string &error) {
  if (!refuse_key_options(argc, argv, error)) return false;

  std::vector<GOptionEntry> entries;
  gchar *api_key_file = nullptr, *timeline = nullptr;
  gboolean check = FALSE, json = FALSE, quiet = FALSE, version = FALSE, help = FALSE;
  gboolean *flags[] = {&check, &json, &quiet, nullptr, nullptr, &version, &help};
  gchar **files[] = {nullptr, nullptr, nullptr, &api_key_file, &timeline, nullptr, nullptr};
  static_assert(G_N_ELEMENTS(flags) == G_N_ELEMENTS(kFlagOptions) && G_N_ELEMENTS(files) == G_N_ELEMENTS(kFlagOptions));
  for (size_t i = 0; i < G_N_ELEMENTS(kFlagOptions); i++) {
    const FlagOption &f = kFlagOptions[i];
    if (f.arg)
      entries.push_back({f.name, f.short_name, 0, G_OPTION_ARG_FILENAME, files[i], f.help, f.arg});
    else
      entries.push_back({f.name, f.short_name, 0, G_OPTION_ARG_NONE, flags[i], f.help, nullptr});
  }
  for (const auto &p : property_options())
    entries.push_back({p.name, 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)on_property_option, p.help, p.arg});
  gchar *lipsync_values[G_N_ELEMENTS(kLipsyncOptions)] = {};
  for (size_t i = 0; i < G_N_ELEMENTS(kLipsyncOptions); i++)
    entries.push_back({kLipsyncOptions[i].name, 0, 0, G_OPTION_ARG_FILENAME, &lipsync_values[i],
                       kLipsyncOptions[i].help, kLipsyncOptions[i].arg});
  entries.push_back({nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr});

  GOptionContext *ctx = g_option_context_new("FILE-or-URI");
  g_option_context_set_help_enabled(ctx, FALSE);  // ours is man-page style
  GOptionGroup *group = g_option_group_new("main", "", "", &options, nullptr);
  g_option_group_add_entries(group, entries.data());
  g_option_context_set_main_group(ctx, group);
  GError *err = nullptr;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &err);
  g_option_context_free(ctx);
  if (!ok) {
    error = err->message;
    g_error_free(err);
    g_free(api_key_file);
    g_free(timeline);
    return false;
  }
  std::string lipsync[G_N_ELEMENTS(kLipsyncOptions)];
  for (size_t i = 0; i < G_N_ELEMENTS(kLipsyncOptions); i++) {
    if (lipsync_values[i]) lipsync[i] = lipsync_values[i];
    g_free(lipsync_values[i]);
  }
  options.lipsync_audio = lipsync[0];
  options.lipsync_face = lipsync[1];
  options.lipsync_output = lipsync[3];
  options.lipsync_api_url = lipsync[4];
  options.lipsync_task_id = lipsync[5];
  if (!lipsync[2].empty()) {
    char *end = nullptr;
    double at = g_ascii_strtod(lipsync[2].c_str(), &end);
    if (!end || *end || !(at >= 0 && at < 86400)) {
      error = "--insert-at \"" + lipsync[2] + "\" is not a time in seconds (0 or more, e.g. 1.5)";
      return false;
    }
    options.lipsync_insert_at = at;
  }
  if (!options.lipsync_audio.empty() && !options.lipsync_task_id.empty()) {
    error = "--lipsync AUDIO submits a new lip-sync and --lipsync-task-id collects one submitted before: give one";
    return false;
  }
  if (options.lipsync_audio.empty()) {
    for (size_t i = 1; i < G_N_ELEMENTS(kLipsyncOptions); i++)
      if (!lipsync[i].empty() && !(!options.lipsync_task_id.empty() && (i == 3 || i == 4 || i == 5))) {
        error = std::string("--") + kLipsyncOptions[i].name + " goes with --lipsync AUDIO";
        return false;
      }
  }
  options.check = check;
  options.json = json;
  options.quiet = quiet;
  options.version = version;
  options.help = help;
  if (api_key_file) options.api_key_file = api_key_file;
  g_free(api_key_file);
  if (timeline) options.timeline = timeline;
  g_free(timeline);
  if (options.help || options.version) return true;

  if (argc < 2) {
    error = "no clip given: name a FILE or URI";
    return false;
  }
  if (argc > 2) {
    error = std::string("one clip at a time: unexpected \"") + argv[2] + "\"";
    return false;
  }
  options.input = argv[1];
  if (!options.timeline.empty()) {
    if (options.check) {
      error = "--timeline draws the faces found, --check finds none: use one or the other";
      return false;
    }
    if (!g_str_has_suffix(options.timeline.c_str(), ".png") && !g_str_has_suffix(options.timeline.c_str(), ".svg")) {
      error = "--timeline=" + options.timeline + ": the file name must end in .png or .svg (the picture's format)";
      return false;
    }
  }
  if (!options.get("video-url").empty() && !options.get("video-id").empty()) {
    error = "--video-url and --video-id exclude each other: the request names the clip one way";
    return false;
  }
  return true;
}

// "(1-86400, default 300)" / "(kling, kirin or local; default kling)"
static std::string property_details(GstElement *element, const char *name) {
  GParamSpec *pspec = element ? g_object_class_find_property(G_OBJECT_GET_CLASS(element), name) : nullptr;
  if (!pspec) return "";
  if (G_IS_PARAM_SPEC_UINT(pspec)) {
    auto *u = G_PARAM_SPEC_UINT(pspec);
    return " (" + std::to_string(u->minimum) + "-" + std::to_string(u->maximum) + ", default " +
           std::to_string(u->default_value) + ")";
  }
  if (G_IS_PARAM_SPEC_ENUM(pspec)) {
    auto *e = G_PARAM_SPEC_ENUM(pspec);
    std::string values;
    for (guint i = 0; i < e->enum_class->n_values; i++) {
      if (i) values += i + 1 == e->enum_class->n_values ? " or " : ", ";
      values += e->enum_class->values[i].value_nick;
    }
    GEnumValue *def = g_enum_get_value(e->enum_class, e->default_value);
    return " (" + values + "; default " + (def ? def->value_nick : "?") + ")";
  }
  if (G_IS_PARAM_SPEC_STRING(pspec)) {
    const char *def = G_PARAM_SPEC_STRING(pspec)->default_value;
    if (def) return std::string(" (default ") + def + ")";
  }
  return "";
}

// Wraps `text` at 79 columns, every line indented by `indent`.
static std::string wrap(const std::string &text, size_t indent) {
  std::string out, line;
  const size_t width = 79;
  gchar **words = g_strsplit(text.c_str(), " ", -1);
  for (gchar **w = words; *w; w++) {
    if (!line.empty() && indent + line.size() + 1 + strlen(*w) > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    if (!line.empty()) line += " ";
    line += *w;
  }
  if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
  g_strfreev(words);
  return out;
}

static std::string option_heading(const char *name, char short_name, const char *arg) {
  std::string h = "       ";
  if (short_name) h += std::string("-") + short_name + ", ";
  h += std::string("--") + name;
  if (arg) h += std::string("=") + arg;
  return h + "\n";
}

std::string help_text(GstElement *element) {
  std::string t;
  t += "NAME\n       gst-identify-face - which faces of a video clip can be lip-synced, and when\n\n";
  t += "SYNOPSIS\n       gst-identify-face [OPTION...] FILE-or-URI\n\n";
  t += "DESCRIPTION\n";
  t += wrap(
      "Reads the clip with GStreamer (any container and codec it can parse), runs the identifyface element on "
      "its video stream and prints a table: the session id, the credits charged and, per face, its id, start, "
      "end and length in seconds, whether it is lip-sync ready (its interval lasts at least 2 s), with "
      "--provider=local the detector's score and the face's box (x,y w x h as a share of the frame), and the URL "
      "of its image. Before anything is sent the clip is checked against the service's limits (mp4 or mov, at most "
      "100 MB, 2 to 60 s, 720p or 1080p).",
      7);
  t += "\n";
  t += wrap(
      "A progress line on standard error shows the phase, the service's status, the seconds elapsed and, with "
      "--provider=local, the share of the clip analysed; it redraws in place on a terminal and prints plain "
      "lines otherwise. Ctrl-C cancels: nothing is sent after it.",
      7);
  t += "\nOPTIONS\n";
  for (const auto &f : kFlagOptions) {
    t += option_heading(f.name, f.short_name, f.arg);
    t += wrap(f.help, 11);
  }
  t += "\n   Lip-sync (see gst-inspect-1.0 lipsync)\n";
  for (const auto &l : kLipsyncOptions) {
    t += option_heading(l.name, 0, l.arg);
    t += wrap(l.help, 11);
  }
  t += "\n   Element properties (see gst-inspect-1.0 identifyface)\n";
  for (const auto &p : property_options()) {
    t += option_heading(p.name, 0, p.arg);
    t += wrap(std::string(p.help) + property_details(element, p.name), 11);
  }
  t += "\nKEYS\n";
  t += wrap(
      "Keys are never accepted on the command line. The first of these is used: --api-key-file FILE (a Bearer "
      "key on the first line), IDENTIFYFACE_ACCESS_KEY with IDENTIFYFACE_SECRET_KEY (Kling's access key and "
      "secret key: requests carry a JWT they sign), IDENTIFYFACE_API_KEY (a Bearer key). --provider=local needs "
      "none.",
      7);
  t += "\nENVIRONMENT\n";
  t += "       IDENTIFYFACE_API_KEY, IDENTIFYFACE_ACCESS_KEY, IDENTIFYFACE_SECRET_KEY\n";
  t += wrap("the keys, as above.", 11);
  t += "       GST_PLUGIN_PATH\n";
  t += wrap("where GStreamer finds the identifyface plugin when it is not installed.", 11);
  t += "       GST_DEBUG\n";
  t += wrap("GStreamer's debug log, e.g. GST_DEBUG=identifyface:5 (keys never appear in it).", 11);
  t += "\nEXIT STATUS\n";
  t += "       0      the faces were identified (with --check: the clip is within the limits)\n";
  t += wrap(
      "1      the identification failed: the error, its kind, the service's code and what to do are printed on "
      "standard error (with --check: the service would refuse the clip, or it could not be read)",
      7);
  t += "       2      bad usage: an unknown option, a bad value, no key, a missing clip\n";
  t += "       130    interrupted (Ctrl-C); 143 terminated (SIGTERM): nothing is sent after either\n";
  t += "\nEXAMPLES\n";
  t += "       gst-identify-face --provider=local clip.mp4\n";
  t += "       gst-identify-face --provider=local --timeline=faces.png clip.mp4\n";
  t += "       gst-identify-face --check clip.mp4\n";
  t += "       IDENTIFYFACE_API_KEY=... gst-identify-face --video-url=https://example.com/clip.mp4 clip.mp4\n";
  t += "       gst-identify-face --api-key-file ~/.config/kling.key --json https://example.com/clip.mp4\n";
  t +=
      "       gst-identify-face --video-url=https://example.com/clip.mp4 --lipsync dub.wav --output out.mp4 clip.mp4\n";
  t += std::string("\nVERSION\n       ") + IDF_PACKAGE_NAME + " " + IDF_VERSION + ", " + IDF_PACKAGE_ORIGIN + "\n";
  return t;
}

static bool apply_one(GstElement *element, const std::string &name, const std::string &value, std::string &error) {
  GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name.c_str());
  if (!pspec) {
    error = "--" + name + ": the identifyface element has no such property (is the plugin older than this command?)";
    return false;
  }
  if (G_IS_PARAM_SPEC_UINT(pspec)) {
    auto *u = G_PARAM_SPEC_UINT(pspec);
    guint64 n = 0;
    if (!g_ascii_string_to_unsigned(value.c_str(), 10, u->minimum, u->maximum, &n, nullptr)) {
      error = "--" + name + "=\"" + value + "\": must be a whole number from " + std::to_string(u->minimum) + " to " +
              std::to_string(u->maximum);
      return false;
    }
    g_object_set(element, name.c_str(), (guint)n, nullptr);
    return true;
  }
  if (G_IS_PARAM_SPEC_ENUM(pspec)) {
    auto *e = G_PARAM_SPEC_ENUM(pspec);
    GEnumValue *v = g_enum_get_value_by_nick(e->enum_class, value.c_str());
    if (!v) {
      std::string values;
      for (guint i = 0; i < e->enum_class->n_values; i++)
        values += std::string(i ? ", " : "") + e->enum_class->values[i].value_nick;
      error = "--" + name + "=\"" + value + "\": must be one of " + values;
      return false;
    }
    g_object_set(element, name.c_str(), v->value, nullptr);
    return true;
  }
  if (G_IS_PARAM_SPEC_STRING(pspec)) {
    if (value.empty()) {
      error = "--" + name + ": needs a value";
      return false;
    }
    g_object_set(element, name.c_str(), value.c_str(), nullptr);
    return true;
  }
  error = "--" + name + ": unsupported property type";
  return false;
}

bool apply_property_options(GstElement *element, const CliOptions &options, std::string &error) {
  for (const auto &p : options.properties)
    if (!apply_one(element, p.first, p.second, error)) return false;
  return true;
}

bool input_to_uri(const std::string &input, std::string &uri, std::string &error) {
  if (gst_uri_is_valid(input.c_str())) {
    uri = input;
    return true;
  }
  if (!g_file_test(input.c_str(), G_FILE_TEST_EXISTS)) {
    error = input + ": no such file";
    return false;
  }
  if (g_file_test(input.c_str(), G_FILE_TEST_IS_DIR)) {
    error = input + ": is a folder, not a clip";
    return false;
  }
  GError *err = nullptr;
  gchar *u = gst_filename_to_uri(input.c_str(), &err);
  if (!u) {
    error = input + ": " + err->message;
    g_error_free(err);
    return false;
  }
  uri = u;
  g_free(u);
  return true;
}
