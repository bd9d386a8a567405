// SPDX-License-Identifier: LGPL-2.1-or-later
// Bounds on what the services may send back. Each is far above any real
// answer (a 1,000-face Kling answer is about 200 KB and 5 levels deep) and
// low enough that a hostile or broken service cannot exhaust the process's
// memory or the worker thread's stack. docs/limits-of-answers.md explains them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace idf {

// Bytes of one HTTP answer after decoding (gzip included). Reading stops there.
constexpr size_t kMaxAnswerBytes = 4u * 1024 * 1024;
// Nesting of arrays and objects in a JSON answer, or in Kirin's inner text.
// json-glib's parser recurses once per level: deeper text is refused unread.
constexpr unsigned kMaxAnswerDepth = 64;
// Values (numbers, strings, arrays, objects, member names) in one answer:
// bounds the parser's memory and time whatever their size (a face is 9).
constexpr size_t kMaxAnswerValues = 250000;
// A face's start_time/end_time in milliseconds: at most what fits a signed
// 64-bit count of nanoseconds (about 292 years); the job clamps to the clip.
constexpr int64_t kMaxAnswerTimeMs = INT64_MAX / 1000000;
// The service's own error text (message, error_message) quoted in a
// failure: cut there, with "…".
constexpr size_t kMaxServiceTextBytes = 1024;
// A Kirin task id; it becomes a path segment of the poll URL.
constexpr size_t kMaxTaskIdBytes = 256;
// Redirects a poll or probe may follow (same origin when credentials ride along).
constexpr unsigned kMaxRedirects = 4;

}  // namespace idf
