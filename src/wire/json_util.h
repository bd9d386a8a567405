// SPDX-License-Identifier: LGPL-2.1-or-later
// JSON building with json-glib (requests, cache entries, JWT claims). Every
// JSON text read goes through json_doc.h instead: one bounded reader.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

namespace idf::json {

// The document `builder` built, as compact text; releases the builder.
std::string finish(JsonBuilder *builder);

}  // namespace idf::json
