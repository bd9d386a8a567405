// SPDX-License-Identifier: LGPL-2.1-or-later
// How long the worker thread is busy with one answer at the answer limits:
// the dialect parsers on the largest answers they accept or refuse, and
// json-glib on the same text for comparison (what Job's service_code_of
// costs while it still uses json::parse).
//
//   bench-answers [--runs N]
//
// Prints, per shape, the median and the worst of N runs in milliseconds.
// Peak memory: /usr/bin/time -v bench-answers --runs 1.
#include <glib.h>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "base/answer_limits.h"
#include "support/answer_fuzz.h"
#include "wire/json_util.h"
#include "wire/kirin_dialect.h"
#include "wire/kling_dialect.h"

using namespace idf;

namespace {

using answer_fuzz::json_string;

// A success with as many faces as fit in `bytes` and the value limit.
std::string faces_answer(size_t bytes, size_t max_faces,
                         const std::string &image = "https://img.example/sessions/0123456789abcdef/face.png") {
  std::string one = "{\"face_id\":\"f-000\",\"face_image\":\"" + image + "\",\"start_time\":1200,\"end_time\":58000}";
  std::string faces;
  size_t n = 0;
  while (faces.size() + one.size() + 120 < bytes && n < max_faces) {
    faces += (n++ ? "," : "") + one;
  }
  return "{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":\"r\",\"data\":{\"session_id\":\"s\","
         "\"final_unit_deduction\":\"1\",\"face_data\":[" +
         faces + "]}}";
}

std::string kirin_completed(const std::string &inner) {
  return "{\"id\":\"t-1\",\"status\":\"completed\",\"output\":[{\"content\":[{\"type\":\"text\",\"text\":" +
         json_string(inner) + "}]}],\"usage\":{\"cost\":\"0.05\",\"discount\":0}}";
}

std::string escapes(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; i++) s += "\\u00e9";
  return s;
}

struct Shape {
  const char *name;
  std::string body;
  std::function<void(const std::string &)> run;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char **argv) {
  int runs = 9;
  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal(argv[i], "--runs")) runs = std::max(1, atoi(argv[i + 1]));

  auto kling = [](const std::string &b) { parse_kling_response(b, 200); };
  auto kirin = [](const std::string &b) { parse_kirin_task(b, 200, "t-1"); };
  auto code = [](const std::string &b) { kling_service_code(b); };
  auto glib = [](const std::string &b) {
    JsonNode *n = json::parse(b, nullptr);
    if (n) json_node_unref(n);
  };
  // Faces are 9 values each: the most the value limit lets through.
  size_t max_faces = kMaxAnswerValues / 9 - 10;
  std::string faces = faces_answer(kMaxAnswerBytes, max_faces);
  std::string message = "{\"code\":1201,\"message\":\"" + std::string(kMaxAnswerBytes - 40, 'm') + "\"}";
  std::string numbers = "[";
  for (size_t i = 0; i + 1 < kMaxAnswerValues; i++) numbers += "1234567,";
  numbers += "1]";
  std::string escaped = "{\"code\":1201,\"message\":\"" + [] {
    std::string s;
    while (s.size() + 6 < kMaxAnswerBytes - 40) s += "\\u00e9";
    return s;
  }() + "\"}";
  std::string over_values = "[" + std::string(kMaxAnswerBytes - 2, '0');
  for (size_t i = 2; i + 1 < over_values.size(); i += 2) over_values[i] = ',';
  over_values.back() = ']';
  std::string inner = faces_answer(kMaxAnswerBytes * 3 / 4, max_faces - 10);

  std::vector<Shape> shapes = {
      {"kling: most faces accepted", faces, kling},
      {"kling: 4 MiB message", message, kling},
      {"kling: 4 MiB of \\u escapes", escaped, kling},
      {"kling: most faces, images all \\u escapes", faces_answer(kMaxAnswerBytes, max_faces, escapes(14)), kling},
      {"kling: one 4 MiB face image of \\u escapes", faces_answer(kMaxAnswerBytes, 1, escapes(699000)), kling},
      {"kling: numbers up to the value limit", numbers, kling},
      {"kling: over the value limit (refused)", over_values, kling},
      {"kirin: completed, most faces inside", kirin_completed(inner), kirin},
      {"kling_service_code: most faces", faces, code},
      {"json-glib (json::parse): most faces", faces, glib},
      {"json-glib (json::parse): numbers", numbers, glib},
      {"json-glib (json::parse): 4 MiB message", message, glib},
  };
  printf("%-42s %10s %9s %9s\n", "answer", "bytes", "median", "worst");
  for (auto &s : shapes) {
    std::vector<double> times;
    for (int r = 0; r < runs; r++) {
      auto t0 = std::chrono::steady_clock::now();
      s.run(s.body);
      times.push_back(ms_since(t0));
    }
    std::sort(times.begin(), times.end());
    printf("%-42s %10zu %7.1f ms %6.1f ms\n", s.name, s.body.size(), times[times.size() / 2], times.back());
  }
  return 0;
}
