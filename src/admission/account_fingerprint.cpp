// SPDX-License-Identifier: LGPL-2.1-or-later
#include "admission/account_fingerprint.h"

#include <glib.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <vector>

namespace idf {

std::string account_fingerprint(const std::string &salt, const std::string &credential) {
  GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)salt.data(), salt.size());
  g_hmac_update(hmac, (const guchar *)credential.data(), (gssize)credential.size());
  std::string hex = g_hmac_get_string(hmac);
  g_hmac_unref(hmac);
  return hex.substr(0, 32);
}

std::string random_hex(size_t n) {
  std::vector<unsigned char> bytes(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(bytes.data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return "";
    got += (size_t)r;
  }
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * n);
  for (unsigned char b : bytes) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

std::string process_account_fingerprint(const std::string &credential) {
  if (credential.empty()) return "";
  // Initialised once, thread-safely; if the kernel gives no randomness the
  // address of a local still differs between processes well enough for an
  // in-memory key.
  static const std::string salt = [] {
    std::string s = random_hex(32);
    if (s.empty()) s = std::to_string((uintptr_t)&s) + std::to_string(g_get_monotonic_time());
    return s;
  }();
  return account_fingerprint(salt, credential);
}

}  // namespace idf
