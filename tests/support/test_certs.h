// SPDX-License-Identifier: LGPL-2.1-or-later
// Throwaway TLS material for the tests, made at test time with the openssl
// command line (Debian's openssl package): a CA, a server certificate it
// signed for 127.0.0.1/localhost, and one it signed for another name.
#pragma once

#include <string>

struct TestCerts {
  std::string dir;
  std::string ca_pem;                  // the CA's certificate
  std::string server_pem, server_key;  // for 127.0.0.1 and localhost
  std::string other_pem, other_key;    // for example.invalid only
};

// Writes them into a new temp dir (remove it with remove_test_certs).
TestCerts make_test_certs();
void remove_test_certs(const TestCerts &certs);
