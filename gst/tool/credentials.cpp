// SPDX-License-Identifier: LGPL-2.1-or-later
#include "credentials.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

static bool env_set(const char *name) {
  const char *v = g_getenv(name);
  return v && *v;
}

// The first line of `path`, trimmed. The contents are wiped from memory
// once copied.
static bool read_key_file(const std::string &path, std::string &key, std::string &error, std::string &warning) {
  gchar *contents = nullptr;
  gsize length = 0;
  GError *err = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, &length, &err)) {
    error = "--api-key-file: " + std::string(err->message);
    g_error_free(err);
    return false;
  }
  gchar *end = strchr(contents, '\n');
  if (end) *end = '\0';
  key = g_strstrip(contents);
  memset(contents, 0, length);
  g_free(contents);
  if (key.empty()) {
    error = "--api-key-file: " + path + " holds no key on its first line";
    return false;
  }
  GStatBuf st;
  if (g_stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH))
    warning = "the key file " + path + " is readable by every user of this machine (chmod 600 " + path + ")";
  return true;
}

bool apply_credentials(GstElement *element, const CliOptions &options, bool provider_needs_key, std::string &error,
                       std::string &warning) {
  if (!options.api_key_file.empty()) {
    std::string key;
    if (!read_key_file(options.api_key_file, key, error, warning)) return false;
    g_object_set(element, "api-key", key.c_str(), nullptr);
    std::fill(key.begin(), key.end(), '\0');
    return true;
  }
  bool access = env_set(IDENTIFYFACE_ACCESS_KEY_ENV), secret = env_set(IDENTIFYFACE_SECRET_KEY_ENV);
  if (access != secret) {
    error = std::string(access ? IDENTIFYFACE_ACCESS_KEY_ENV : IDENTIFYFACE_SECRET_KEY_ENV) + " is set but " +
            (access ? IDENTIFYFACE_SECRET_KEY_ENV : IDENTIFYFACE_ACCESS_KEY_ENV) +
            " is not: Kling's access-key scheme needs both";
    return false;
  }
  if (access) {
    g_object_set(element, "access-key", g_getenv(IDENTIFYFACE_ACCESS_KEY_ENV), "secret-key",
                 g_getenv(IDENTIFYFACE_SECRET_KEY_ENV), nullptr);
    return true;
  }
  if (provider_needs_key && !idf::resolve_credentials("", "", "").any()) {
    error =
        "no key: set " IDENTIFYFACE_API_KEY_ENV " (or " IDENTIFYFACE_ACCESS_KEY_ENV " and " IDENTIFYFACE_SECRET_KEY_ENV
        ") in the environment, or use --api-key-file FILE; "
        "--provider=local needs none";
    return false;
  }
  return true;
}
