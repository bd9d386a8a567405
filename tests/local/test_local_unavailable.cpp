// SPDX-License-Identifier: LGPL-2.1-or-later
// provider=local in a build without OpenCV: start() fails at once.
#include <glib.h>

#include <cstring>

#include "local/local_engine.h"

namespace {

void test_reports_failure_synchronously() {
  g_assert_false(idf::LocalEngine::available());
  int done_calls = 0;
  std::string message;
  idf::LocalEngineOptions options;
  options.uri = "file:///tmp/clip.mp4";
  auto engine = idf::LocalEngine::start(
      options, [](double) { g_assert_not_reached(); },
      [&](idf::Outcome outcome) {
        done_calls++;
        const auto *failure = std::get_if<idf::Failure>(&outcome);
        g_assert_nonnull(failure);
        g_assert_true(failure->kind == idf::Failure::Kind::Local);
        message = failure->message;
      });
  // Synchronously: done() already ran when start() returned.
  g_assert_cmpint(done_calls, ==, 1);
  g_assert_nonnull(strstr(message.c_str(), "built without the local engine"));
  g_assert_nonnull(strstr(message.c_str(), options.uri.c_str()));
  const auto reason = idf::LocalEngine::unavailable_reason();
  g_assert_true(reason.has_value());
  g_assert_nonnull(strstr(reason->c_str(), "built without the local engine"));
  engine->cancel();
  engine->cancel();
  g_assert_cmpint(done_calls, ==, 1);
}

}  // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_add_func("/local/unavailable/fails-synchronously", test_reports_failure_synchronously);
  return g_test_run();
}
