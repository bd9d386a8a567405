// SPDX-License-Identifier: LGPL-2.1-or-later
// The test-helper library's own promises that other tests rely on.
#include <glib.h>
#include <gst/gst.h>

#include <string>

#include "support/test_util.h"

// Each test process gets a fresh XDG_CACHE_HOME (a result cached by an
// earlier run must not answer for a request a test expects), and removes
// it when it exits: a test subprocess writes down its folder, which must be
// gone once it has ended.
static void test_cache_home_is_fresh_and_removed_at_exit() {
  if (g_test_subprocess()) {
    const gchar *home = g_getenv("XDG_CACHE_HOME");
    g_assert_nonnull(home);
    g_assert_true(g_file_test(home, G_FILE_TEST_IS_DIR));
    g_assert_cmpstr(g_get_user_cache_dir(), ==, home);
    g_assert_true(g_file_set_contents(g_getenv("IDF_TEST_REPORT"), home, -1, nullptr));
    return;
  }
  const std::string dir = make_temp_dir();
  const std::string report = dir + "/cache-home";
  g_setenv("IDF_TEST_REPORT", report.c_str(), TRUE);
  g_test_trap_subprocess(nullptr, 30 * G_USEC_PER_SEC, (GTestSubprocessFlags)0);
  g_test_trap_assert_passed();
  gchar *home = nullptr;
  g_assert_true(g_file_get_contents(report.c_str(), &home, nullptr, nullptr));
  g_assert_true(g_str_has_prefix(home, g_get_tmp_dir()));
  g_assert_cmpstr(home, !=, g_getenv("XDG_CACHE_HOME"));  // the parent's is another
  g_assert_false(g_file_test(home, G_FILE_TEST_EXISTS));
  g_free(home);
  remove_dir(dir);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/test-support/cache-home-fresh-and-removed", test_cache_home_is_fresh_and_removed_at_exit);
  return g_test_run();
}
