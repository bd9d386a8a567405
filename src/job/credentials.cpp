// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/credentials.h"

#include <glib.h>

namespace idf {

Credentials resolve_credentials(const std::string &api_key_property, const std::string &access_key,
                                const std::string &secret_key) {
  Credentials c;
  if (!api_key_property.empty()) {
    c.api_key = api_key_property;
    return c;
  }
  c.access_key = access_key;
  c.secret_key = secret_key;
  if (c.uses_jwt()) return c;
  const char *env = g_getenv(IDENTIFYFACE_API_KEY_ENV);
  c.api_key = env ? env : "";
  return c;
}

std::string authorization_header(const Credentials &credentials, JwtIssuer *jwt, int64_t wall_s) {
  if (!credentials.api_key.empty()) return "Bearer " + credentials.api_key;
  if (credentials.uses_jwt() && jwt) return "Bearer " + jwt->token(wall_s);
  return "";
}

}  // namespace idf
