// SPDX-License-Identifier: LGPL-2.1-or-later
#include "admission/clip_fingerprint.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "wire/json_util.h"

namespace idf {

// A file modified this close to the moment it was hashed may be modified
// again within the same mtime tick without the mtime changing: such a record
// is not trusted (the file is hashed again next time).
constexpr int64_t kRacyWindowNs = 2 * 1000000000ll;

std::string http_content_fingerprint(const std::string &url, const HttpValidators &v) {
  std::string text = "url=" + url;
  if (!v.etag.empty()) text += "\netag=" + v.etag;
  if (!v.last_modified.empty()) text += "\nlast-modified=" + v.last_modified;
  if (v.content_length) text += "\ncontent-length=" + std::to_string(*v.content_length);
  return text;
}

std::string file_content_fingerprint(const std::string &sha256_hex) {
  return "sha256=" + sha256_hex;
}

std::optional<std::string> local_path_of_uri(const std::string &uri) {
  if (g_ascii_strncasecmp(uri.c_str(), "file:", 5) != 0) return std::nullopt;
  char *path = g_filename_from_uri(uri.c_str(), nullptr, nullptr);
  if (!path) return std::nullopt;
  std::string out = path;
  g_free(path);
  return out;
}

FileHashIndex::FileHashIndex(std::string dir) : dir_(std::move(dir)) {}

namespace {

struct Stamp {
  int64_t size = 0, mtime_ns = 0, ino = 0, dev = 0;
  bool operator==(const Stamp &o) const {
    return size == o.size && mtime_ns == o.mtime_ns && ino == o.ino && dev == o.dev;
  }
};

Stamp stamp_of(const struct stat &st) {
  Stamp s;
  s.size = (int64_t)st.st_size;
  s.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
  s.ino = (int64_t)st.st_ino;
  s.dev = (int64_t)st.st_dev;
  return s;
}

std::string sha256_text(const std::string &text) {
  char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text.data(), (gssize)text.size());
  std::string out = hex;
  g_free(hex);
  return out;
}

// json::int_member goes through double; nanosecond stamps need all 64 bits.
std::optional<int64_t> exact_int(JsonObject *o, const char *name) {
  JsonNode *n = o && json_object_has_member(o, name) ? json_object_get_member(o, name) : nullptr;
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) return std::nullopt;
  return json_node_get_int(n);
}

bool is_sha256_hex(const std::string &s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!g_ascii_isxdigit(c) || g_ascii_isupper(c)) return false;
  return true;
}

}  // namespace

std::variant<FileDigest, std::string> FileHashIndex::digest(const std::string &path_in, GCancellable *cancellable) {
  char *canon = g_canonicalize_filename(path_in.c_str(), nullptr);
  std::string path = canon;
  g_free(canon);
  std::string record = dir_ + G_DIR_SEPARATOR_S + sha256_text(path) + ".json";

  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "cannot hash " + path + ": " + g_strerror(errno);
  if (!S_ISREG(st.st_mode)) return "cannot hash " + path + ": not a regular file";
  Stamp now_stamp = stamp_of(st);

  // The index: trusted when every stamp matches and the file was already
  // settled when it was hashed.
  char *text = nullptr;
  gsize len = 0;
  if (g_file_get_contents(record.c_str(), &text, &len, nullptr)) {
    JsonNode *root = json::parse(std::string(text, len), nullptr);
    g_free(text);
    JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
    auto num = [&](const char *name) { return exact_int(o, name).value_or(-1); };
    auto sha = json::text_member(o, "sha256");
    Stamp rec{num("size"), num("mtime_ns"), num("ino"), num("dev")};
    int64_t hashed_at = num("hashed_at_ns");
    bool hit = o && sha && is_sha256_hex(*sha) && rec == now_stamp && rec.mtime_ns + kRacyWindowNs <= hashed_at;
    std::string digest = hit ? *sha : "";
    if (root) json_node_unref(root);
    if (hit) return FileDigest{digest, false};
  }

  int fd = g_open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return "cannot hash " + path + ": " + g_strerror(errno);
  struct stat before;
  fstat(fd, &before);
  int64_t hashed_at = g_get_real_time() * 1000;
  GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
  std::vector<guchar> buf(1 << 20);
  std::string error;
  for (;;) {
    if (g_cancellable_is_cancelled(cancellable)) {
      error = "hashing " + path + " was cancelled";
      break;
    }
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "cannot hash " + path + ": " + g_strerror(errno);
      break;
    }
    if (n == 0) break;
    g_checksum_update(sum, buf.data(), n);
  }
  struct stat after;
  fstat(fd, &after);
  close(fd);
  std::string digest = g_checksum_get_string(sum);
  g_checksum_free(sum);
  if (!error.empty()) return error;
  if (!(stamp_of(before) == stamp_of(after))) return "cannot hash " + path + ": it changed while it was read";

  Stamp s = stamp_of(after);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "sha256");
  json_builder_add_string_value(b, digest.c_str());
  for (auto [name, value] : {std::pair<const char *, int64_t>{"size", s.size},
                             {"mtime_ns", s.mtime_ns},
                             {"ino", s.ino},
                             {"dev", s.dev},
                             {"hashed_at_ns", hashed_at}}) {
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, value);
  }
  json_builder_end_object(b);
  std::string out = json::finish(b);
  // The index is an optimisation: failing to write it only costs a re-hash.
  if (g_mkdir_with_parents(dir_.c_str(), 0700) == 0)
    g_file_set_contents_full(record.c_str(), out.data(), (gssize)out.size(), G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                             nullptr);
  return FileDigest{digest, true};
}

unsigned FileHashIndex::prune(int64_t max_age_s, unsigned max_files) {
  GDir *d = g_dir_open(dir_.c_str(), 0, nullptr);
  if (!d) return 0;
  unsigned removed = 0, seen = 0;
  int64_t now_s = g_get_real_time() / G_USEC_PER_SEC;
  while (const char *name = g_dir_read_name(d)) {
    if (++seen > max_files) break;
    std::string p = dir_ + G_DIR_SEPARATOR_S + name;
    struct stat st;
    if (lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime + max_age_s < now_s &&
        g_unlink(p.c_str()) == 0)
      removed++;
  }
  g_dir_close(d);
  return removed;
}

}  // namespace idf
