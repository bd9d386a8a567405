// SPDX-License-Identifier: LGPL-2.1-or-later
// Kling's legacy access-key/secret-key scheme: an HS256 JWT signed with
// GLib's GHmac (no new dependency).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace idf {

// header {"alg":"HS256","typ":"JWT"}, payload {"iss":iss,"exp":exp,"nbf":nbf}
std::string jwt_hs256(const std::string &iss, int64_t exp, int64_t nbf, const std::string &secret);

// Hands out a token valid for 30 min, renewed 5 min before it expires.
class JwtIssuer {
 public:
  JwtIssuer(std::string access_key, std::string secret_key);
  std::string token(int64_t now_s);  // thread-safe

 private:
  std::mutex lock_;
  std::string access_key_, secret_key_, token_;
  int64_t expires_ = 0;
};

}  // namespace idf
