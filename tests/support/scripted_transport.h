// SPDX-License-Identifier: LGPL-2.1-or-later
// A Transport with no socket: records every request and answers from a
// script, through the ManualLoop, after the scripted delay. Unscripted
// requests hang until cancelled, as a silent server would.
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "base/transport.h"
#include "support/manual_loop.h"

struct ScriptedReply {
  idf::HttpResponse response;
  unsigned delay_ms = 0;
  bool hang = false;

  static ScriptedReply http(unsigned status, std::string body, unsigned delay_ms = 0, std::string retry_after = "");
  // The connection failed; `sent` says whether the body was written first.
  static ScriptedReply transport_error(bool sent, std::string text = "Connection reset by peer");
  static ScriptedReply timeout(bool sent);
  static ScriptedReply never();
};

struct SentRequest {
  idf::HttpRequest request;
  double at_s = 0;  // the loop's time when it was sent
  bool cancelled = false;
  std::string header(const std::string &name) const;
};

class ScriptedTransport final : public idf::Transport {
 public:
  explicit ScriptedTransport(ManualLoop &loop) : loop_(loop) {}
  ~ScriptedTransport() override;

  // Replies to requests whose method and URL path match, in order; the last
  // one repeats when `repeat_last`.
  void script(const std::string &method, std::vector<ScriptedReply> replies, bool repeat_last = true);
  // Computes the reply of every request of `method` (wins over scripts).
  void handle(const std::string &method, std::function<ScriptedReply(const idf::HttpRequest &)> handler);
  void send(const idf::HttpRequest &req, GCancellable *cancellable,
            std::function<void(idf::HttpResponse)> done) override;

  const std::vector<SentRequest> &sent() const { return sent_; }
  size_t count(const std::string &method) const;
  // Seconds between consecutive requests of `method`.
  std::vector<double> gaps(const std::string &method) const;

 private:
  struct Pending;
  ManualLoop &loop_;
  std::vector<std::pair<std::string, std::deque<ScriptedReply>>> scripts_;
  std::vector<std::pair<std::string, bool>> repeat_;
  std::vector<std::pair<std::string, std::function<ScriptedReply(const idf::HttpRequest &)>>> handlers_;
  std::vector<SentRequest> sent_;
  std::vector<Pending *> pending_;
};
