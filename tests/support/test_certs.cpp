// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/test_certs.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <vector>

static void run(const std::string &dir, std::vector<std::string> args) {
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back((char *)a.c_str());
  argv.push_back(nullptr);
  gchar *err_out = nullptr;
  gint status = 0;
  GError *err = nullptr;
  if (!g_spawn_sync(dir.c_str(), argv.data(), nullptr, G_SPAWN_SEARCH_PATH, nullptr, nullptr, nullptr, &err_out,
                    &status, &err))
    g_error("cannot run %s (install Debian's openssl package): %s", args[0].c_str(), err->message);
  if (!g_spawn_check_wait_status(status, nullptr)) g_error("%s failed: %s", args[1].c_str(), err_out);
  g_free(err_out);
}

static void write(const std::string &path, const std::string &text) {
  if (!g_file_set_contents(path.c_str(), text.c_str(), -1, nullptr)) g_error("cannot write %s", path.c_str());
}

// A P-256 key and a certificate for `san` signed by the CA in `dir`.
static void issue(const std::string &dir, const std::string &name, const std::string &san) {
  write(dir + "/" + name + ".ext", "subjectAltName=" + san +
                                       "\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                       "extendedKeyUsage=serverAuth\n");
  run(dir, {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
            name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name});
  run(dir, {"openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
            std::to_string(g_random_int_range(1000, 1 << 30)), "-days", "2", "-out", name + ".pem", "-extfile",
            name + ".ext"});
}

TestCerts make_test_certs() {
  gchar *tmp = g_dir_make_tmp("idf-certs-XXXXXX", nullptr);
  TestCerts c;
  c.dir = tmp;
  g_free(tmp);
  run(c.dir, {"openssl",
              "req",
              "-x509",
              "-newkey",
              "ec",
              "-pkeyopt",
              "ec_paramgen_curve:prime256v1",
              "-nodes",
              "-keyout",
              "ca.key",
              "-out",
              "ca.pem",
              "-days",
              "2",
              "-subj",
              "/CN=identifyface test CA",
              "-addext",
              "basicConstraints=critical,CA:TRUE",
              "-addext",
              "keyUsage=critical,keyCertSign,cRLSign"});
  issue(c.dir, "server", "IP:127.0.0.1,DNS:localhost");
  issue(c.dir, "other", "DNS:example.invalid");
  c.ca_pem = c.dir + "/ca.pem";
  c.server_pem = c.dir + "/server.pem";
  c.server_key = c.dir + "/server.key";
  c.other_pem = c.dir + "/other.pem";
  c.other_key = c.dir + "/other.key";
  return c;
}

void remove_test_certs(const TestCerts &certs) {
  GDir *d = g_dir_open(certs.dir.c_str(), 0, nullptr);
  if (!d) return;
  while (const char *name = g_dir_read_name(d)) g_remove((certs.dir + "/" + name).c_str());
  g_dir_close(d);
  g_rmdir(certs.dir.c_str());
}
