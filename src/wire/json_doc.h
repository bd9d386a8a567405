// SPDX-License-Identifier: LGPL-2.1-or-later
// A read-only JSON document for the services' answers, parsed without
// recursion in one linear pass: strict JSON only, within a size, a nesting
// depth and a number of values (answer_limits.h), so a hostile answer costs
// bounded memory and time (json-glib took ~300 ms and recursed once per
// level). Strings decode to valid UTF-8: invalid bytes, lone surrogate
// escapes and NUL become U+FFFD.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace idf::json {

struct Limits {
  size_t max_bytes;
  unsigned max_depth;
  size_t max_values;
  // Refuse integer literals beyond 64 bits (json-glib wraps them silently);
  // for text that json-glib will parse after the check.
  bool refuse_wide_integers = false;
};
// kMaxAnswerBytes, kMaxAnswerDepth, kMaxAnswerValues.
Limits answer_limits();

enum class Type : uint8_t { Null, False, True, Number, String, Array, Object };

class Doc;

// A value inside a Doc (valid while the Doc and its text live). A default or
// missing Value is false in a boolean context.
class Value {
 public:
  Value() = default;
  explicit operator bool() const { return doc_ != nullptr; }
  Type type() const;
  bool is(Type t) const { return doc_ && type() == t; }

  // Object member by name (the last one when repeated); missing otherwise.
  Value get(std::string_view name) const;
  // Children of an array (elements) or an object (key, value, key, value...).
  Value first() const;
  Value next() const;
  size_t count() const;  // elements, or members

  // String: decoded. Number: as sent ("12", "2100.0", "1e19"). Else nullopt.
  // With `max_bytes`, a longer string is cut there and ends with "…".
  std::optional<std::string> text(size_t max_bytes = SIZE_MAX) const;
  // For identifiers, which a repair would change into another name: like
  // text(), but nullopt (not U+FFFD) for a string holding bytes that are not
  // UTF-8, a lone surrogate escape or NUL. `bad` (when given) is set then.
  std::optional<std::string> exact_text(bool *bad = nullptr) const;
  // For a JSON document inside a string, parsed again: the string decoded
  // with no repair at all (invalid bytes stay; a lone surrogate escape
  // becomes its 3-byte form and NUL stays NUL, neither of which the second
  // parse takes as valid), so that its own ids can still be checked.
  std::optional<std::string> unrepaired_text() const;
  // A number's value, or a string holding a JSON number; nullopt when not
  // finite or not a number.
  std::optional<double> number() const;
  // The number as sent, when it is an integer literal (-?[0-9]+).
  bool is_integer_literal() const;
  std::string_view raw() const;  // the source text of a scalar (strings without quotes)

  // For messages: 12, 1e19, "abc…" (quoted, shortened), an object, an
  // array, null, true, or "missing".
  std::string describe() const;

 private:
  friend class Doc;
  Value(const Doc *doc, uint32_t index) : doc_(doc), index_(index) {}
  const Doc *doc_ = nullptr;
  uint32_t index_ = 0;
};

struct Problem {
  bool over_limit = false;  // size, depth or value count (else: not JSON)
  std::string what;         // human: names the limit, or where the text stops being JSON
};

class Doc {
 public:
  // Parses `text`, which must outlive the Doc. On failure root() is false
  // and `problem` says why.
  static Doc parse(std::string_view text, const Limits &limits, Problem *problem);
  // Only checks what parse() checks, without building anything: json-glib
  // may parse what passes (strict JSON, so no comment or single quote can
  // hide nesting from this count).
  static Problem check(std::string_view text, const Limits &limits);

  Value root() const { return nodes_.empty() ? Value() : Value(this, 0); }

 private:
  friend class Value;
  friend struct Parser;
  struct Node {
    Type type;
    bool escaped;         // a string with backslash escapes
    bool ascii;           // a string whose raw text is all below 0x80
    uint32_t begin, len;  // source text of a scalar
    uint32_t first, next, count;
  };
  std::string_view text_;
  std::vector<Node> nodes_;
};

}  // namespace idf::json
