#include "json_guard.h"

#include <glib.h>

#include <cstring>

namespace idf::json {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string byte_at(std::string_view text, size_t i) {
  char buf[64];
  unsigned char c = (unsigned char)text[i];
  if (c >= 0x21 && c < 0x7f)
    g_snprintf(buf, sizeof buf, "'%c' at byte %zu", c, i);
  else
    g_snprintf(buf, sizeof buf, "byte 0x%02x at byte %zu", c, i);
  return buf;
}

// Digits of an integer literal beyond int64's range? (json-glib wraps them.)
bool integer_out_of_range(std::string_view digits, bool negative) {
  static const char kMax[] = "9223372036854775807";
  static const char kMin[] = "9223372036854775808";
  const char *limit = negative ? kMin : kMax;
  size_t n = strlen(limit);
  if (digits.size() != n) return digits.size() > n;
  return digits.compare(0, n, limit) > 0;
}

}  // namespace

GuardProblem guard(std::string_view text, size_t max_bytes, unsigned max_depth) {
  GuardProblem p;
  if (text.size() > max_bytes) {
    p.over_limit = true;
    p.what = "it is " + std::to_string(text.size()) + " bytes, more than the limit of " + std::to_string(max_bytes) +
             " bytes";
    return p;
  }
  size_t i = 0, n = text.size();
  if (n >= 3 && !memcmp(text.data(), "\xEF\xBB\xBF", 3)) i = 3;
  unsigned depth = 0;
  while (i < n) {
    char c = text[i];
    if (is_space(c)) {
      i++;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        p.over_limit = true;
        p.what = "it nests arrays and objects deeper than the limit of " + std::to_string(max_depth) + " levels";
        return p;
      }
      i++;
    } else if (c == ']' || c == '}') {
      if (depth == 0) {
        p.what = "unbalanced " + byte_at(text, i);
        return p;
      }
      depth--;
      i++;
    } else if (c == ':' || c == ',') {
      i++;
    } else if (c == '"') {
      size_t start = i++;
      for (;;) {
        if (i >= n) {
          p.what = "unterminated string starting at byte " + std::to_string(start);
          return p;
        }
        char s = text[i];
        if (s == '"') {
          i++;
          break;
        }
        if (s == '\0') {
          p.what = "a NUL " + byte_at(text, i);
          return p;
        }
        if (s != '\\') {
          i++;
          continue;
        }
        if (i + 1 >= n) {
          p.what = "unterminated string starting at byte " + std::to_string(start);
          return p;
        }
        char e = text[i + 1];
        if (strchr("\"\\/bfnrt", e) && e) {
          i += 2;
        } else if (e == 'u' && i + 5 < n && g_ascii_isxdigit(text[i + 2]) && g_ascii_isxdigit(text[i + 3]) &&
                   g_ascii_isxdigit(text[i + 4]) && g_ascii_isxdigit(text[i + 5])) {
          i += 6;
        } else {
          p.what = "an invalid escape sequence at byte " + std::to_string(i);
          return p;
        }
      }
    } else if (c == '-' || is_digit(c)) {
      // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
      size_t start = i;
      bool negative = c == '-';
      if (negative) i++;
      size_t int_start = i;
      if (i < n && text[i] == '0')
        i++;
      else if (i < n && is_digit(text[i]) && text[i] != '0')
        while (i < n && is_digit(text[i])) i++;
      else {
        p.what = "a malformed number at byte " + std::to_string(start);
        return p;
      }
      size_t int_end = i;
      bool integer = true;
      if (i < n && text[i] == '.') {
        integer = false;
        i++;
        if (i >= n || !is_digit(text[i])) {
          p.what = "a malformed number at byte " + std::to_string(start);
          return p;
        }
        while (i < n && is_digit(text[i])) i++;
      }
      if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        integer = false;
        i++;
        if (i < n && (text[i] == '+' || text[i] == '-')) i++;
        if (i >= n || !is_digit(text[i])) {
          p.what = "a malformed number at byte " + std::to_string(start);
          return p;
        }
        while (i < n && is_digit(text[i])) i++;
      }
      if (i < n && (g_ascii_isalnum(text[i]) || text[i] == '.' || text[i] == '_')) {
        p.what = "a malformed number at byte " + std::to_string(start);
        return p;
      }
      if (integer && integer_out_of_range(text.substr(int_start, int_end - int_start), negative)) {
        p.what = "the integer " + std::string(text.substr(start, std::min<size_t>(int_end - start, 40))) +
                 (int_end - start > 40 ? "…" : "") + " at byte " + std::to_string(start) + " does not fit in 64 bits";
        return p;
      }
    } else if (g_ascii_isalpha(c)) {
      size_t start = i;
      while (i < n && (g_ascii_isalnum(text[i]) || text[i] == '_')) i++;
      std::string_view word = text.substr(start, i - start);
      if (word != "true" && word != "false" && word != "null") {
        p.what = "an unexpected word at byte " + std::to_string(start);
        return p;
      }
    } else {
      p.what = "an unexpected " + byte_at(text, i);
      return p;
    }
  }
  return p;
}

}  // namespace idf::json
