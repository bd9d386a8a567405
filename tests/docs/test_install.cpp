// SPDX-License-Identifier: LGPL-2.1-or-later
// `meson install` puts the plugin, the command, the public header and its
// pkg-config file where GStreamer's own go, and a program built with
// `pkg-config --cflags gstreamer-identifyface-1.0` compiles, as C and C++,
// without a warning, against the installed header.
// Usage: test_install MESON BUILD-DIR PREFIX LIBDIR BINDIR INCLUDEDIR CC CXX PRINT-FACES.c
#include <glib.h>
#include <glib/gstdio.h>

#include <string>

#include "support/process_util.h"

static std::string g_meson, g_build, g_prefix, g_libdir, g_bindir, g_includedir, g_cc, g_cxx, g_example;

static std::string in_prefix(const std::string &dest, const std::string &dir) {
  return dest + (g_path_is_absolute(dir.c_str()) ? dir : g_prefix + "/" + dir);
}

static void test_install_and_build_against_it() {
  gchar *tmp = g_dir_make_tmp("identifyface-install-XXXXXX", nullptr);
  std::string dest = tmp;
  g_free(tmp);
  ProcessSpec install;
  install.argv = {g_meson, "install", "-C", g_build, "--no-rebuild", "--quiet", "--destdir", dest};
  ProcessResult r = run_process(install, 60000);
  if (r.status != 0) g_error("meson install: %s", r.describe().c_str());

  std::string lib = in_prefix(dest, g_libdir), inc = in_prefix(dest, g_includedir);
  for (const std::string &path :
       {lib + "/gstreamer-1.0/libgstidentifyface.so", in_prefix(dest, g_bindir) + "/gst-identify-face",
        inc + "/gstreamer-1.0/gst/identifyface/identifyface.h", lib + "/pkgconfig/gstreamer-identifyface-1.0.pc"})
    if (!g_file_test(path.c_str(), G_FILE_TEST_EXISTS)) g_error("meson install did not make %s", path.c_str());

  // The .pc file as installed, its prefix moved to the staging folder, as a
  // program built against the installed files would see it.
  gchar *pc = nullptr;
  std::string installed_pc = lib + "/pkgconfig/gstreamer-identifyface-1.0.pc";
  g_assert_true(g_file_get_contents(installed_pc.c_str(), &pc, nullptr, nullptr));
  std::string text = pc;
  g_free(pc);
  std::string prefix_line = "prefix=" + g_prefix + "\n";
  g_assert_true(text.rfind(prefix_line, 0) == 0);
  text = "prefix=" + dest + g_prefix + "\n" + text.substr(prefix_line.size());
  std::string pc_dir = dest + "/relocated-pkgconfig";
  g_assert_cmpint(g_mkdir_with_parents(pc_dir.c_str(), 0755), ==, 0);
  g_assert_true(g_file_set_contents((pc_dir + "/gstreamer-identifyface-1.0.pc").c_str(), text.c_str(), -1, nullptr));

  ProcessSpec flags;
  flags.argv = {"pkg-config", "--cflags-only-I", "gstreamer-identifyface-1.0"};
  flags.setenv = {{"PKG_CONFIG_PATH", pc_dir}};
  r = run_process(flags);
  if (r.status != 0 || r.out.find("-I" + inc + "/gstreamer-1.0") == std::string::npos)
    g_error("pkg-config --cflags: %s", r.describe().c_str());
  // The header reads face marks: its .pc file requires gstreamer-video.
  ProcessSpec print_requires;
  print_requires.argv = {"pkg-config", "--print-requires", "gstreamer-identifyface-1.0"};
  print_requires.setenv = {{"PKG_CONFIG_PATH", pc_dir}};
  r = run_process(print_requires);
  if (r.status != 0 || r.out.find("gstreamer-video-1.0") == std::string::npos)
    g_error("the .pc file does not require gstreamer-video-1.0: %s", r.describe().c_str());
  // C: the example; C++: every reader.
  std::string cpp = dest + "/readers.cpp";
  g_assert_true(g_file_set_contents(cpp.c_str(),
                                    "#include <gst/identifyface/identifyface.h>\n"
                                    "int main() {\n"
                                    "  IdentifyFaceFace face;\n"
                                    "  IdentifyFaceError error;\n"
                                    "  IdentifyFaceProgress progress;\n"
                                    "  IdentifyFaceMark mark;\n"
                                    "  return identifyface_face_from_structure(nullptr, &face) +\n"
                                    "         (int)identifyface_result_n_faces(nullptr) +\n"
                                    "         identifyface_result_get_face(nullptr, 0, &face) +\n"
                                    "         (int)identifyface_tags_n_faces(nullptr) +\n"
                                    "         identifyface_tags_get_face(nullptr, 0, &face) +\n"
                                    "         identifyface_face_is_active(&face, 0) +\n"
                                    "         identifyface_error_from_structure(nullptr, &error) +\n"
                                    "         identifyface_progress_from_structure(nullptr, &progress) +\n"
                                    "         identifyface_mark_from_roi(nullptr, &mark) +\n"
                                    "         (identifyface_buffer_get_mark(nullptr, nullptr) != nullptr);\n"
                                    "}\n",
                                    -1, nullptr));
  for (const std::string &compile : {g_cc + " -x c \"" + g_example + "\"", g_cxx + " -x c++ \"" + cpp + "\""}) {
    ProcessSpec build;
    build.argv = {"sh", "-c",
                  compile + " -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags gstreamer-identifyface-1.0)"};
    build.setenv = {{"PKG_CONFIG_PATH", pc_dir}};
    r = run_process(build, 60000);
    if (r.status != 0) g_error("%s against the installed header: %s", compile.c_str(), r.describe().c_str());
  }

  ProcessSpec cleanup;
  cleanup.argv = {"rm", "-rf", dest};
  run_process(cleanup);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  if (argc < 10) g_error("usage: test_install MESON BUILD-DIR PREFIX LIBDIR BINDIR INCLUDEDIR CC CXX PRINT-FACES.c");
  g_meson = argv[1];
  g_build = argv[2];
  g_prefix = argv[3];
  g_libdir = argv[4];
  g_bindir = argv[5];
  g_includedir = argv[6];
  g_cc = argv[7];
  g_cxx = argv[8];
  g_example = argv[9];
  g_test_add_func("/install/header-and-pkg-config", test_install_and_build_against_it);
  return g_test_run();
}
