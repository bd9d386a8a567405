// SPDX-License-Identifier: LGPL-2.1-or-later
// The core's layers, as the README's Layout section names them (one line:
// "Layers, lowest first: `a` → `b` → ..."), hold in the tree: a file in
// src/LAYER/ includes only headers of its own layer and of lower ones, and
// nothing of the plugin (gst/). An include that runs upwards is how a lower
// layer starts depending on a higher one, which then cannot change or be
// tested without it.
// Usage: test_layering SOURCE_ROOT
#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/assertions.h"

static std::string g_root;

static std::string read_text(const std::string &path) {
  gchar *text = nullptr;
  if (!g_file_get_contents(path.c_str(), &text, nullptr, nullptr)) return "";
  std::string s(text);
  g_free(text);
  return s;
}

// The layer names of the README's "Layers, lowest first:" line, in order.
static std::vector<std::string> layer_order(const std::string &readme) {
  std::vector<std::string> layers;
  size_t at = readme.find("Layers, lowest first:");
  if (at == std::string::npos) return layers;
  std::string line = readme.substr(at, readme.find('\n', at) - at);
  for (size_t open = line.find('`'); open != std::string::npos; open = line.find('`', open)) {
    size_t close = line.find('`', open + 1);
    if (close == std::string::npos) break;
    layers.push_back(line.substr(open + 1, close - open - 1));
    open = close + 1;
  }
  return layers;
}

static std::vector<std::string> files_under(const std::string &dir) {
  std::vector<std::string> files;
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return files;
  while (const gchar *name = g_dir_read_name(d)) files.push_back(name);
  g_dir_close(d);
  std::sort(files.begin(), files.end());
  return files;
}

static bool is_source(const std::string &name) {
  return g_str_has_suffix(name.c_str(), ".h") || g_str_has_suffix(name.c_str(), ".cpp") ||
         g_str_has_suffix(name.c_str(), ".h.in");
}

// Every way `src_root` breaks `layers`, one line each ("" when none).
static std::string layering_problems(const std::string &src_root, const std::vector<std::string> &layers) {
  std::string problems;
  auto rank = [&](const std::string &layer) {
    auto it = std::find(layers.begin(), layers.end(), layer);
    return it == layers.end() ? -1 : int(it - layers.begin());
  };
  for (const auto &entry : files_under(src_root)) {
    std::string path = src_root + "/" + entry;
    if (!g_file_test(path.c_str(), G_FILE_TEST_IS_DIR)) {
      if (is_source(entry)) problems += "src/" + entry + ": in no layer (put it in the folder of its layer)\n";
      continue;
    }
    int own = rank(entry);
    if (own < 0) {
      problems += "src/" + entry + "/: a folder the README's layer order does not name\n";
      continue;
    }
    for (const auto &file : files_under(path)) {
      if (!is_source(file)) continue;
      std::string where = "src/" + entry + "/" + file;
      gchar **lines = g_strsplit(read_text(path + "/" + file).c_str(), "\n", -1);
      for (int n = 0; lines[n]; n++) {
        std::string line = g_strstrip(lines[n]);
        if (line.rfind("#include", 0) != 0) continue;
        std::string at = where + ":" + std::to_string(n + 1) + ": " + line + ": ";
        size_t open = line.find_first_of("\"<");
        if (open == std::string::npos) continue;
        char close_char = line[open] == '"' ? '"' : '>';
        size_t close = line.find(close_char, open + 1);
        if (close == std::string::npos) continue;
        std::string target = line.substr(open + 1, close - open - 1);
        if (close_char == '>') {
          if (target.rfind("gst/identifyface/", 0) == 0)
            problems += at + "the core includes the plugin's header (use model/public_names.h)\n";
          continue;
        }
        size_t slash = target.find('/');
        if (slash == std::string::npos) {
          if (!g_file_test((path + "/" + target).c_str(), G_FILE_TEST_EXISTS))
            problems += at + "not a header of " + entry + "/ (name its layer: \"layer/file.h\")\n";
          continue;
        }
        std::string layer = target.substr(0, slash);
        int theirs = rank(layer);
        if (theirs < 0)
          problems += at + "\"" + layer + "\" is not a layer of the core\n";
        else if (theirs > own)
          problems += at + "runs upwards: " + entry + " is below " + layer + " (README, Layout)\n";
      }
      g_strfreev(lines);
    }
  }
  return problems;
}

static void test_readme_names_every_layer() {
  auto layers = layer_order(read_text(g_root + "/README.md"));
  g_assert_cmpuint(layers.size(), >=, 2);
  for (const auto &entry : files_under(g_root + "/src")) {
    if (g_file_test((g_root + "/src/" + entry).c_str(), G_FILE_TEST_IS_DIR))
      g_assert_true(std::find(layers.begin(), layers.end(), entry) != layers.end());
  }
}

static void test_tree_follows_the_layers() {
  auto layers = layer_order(read_text(g_root + "/README.md"));
  std::string problems = layering_problems(g_root + "/src", layers);
  if (!problems.empty()) g_error("includes against the layer order:\n%s", problems.c_str());
}

// The checker itself: the same small tree passes, then fails once an upward
// include, an include of the plugin's header and a file outside every layer
// are planted, each named with its file and line.
static void test_planted_violations_are_found() {
  gchar *dir = g_dir_make_tmp("layering-XXXXXX", nullptr);
  std::string src = std::string(dir) + "/src";
  for (const char *layer : {"/low", "/high"}) g_mkdir_with_parents((src + layer).c_str(), 0700);
  auto write = [&](const std::string &file, const char *text) {
    g_assert_true(g_file_set_contents((src + file).c_str(), text, -1, nullptr));
  };
  write("/high/top.h", "#pragma once\n#include \"low/base.h\"\n");
  write("/low/base.h", "#pragma once\n#include <string>\n");
  write("/low/base.cpp", "#include \"base.h\"\n#include \"low/base.h\"\n");
  std::vector<std::string> layers{"low", "high"};
  assert_str(layering_problems(src, layers), "");

  write("/low/base.cpp",
        "#include \"low/base.h\"\n#include \"high/top.h\"\n#include <gst/identifyface/identifyface.h>\n");
  write("/stray.cpp", "int x;\n");
  std::string problems = layering_problems(src, layers);
  assert_contains(problems, "src/low/base.cpp:2: #include \"high/top.h\": runs upwards: low is below high");
  assert_contains(problems, "src/low/base.cpp:3: #include <gst/identifyface/identifyface.h>: the core includes");
  assert_contains(problems, "src/stray.cpp: in no layer");
  for (const char *f : {"/high/top.h", "/low/base.h", "/low/base.cpp", "/stray.cpp"}) g_remove((src + f).c_str());
  for (const char *d : {"/high", "/low", ""}) g_rmdir((src + d).c_str());
  g_rmdir(dir);
  g_free(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  if (argc < 2) g_error("usage: test_layering SOURCE_ROOT");
  g_root = argv[1];
  g_test_add_func("/layering/readme-names-every-layer", test_readme_names_every_layer);
  g_test_add_func("/layering/tree-follows-the-layers", test_tree_follows_the_layers);
  g_test_add_func("/layering/planted-violations-are-found", test_planted_violations_are_found);
  return g_test_run();
}
