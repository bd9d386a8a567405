// SPDX-License-Identifier: LGPL-2.1-or-later
#include "progress_line.h"

#include <gst/identifyface/identifyface.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "result_output.h"

ProgressLine::ProgressLine(FILE *out, bool tty, bool quiet) : out_(out), tty_(tty), quiet_(quiet) {}

static bool is_terminal_phase(const std::string &phase) {
  return phase == IDENTIFYFACE_PHASE_COMPLETE || phase == IDENTIFYFACE_PHASE_ERROR ||
         phase == IDENTIFYFACE_PHASE_CANCELLED;
}

bool ProgressLine::handle_message(GstMessage *message) {
  const GstStructure *s = gst_message_get_structure(message);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT && s &&
      gst_structure_has_name(s, IDENTIFYFACE_MESSAGE_PROGRESS)) {
    IdentifyFaceProgress p;
    identifyface_progress_from_structure(s, &p);
    ProgressState state;
    state.phase = p.phase;
    state.text = command_spelling(p.text);  // the command names its options, not properties
    state.status = p.status ? p.status : "";
    state.elapsed = p.elapsed;
    state.fraction = p.fraction;
    state.queue_position = p.queue_position;
    update(state);
    return true;
  }
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_PROGRESS) return false;

  // GStreamer PROGRESS messages (older elements): a type and a text, no
  // elapsed time; the seconds are counted from the first one.
  GstProgressType type;
  gchar *code = nullptr, *text = nullptr;
  gst_message_parse_progress(message, &type, &code, &text);
  gint64 now = g_get_monotonic_time();
  if (!first_us_) first_us_ = now;
  ProgressState state;
  state.text = text ? text : "";
  // Their texts end in the seconds elapsed, which the line shows already.
  GRegex *seconds = g_regex_new(" *\\([0-9.]+ s\\)$", (GRegexCompileFlags)0, (GRegexMatchFlags)0, nullptr);
  gchar *trimmed = g_regex_replace_literal(seconds, state.text.c_str(), -1, 0, "", (GRegexMatchFlags)0, nullptr);
  state.text = trimmed;
  g_free(trimmed);
  g_regex_unref(seconds);
  state.elapsed = (now - first_us_) / 1e6;
  switch (type) {
    case GST_PROGRESS_TYPE_START:
      state.phase = state.text.find("locally") != std::string::npos ? IDENTIFYFACE_PHASE_ANALYSING
                                                                    : IDENTIFYFACE_PHASE_SUBMITTING;
      break;
    case GST_PROGRESS_TYPE_CONTINUE:
      state.phase = have_state_ && state_.phase == IDENTIFYFACE_PHASE_ANALYSING ? IDENTIFYFACE_PHASE_ANALYSING
                                                                                : IDENTIFYFACE_PHASE_POLLING;
      break;
    case GST_PROGRESS_TYPE_COMPLETE: state.phase = IDENTIFYFACE_PHASE_COMPLETE; break;
    case GST_PROGRESS_TYPE_ERROR: state.phase = IDENTIFYFACE_PHASE_ERROR; break;
    case GST_PROGRESS_TYPE_CANCELED: state.phase = IDENTIFYFACE_PHASE_CANCELLED; break;
  }
  g_free(code);
  g_free(text);
  update(state);
  return true;
}

std::string ProgressLine::render(const ProgressState &s) {
  gchar *head = g_strdup_printf("[%5.1f s] %s", s.elapsed, s.phase.c_str());
  std::string line = head;
  g_free(head);
  std::string details;
  if (s.fraction >= 0) {
    gchar *pct = g_strdup_printf("%.0f%% analysed", s.fraction * 100.0);
    details += pct;
    g_free(pct);
  }
  if (!s.status.empty()) details += (details.empty() ? "" : ", ") + std::string("service status ") + s.status;
  if (s.queue_position >= 0)
    details += (details.empty() ? "" : ", ") + std::string("queue position ") + std::to_string(s.queue_position);
  if (details.empty()) details = s.text;
  if (!details.empty()) line += ": " + details;
  return line;
}

void ProgressLine::update(const ProgressState &state) {
  state_ = state;
  have_state_ = true;
  state_at_us_ = g_get_monotonic_time();
  terminal_ = is_terminal_phase(state.phase);
  std::string line = render(state_);
  if (!tty_) {
    // Plain lines for a log: each new phase or status, and at most one line
    // a second while they stay the same.
    bool same = state.phase == last_phase_ && state.status == last_status_;
    if (line == last_printed_ || (same && !terminal_ && state_at_us_ - printed_at_us_ < G_USEC_PER_SEC)) return;
    last_phase_ = state.phase;
    last_status_ = state.status;
    printed_at_us_ = state_at_us_;
  }
  draw(line);
}

void ProgressLine::tick() {
  if (!tty_ || !have_state_ || terminal_) return;
  ProgressState s = state_;
  s.elapsed += (g_get_monotonic_time() - state_at_us_) / 1e6;
  draw(render(s));
}

static size_t terminal_width(FILE *out) {
  struct winsize ws;
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) return ws.ws_col;
  return 80;
}

void ProgressLine::draw(const std::string &line) {
  if (quiet_) return;
  last_printed_ = line;
  if (!tty_) {
    fprintf(out_, "%s\n", line.c_str());
    fflush(out_);
    return;
  }
  // One screen line: a wrapped line could not be redrawn with \r.
  std::string shown = line;
  size_t width = terminal_width(out_) - 1;
  if (g_utf8_strlen(shown.c_str(), -1) > (glong)width) {
    const gchar *cut = g_utf8_offset_to_pointer(shown.c_str(), width - 1);
    shown = std::string(shown.c_str(), cut - shown.c_str()) + "…";
  }
  fprintf(out_, "\r\033[K%s", shown.c_str());
  fflush(out_);
  drawn_ = true;
}

void ProgressLine::finish() {
  if (quiet_ || !tty_ || !drawn_) return;
  fputc('\n', out_);
  fflush(out_);
  drawn_ = false;
}

void ProgressLine::clear() {
  if (quiet_ || !tty_ || !drawn_) return;
  fputs("\r\033[K", out_);
  fflush(out_);
  drawn_ = false;
}
