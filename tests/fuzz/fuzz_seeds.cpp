// SPDX-License-Identifier: LGPL-2.1-or-later
// Writes the answer generator's cases as a libFuzzer seed corpus.
//   fuzz-seeds kling|kirin|lipsync DIR [COUNT] [MAX_BYTES]
#include <glib.h>
#include <glib/gstdio.h>

#include <cstdio>
#include <string>

#include "support/answer_fuzz.h"
#include "support/lipsync_fuzz.h"

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s kling|kirin|lipsync DIR [COUNT] [MAX_BYTES]\n", argv[0]);
    return 2;
  }
  bool kling = g_str_equal(argv[1], "kling");
  std::string dir = argv[2];
  unsigned count = argc > 3 ? (unsigned)atoi(argv[3]) : 400;
  size_t max_bytes = argc > 4 ? (size_t)atol(argv[4]) : 256 * 1024;
  g_mkdir_with_parents(dir.c_str(), 0755);
  if (g_str_equal(argv[1], "lipsync")) {
    // Both lip-sync dialects' answers.
    lipsync_fuzz::Generator gen(7);
    unsigned written = 0;
    for (unsigned i = 0; written < count && i < count * 20; i++) {
      lipsync_fuzz::Case c = gen.next();
      if (c.body.size() > max_bytes) continue;
      char name[32];
      g_snprintf(name, sizeof name, "/seed-%04u", written++);
      if (!g_file_set_contents((dir + name).c_str(), c.body.data(), (gssize)c.body.size(), nullptr)) return 1;
    }
    printf("%u seeds in %s\n", written, dir.c_str());
    return 0;
  }
  answer_fuzz::Generator gen(7);
  unsigned written = 0;
  for (unsigned i = 0; written < count && i < count * 20; i++) {
    answer_fuzz::Case c = gen.next();
    if ((c.dialect == answer_fuzz::Dialect::Kling) != kling || c.body.size() > max_bytes) continue;
    char name[32];
    g_snprintf(name, sizeof name, "/seed-%04u", written++);
    if (!g_file_set_contents((dir + name).c_str(), c.body.data(), (gssize)c.body.size(), nullptr)) return 1;
  }
  printf("%u seeds in %s\n", written, dir.c_str());
  return 0;
}
