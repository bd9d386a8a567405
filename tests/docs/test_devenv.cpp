// SPDX-License-Identifier: LGPL-2.1-or-later
// `meson devenv -C build` is a shell where gst-inspect-1.0 finds the plugin
// and gst-identify-face runs, without GST_PLUGIN_PATH set by hand.
// Usage: test_devenv MESON BUILD-DIR REGISTRY
#include <glib.h>

#include <string>

#include "support/process_util.h"

static std::string g_meson, g_build_dir, g_registry;

// `command` in meson devenv, with none of the plugin paths the suite sets.
static ProcessResult in_devenv(std::vector<std::string> command) {
  ProcessSpec spec;
  spec.argv = {g_meson, "devenv", "-C", g_build_dir};
  for (auto &c : command) spec.argv.push_back(c);
  spec.unsetenv = {"GST_PLUGIN_PATH", "GST_PLUGIN_PATH_1_0", "GST_DEBUG"};
  spec.setenv = {{"GST_REGISTRY_1_0", g_registry}, {"GST_INSPECT_NO_COLORS", "1"}, {"PAGER", "cat"}};
  return run_process(spec, 60000);
}

static void test_gst_inspect_finds_the_plugin() {
  ProcessResult r = in_devenv({"gst-inspect-1.0", "identifyface"});
  if (r.status != 0 || r.out.find("Lip-sync face identification") == std::string::npos)
    g_error("gst-inspect-1.0 identifyface in meson devenv: %s", r.describe().c_str());
}

static void test_command_runs_with_the_plugin() {
  // The help shows the element's ranges only when it found the element.
  ProcessResult r = in_devenv({"gst-identify-face", "--help"});
  if (r.status != 0 || r.out.find("default 300)") == std::string::npos)
    g_error("gst-identify-face --help in meson devenv: %s", r.describe().c_str());
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  if (argc < 4) g_error("usage: test_devenv MESON BUILD-DIR REGISTRY");
  g_meson = argv[1];
  g_build_dir = argv[2];
  g_registry = argv[3];
  g_test_add_func("/devenv/gst-inspect", test_gst_inspect_finds_the_plugin);
  g_test_add_func("/devenv/gst-identify-face", test_command_runs_with_the_plugin);
  return g_test_run();
}
