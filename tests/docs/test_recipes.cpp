// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs the code blocks of the docs as a reader would, so that they cannot
// rot. For each markdown file, in order, in a folder of its own holding
// `clip.mp4` (a clip the test encodes) and `build/` (the build tree):
//   - a ```sh block runs with bash -e -o pipefail and must exit 0;
//   - a ```cpp or ```python block whose first line names a file
//     ("// app.cpp: ...", "# app.py: ...") is saved under that name for the
//     sh blocks after it to build and run;
//   - a block right after "<!-- recipe-test: skip (why) -->" is left out;
//   - a block right after "<!-- recipe-test: setup (why) -->" (starting the
//     fake service, exporting its URLs) runs at the start of every later sh
//     block, as a reader's shell keeps what it set;
//   - a block right after "<!-- recipe-test: fails with "TEXT" -->" must
//     exit non-zero and print TEXT (a failure the docs teach to rehearse);
//   - a command whose output a block filters (`| grep 'A|B'`) must give
//     lines that every alternative of the filter matches, so that a
//     documented filter cannot silently match nothing.
// A block that identifies faces (the identifyface element in a pipeline, or
// gst-identify-face without --check) must print the session id of the
// answer; run again with the service refusing the key (the in-process fake,
// and identifyface-fake-service through IDENTIFYFACE_FAKE_SERVICE_KEY), it
// must fail and say so. The one change made to the blocks: where a block
// names no service, the service is an in-process fake. `api-url=`
// (`--api-url=`) naming it is added where a block sets none, and
// https://example.com/clip.mp4 is the fake serving clip.mp4.
// As in meson devenv, gst-identify-face is on PATH and pkg-config finds
// gstreamer-identifyface-1.0 in the build tree.
// Usage: test_recipes BUILD-DIR TOOL-DIR PYTHON FILE.md...
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/fake_service.h"
#include "support/process_util.h"
#include "support/test_util.h"

static std::string g_build_dir, g_tool_dir, g_python;
static std::vector<std::string> g_documents;
static std::string g_dir, g_clip;

static const char *kSession = "demo-session";  // also identifyface-fake-service's
// identifyface-fake-service's refusal of a wrong key says the same.
static const char *kRefused = "Authorization is invalid";
static const char *kRefusal = "{\"code\":1002,\"message\":\"Authorization is invalid\",\"request_id\":\"r\"}";
static const char *kKling =
    "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"demo-request\",\"data\":{\"session_id\":\"demo-session\","
    "\"final_unit_deduction\":\"1\",\"face_data\":["
    "{\"face_id\":\"0\",\"face_image\":\"https://img.example/0.png\",\"start_time\":0,\"end_time\":2600}]}}";

struct Block {
  std::string lang;  // sh, cpp, python
  std::string text;
  std::string runs;  // sh: the text of the files it builds or runs (app.cpp, app.py)
  int line = 0;      // of the opening fence
  bool skip = false;
  bool setup = false;
  std::string fails_with;  // "": must succeed
};

static std::vector<Block> code_blocks(const std::string &markdown) {
  std::vector<Block> blocks;
  gchar **lines = g_strsplit(markdown.c_str(), "\n", -1);
  std::string previous;
  Block *open = nullptr;
  for (int i = 0; lines[i]; i++) {
    std::string line = lines[i];
    if (open) {
      if (line == "```")
        open = nullptr;
      else
        open->text += line + "\n";
    } else if (line.rfind("```", 0) == 0) {
      blocks.push_back(Block());
      open = &blocks.back();
      open->lang = line.substr(3);
      open->line = i + 1;
      open->skip = previous.rfind("<!-- recipe-test: skip", 0) == 0;
      open->setup = previous.rfind("<!-- recipe-test: setup", 0) == 0;
      const std::string fails = "<!-- recipe-test: fails with \"";
      if (previous.rfind(fails, 0) == 0) {
        size_t end = previous.find('"', fails.size());
        g_assert_true(end != std::string::npos);
        open->fails_with = previous.substr(fails.size(), end - fails.size());
      }
    }
    previous = line;
  }
  g_strfreev(lines);
  return blocks;
}

static std::string replace_regex(const std::string &text, const char *pattern, const std::string &replacement) {
  GRegex *re = g_regex_new(pattern, G_REGEX_MULTILINE, (GRegexMatchFlags)0, nullptr);
  g_assert_nonnull(re);
  // \1 keeps what preceded the name (`replacement` holds no backslash).
  std::string repl = std::string("\\1") + replacement;
  gchar *out = g_regex_replace(re, text.c_str(), -1, 0, repl.c_str(), (GRegexMatchFlags)0, nullptr);
  std::string result = out;
  g_free(out);
  g_regex_unref(re);
  return result;
}

// The one change: the fake service instead of the real one.
static std::string substitute(std::string text, const std::string &api_url, const std::string &clip_url) {
  const std::string example = "https://example.com/clip.mp4";
  for (size_t at; (at = text.find(example)) != std::string::npos;) text.replace(at, example.size(), clip_url);
  if (text.find("api-url") != std::string::npos) return text;  // the block names its own (fake) service
  // The element in a pipeline description: after "!" (a line continuation
  // allowed) or at the start of a quoted string.
  text = replace_regex(text, "((?:!|\")[ \\t]*(?:\\\\\\n[ \\t]*)?)identifyface(?=[\\s\"])",
                       "identifyface api-url=" + api_url);
  // The command.
  text = replace_regex(text, "(^|[\\s;&|(])gst-identify-face(?=\\s)", "gst-identify-face --api-url=" + api_url);
  return text;
}

static bool identifies(const Block &b) {
  GRegex *element = g_regex_new("(!|\")[ \\t]*(\\\\\\n[ \\t]*)?identifyface[\\s\"]", (GRegexCompileFlags)0,
                                (GRegexMatchFlags)0, nullptr);
  bool yes = g_regex_match(element, (b.text + b.runs).c_str(), (GRegexMatchFlags)0, nullptr);
  g_regex_unref(element);
  gchar **lines = g_strsplit(b.text.c_str(), "\n", -1);
  for (gchar **l = lines; *l; l++) {
    std::string line = *l;
    if (line.find("gst-identify-face ") != std::string::npos && line.find("--check") == std::string::npos &&
        line.find("--help") == std::string::npos)
      yes = true;
  }
  g_strfreev(lines);
  return yes;
}

static bool has_session(const std::string &output) {
  if (output.find(kSession) != std::string::npos) return true;
  // provider=local: a fresh UUID
  GRegex *uuid = g_regex_new("session[^\\n]*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                             (GRegexCompileFlags)0, (GRegexMatchFlags)0, nullptr);
  bool yes = g_regex_match(uuid, output.c_str(), (GRegexMatchFlags)0, nullptr);
  g_regex_unref(uuid);
  return yes;
}

// A folder like the reader's: clip.mp4, and build/ showing the build tree
// (what a recipe writes there, a clip or face crops, stays in the folder).
static std::string make_sandbox() {
  std::string dir = make_temp_dir();
  g_assert_cmpint(symlink(g_clip.c_str(), (dir + "/clip.mp4").c_str()), ==, 0);
  std::string build = dir + "/build";
  g_assert_cmpint(g_mkdir(build.c_str(), 0755), ==, 0);
  GDir *d = g_dir_open(g_build_dir.c_str(), 0, nullptr);
  g_assert_nonnull(d);
  while (const gchar *name = g_dir_read_name(d)) {
    if (g_str_has_suffix(name, ".mp4") || g_str_equal(name, "faces")) continue;
    g_assert_cmpint(symlink((g_build_dir + "/" + name).c_str(), (build + "/" + name).c_str()), ==, 0);
  }
  g_dir_close(d);
  return dir;
}

static void remove_sandbox(const std::string &dir) {
  // remove_dir() would follow build/'s symlinks into the build tree.
  std::string build = dir + "/build";
  GDir *d = g_dir_open(build.c_str(), 0, nullptr);
  while (const gchar *name = d ? g_dir_read_name(d) : nullptr) {
    std::string path = build + "/" + name;
    if (g_file_test(path.c_str(), G_FILE_TEST_IS_SYMLINK)) g_unlink(path.c_str());
  }
  if (d) g_dir_close(d);
  remove_dir(dir);
}

// `refused`: identifyface-fake-service accepts another key than the
// blocks give it.
static ProcessSpec sh_spec(const std::string &sandbox, const Block &b, const std::string &body, const std::string &path,
                           bool refused = false) {
  std::string script = sandbox + "/block-" + std::to_string(b.line) + ".sh";
  g_assert_true(g_file_set_contents(script.c_str(), body.c_str(), -1, nullptr));
  ProcessSpec spec;
  spec.argv = {"bash", "-e", "-o", "pipefail", script};
  spec.cwd = sandbox;
  spec.own_process_group = true;  // a backgrounded fake service goes with it
  // Each run has a result cache of its own: a recipe run twice (the second
  // time with the key refused) must really ask the service again.
  static unsigned runs = 0;
  spec.setenv = {{"IDENTIFYFACE_API_KEY", "sk-recipes"},
                 {"PATH", path},
                 {"PKG_CONFIG_PATH", g_build_dir + "/meson-uninstalled"},
                 {"XDG_CACHE_HOME", sandbox + "/cache-" + std::to_string(runs++)}};
  spec.unsetenv = {"GST_DEBUG"};
  if (refused)
    spec.setenv["IDENTIFYFACE_FAKE_SERVICE_KEY"] = "sk-rotated";
  else
    spec.unsetenv.push_back("IDENTIFYFACE_FAKE_SERVICE_KEY");
  return spec;
}

static ProcessResult run_sh(const std::string &sandbox, const Block &b, const std::string &body,
                            const std::string &path) {
  return run_process(sh_spec(sandbox, b, body, path), 60000);
}

// The filters of a block's output (`| grep 'A|B'`, `| grep -E "A|B"`):
// each is given a `tee` that keeps what it filters, in the sandbox.
struct Filter {
  std::string pattern;
  bool extended = false;
  std::string input;  // the file tee writes
};

static std::string keep_filtered(const std::string &body, const Block &b, std::vector<Filter> &filters) {
  GRegex *re = g_regex_new("\\|([ \\t]*)grep[ \\t]+(-E[ \\t]+)?(?:'([^']*)'|\"([^\"]*)\")", (GRegexCompileFlags)0,
                           (GRegexMatchFlags)0, nullptr);
  std::string out;
  GMatchInfo *mi = nullptr;
  size_t from = 0;
  g_regex_match(re, body.c_str(), (GRegexMatchFlags)0, &mi);
  while (g_match_info_matches(mi)) {
    gint start = 0, end = 0;
    g_match_info_fetch_pos(mi, 0, &start, &end);
    Filter f;
    gchar *flag = g_match_info_fetch(mi, 2), *single = g_match_info_fetch(mi, 3), *dbl = g_match_info_fetch(mi, 4);
    f.extended = flag && *flag;
    f.pattern = single && *single ? single : dbl ? dbl : "";
    f.input = "filtered-" + std::to_string(b.line) + "-" + std::to_string(filters.size()) + ".txt";
    g_free(flag);
    g_free(single);
    g_free(dbl);
    out += body.substr(from, start - from) + "| tee " + f.input + " " + body.substr(start, end - start);
    from = end;
    filters.push_back(f);
    g_match_info_next(mi, nullptr);
  }
  g_match_info_free(mi);
  g_regex_unref(re);
  return out + body.substr(from);
}

// Every alternative of every filter matches a line of what it filtered.
static void check_filters(const std::string &sandbox, const std::vector<Filter> &filters, const std::string &where) {
  for (const Filter &f : filters) {
    gchar *text = nullptr;
    if (!g_file_get_contents((sandbox + "/" + f.input).c_str(), &text, nullptr, nullptr))
      g_error("%s: the filter '%s' got no input", where.c_str(), f.pattern.c_str());
    std::vector<std::string> alternatives;
    if (f.extended) {
      // Top-level alternatives of an extended regular expression.
      int depth = 0;
      std::string current;
      for (char c : f.pattern) {
        if (c == '(') depth++;
        if (c == ')') depth--;
        if (c == '|' && depth == 0) {
          alternatives.push_back(current);
          current.clear();
        } else {
          current += c;
        }
      }
      alternatives.push_back(current);
    } else {
      alternatives.push_back(f.pattern);
    }
    for (const auto &alternative : alternatives) {
      GRegex *re = g_regex_new(alternative.c_str(), G_REGEX_MULTILINE, (GRegexMatchFlags)0, nullptr);
      if (!re) g_error("%s: cannot read the filter '%s'", where.c_str(), alternative.c_str());
      if (!g_regex_match(re, text, (GRegexMatchFlags)0, nullptr))
        g_error("%s: the filter '%s' matches nothing in what it filters:\n%s", where.c_str(), alternative.c_str(),
                text);
      g_regex_unref(re);
    }
    g_free(text);
  }
}

static void run_document(gconstpointer data) {
  const std::string document = static_cast<const char *>(data);
  gchar *markdown = nullptr;
  if (!g_file_get_contents(document.c_str(), &markdown, nullptr, nullptr)) g_error("cannot read %s", document.c_str());
  std::vector<Block> blocks = code_blocks(markdown);
  g_free(markdown);
  std::map<std::string, std::string> saved;  // file name -> its block

  FakeService svc;
  std::string api_url = svc.url("/recipes/identify");
  std::string clip_url = svc.url("/clip.mp4");
  svc.serve_file("/clip.mp4", g_clip);
  auto refuse = std::make_shared<std::atomic<bool>>(false);
  svc.handle("POST /recipes/identify", [refuse](const RecordedRequest &req) {
    if (*refuse) return CannedResponse::json(401, kRefusal);
    if (req.body.find("\"model\"") != std::string::npos)  // a Kirin task
      return CannedResponse::json(200, "{\"task_id\":\"recipe-task\",\"status\":\"pending\"}");
    return CannedResponse::json(200, kKling);
  });
  gchar *text = g_strescape(kKling, nullptr);
  svc.script("GET /recipes/identify/task/recipe-task",
             {CannedResponse::json(200, std::string("{\"task_id\":\"recipe-task\",\"status\":\"completed\",\"output\":"
                                                    "[{\"content\":[{\"type\":\"text\",\"text\":\"") +
                                            text + "\",\"url\":\"\"}]}],\"usage\":{\"cost\":\"0.02\"}}")});
  g_free(text);

  std::string sandbox = make_sandbox();
  gchar *python_dir = g_path_get_dirname(g_python.c_str());
  std::string path = g_tool_dir + ":" + python_dir + ":" + (g_getenv("PATH") ? g_getenv("PATH") : "/usr/bin:/bin");
  g_free(python_dir);
  int ran = 0;
  std::string setup;                     // the setup blocks so far
  std::vector<std::string> not_written;  // programs of blocks not run
  for (size_t i = 0; i < blocks.size(); i++) {
    Block &b = blocks[i];
    for (const auto &kv : saved)
      if (b.text.find(kv.first) != std::string::npos) b.runs += kv.second;
    std::string where = document + ":" + std::to_string(b.line);
    if (b.skip || (b.lang != "sh" && b.lang != "cpp" && b.lang != "python")) continue;
#ifndef IDF_HAVE_LOCAL_ENGINE
    // Built without OpenCV: provider=local refuses to start, as documented;
    // so are the blocks that run a program such a block wrote.
    bool needs_local = (b.text + b.runs).find("provider=local") != std::string::npos;
    for (const auto &file : not_written) needs_local = needs_local || b.text.find(file) != std::string::npos;
    if (!b.setup && needs_local) {
      g_test_message("%s: not run (built without the local engine)", where.c_str());
      gchar *name = nullptr;
      if (sscanf(b.text.c_str(), "%*[#/ ]%m[A-Za-z0-9_.-]", &name) == 1 && strchr(name, '.'))
        not_written.push_back(name);
      free(name);
      continue;
    }
#endif
    if (b.setup) {
      g_assert_cmpstr(b.lang.c_str(), ==, "sh");
      setup += b.text;
      continue;
    }
    if (b.lang == "sh") b.text = setup + b.text;
    std::string body = substitute(b.text, api_url, clip_url);
    if (b.lang != "sh") {
      std::vector<std::string> g;
      GRegex *re = g_regex_new("^(?://|#) *([A-Za-z0-9_.-]+\\.(?:cpp|py))\\b", (GRegexCompileFlags)0,
                               (GRegexMatchFlags)0, nullptr);
      GMatchInfo *mi = nullptr;
      if (!g_regex_match(re, b.text.c_str(), (GRegexMatchFlags)0, &mi))
        g_error("%s: a %s block must name its file on its first line (\"// app.cpp: ...\")", where.c_str(),
                b.lang.c_str());
      gchar *name = g_match_info_fetch(mi, 1);
      g_assert_true(g_file_set_contents((sandbox + "/" + name).c_str(), body.c_str(), -1, nullptr));
      saved[name] = b.text;
      g_free(name);
      g_match_info_free(mi);
      g_regex_unref(re);
      continue;
    }
    std::vector<Filter> filters;
    std::string run_body = keep_filtered(body, b, filters);
    gint64 began = g_get_monotonic_time();
    ProcessResult r = run_sh(sandbox, b, run_body, path);
    g_test_message("%s: %.2f s", where.c_str(), (g_get_monotonic_time() - began) / 1e6);
    ran++;
    if (!b.fails_with.empty()) {
      if (r.status == 0 || (r.out + r.err).find(b.fails_with) == std::string::npos)
        g_error("%s: the block must fail and say \"%s\".\n--- block as run ---\n%s%s", where.c_str(),
                b.fails_with.c_str(), body.c_str(), r.describe().c_str());
      continue;
    }
    if (r.status != 0)
      g_error("%s: the block failed.\n--- block as run ---\n%s%s", where.c_str(), body.c_str(), r.describe().c_str());
    if (identifies(b) && !has_session(r.out + r.err))
      g_error("%s: the block printed no session id.\n--- block as run ---\n%s%s", where.c_str(), body.c_str(),
              r.describe().c_str());
    check_filters(sandbox, filters, where);
  }

  // The same blocks, the service refusing the key: a recipe that identifies
  // must fail and say why (provider=local has no service to refuse; a
  // rehearsed failure already failed). They all ran once already (what they
  // build is there), so they run side by side.
  *refuse = true;
  struct Refused {
    std::string where, body;
    std::unique_ptr<Process> process;
  };
  std::vector<Refused> refused;
  for (const Block &b : blocks) {
    std::string all = b.text + b.runs;
    if (b.skip || b.setup || !b.fails_with.empty() || b.lang != "sh" || !identifies(b) ||
        all.find("provider=local") != std::string::npos)
      continue;
    std::string body = substitute(b.text, api_url, clip_url);
    refused.push_back(Refused{document + ":" + std::to_string(b.line), body,
                              std::make_unique<Process>(sh_spec(sandbox, b, body, path, true))});
  }
  for (Refused &run : refused) {
    ProcessResult r = run.process->wait(60000);
    if (r.status == 0 || (r.out + r.err).find(kRefused) == std::string::npos)
      g_error("%s: with the key refused, the block must fail and say so.\n--- block as run ---\n%s%s",
              run.where.c_str(), run.body.c_str(), r.describe().c_str());
  }
  g_assert_cmpint(ran, >, 0);
  remove_sandbox(sandbox);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  if (argc < 5) g_error("usage: test_recipes BUILD-DIR TOOL-DIR PYTHON FILE.md...");
  g_build_dir = argv[1];
  g_tool_dir = argv[2];
  g_python = argv[3];
  g_dir = make_temp_dir();
  g_clip = make_clip(g_dir, "clip.mp4", ClipSpec{});
  for (int i = 4; i < argc; i++) g_documents.push_back(argv[i]);
  for (const auto &doc : g_documents) {
    gchar *base = g_path_get_basename(doc.c_str());
    std::string name = std::string("/recipes/") + base;
    g_free(base);
    g_test_add_data_func(name.c_str(), doc.c_str(), run_document);
  }
  int status = g_test_run();
  remove_dir(g_dir);
  return status;
}
