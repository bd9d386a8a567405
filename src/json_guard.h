// A linear pass over an answer before json-glib sees it. json-glib's parser
// recurses once per nesting level (100,000 levels overflow the stack) and is
// lenient where it should not be (comments, single quotes, "\u12" eating
// the closing quote, integers wrapping past 64 bits), so the text is first
// checked to be strict JSON lexically, within a size and a depth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace idf::json {

struct GuardProblem {
  bool over_limit = false;  // size or depth, rather than not JSON at all
  std::string what;         // human: "it nests deeper than 64 levels (...)"
};

// Empty `what` when `text` may be handed to json-glib: at most `max_bytes`,
// at most `max_depth` levels of arrays/objects, only JSON tokens outside
// strings, only JSON escapes inside them, integers within 64 bits, no NUL.
// A leading UTF-8 byte order mark is allowed.
GuardProblem guard(std::string_view text, size_t max_bytes, unsigned max_depth);

}  // namespace idf::json
