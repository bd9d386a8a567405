// SPDX-License-Identifier: LGPL-2.1-or-later
// Every Markdown table of the docs parses as a table: a header row, a
// delimiter row, and rows with the header's number of cells; and no key (a
// first cell naming something in code, `faces`) appears twice in one table
// (a sweep's first column of numbers repeats by design). A table that does not parse is
// shown as text by every Markdown reader, or loses rows.
// Usage: test_doc_tables FILE.md...
#include <glib.h>

#include <set>
#include <string>
#include <vector>

static std::vector<std::string> g_documents;

// The cells of a table row: split on "|" outside code spans, not escaped.
static std::vector<std::string> cells_of(const std::string &line) {
  std::vector<std::string> cells;
  std::string cell;
  bool code = false;
  for (size_t i = 0; i < line.size(); i++) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      cell += line.substr(i, 2);
      i++;
      continue;
    }
    if (c == '`') code = !code;
    if (c == '|' && !code) {
      cells.push_back(cell);
      cell.clear();
      continue;
    }
    cell += c;
  }
  cells.push_back(cell);
  for (auto &c : cells) {
    gchar *t = g_strdup(c.c_str());
    c = g_strstrip(t);
    g_free(t);
  }
  // "| a | b |": the text before the first and after the last bar is no cell.
  if (!cells.empty() && cells.front().empty()) cells.erase(cells.begin());
  if (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

static bool is_delimiter(const std::vector<std::string> &cells) {
  if (cells.empty()) return false;
  GRegex *re = g_regex_new("^:?-{3,}:?$", (GRegexCompileFlags)0, (GRegexMatchFlags)0, nullptr);
  bool all = true;
  for (const auto &c : cells) all = all && g_regex_match(re, c.c_str(), (GRegexMatchFlags)0, nullptr);
  g_regex_unref(re);
  return all;
}

// Problems of the tables in `markdown`, one line each ("" when none).
static std::string table_problems(const std::string &markdown) {
  std::string problems;
  gchar **lines = g_strsplit(markdown.c_str(), "\n", -1);
  bool fenced = false;
  for (int i = 0; lines[i];) {
    std::string line = lines[i];
    if (line.rfind("```", 0) == 0) fenced = !fenced;
    if (fenced || line.rfind("|", 0) != 0) {
      i++;
      continue;
    }
    // A table: consecutive lines starting with "|".
    int first = i;
    std::vector<std::vector<std::string>> rows;
    while (lines[i] && std::string(lines[i]).rfind("|", 0) == 0) rows.push_back(cells_of(lines[i++]));
    std::string where = "line " + std::to_string(first + 1);
    if (rows.size() < 2 || !is_delimiter(rows[1])) {
      problems += where + ": a table row without a header and a delimiter row (\"| --- |\") above it\n";
      continue;
    }
    size_t columns = rows[0].size();
    std::set<std::string> keys;
    for (size_t r = 0; r < rows.size(); r++) {
      std::string row_where = "line " + std::to_string(first + 1 + (int)r);
      if (rows[r].size() != columns)
        problems += row_where + ": " + std::to_string(rows[r].size()) + " cells, the header has " +
                    std::to_string(columns) + "\n";
      if (r < 2 || rows[r].empty() || rows[r][0].rfind("`", 0) != 0) continue;
      if (!keys.insert(rows[r][0]).second) problems += row_where + ": " + rows[r][0] + " is in this table twice\n";
    }
  }
  g_strfreev(lines);
  return problems;
}

// The checker itself: each kind of breakage is found, a good table passes.
static void test_checker() {
  const char *good = "| a | b |\n| --- | --- |\n| `x|y` | 1 |\n| `z` | 2 |\n| 0.3 | 3 |\n| 0.3 | 4 |\n";
  g_assert_cmpstr(table_problems(good).c_str(), ==, "");
  // A row set apart by a blank line (a duplicated row pasted below).
  std::string orphan = std::string(good) + "\n| `z` | 2 |\n";
  g_assert_true(table_problems(orphan).find("without a header") != std::string::npos);
  std::string twice = std::string(good) + "| `z` | 3 |\n";
  g_assert_true(table_problems(twice).find("`z` is in this table twice") != std::string::npos);
  std::string short_row = std::string(good) + "| w |\n";
  g_assert_true(table_problems(short_row).find("1 cells, the header has 2") != std::string::npos);
  // Tables inside code blocks are examples, not tables.
  g_assert_cmpstr(table_problems("```text\n| not | a table\n```\n").c_str(), ==, "");
}

static void test_document(gconstpointer data) {
  const char *document = static_cast<const char *>(data);
  gchar *markdown = nullptr;
  if (!g_file_get_contents(document, &markdown, nullptr, nullptr)) g_error("cannot read %s", document);
  std::string problems = table_problems(markdown);
  g_free(markdown);
  if (!problems.empty()) g_error("%s: tables that do not parse:\n%s", document, problems.c_str());
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  if (argc < 2) g_error("usage: test_doc_tables FILE.md...");
  g_test_add_func("/doc-tables/checker", test_checker);
  for (int i = 1; i < argc; i++) {
    g_documents.push_back(argv[i]);
    gchar *base = g_path_get_basename(argv[i]);
    std::string name = std::string("/doc-tables/") + base;
    g_free(base);
    g_test_add_data_func(name.c_str(), argv[i], test_document);
  }
  return g_test_run();
}
