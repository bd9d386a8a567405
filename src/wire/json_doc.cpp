// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire/json_doc.h"

#include <glib.h>

#include <cmath>
#include <cstring>

#include "base/answer_limits.h"
#include "model/utf8_text.h"

namespace idf::json {

Limits answer_limits() {
  return Limits{kMaxAnswerBytes, kMaxAnswerDepth, kMaxAnswerValues, false};
}

namespace {

constexpr uint32_t kNone = UINT32_MAX;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string at_byte(std::string_view text, size_t i) {
  char buf[64];
  if (i >= text.size()) return "the end";
  unsigned char c = (unsigned char)text[i];
  if (c >= 0x21 && c < 0x7f)
    g_snprintf(buf, sizeof buf, "'%c' at byte %zu", c, i);
  else
    g_snprintf(buf, sizeof buf, "byte 0x%02x at byte %zu", c, i);
  return buf;
}

struct HexTable {
  int8_t value[256];
  constexpr HexTable() : value() {
    for (int i = 0; i < 256; i++) value[i] = -1;
    for (int i = 0; i < 10; i++) value['0' + i] = (int8_t)i;
    for (int i = 0; i < 6; i++) value['a' + i] = value['A' + i] = (int8_t)(10 + i);
  }
};
constexpr HexTable kHex;

int hex_value(char c) {
  return kHex.value[(unsigned char)c];
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? starting at i; the end,
// or npos when malformed.
size_t scan_number(std::string_view t, size_t i) {
  size_t n = t.size();
  if (i < n && t[i] == '-') i++;
  if (i < n && t[i] == '0')
    i++;
  else if (i < n && is_digit(t[i]))
    while (i < n && is_digit(t[i])) i++;
  else
    return std::string_view::npos;
  if (i < n && t[i] == '.') {
    i++;
    if (i >= n || !is_digit(t[i])) return std::string_view::npos;
    while (i < n && is_digit(t[i])) i++;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    i++;
    if (i < n && (t[i] == '+' || t[i] == '-')) i++;
    if (i >= n || !is_digit(t[i])) return std::string_view::npos;
    while (i < n && is_digit(t[i])) i++;
  }
  return i;
}

// Digits of an integer literal beyond int64's range?
bool integer_out_of_range(std::string_view literal) {
  bool negative = !literal.empty() && literal[0] == '-';
  std::string_view digits = literal.substr(negative ? 1 : 0);
  std::string_view limit = negative ? "9223372036854775808" : "9223372036854775807";
  if (digits.size() != limit.size()) return digits.size() > limit.size();
  return digits > limit;
}

// Bytes that end the fast scan of a string.
struct StringSpecial {
  bool table[256] = {};
  constexpr StringSpecial() : table() { table[(unsigned char)'"'] = table[(unsigned char)'\\'] = table[0] = true; }
  bool operator[](unsigned char c) const { return table[c]; }
};
constexpr StringSpecial kStringSpecial;

}  // namespace

// One pass, an explicit stack of open containers instead of recursion.
struct Parser {
  std::string_view t;
  Limits limits;
  std::vector<Doc::Node> *nodes;  // nullptr: check only
  Problem problem;
  size_t values = 0;

  struct Open {
    uint32_t node;  // kNone when not building
    uint32_t last;  // last child, kNone before the first
    bool object;
  };
  std::vector<Open> stack;

  bool fail(std::string what, bool over_limit = false) {
    problem.what = std::move(what);
    problem.over_limit = over_limit;
    return false;
  }

  // Adds a value (or an object key) as the next child of the open container.
  bool add(Type type, size_t begin, size_t len, bool escaped = false, bool ascii = true) {
    if (++values > limits.max_values)
      return fail("it holds more than the limit of " + std::to_string(limits.max_values) + " values", true);
    if (!nodes) return true;
    uint32_t index = (uint32_t)nodes->size();
    nodes->push_back(Doc::Node{type, escaped, ascii, (uint32_t)begin, (uint32_t)len, kNone, kNone, 0});
    if (!stack.empty()) {
      Open &o = stack.back();
      Doc::Node &parent = (*nodes)[o.node];
      if (o.last == kNone)
        parent.first = index;
      else
        (*nodes)[o.last].next = index;
      o.last = index;
      parent.count++;
    }
    return true;
  }

  // A string starting at the quote at i; moves i past the closing quote.
  // `escaped`: it has backslash escapes; `ascii`: only bytes below 0x80.
  bool string(size_t &i, bool *escaped, bool *ascii) {
    size_t start = i++;
    size_t n = t.size();
    *escaped = false;
    unsigned char high = 0;
    for (;;) {
      // Fast path over plain bytes.
      while (i < n && !kStringSpecial[(unsigned char)t[i]]) high |= (unsigned char)t[i++];
      *ascii = high < 0x80;
      if (i >= n) return fail("a string starting at byte " + std::to_string(start) + " never ends");
      char c = t[i];
      if (c == '"') {
        i++;
        return true;
      }
      if (c == '\0') return fail("a NUL " + at_byte(t, i));
      *escaped = true;
      if (i + 1 >= n) return fail("a string starting at byte " + std::to_string(start) + " never ends");
      char e = t[i + 1];
      if (e == 'u' && i + 5 < n &&
          (hex_value(t[i + 2]) | hex_value(t[i + 3]) | hex_value(t[i + 4]) | hex_value(t[i + 5])) >= 0) {
        i += 6;
      } else if (e && strchr("\"\\/bfnrt", e)) {
        i += 2;
      } else {
        return fail("an invalid escape sequence at byte " + std::to_string(i));
      }
    }
  }

  bool run() {
    if (t.size() > limits.max_bytes)
      return fail("it is " + std::to_string(t.size()) + " bytes, more than the limit of " +
                      std::to_string(limits.max_bytes) + " bytes",
                  true);
    size_t i = 0, n = t.size();
    if (n >= 3 && !memcmp(t.data(), "\xEF\xBB\xBF", 3)) i = 3;  // a byte order mark
    enum class Expect { Value, ValueOrClose, KeyOrClose, Key, Colon, CommaOrClose, End } expect = Expect::Value;
    for (;;) {
      while (i < n && is_space(t[i])) i++;
      if (i >= n) {
        if (expect == Expect::End) return true;
        return fail(values == 0 ? "it is empty" : "it ends early, at byte " + std::to_string(n));
      }
      char c = t[i];
      switch (expect) {
        case Expect::End: return fail("unexpected " + at_byte(t, i) + " after the end");
        case Expect::Colon:
          if (c != ':') return fail("expected ':' but found " + at_byte(t, i));
          i++;
          expect = Expect::Value;
          continue;
        case Expect::CommaOrClose: {
          Open &o = stack.back();
          if (c == ',') {
            i++;
            expect = o.object ? Expect::Key : Expect::Value;
            continue;
          }
          if (c != (o.object ? '}' : ']'))
            return fail("expected ',' or '" + std::string(1, o.object ? '}' : ']') + "' but found " + at_byte(t, i));
          i++;
          stack.pop_back();
          expect = stack.empty() ? Expect::End : Expect::CommaOrClose;
          continue;
        }
        case Expect::KeyOrClose:
        case Expect::Key: {
          if (c == '}' && expect == Expect::KeyOrClose) {
            i++;
            stack.pop_back();
            expect = stack.empty() ? Expect::End : Expect::CommaOrClose;
            continue;
          }
          if (c != '"') return fail("expected a member name but found " + at_byte(t, i));
          size_t start = i;
          bool escaped, ascii;
          if (!string(i, &escaped, &ascii)) return false;
          if (!add(Type::String, start + 1, i - start - 2, escaped, ascii)) return false;
          expect = Expect::Colon;
          continue;
        }
        case Expect::ValueOrClose:
          if (c == ']') {
            i++;
            stack.pop_back();
            expect = stack.empty() ? Expect::End : Expect::CommaOrClose;
            continue;
          }
          [[fallthrough]];
        case Expect::Value: break;
      }
      // A value.
      if (c == '[' || c == '{') {
        if (stack.size() >= limits.max_depth)
          return fail(
              "it nests arrays and objects deeper than the limit of " + std::to_string(limits.max_depth) + " levels",
              true);
        bool object = c == '{';
        if (!add(object ? Type::Object : Type::Array, i, 1, false)) return false;
        stack.push_back(Open{nodes ? (uint32_t)nodes->size() - 1 : kNone, kNone, object});
        i++;
        expect = object ? Expect::KeyOrClose : Expect::ValueOrClose;
        continue;
      }
      size_t start = i;
      if (c == '"') {
        bool escaped, ascii;
        if (!string(i, &escaped, &ascii)) return false;
        if (!add(Type::String, start + 1, i - start - 2, escaped, ascii)) return false;
      } else if (c == '-' || is_digit(c)) {
        size_t end = scan_number(t, i);
        if (end == std::string_view::npos || (end < n && (g_ascii_isalnum(t[end]) || t[end] == '.')))
          return fail("a malformed number at byte " + std::to_string(start));
        i = end;
        std::string_view literal = t.substr(start, i - start);
        if (limits.refuse_wide_integers && literal.find_first_of(".eE") == std::string_view::npos &&
            integer_out_of_range(literal))
          return fail("the integer " + std::string(literal.substr(0, 40)) +
                      (literal.size() > 40 ? "\xE2\x80\xA6" : "") + " at byte " + std::to_string(start) +
                      " does not fit in 64 bits");
        if (!add(Type::Number, start, i - start, false)) return false;
      } else if (t.substr(i, 4) == "true" || t.substr(i, 4) == "null" || t.substr(i, 5) == "false") {
        Type type = c == 't' ? Type::True : c == 'n' ? Type::Null : Type::False;
        i += c == 'f' ? 5 : 4;
        if (i < n && g_ascii_isalnum(t[i])) return fail("an unexpected word at byte " + std::to_string(start));
        if (!add(type, start, i - start, false)) return false;
      } else {
        return fail("unexpected " + at_byte(t, i));
      }
      expect = stack.empty() ? Expect::End : Expect::CommaOrClose;
    }
  }
};

Doc Doc::parse(std::string_view text, const Limits &limits, Problem *problem) {
  Doc doc;
  doc.text_ = text;
  // A first guess that avoids most regrowth: about one value per 8 bytes.
  doc.nodes_.reserve(std::min<size_t>(text.size() / 8 + 1, limits.max_values));
  Parser p{text, limits, &doc.nodes_, {}, 0, {}};
  if (!p.run()) {
    doc.nodes_.clear();
    doc.nodes_.shrink_to_fit();
    if (problem) *problem = p.problem;
  }
  return doc;
}

Problem Doc::check(std::string_view text, const Limits &limits) {
  Parser p{text, limits, nullptr, {}, 0, {}};
  p.run();
  return p.problem;
}

/* ---- Value ---- */

Type Value::type() const {
  return doc_->nodes_[index_].type;
}

Value Value::first() const {
  if (!doc_) return {};
  uint32_t f = doc_->nodes_[index_].first;
  return f == kNone ? Value() : Value(doc_, f);
}

Value Value::next() const {
  if (!doc_) return {};
  uint32_t nx = doc_->nodes_[index_].next;
  return nx == kNone ? Value() : Value(doc_, nx);
}

size_t Value::count() const {
  if (!doc_) return 0;
  const auto &node = doc_->nodes_[index_];
  return node.type == Type::Object ? node.count / 2 : node.type == Type::Array ? node.count : 0;
}

std::string_view Value::raw() const {
  if (!doc_) return {};
  const auto &node = doc_->nodes_[index_];
  return doc_->text_.substr(node.begin, node.len);
}

// Appends code point `c` (< 0x110000) as UTF-8.
static void append_utf8(std::string &out, uint32_t c) {
  if (c < 0x80) {
    out += (char)c;
  } else if (c < 0x800) {
    char b[2] = {(char)(0xC0 | c >> 6), (char)(0x80 | (c & 0x3F))};
    out.append(b, 2);
  } else if (c < 0x10000) {
    char b[3] = {(char)(0xE0 | c >> 12), (char)(0x80 | ((c >> 6) & 0x3F)), (char)(0x80 | (c & 0x3F))};
    out.append(b, 3);
  } else {
    char b[4] = {(char)(0xF0 | c >> 18), (char)(0x80 | ((c >> 12) & 0x3F)), (char)(0x80 | ((c >> 6) & 0x3F)),
                 (char)(0x80 | (c & 0x3F))};
    out.append(b, 4);
  }
}

static uint32_t hex4(const char *p) {
  return (uint32_t)(hex_value(p[0]) << 12 | hex_value(p[1]) << 8 | hex_value(p[2]) << 4 | hex_value(p[3]));
}

// The string's raw text (escapes checked by the parser) decoded, stopping
// once `max_bytes` bytes are out. `replaced` is set when an escape named no
// character (a lone surrogate, NUL) and became U+FFFD; with `keep`, such an
// escape is written as it is instead (not valid UTF-8).
static std::string decode(std::string_view raw, size_t max_bytes, bool *replaced = nullptr, bool keep = false) {
  std::string out;
  out.reserve(std::min(raw.size(), max_bytes) + 4);
  size_t i = 0, n = raw.size();
  while (i < n && out.size() < max_bytes) {
    const char *bs = (const char *)memchr(raw.data() + i, '\\', n - i);
    size_t plain = bs ? (size_t)(bs - raw.data()) : n;
    out.append(raw.data() + i, std::min(plain - i, max_bytes - out.size()));
    i = plain;
    if (i >= n || out.size() >= max_bytes) break;
    char e = raw[i + 1];
    i += 2;
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t c = hex4(raw.data() + i);
        i += 4;
        if (c >= 0xD800 && c <= 0xDBFF && i + 6 <= n && raw[i] == '\\' && raw[i + 1] == 'u') {
          uint32_t low = hex4(raw.data() + i + 2);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        // A lone surrogate is no character; NUL would cut C strings short.
        if (((c >= 0xD800 && c <= 0xDFFF) || c == 0) && !keep) {
          c = 0xFFFD;
          if (replaced) *replaced = true;
        }
        append_utf8(out, c);
        break;
      }
      default: out += e; break;  // " \ /
    }
  }
  return out;
}

std::optional<std::string> Value::text(size_t max_bytes) const {
  if (!doc_) return std::nullopt;
  const auto &node = doc_->nodes_[index_];
  if (node.type == Type::Number) return std::string(raw());
  if (node.type != Type::String) return std::nullopt;
  std::string s = node.escaped ? decode(raw(), max_bytes) : std::string(raw().substr(0, max_bytes));
  bool cut = s.size() >= max_bytes && (node.escaped || raw().size() > max_bytes);
  if (cut) {
    // Back to the start of the last character, which may be incomplete.
    size_t end = s.size();
    while (end > 0 && ((unsigned char)s[end - 1] & 0xC0) == 0x80) end--;
    if (end > 0) end--;
    s.resize(end);
  }
  // Plain ASCII needs no check; escapes decode to valid UTF-8 but may sit
  // next to raw bytes that are not.
  if (!(node.ascii && !cut) && !g_utf8_validate(s.data(), (gssize)s.size(), nullptr)) s = valid_utf8(s);
  if (cut) s += "\xE2\x80\xA6";  // …
  return s;
}

std::optional<std::string> Value::exact_text(bool *bad) const {
  if (bad) *bad = false;
  if (!doc_) return std::nullopt;
  const auto &node = doc_->nodes_[index_];
  if (node.type != Type::String) return text();
  bool replaced = false;
  std::string s = node.escaped ? decode(raw(), SIZE_MAX, &replaced) : std::string(raw());
  if (replaced || (!node.ascii && !g_utf8_validate(s.data(), (gssize)s.size(), nullptr))) {
    if (bad) *bad = true;
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Value::unrepaired_text() const {
  if (!doc_) return std::nullopt;
  const auto &node = doc_->nodes_[index_];
  if (node.type != Type::String) return text();
  return node.escaped ? decode(raw(), SIZE_MAX, nullptr, true) : std::string(raw());
}

std::optional<double> Value::number() const {
  if (!doc_) return std::nullopt;
  std::string s;
  if (is(Type::Number)) {
    s = std::string(raw());
  } else if (is(Type::String)) {
    s = *text();
    if (scan_number(s, 0) != s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  double v = g_ascii_strtod(s.c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

bool Value::is_integer_literal() const {
  if (!is(Type::Number)) return false;
  std::string_view r = raw();
  return r.find_first_of(".eE") == std::string_view::npos;
}

Value Value::get(std::string_view name) const {
  if (!is(Type::Object)) return {};
  Value found;
  for (Value key = first(); key; key = key.next().next()) {
    const auto &node = doc_->nodes_[key.index_];
    bool match = node.escaped ? *key.text() == name : key.raw() == name;
    if (match) found = key.next();
  }
  return found;
}

std::string Value::describe() const {
  if (!doc_) return "missing";
  switch (type()) {
    case Type::Null: return "null";
    case Type::True: return "true";
    case Type::False: return "false";
    case Type::Object: return "an object";
    case Type::Array: return "an array";
    case Type::String: return quoted_excerpt(*text());
    case Type::Number: {
      std::string_view r = raw();
      return r.size() <= 40 ? std::string(r) : std::string(r.substr(0, 40)) + "\xE2\x80\xA6";
    }
  }
  return "a value";
}

}  // namespace idf::json
