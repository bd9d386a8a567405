// SPDX-License-Identifier: LGPL-2.1-or-later
// Names an account without naming its credential: a salted HMAC-SHA256 of
// the credential. Used to keep cache entries, scheduler queues and shared
// requests apart per account; the credential itself is never stored.
#pragma once

#include <string>

namespace idf {

// HMAC-SHA256 keyed by `salt` over `credential`, as 32 lower-case hex digits
// (128 bits). The same salt and credential always give the same text.
std::string account_fingerprint(const std::string &salt, const std::string &credential);

// The same with a salt drawn at random once per process and kept only in
// memory: for keys that never leave the process (scheduler queues, shared
// requests). "" for an empty credential (provider=local has no account).
std::string process_account_fingerprint(const std::string &credential);

// `n` random bytes from the kernel as 2n hex digits; "" when the kernel gave
// none (getrandom failed).
std::string random_hex(size_t n);

}  // namespace idf
