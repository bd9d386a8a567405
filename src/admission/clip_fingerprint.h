// SPDX-License-Identifier: LGPL-2.1-or-later
// What is known of a clip's bytes, for the result cache's key: the sha256 of
// a local file (hashed once; a small index keeps size, mtime and inode beside
// the digest so an unchanged file is not read again), or an http(s) URL with
// the validators its server gave.
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace idf {

// What an HTTP server says about the resource's version (HEAD or GET answer).
struct HttpValidators {
  std::string etag;           // ETag header, verbatim; "" when absent
  std::string last_modified;  // Last-Modified header, verbatim; "" when absent
  std::optional<uint64_t> content_length;
};

// "url=<url>" followed by the validators that are known, one per line.
std::string http_content_fingerprint(const std::string &url, const HttpValidators &validators);

// "sha256=<64 hex digits>".
std::string file_content_fingerprint(const std::string &sha256_hex);

struct FileDigest {
  std::string sha256;     // 64 lower-case hex digits
  bool computed = false;  // true when the file was read now, false when the index answered
};

// Remembers each local file's sha256 with its size, mtime (ns), inode and
// device, one small JSON file per path under `dir` (named by the sha256 of
// the path; the path itself is not stored). Safe to share between threads
// and processes: records are replaced atomically.
class FileHashIndex {
 public:
  explicit FileHashIndex(std::string dir);

  // The digest of the file at `path` (a local path, not a URI). Blocking: it
  // reads the whole file when it is new or changed (0.75 s per 100 MB on a
  // loaded 2-core machine), so call it off the streaming thread. The error
  // text names the path and the reason (missing, unreadable, changed while
  // read, cancelled).
  std::variant<FileDigest, std::string> digest(const std::string &path, GCancellable *cancellable = nullptr);

  // The index folder; <cache-dir>/hashes for the result cache.
  const std::string &dir() const { return dir_; }

  // Removes records not refreshed for `max_age_s` (real time). Examines at
  // most `max_files` records. Returns how many were removed.
  unsigned prune(int64_t max_age_s, unsigned max_files = 4096);

 private:
  std::string dir_;
};

// A local path for a file:// URI; nullopt for other URIs.
std::optional<std::string> local_path_of_uri(const std::string &uri);

}  // namespace idf
