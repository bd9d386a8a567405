// SPDX-License-Identifier: LGPL-2.1-or-later
// The progress line on standard error: redrawn in place on a terminal,
// plain lines otherwise, nothing when quiet. Understands both the element's
// identify-face-progress messages and GStreamer PROGRESS messages.
#pragma once

#include <gst/gst.h>

#include <cstdio>
#include <string>

struct ProgressState {
  std::string phase;   // IDENTIFYFACE_PHASE_*
  std::string text;    // the element's words
  std::string status;  // the service's task status, "" when none
  double elapsed = 0;  // seconds since the identification started
  double fraction = -1;
  int queue_position = -1;
};

class ProgressLine {
 public:
  // `tty`: redraw in place (the caller checked isatty()).
  ProgressLine(FILE *out, bool tty, bool quiet);

  // A bus message; returns true when it was a progress message.
  bool handle_message(GstMessage *message);
  void update(const ProgressState &state);
  // Terminal only: redraws with the seconds advanced since the last update.
  void tick();
  // Terminal: wipes the line so that other text can be printed; the next
  // update or tick draws it again.
  void clear();
  // Ends the line on a terminal (the next output starts on a fresh line).
  void finish();

  // What one state looks like: "[  4.2 s] polling: service status processing".
  static std::string render(const ProgressState &state);

 private:
  void draw(const std::string &line);

  FILE *out_;
  bool tty_, quiet_;
  bool drawn_ = false;     // a line is on screen, not ended
  bool terminal_ = false;  // the last phase ended the identification
  bool have_state_ = false;
  ProgressState state_;
  gint64 state_at_us_ = 0;  // when state_ arrived
  gint64 first_us_ = 0;     // first PROGRESS message (they carry no elapsed)
  std::string last_printed_;
  std::string last_phase_, last_status_;  // of the last plain line
  gint64 printed_at_us_ = 0;
};
