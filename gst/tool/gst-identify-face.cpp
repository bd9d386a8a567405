// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-identify-face: which faces of a clip can be lip-synced, and when.
// The identifyface element for people (a table, a progress line, --check)
// and for scripts (--json, exit statuses). See --help.
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/identifyface/identifyface.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "base/package_info.h"
#include "cli_options.h"
#include "clip_access.h"
#include "clip_check.h"
#include "credentials.h"
#include "identify_run.h"
#include "lipsync_run.h"
#include "progress_line.h"
#include "result_output.h"
#include "timeline.h"

static int usage_error(const std::string &error) {
  g_printerr("gst-identify-face: %s\nTry 'gst-identify-face --help'.\n", error.c_str());
  return kExitUsage;
}

static guint uint_property(GstElement *element, const char *name) {
  guint value = 0;
  g_object_get(element, name, &value, nullptr);
  return value;
}

static std::string enum_property(GstElement *element, const char *name) {
  GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name);
  gint value = 0;
  g_object_get(element, name, &value, nullptr);
  GEnumValue *v = g_enum_get_value(G_PARAM_SPEC_ENUM(pspec)->enum_class, value);
  return v ? v->value_nick : "";
}

// Why the clip could not be read, and what to do; `gstreamer_said` is
// GStreamer's own, often terse, error.
static int clip_unreadable(GstElement *identifyface, const std::string &uri, const std::string &gstreamer_said,
                           const CliOptions &options) {
  ClipAccessProblem p =
      diagnose_clip_access(uri, uint_property(identifyface, "request-timeout"), options.get("ssl-ca-file"));
  std::vector<std::vector<std::string>> rows;
  if (!p.what.empty()) rows.push_back({"  GStreamer said:", gstreamer_said});
  rows.push_back({"  what to do:", p.what.empty() ? clip_read_advice(uri) : p.advice});
  g_printerr("gst-identify-face: cannot read the clip %s: %s\n%s", uri.c_str(),
             p.what.empty() ? gstreamer_said.c_str() : p.what.c_str(), format_table(rows).c_str());
  return kExitFailed;
}

// --check: the limits, measured; no request to the service.
static int run_check(GstElement *identifyface, const CliOptions &options, const std::string &uri) {
  idf::ClipInfo clip;
  std::string error, size_problem;
  // Reading the clip is bounded by --timeout too.
  if (!measure_clip(uri,
                    std::min(uint_property(identifyface, "request-timeout"), uint_property(identifyface, "timeout")),
                    options.get("ssl-ca-file"), clip, error, &size_problem))
    return clip_unreadable(identifyface, uri, error, options);
  if (!size_problem.empty())
    g_printerr("gst-identify-face: warning: the clip's size is unknown: %s\n", size_problem.c_str());
  ClipCheck check = check_clip(uri, clip, !options.get("video-id").empty());
  std::string out = options.json ? format_check_json(check) : format_check_table(check);
  fputs(out.c_str(), stdout);
  fflush(stdout);
  if (check.accepted()) return kExitResult;
  g_printerr("gst-identify-face: the service would refuse this clip: %s\n", check.refusal().c_str());
  return kExitFailed;
}

// --timeline: the picture of the result, with the clip's duration measured.
static int draw_timeline(const CliOptions &options, const std::string &uri, const GstStructure *result,
                         unsigned timeout_s) {
  idf::ClipInfo clip;
  std::string error;
  std::optional<uint64_t> duration;
  if (measure_clip(uri, timeout_s, options.get("ssl-ca-file"), clip, error))
    duration = clip.duration_ns;
  else
    g_printerr(
        "gst-identify-face: warning: --timeline: the clip's duration is unknown (%s): the axis ends at the "
        "last face\n",
        error.c_str());
  gchar *base = g_path_get_basename(options.input.c_str());
  Timeline timeline = timeline_from_result(result, duration, base);
  g_free(base);
  std::vector<std::string> warnings;
  if (!write_timeline(timeline, options.timeline, timeout_s, warnings, error)) {
    g_printerr("gst-identify-face: %s (the faces above were identified)\n", error.c_str());
    return kExitFailed;
  }
  for (const auto &w : warnings) g_printerr("gst-identify-face: warning: --timeline: %s\n", w.c_str());
  return kExitResult;
}

// The command line that identifies what `argv` checks: without --check,
// --json and the lip-sync options (and their values).
static std::string identify_command(const std::vector<std::string> &argv) {
  static const char *const with_value[] = {"--lipsync", "--face", "--insert-at", "--output", "--lipsync-api-url"};
  std::string out = "gst-identify-face";
  for (size_t i = 1; i < argv.size(); i++) {
    const std::string &a = argv[i];
    if (a == "--check" || a == "--json" || a == "-j") continue;
    bool skip = false;
    for (const char *name : with_value) {
      if (a == name) {
        skip = true;
        i++;  // and its value
      } else if (a.rfind(std::string(name) + "=", 0) == 0) {
        skip = true;
      }
    }
    if (skip) continue;
    if (a.rfind("--", 0) == 0 && a.find("key") != std::string::npos && a.rfind("--api-key-file", 0) != 0) {
      // Never echo a secret: --api-key=..., or --api-key and its value.
      size_t eq = a.find('=');
      out += " " + (eq != std::string::npos ? a.substr(0, eq + 1) + "..." : a + " ...");
      if (eq == std::string::npos) i++;
      continue;
    }
    gchar *quoted = g_shell_quote(a.c_str());
    out += std::string(" ") + quoted;
    g_free(quoted);
  }
  return out;
}

// --check --lipsync: the faces from the result cache (nothing sent to
// identify), then every lip-sync rule checked; nothing is sent at all.
static int run_lipsync_check(GstElement *identifyface, const CliOptions &options, const std::string &uri,
                             const std::vector<std::string> &argv) {
  std::string error, warning;
  bool needs_key = enum_property(identifyface, "provider") != "local";
  if (!apply_credentials(identifyface, options, needs_key, error, warning)) return usage_error(error);
  g_object_set(identifyface, "cache-only", TRUE, nullptr);
  unsigned timeout_s = uint_property(identifyface, "timeout");
  ProgressLine progress(stderr, isatty(STDERR_FILENO), options.quiet);
  RunOutcome outcome;
  run_identification(identifyface, uri, timeout_s + 2, timeout_s, progress, outcome);
  progress.finish();
  if (outcome.exit_code == kExitResult && outcome.result) {
    const char *cached_at = gst_structure_get_string(outcome.result, IDENTIFYFACE_FIELD_CACHED_AT);
    printf("faces from the identification cached at %s\n", cached_at ? cached_at : "?");
    fputs(format_result_table(outcome.result).c_str(), stdout);
    fflush(stdout);
    return lipsync_after_identification(identifyface, options, uri, outcome.result);
  }
  if (outcome.exit_code > 128) return outcome.exit_code;
  const char *kind = outcome.failure ? gst_structure_get_string(outcome.failure, IDENTIFYFACE_FIELD_KIND) : nullptr;
  if (kind && g_str_equal(kind, IDENTIFYFACE_KIND_CONFIG) &&
      outcome.failure_text.find("cache-only") != std::string::npos) {
    g_printerr(
        "gst-identify-face: --check --lipsync needs an identification of this clip first (its faces come from the "
        "result cache, and there is none for this account and these settings); nothing was sent. Identify it "
        "with:\n  %s\nthen check again.\n",
        identify_command(argv).c_str());
    return kExitFailed;
  }
  g_printerr("%s", format_failure(outcome.failure_text, outcome.failure).c_str());
  return outcome.exit_code == kExitResult ? kExitFailed : outcome.exit_code;
}

static int run_identify(GstElement *identifyface, const CliOptions &options, const std::string &uri) {
  std::string error, warning;
  if (!options.timeline.empty()) {  // before anything is spent
    gchar *dir = g_path_get_dirname(options.timeline.c_str());
    bool writable = g_file_test(dir, G_FILE_TEST_IS_DIR) && g_access(dir, W_OK) == 0;
    std::string where = dir;
    g_free(dir);
    if (!writable)
      return usage_error("--timeline=" + options.timeline + ": cannot write in " + where +
                         " (no such folder, or not writable): nothing was identified");
  }
  bool needs_key = enum_property(identifyface, "provider") != "local";
  if (!apply_credentials(identifyface, options, needs_key, error, warning)) return usage_error(error);
  if (!warning.empty()) g_printerr("gst-identify-face: warning: %s\n", warning.c_str());

  // The element's own deadline ends every identification; this one bounds
  // the whole run by the same --timeout (a clip that never reaches the
  // element, a source that never answers), a moment later so that the
  // element's own message, which says more, comes first.
  unsigned timeout_s = uint_property(identifyface, "timeout");
  unsigned watchdog_s = timeout_s + 2;
  ProgressLine progress(stderr, isatty(STDERR_FILENO), options.quiet);
  RunOutcome outcome;
  run_identification(identifyface, uri, watchdog_s, timeout_s, progress, outcome);
  progress.finish();
  // A task the service created was paid for: whatever the ending, say how
  // to collect it (the answer's table shows it already).
  // A task the service ended failed will never finish: nothing to collect.
  std::string collect;
  const char *ended = outcome.failure ? gst_structure_get_string(outcome.failure, IDENTIFYFACE_FIELD_STATUS) : nullptr;
  if (!outcome.task_id.empty() && !(outcome.exit_code == kExitResult && outcome.result))
    collect = ended && *ended ? "gst-identify-face: kirin task " + outcome.task_id + " failed (status \"" + ended +
                                    "\"): the service ended it; it is not resubmitted (a new run submits the clip "
                                    "again, at a new charge)\n"
                              : "gst-identify-face: kirin task " + outcome.task_id +
                                    " was submitted and may still finish: collect it without a new charge with "
                                    "--task-id=" +
                                    outcome.task_id + "\n";

  if (outcome.exit_code == kExitResult && outcome.result) {
    std::string out;
    if (options.json) {
      JsonNode *node = structure_to_json(outcome.result);
      out = json_to_string(node);
      json_node_unref(node);
    } else {
      out = format_result_table(outcome.result);
    }
    fputs(out.c_str(), stdout);
    fflush(stdout);
    if (!options.timeline.empty()) {
      int drawn = draw_timeline(options, uri, outcome.result, uint_property(identifyface, "request-timeout"));
      if (drawn != kExitResult) return drawn;
    }
    if (!options.lipsync_audio.empty()) return lipsync_after_identification(identifyface, options, uri, outcome.result);
    return kExitResult;
  }
  if (outcome.exit_code > 128) {  // a signal
    g_printerr("gst-identify-face: %s: the identification was stopped; nothing more is sent\n%s",
               outcome.failure_text.c_str(), collect.c_str());
    return outcome.exit_code;
  }
  if (outcome.exit_code == kExitUsage) return usage_error(command_spelling(outcome.failure_text));
  if (outcome.clip_unreadable) return clip_unreadable(identifyface, uri, outcome.failure_text, options);
  g_printerr("%s%s", format_failure(outcome.failure_text, outcome.failure).c_str(), collect.c_str());
  return outcome.exit_code;
}

int main(int argc, char **argv) {
  setlocale(LC_ALL, "");
  CliOptions options;
  std::string error;
  std::vector<std::string> args(argv, argv + argc);  // before parsing takes the options out
  if (!parse_command_line(argc, argv, options, error)) return usage_error(error);
  if (options.version) {
    g_print("%s %s\n", IDF_PACKAGE_NAME, IDF_VERSION);
    return kExitResult;
  }
  gst_init(nullptr, nullptr);
  GstElement *identifyface = gst_element_factory_make("identifyface", nullptr);
  if (options.help) {
    g_print("%s", help_text(identifyface).c_str());
    if (identifyface) gst_object_unref(identifyface);
    return kExitResult;
  }
  if (!identifyface) {
    g_printerr(
        "gst-identify-face: GStreamer has no identifyface element: install the plugin, or point GST_PLUGIN_PATH "
        "at it (meson devenv -C build does)\n");
    return kExitFailed;
  }
  gst_object_ref_sink(identifyface);
  int status;
  std::string uri;
  if (!apply_property_options(identifyface, options, error) || !input_to_uri(options.input, uri, error))
    status = usage_error(error);
  else if (!options.lipsync_task_id.empty())
    status = options.check ? usage_error("--check goes with --lipsync AUDIO, not --lipsync-task-id")
                           : lipsync_after_identification(identifyface, options, uri, nullptr);
  else if (options.check && !options.lipsync_audio.empty())
    status = run_lipsync_check(identifyface, options, uri, args);
  else if (options.check)
    status = run_check(identifyface, options, uri);
  else
    status = run_identify(identifyface, options, uri);
  gst_object_unref(identifyface);
  return status;
}
