// SPDX-License-Identifier: LGPL-2.1-or-later
// What a job authenticates with: the one place that decides between the
// element's key properties and the environment, for both elements and the
// command. Keys are never logged, stored or shown.
#pragma once

#include <cstdint>
#include <string>

#include "wire/jwt.h"

// Where a Bearer key comes from when no api-key is set (a macro: messages
// and property descriptions paste it into their text).
#define IDENTIFYFACE_API_KEY_ENV "IDENTIFYFACE_API_KEY"

namespace idf {

struct Credentials {
  // The Bearer key: the api-key property, else IDENTIFYFACE_API_KEY when no
  // access-key and secret-key are set; "" otherwise.
  std::string api_key;
  // Kling's access-key scheme (a JWT per request), when no api-key is set.
  std::string access_key, secret_key;

  bool uses_jwt() const { return api_key.empty() && !access_key.empty() && !secret_key.empty(); }
  bool any() const { return !api_key.empty() || uses_jwt(); }
  // What names the account in the result cache and the account's queue.
  const std::string &account() const { return api_key.empty() ? access_key : api_key; }
};

// In this order: the api-key property; access-key and secret-key (both set);
// IDENTIFYFACE_API_KEY. Read once per job, when it starts.
Credentials resolve_credentials(const std::string &api_key_property, const std::string &access_key,
                                const std::string &secret_key);

// The Authorization header's value at `wall_s`: "Bearer <key>", or a token
// `jwt` signs when the access-key scheme applies; "" when there is no key.
std::string authorization_header(const Credentials &credentials, JwtIssuer *jwt, int64_t wall_s);

}  // namespace idf
