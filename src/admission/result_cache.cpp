// SPDX-License-Identifier: LGPL-2.1-or-later
#include "admission/result_cache.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "admission/account_fingerprint.h"
#include "admission/clip_fingerprint.h"
#include "wire/json_util.h"

GST_DEBUG_CATEGORY_STATIC(idf_cache_debug);
#define GST_CAT_DEFAULT idf_cache_debug

namespace idf {

namespace {

constexpr int64_t kEntryFormat = 1;
// A temp file left by a crashed writer, or a corrupt entry, is removed once
// it is this old (real time): younger ones may be a write in progress.
constexpr int64_t kStaleFileS = 3600;
// Hash-index records unused for this long are removed.
constexpr int64_t kHashRecordMaxAgeS = 30 * 24 * 3600;
// An entry stored further in the future than this means the clock went back.
constexpr int64_t kClockSkewS = 300;
constexpr const char *kLocalFolder = "local";
constexpr const char *kHashFolder = "hashes";
constexpr const char *kSaltFile = "salt";
constexpr const char *kPruneStamp = ".pruned";

void init_debug() {
  static std::once_flag once;
  std::call_once(once, [] { GST_DEBUG_CATEGORY_INIT(idf_cache_debug, "identifyface-cache", 0, "result cache"); });
}

std::string join(const std::string &a, const std::string &b) {
  return a + G_DIR_SEPARATOR_S + b;
}

bool is_hex(const std::string &s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s)
    if (!g_ascii_isxdigit(c) || g_ascii_isupper(c)) return false;
  return true;
}

// Strict readers: an entry with a member of the wrong type is corrupt.
JsonNode *value_member(JsonObject *o, const char *name, GType type) {
  JsonNode *n = o && json_object_has_member(o, name) ? json_object_get_member(o, name) : nullptr;
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != type) return nullptr;
  return n;
}
bool get_string(JsonObject *o, const char *name, std::string *out) {
  JsonNode *n = value_member(o, name, G_TYPE_STRING);
  if (n) *out = json_node_get_string(n);
  return n != nullptr;
}
bool get_int(JsonObject *o, const char *name, int64_t *out) {
  JsonNode *n = value_member(o, name, G_TYPE_INT64);
  if (n) *out = json_node_get_int(n);
  return n != nullptr;
}

void add_string(JsonBuilder *b, const char *name, const std::string &value) {
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, value.c_str());
}
void add_int(JsonBuilder *b, const char *name, int64_t value) {
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, value);
}

void build_result(JsonBuilder *b, const Result &r) {
  json_builder_begin_object(b);
  add_string(b, "provider", r.provider);
  add_string(b, "session_id", r.session_id);
  add_string(b, "request_id", r.request_id);
  add_string(b, "task_id", r.task_id);
  add_string(b, "final_unit_deduction", r.final_unit_deduction);
  add_string(b, "video_url", r.video_url);
  add_string(b, "video_id", r.video_id);
  add_string(b, "stream_id", r.stream_id);
  if (r.cost) add_string(b, "cost", *r.cost);
  if (r.discount) {
    json_builder_set_member_name(b, "discount");
    json_builder_add_double_value(b, *r.discount);
  }
  if (r.shot_cuts_ns) {  // provider=local
    json_builder_set_member_name(b, "shot_cuts_ns");
    json_builder_begin_array(b);
    for (uint64_t t : *r.shot_cuts_ns) json_builder_add_int_value(b, (int64_t)t);
    json_builder_end_array(b);
  }
  json_builder_set_member_name(b, "faces");
  json_builder_begin_array(b);
  for (const Face &f : r.faces) {
    json_builder_begin_object(b);
    add_string(b, "id", f.id);
    add_string(b, "image", f.image);
    add_int(b, "start_ns", (int64_t)f.start_ns);
    add_int(b, "end_ns", (int64_t)f.end_ns);
    if (f.box) {  // provider=local: where the face was largest, and its best score
      for (auto [name, v] : {std::pair<const char *, double>{"x", f.box->x},
                             {"y", f.box->y},
                             {"width", f.box->width},
                             {"height", f.box->height}}) {
        json_builder_set_member_name(b, name);
        json_builder_add_double_value(b, v);
      }
    }
    if (f.score) {
      json_builder_set_member_name(b, "score");
      json_builder_add_double_value(b, *f.score);
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
}

bool parse_result(JsonObject *o, Result *r) {
  if (!o) return false;
  if (!get_string(o, "provider", &r->provider) || !get_string(o, "session_id", &r->session_id) ||
      !get_string(o, "request_id", &r->request_id) || !get_string(o, "task_id", &r->task_id) ||
      !get_string(o, "final_unit_deduction", &r->final_unit_deduction) || !get_string(o, "video_url", &r->video_url) ||
      !get_string(o, "video_id", &r->video_id) || !get_string(o, "stream_id", &r->stream_id))
    return false;
  if (json_object_has_member(o, "cost")) {
    std::string cost;
    if (!get_string(o, "cost", &cost)) return false;
    r->cost = cost;
  }
  if (json_object_has_member(o, "discount")) {
    JsonNode *n = json_object_get_member(o, "discount");
    if (!JSON_NODE_HOLDS_VALUE(n)) return false;
    GType t = json_node_get_value_type(n);
    if (t == G_TYPE_DOUBLE)
      r->discount = json_node_get_double(n);
    else if (t == G_TYPE_INT64)
      r->discount = (double)json_node_get_int(n);
    else
      return false;
  }
  if (json_object_has_member(o, "shot_cuts_ns")) {
    JsonNode *n = json_object_get_member(o, "shot_cuts_ns");
    if (!JSON_NODE_HOLDS_ARRAY(n)) return false;
    JsonArray *cuts = json_node_get_array(n);
    r->shot_cuts_ns.emplace();
    for (guint i = 0; i < json_array_get_length(cuts); i++) {
      JsonNode *c = json_array_get_element(cuts, i);
      if (!JSON_NODE_HOLDS_VALUE(c) || json_node_get_value_type(c) != G_TYPE_INT64 || json_node_get_int(c) < 0)
        return false;
      r->shot_cuts_ns->push_back((uint64_t)json_node_get_int(c));
    }
  }
  JsonNode *faces = json_object_has_member(o, "faces") ? json_object_get_member(o, "faces") : nullptr;
  if (!faces || !JSON_NODE_HOLDS_ARRAY(faces)) return false;
  JsonArray *arr = json_node_get_array(faces);
  for (guint i = 0; i < json_array_get_length(arr); i++) {
    JsonNode *fn = json_array_get_element(arr, i);
    JsonObject *fo = JSON_NODE_HOLDS_OBJECT(fn) ? json_node_get_object(fn) : nullptr;
    Face f;
    int64_t start = -1, end = -1;
    if (!fo || !get_string(fo, "id", &f.id) || !get_string(fo, "image", &f.image) || !get_int(fo, "start_ns", &start) ||
        !get_int(fo, "end_ns", &end) || start < 0 || end < 0)
      return false;
    f.start_ns = (uint64_t)start;
    f.end_ns = (uint64_t)end;
    auto number = [fo](const char *name) -> std::optional<double> {
      if (!json_object_has_member(fo, name)) return std::nullopt;
      JsonNode *n = json_object_get_member(fo, name);
      if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_DOUBLE) return std::nullopt;
      return json_node_get_double(n);
    };
    auto x = number("x"), y = number("y"), w = number("width"), h = number("height");
    if (x && y && w && h) f.box = FaceBox{*x, *y, *w, *h};
    f.score = number("score");
    r->faces.push_back(std::move(f));
  }
  return true;
}

struct Entry {
  std::string key, account, cached_at;
  int64_t cached_at_s = 0, session_started_s = 0;
  Result result;
};

// nullopt with `why` filled when the text is not a whole, well-formed entry.
std::optional<Entry> parse_entry(const std::string &text, std::string *why) {
  std::string error;
  JsonNode *root = json::parse(text, &error);
  if (!root) {
    *why = "not JSON (" + error + ")";
    return std::nullopt;
  }
  Entry e;
  JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
  int64_t format = 0;
  JsonNode *result = o && json_object_has_member(o, "result") ? json_object_get_member(o, "result") : nullptr;
  bool ok = o && get_int(o, "format", &format) && format == kEntryFormat && get_string(o, "key", &e.key) &&
            get_string(o, "account", &e.account) && get_string(o, "cached_at", &e.cached_at) &&
            get_int(o, "cached_at_s", &e.cached_at_s) && get_int(o, "session_started_s", &e.session_started_s) &&
            e.session_started_s <= e.cached_at_s && result && JSON_NODE_HOLDS_OBJECT(result) &&
            parse_result(json_node_get_object(result), &e.result);
  json_node_unref(root);
  if (!ok) {
    *why = "missing or mistyped members";
    return std::nullopt;
  }
  return e;
}

std::string entry_text(const Entry &e) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  add_int(b, "format", kEntryFormat);
  add_string(b, "key", e.key);
  add_string(b, "account", e.account);
  add_string(b, "cached_at", e.cached_at);
  add_int(b, "cached_at_s", e.cached_at_s);
  add_int(b, "session_started_s", e.session_started_s);
  json_builder_set_member_name(b, "result");
  build_result(b, e.result);
  json_builder_end_object(b);
  return json::finish(b);
}

bool read_file(const std::string &path, std::string *out, std::string *error) {
  char *text = nullptr;
  gsize len = 0;
  GError *err = nullptr;
  if (!g_file_get_contents(path.c_str(), &text, &len, &err)) {
    if (error) *error = err->message;
    bool missing = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_error_free(err);
    if (missing && error) error->clear();
    return false;
  }
  out->assign(text, len);
  g_free(text);
  return true;
}

}  // namespace

bool CacheKey::usable() const {
  if (provider.empty()) return false;
  if (provider == "local") return !content.empty();
  return !video_url.empty() || !video_id.empty();
}

std::string CacheKey::text() const {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_array(b);
  for (const std::string *field : {&provider, &endpoint, &model, &video_url, &video_id, &content, &variant})
    json_builder_add_string_value(b, field->c_str());
  json_builder_end_array(b);
  return json::finish(b);
}

std::string default_result_cache_dir() {
  char *dir = g_build_filename(g_get_user_cache_dir(), "gst-identify-face", "results", nullptr);
  std::string out = dir;
  g_free(dir);
  return out;
}

ResultCache::ResultCache(CacheSettings settings) : settings_(std::move(settings)) {
  init_debug();
  dir_ = settings_.dir.empty() ? default_result_cache_dir() : settings_.dir;
  if (settings_.ttl_s < 0) settings_.ttl_s = 0;
}

int64_t ResultCache::now() const {
  return settings_.clock ? settings_.clock() : g_get_real_time() / G_USEC_PER_SEC;
}

bool ResultCache::ensure_dir(const std::string &path) {
  if (g_mkdir_with_parents(path.c_str(), 0700) == 0) return true;
  GST_WARNING("result cache: cannot create %s: %s", path.c_str(), g_strerror(errno));
  return false;
}

std::string ResultCache::folder(const std::string &account) const {
  return join(dir_, account.empty() ? kLocalFolder : account);
}

std::string ResultCache::entry_path(const CacheKey &key, const std::string &account) const {
  std::string name = key.text() + "\n" + account;
  char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, name.data(), (gssize)name.size());
  std::string path = join(folder(account), std::string(hex) + ".json");
  g_free(hex);
  return path;
}

std::optional<int64_t> ResultCache::expiry(const std::string &provider, int64_t cached_at_s,
                                           int64_t session_started_s) const {
  if (settings_.ttl_s <= 0) return std::nullopt;
  // Local results have no session: only cache-ttl applies. A service's
  // session must keep at least kSessionMarginS of its 24 h, whatever the ttl.
  if (provider == "local") return cached_at_s + settings_.ttl_s;
  return session_started_s + std::min(settings_.ttl_s, kDefaultCacheTtlS);
}

std::string ResultCache::account(const std::string &credential) {
  if (credential.empty() || !enabled() || !ensure_dir(dir_)) return "";
  std::string salt_path = join(dir_, kSaltFile);
  std::string salt, error;
  auto valid = [](const std::string &s) { return is_hex(s, 64); };
  if (read_file(salt_path, &salt, &error) && valid(salt)) {
    // Whoever made it, it must stay private to this user.
    g_chmod(salt_path.c_str(), 0600);
    return account_fingerprint(salt, credential);
  }
  bool exists = g_file_test(salt_path.c_str(), G_FILE_TEST_EXISTS);
  std::string fresh = random_hex(32);
  if (fresh.empty()) {
    GST_WARNING("result cache: no random salt from the kernel; service results are not cached");
    return "";
  }
  std::string tmp_path = join(dir_, "salt.XXXXXX");
  std::vector<char> tmpl(tmp_path.begin(), tmp_path.end());
  tmpl.push_back('\0');
  int fd = g_mkstemp_full(tmpl.data(), O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    GST_WARNING("result cache: cannot write a salt in %s: %s", dir_.c_str(), g_strerror(errno));
    return "";
  }
  bool written = write(fd, fresh.data(), fresh.size()) == (ssize_t)fresh.size();
  written = fsync(fd) == 0 && written;
  close(fd);
  bool placed = false;
  if (written) {
    if (exists) {
      GST_WARNING("result cache: %s is unreadable or malformed; replacing it (older entries become unreachable)",
                  salt_path.c_str());
      placed = g_rename(tmpl.data(), salt_path.c_str()) == 0;
    } else {
      // link() fails when another process made the salt first: use theirs.
      placed = link(tmpl.data(), salt_path.c_str()) == 0;
    }
  }
  g_unlink(tmpl.data());
  if (placed) return account_fingerprint(fresh, credential);
  if (read_file(salt_path, &salt, &error) && valid(salt)) return account_fingerprint(salt, credential);
  GST_WARNING("result cache: cannot create the salt %s; service results are not cached", salt_path.c_str());
  return "";
}

std::optional<CachedResult> ResultCache::lookup(const CacheKey &key, const std::string &account_in) {
  if (!enabled() || !key.usable()) return std::nullopt;
  bool local = key.provider == "local";
  std::string account = local ? "" : account_in;
  if (!local && !is_hex(account, 32)) return std::nullopt;
  std::string path = entry_path(key, account);
  std::string text, error;
  if (!read_file(path, &text, &error)) {
    if (!error.empty()) GST_WARNING("result cache: cannot read %s: %s", path.c_str(), error.c_str());
    return std::nullopt;
  }
  std::string why;
  auto entry = parse_entry(text, &why);
  if (!entry) {
    GST_WARNING("result cache: ignoring corrupt entry %s: %s", path.c_str(), why.c_str());
    return std::nullopt;
  }
  if (entry->key != key.text() || entry->account != account || entry->result.provider != key.provider) {
    GST_WARNING("result cache: ignoring %s: it belongs to another key", path.c_str());
    return std::nullopt;
  }
  int64_t t = now();
  auto expires = expiry(key.provider, entry->cached_at_s, entry->session_started_s);
  if (!expires || t >= *expires) {
    GST_DEBUG("result cache: %s expired", path.c_str());
    return std::nullopt;
  }
  if (entry->cached_at_s > t + kClockSkewS) {
    GST_WARNING("result cache: ignoring %s: stored in the future (%s); has the clock gone back?", path.c_str(),
                entry->cached_at.c_str());
    return std::nullopt;
  }
  GST_DEBUG("result cache: hit %s (cached at %s)", path.c_str(), entry->cached_at.c_str());
  return CachedResult{std::move(entry->result), entry->cached_at, entry->cached_at_s, *expires,
                      entry->session_started_s};
}

bool ResultCache::store(const CacheKey &key, const std::string &account_in, const Result &result,
                        std::optional<int64_t> session_started_s) {
  if (!enabled()) return false;
  bool local = key.provider == "local";
  std::string account = local ? "" : account_in;
  const char *refusal = nullptr;
  if (!key.usable())
    refusal = "nothing identifies the clip";
  else if (result.provider != key.provider)
    refusal = "the result's provider differs from the key's";
  else if (!local && result.session_id.empty())
    refusal = "the result has no session id";
  else if (!local && !is_hex(account, 32))
    refusal = "no account fingerprint";
  if (refusal) {
    GST_WARNING("result cache: not storing a %s result: %s", key.provider.c_str(), refusal);
    return false;
  }
  int64_t t = now();
  Entry e;
  e.key = key.text();
  e.account = account;
  e.cached_at_s = t;
  e.cached_at = iso8601_utc(t);
  e.session_started_s = std::min(session_started_s.value_or(t), t);
  e.result = result;
  std::string dir = folder(account);
  if (!ensure_dir(dir)) return false;
  std::string path = entry_path(key, account);
  std::string text = entry_text(e);
  GError *err = nullptr;
  // CONSISTENT: written to a temp file in the same folder, fsync'ed, then
  // renamed over the entry: readers and a power loss see the old entry or
  // the new one. The fsync (a few ms) is small beside the request it saves.
  if (!g_file_set_contents_full(path.c_str(), text.data(), (gssize)text.size(), G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                &err)) {
    GST_WARNING("result cache: cannot write %s: %s", path.c_str(), err->message);
    g_error_free(err);
    return false;
  }
  GST_DEBUG("result cache: stored %s", path.c_str());

  // Bounded upkeep: one pass per folder per kPruneIntervalS, shared by every
  // process through a stamp file holding the time of the last pass.
  std::string stamp_path = join(dir, kPruneStamp), stamp;
  int64_t last = 0;
  if (read_file(stamp_path, &stamp, nullptr)) last = g_ascii_strtoll(stamp.c_str(), nullptr, 10);
  if (last <= t && t < last + kPruneIntervalS) return true;
  std::string now_text = std::to_string(t);
  g_file_set_contents_full(stamp_path.c_str(), now_text.data(), (gssize)now_text.size(), G_FILE_SET_CONTENTS_CONSISTENT,
                           0600, nullptr);
  prune(account);
  FileHashIndex(join(dir_, kHashFolder)).prune(kHashRecordMaxAgeS);
  return true;
}

unsigned ResultCache::prune(const std::string &account_in, unsigned max_files) {
  std::string dir = folder(account_in);
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return 0;
  unsigned removed = 0, seen = 0;
  int64_t t = now();
  int64_t real_now = g_get_real_time() / G_USEC_PER_SEC;
  while (const char *name = g_dir_read_name(d)) {
    if (++seen > max_files) break;
    if (name[0] == '.') continue;
    std::string path = join(dir, name);
    struct stat st;
    if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    bool stale_file = st.st_mtime + kStaleFileS < real_now;
    bool remove = false;
    if (!g_str_has_suffix(name, ".json")) {
      remove = stale_file;  // a writer's temp file
    } else {
      std::string text, why;
      if (!read_file(path, &text, nullptr)) continue;
      auto entry = parse_entry(text, &why);
      if (!entry) {
        remove = stale_file;
      } else {
        auto expires = expiry(entry->result.provider, entry->cached_at_s, entry->session_started_s);
        remove = expires && t >= *expires;
      }
    }
    if (!remove) continue;
    // Unlink only the file that was judged: a writer may have renamed a
    // fresh entry over it meanwhile.
    struct stat again;
    if (lstat(path.c_str(), &again) == 0 && again.st_ino == st.st_ino && again.st_mtim.tv_sec == st.st_mtim.tv_sec &&
        again.st_mtim.tv_nsec == st.st_mtim.tv_nsec && g_unlink(path.c_str()) == 0)
      removed++;
  }
  g_dir_close(d);
  if (removed) GST_DEBUG("result cache: pruned %u files from %s", removed, dir.c_str());
  return removed;
}

unsigned ResultCache::clear() {
  unsigned removed = 0;
  GDir *d = g_dir_open(dir_.c_str(), 0, nullptr);
  if (!d) return 0;
  while (const char *name = g_dir_read_name(d)) {
    std::string sub = join(dir_, name);
    if (!g_file_test(sub.c_str(), G_FILE_TEST_IS_DIR) || g_file_test(sub.c_str(), G_FILE_TEST_IS_SYMLINK)) continue;
    GDir *s = g_dir_open(sub.c_str(), 0, nullptr);
    if (!s) continue;
    while (const char *file = g_dir_read_name(s))
      if (g_unlink(join(sub, file).c_str()) == 0) removed++;
    g_dir_close(s);
    g_rmdir(sub.c_str());
  }
  g_dir_close(d);
  return removed;
}

}  // namespace idf
