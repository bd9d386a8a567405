// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs programs for the tests of the command, the examples and the recipes:
// their output collected, their environment adjusted, every wait bounded.
#pragma once

#include <glib.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

struct ProcessSpec {
  std::vector<std::string> argv;
  std::map<std::string, std::string> setenv;
  std::vector<std::string> unsetenv;
  std::string cwd;                 // "" = the test's
  bool stderr_on_pty = false;      // stderr is a terminal (isatty), read into `err`
  bool own_process_group = false;  // killed as a group when done (reaps leftovers)
};

struct ProcessResult {
  int status = -1;         // exit status; 128 + N when killed by signal N
  bool timed_out = false;  // killed after the timeout
  std::string out, err;
  std::string describe() const;  // status, stdout and stderr, for test failures
};

class Process {
 public:
  explicit Process(const ProcessSpec &spec);  // g_error()s when it cannot start
  ~Process();
  GPid pid() const;
  void send_signal(int signum);
  // Collects the output until the process exits; kills it after timeout_ms.
  ProcessResult wait(unsigned timeout_ms);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Starts, waits (at most timeout_ms), returns what it did.
ProcessResult run_process(const ProcessSpec &spec, unsigned timeout_ms = 30000);
