// SPDX-License-Identifier: LGPL-2.1-or-later
// What gst-inspect-1.0 shows about the plugin, compared with what the docs
// and meson.build say: the property table of docs/element-reference.md
// (names, types, access, defaults, ranges, values) and the plugin's
// metadata (version, release date, package, origin, licence).
// Usage: test_reference GST-INSPECT REFERENCE.md COPYING VERSION RELEASE-DATE PACKAGE ORIGIN LICENSE
#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/process_util.h"

static std::string g_inspect, g_reference, g_copying, g_version, g_release_date, g_package, g_origin, g_license;

struct Property {
  std::string type;         // string, uint, boolean, enum, GstStructure, ...
  std::string access;       // read/write, write-only, read-only
  std::string def;          // as the docs write it: NULL, kling, 30, true
  std::string range;        // "1 – 3600" normalised to "1-3600", or "kling, kirin, local"
  bool ready_only = false;  // inspect: changeable only in NULL or READY state
};

static std::string trim(const std::string &s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

static std::string strip_backticks(std::string s) {
  std::string out;
  for (char c : s)
    if (c != '`') out += c;
  return trim(out);
}

static std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  gchar **lines = g_strsplit(text.c_str(), "\n", -1);
  for (gchar **l = lines; *l; l++) out.push_back(*l);
  g_strfreev(lines);
  return out;
}

static bool match(const char *pattern, const std::string &s, std::vector<std::string> &groups) {
  GRegex *re = g_regex_new(pattern, (GRegexCompileFlags)0, (GRegexMatchFlags)0, nullptr);
  GMatchInfo *mi = nullptr;
  bool ok = g_regex_match(re, s.c_str(), (GRegexMatchFlags)0, &mi);
  groups.clear();
  if (ok)
    for (gint i = 0; i < g_match_info_get_match_count(mi); i++) {
      gchar *g = g_match_info_fetch(mi, i);
      groups.push_back(g ? g : "");
      g_free(g);
    }
  g_match_info_free(mi);
  g_regex_unref(re);
  return ok;
}

static std::string run_inspect() {
  ProcessSpec spec;
  spec.argv = {g_inspect, "identifyface"};
  spec.setenv = {{"GST_INSPECT_NO_COLORS", "1"}, {"PAGER", "cat"}};
  spec.unsetenv = {"GST_DEBUG"};
  ProcessResult r = run_process(spec);
  if (r.status != 0) g_error("gst-inspect-1.0 identifyface failed: %s", r.describe().c_str());
  return r.out;
}

// The "Element Properties:" section of gst-inspect-1.0's output.
static std::map<std::string, Property> inspect_properties(const std::string &out) {
  std::map<std::string, Property> props;
  std::string current;
  bool in_section = false, type_seen = false;
  std::vector<std::string> g;
  for (const auto &line : lines_of(out)) {
    if (line.rfind("Element Properties:", 0) == 0) {
      in_section = true;
      continue;
    }
    if (!in_section) continue;
    if (!line.empty() && line[0] != ' ') break;  // the next section
    if (match("^  ([a-z0-9-]+) *: ", line, g)) {
      current = g[1];
      props[current] = Property();
      type_seen = false;
      continue;
    }
    if (current.empty()) continue;
    Property &p = props[current];
    std::string t = trim(line);
    if (t.rfind("flags:", 0) == 0) {
      bool r = t.find("readable") != std::string::npos, w = t.find("writable") != std::string::npos;
      p.access = r && w ? "read/write" : w ? "write-only" : "read-only";
      p.ready_only = t.find("changeable only in NULL or READY state") != std::string::npos;
    } else if (!type_seen) {
      type_seen = true;
      if (match("^String\\. Default: (null|\"(.*)\")", t, g)) {
        p.type = "string";
        p.def = g[1] == "null" ? "NULL" : g[2];
      } else if (match("^Unsigned Integer\\. Range: ([0-9]+) - ([0-9]+) Default: ([0-9]+)", t, g)) {
        p.type = "uint";
        p.range = g[1] + "-" + g[2];
        p.def = g[3];
      } else if (match("^Boolean\\. Default: (true|false)", t, g)) {
        p.type = "boolean";
        p.def = g[1];
      } else if (match("^Enum \"[^\"]+\" Default: -?[0-9]+, \"([^\"]+)\"", t, g)) {
        p.type = "enum";
        p.def = g[1];
      } else if (match("^Boxed pointer of type \"([^\"]+)\"", t, g)) {
        p.type = g[1];
        p.def = "NULL";  // a boxed property has no default but NULL
      } else {
        p.type = "unparsed: " + t;
      }
    } else if (p.type == "enum" && match("^\\(-?[0-9]+\\): ([a-z0-9-]+) ", t, g)) {
      p.range += (p.range.empty() ? "" : ", ") + g[1];
    }
  }
  return props;
}

// The property table of the reference: the rows of "## Properties".
static std::map<std::string, Property> documented_properties(const std::string &md) {
  std::map<std::string, Property> props;
  bool in_section = false;
  std::vector<std::string> g;
  for (const auto &line : lines_of(md)) {
    if (line.rfind("## ", 0) == 0) {
      in_section = line == "## Properties";
      continue;
    }
    if (!in_section || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    gchar **parts = g_strsplit(line.c_str(), "|", -1);
    for (gchar **c = parts; *c; c++) cells.push_back(trim(*c));
    g_strfreev(parts);
    // "", property, type, access, default, range, meaning..., ""
    if (cells.size() < 7) g_error("a property row of %s has too few cells: %s", g_reference.c_str(), line.c_str());
    Property p;
    std::string name = strip_backticks(cells[1]);
    p.type = cells[2].substr(0, cells[2].find(' '));
    p.access = cells[3];
    p.def = strip_backticks(cells[4]);
    std::string range = cells[5];
    if (match("^([0-9]+) *[–-] *([0-9]+)$", range, g))
      p.range = g[1] + "-" + g[2];
    else
      p.range = strip_backticks(range);
    props[name] = p;
  }
  return props;
}

static void test_properties_match_the_reference() {
  std::map<std::string, Property> inspected = inspect_properties(run_inspect());
  gchar *md = nullptr;
  if (!g_file_get_contents(g_reference.c_str(), &md, nullptr, nullptr)) g_error("cannot read %s", g_reference.c_str());
  std::map<std::string, Property> documented = documented_properties(md);
  g_free(md);
  g_assert_cmpuint(inspected.size(), >, 0);
  g_assert_cmpuint(documented.size(), >, 0);

  // Properties of GstObject and GstBaseTransform are not ours to document.
  std::set<std::string> inherited;
  guint n = 0;
  GObjectClass *base = G_OBJECT_CLASS(g_type_class_ref(GST_TYPE_BASE_TRANSFORM));
  GParamSpec **specs = g_object_class_list_properties(base, &n);
  for (guint i = 0; i < n; i++) inherited.insert(specs[i]->name);
  g_free(specs);
  g_type_class_unref(base);

  std::vector<std::string> problems;
  for (const auto &kv : inspected) {
    const std::string &name = kv.first;
    if (inherited.count(name)) continue;
    auto it = documented.find(name);
    if (it == documented.end()) {
      problems.push_back("`" + name + "` is a property (gst-inspect-1.0) but not in the reference's table");
      continue;
    }
    const Property &i = kv.second, &d = it->second;
    auto compare = [&](const char *what, const std::string &inspect_value, const std::string &doc_value) {
      if (inspect_value != doc_value)
        problems.push_back("`" + name + "` " + what + ": gst-inspect-1.0 says \"" + inspect_value +
                           "\", the reference \"" + doc_value + "\"");
    };
    compare("type", i.type, d.type);
    compare("access", i.access, d.access);
    compare("default", i.def, d.def);
    compare("range / values", i.range, d.range);
    if (i.access != "read-only" && !i.ready_only)
      problems.push_back("`" + name + "` can be changed in PAUSED or PLAYING: the reference says NULL and READY only");
  }
  for (const auto &kv : documented)
    if (!inspected.count(kv.first))
      problems.push_back("`" + kv.first + "` is in the reference's table but is no property of the element");

  if (!problems.empty()) {
    std::string text;
    for (const auto &p : problems) text += "  " + p + "\n";
    g_error("%s disagrees with gst-inspect-1.0 identifyface:\n%s", g_reference.c_str(), text.c_str());
  }
}

// "  Version                  0.1.0" in "Plugin Details:".
static std::string plugin_detail(const std::string &out, const char *key) {
  std::vector<std::string> g;
  std::string pattern = std::string("^  ") + key + " +(.*)$";
  for (const auto &line : lines_of(out))
    if (match(pattern.c_str(), line, g)) return trim(g[1]);
  return "";
}

static void test_plugin_metadata() {
  std::string out = run_inspect();
  std::map<std::string, std::string> expected = {{"Version", g_version},       {"Source release date", g_release_date},
                                                 {"Source module", g_package}, {"Binary package", g_package},
                                                 {"Origin URL", g_origin},     {"License", "LGPL"}};
  for (const auto &kv : expected) {
    std::string shown = plugin_detail(out, kv.first.c_str());
    if (shown != kv.second)
      g_error("gst-inspect-1.0 shows %s \"%s\"; meson.build says \"%s\"", kv.first.c_str(), shown.c_str(),
              kv.second.c_str());
  }
  g_assert_true(g_origin.find("freedesktop.org") == std::string::npos);

  // One licence, said three ways: meson's SPDX name, COPYING, and
  // GStreamer's name for the LGPL 2.1 or later in the plugin.
  g_assert_cmpstr(g_license.c_str(), ==, "LGPL-2.1-or-later");
  gchar *copying = nullptr;
  g_assert_true(g_file_get_contents(g_copying.c_str(), &copying, nullptr, nullptr));
  std::string text = copying;
  g_free(copying);
  g_assert_true(text.find("SPDX-License-Identifier: LGPL-2.1-or-later") != std::string::npos);
  g_assert_true(text.find("/usr/share/common-licenses/LGPL-2.1") != std::string::npos);
}

// Every "  KEY   value" line of gst-inspect-1.0's output, in order.
static std::vector<std::string> inspect_values(const std::string &out, const char *key) {
  std::vector<std::string> values, g;
  std::string pattern = std::string("^  ") + key + " +(.*)$";
  for (const auto &line : lines_of(out))
    if (match(pattern.c_str(), line, g)) values.push_back(trim(g[1]));
  return values;
}

// gst-inspect-1.0 identifyface tells a newcomer what comes out of the
// element (the bus message, the tags), where the docs are and whom to tell.
static void test_element_metadata() {
  std::string out = run_inspect();
  std::string doc_uri = g_origin + "/blob/main/docs/element-reference.md";
  g_assert_true(g_str_has_suffix(g_reference.c_str(), "docs/element-reference.md"));
  std::vector<std::string> descriptions = inspect_values(out, "Description");
  g_assert_cmpuint(descriptions.size(), ==, 2);  // the element's, then the plugin's
  for (const char *needle : {"\"identify-face\"", "\"identify-face-error\"", "\"identify-face-progress\"",
                             "lipsync-session-id", "lipsync-face", "docs/element-reference.md", doc_uri.c_str()})
    if (descriptions[0].find(needle) == std::string::npos)
      g_error("the element's description lacks \"%s\": %s", needle, descriptions[0].c_str());
  if (descriptions[1].find(doc_uri) == std::string::npos)
    g_error("the plugin's description names no docs: %s", descriptions[1].c_str());
  // A contact: "Name <address>".
  std::string author = plugin_detail(out, "Author");
  std::vector<std::string> g;
  if (!match("^[^<]+ <(https?://[^ >]+|[^ @>]+@[^ >]+)>$", author, g) || g[1] != g_origin + "/issues")
    g_error("the author field gives no contact: \"%s\"", author.c_str());
  // The element's doc-uri metadata, for tools that link it.
  gchar *lower = g_ascii_strdown(out.c_str(), -1);
  std::string lower_doc_uri = std::string("doc-uri ");
  bool shown = std::string(lower).find(lower_doc_uri) != std::string::npos;  // "  Doc-uri   https://..."
  g_free(lower);
  if (!shown || out.find(doc_uri) == std::string::npos) g_error("gst-inspect-1.0 shows no doc-uri: %s", out.c_str());
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, nullptr);
  if (argc < 9)
    g_error("usage: test_reference GST-INSPECT REFERENCE.md COPYING VERSION RELEASE-DATE PACKAGE ORIGIN LICENSE");
  g_inspect = argv[1];
  g_reference = argv[2];
  g_copying = argv[3];
  g_version = argv[4];
  g_release_date = argv[5];
  g_package = argv[6];
  g_origin = argv[7];
  g_license = argv[8];
  g_test_add_func("/reference/properties", test_properties_match_the_reference);
  g_test_add_func("/reference/plugin-metadata", test_plugin_metadata);
  g_test_add_func("/reference/element-metadata", test_element_metadata);
  return g_test_run();
}
