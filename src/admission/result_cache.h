// SPDX-License-Identifier: LGPL-2.1-or-later
// The on-disk cache of finished identifications, so that the same clip
// asked again within its session's validity costs no request (issue 11).
//
// Layout under the cache dir (0700):
//   salt                      random salt of the account fingerprints (0600)
//   hashes/<sha256>.json      FileHashIndex: sha256 of local clips
//   local/<sha256>.json       provider=local entries (no account)
//   <account>/<sha256>.json   service entries of one account; <account> is
//                             the salted fingerprint of its credential
// An entry holds the key's text, the Result, when it was stored and when its
// session began; never a credential. See docs/cache-and-scheduler.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "model/result.h"

namespace idf {

// A Kling session is valid 24 h; an entry is used while at least 1 h is left.
constexpr int64_t kSessionLifetimeS = 24 * 3600;
constexpr int64_t kSessionMarginS = 3600;
constexpr int64_t kDefaultCacheTtlS = kSessionLifetimeS - kSessionMarginS;  // 82800

// Everything an answer depends on except the account. Fill what applies;
// leave the rest "".
struct CacheKey {
  std::string provider;   // provider_name(): "kling", "kirin", "local"
  std::string endpoint;   // the api-url actually used ("" for local)
  std::string model;      // kirin's model ("" otherwise)
  std::string video_url;  // what the request names (video-url or the
  std::string video_id;   //   upstream http(s) URI), or video-id
  // What is known of the clip's bytes: file_content_fingerprint() of a local
  // file, http_content_fingerprint() of an http(s) one, "" when nothing.
  std::string content;
  // Any other setting that changes the answer (local engine settings).
  std::string variant;

  // False when nothing identifies the clip: provider=local needs `content`,
  // a service needs a video_url or video_id. Such a key is never looked up.
  bool usable() const;
  // Unambiguous text of every field (a JSON array); stored in the entry and
  // hashed for its file name. Also a good in-process coalescing key when
  // joined with process_account_fingerprint().
  std::string text() const;
};

// A hit.
struct CachedResult {
  Result result;
  std::string cached_at;          // ISO 8601 UTC, "2024-05-01T12:00:00Z"
  int64_t cached_at_s = 0;        // the same, seconds since the epoch
  int64_t expires_at_s = 0;       // the entry is not used from this time on
  int64_t session_started_s = 0;  // when its session began (seconds since the epoch)
};

struct CacheSettings {
  std::string dir;                    // "" = default_result_cache_dir()
  int64_t ttl_s = kDefaultCacheTtlS;  // cache-ttl; 0 disables the cache
  // Real time in seconds since the epoch; empty = the system clock. Tests
  // inject one to reach expiry without sleeping.
  std::function<int64_t()> clock;
};

// <user cache dir>/gst-identify-face/results.
std::string default_result_cache_dir();

// Blocking file I/O of a few KiB per call; any thread. Several instances
// (threads, processes) may share a dir: entries are replaced atomically and
// a reader sees either the old or the new entry, never a mix.
class ResultCache {
 public:
  explicit ResultCache(CacheSettings settings);

  bool enabled() const { return settings_.ttl_s > 0; }
  const std::string &dir() const { return dir_; }

  // The fingerprint naming `credential`'s account in this cache dir (the
  // API key; for the access-key/secret-key scheme, the access key). Creates
  // the dir and its salt on first use. "" for an empty credential (local) —
  // and also when the salt cannot be created: the caller then skips the
  // cache for that account (a warning is logged). Never contains the
  // credential; computed once per element start, not per lookup.
  std::string account(const std::string &credential);

  // A valid entry for `key` in `account`'s entries ("" for provider=local),
  // or nullopt: disabled, no entry, other key, expired, or corrupt (then a
  // GST_WARNING names the file; never a crash).
  std::optional<CachedResult> lookup(const CacheKey &key, const std::string &account);

  // Stores a finished identification. Only a Result can be stored: failures
  // are never cached. `session_started_s` is when the submission was sent
  // (the session cannot be older than that); nullopt = now. Returns false
  // (and logs a warning) when nothing was stored: disabled, key not usable,
  // a service result without session id or without account, or I/O error.
  // Also prunes expired entries of that account's folder (bounded work).
  bool store(const CacheKey &key, const std::string &account, const Result &result,
             std::optional<int64_t> session_started_s = std::nullopt);

  // Removes the entries of every account and the hash index; leaves the
  // dir and its salt. Returns how many files were removed.
  unsigned clear();

  // Removes expired and corrupt entries in one account's folder ("" =
  // local), examining at most `max_files`. store() calls it at most once
  // per kPruneIntervalS per folder. Returns how many were removed.
  unsigned prune(const std::string &account, unsigned max_files = 4096);

  static constexpr int64_t kPruneIntervalS = 600;

 private:
  int64_t now() const;
  std::string folder(const std::string &account) const;
  std::string entry_path(const CacheKey &key, const std::string &account) const;
  bool ensure_dir(const std::string &path);
  std::optional<int64_t> expiry(const std::string &provider, int64_t cached_at_s, int64_t session_started_s) const;

  CacheSettings settings_;
  std::string dir_;
};

}  // namespace idf
