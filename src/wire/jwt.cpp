// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/jwt.h"

#include <json-glib/json-glib.h>

#include <cstring>

#include "model/utf8_text.h"
#include "wire/json_util.h"

namespace idf {

static std::string base64url(const guchar *data, gsize len) {
  gchar *b64 = g_base64_encode(data, len);
  std::string out;
  for (const gchar *p = b64; *p; p++) {
    if (*p == '+')
      out += '-';
    else if (*p == '/')
      out += '_';
    else if (*p != '=')
      out += *p;
  }
  g_free(b64);
  return out;
}

static std::string base64url(const std::string &s) {
  return base64url((const guchar *)s.data(), s.size());
}

std::string jwt_hs256(const std::string &iss, int64_t exp, int64_t nbf, const std::string &secret) {
  // json-glib escapes quotes and control characters and keeps UTF-8 as is
  // (g_strescape turned "é" into "\303\251", which is not JSON).
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "iss");
  json_builder_add_string_value(b, valid_utf8(iss).c_str());
  json_builder_set_member_name(b, "exp");
  json_builder_add_int_value(b, exp);
  json_builder_set_member_name(b, "nbf");
  json_builder_add_int_value(b, nbf);
  json_builder_end_object(b);
  std::string payload = json::finish(b);
  std::string signing_input = base64url(std::string("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")) + "." + base64url(payload);

  GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret.data(), secret.size());
  g_hmac_update(hmac, (const guchar *)signing_input.data(), signing_input.size());
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_hmac_get_digest(hmac, digest, &digest_len);
  g_hmac_unref(hmac);
  std::string token = signing_input + "." + base64url(digest, digest_len);
  // Don't leave the signature in freed memory longer than needed.
  memset(digest, 0, sizeof digest);
  return token;
}

JwtIssuer::JwtIssuer(std::string access_key, std::string secret_key)
    : access_key_(std::move(access_key)), secret_key_(std::move(secret_key)) {}

std::string JwtIssuer::token(int64_t now_s) {
  std::lock_guard<std::mutex> guard(lock_);
  constexpr int64_t kLifetime = 1800, kRenewBefore = 300;
  if (token_.empty() || now_s >= expires_ - kRenewBefore) {
    expires_ = now_s + kLifetime;
    token_ = jwt_hs256(access_key_, expires_, now_s - 5, secret_key_);
  }
  return token_;
}

}  // namespace idf
