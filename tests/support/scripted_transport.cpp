// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/scripted_transport.h"

#include <algorithm>

using idf::HttpResponse;

ScriptedReply ScriptedReply::http(unsigned status, std::string body, unsigned delay_ms, std::string retry_after) {
  ScriptedReply r;
  r.response.status = status;
  r.response.body = std::move(body);
  r.response.retry_after = std::move(retry_after);
  r.response.request_sent = true;
  r.delay_ms = delay_ms;
  return r;
}

ScriptedReply ScriptedReply::transport_error(bool sent, std::string text) {
  ScriptedReply r;
  r.response.error = HttpResponse::Error::Transport;
  r.response.error_text = std::move(text);
  r.response.request_sent = sent;
  return r;
}

ScriptedReply ScriptedReply::timeout(bool sent) {
  ScriptedReply r;
  r.response.error = HttpResponse::Error::Timeout;
  r.response.error_text = "no answer in time";
  r.response.request_sent = sent;
  return r;
}

ScriptedReply ScriptedReply::never() {
  ScriptedReply r;
  r.hang = true;
  return r;
}

std::string SentRequest::header(const std::string &name) const {
  for (const auto &kv : request.headers)
    if (g_ascii_strcasecmp(kv.first.c_str(), name.c_str()) == 0) return kv.second;
  return "";
}

// One request not answered yet: answered once, by its reply or by its
// cancellation, whichever comes first.
struct ScriptedTransport::Pending {
  ManualLoop *loop = nullptr;
  GCancellable *cancellable = nullptr;
  gulong handler = 0;
  std::function<void(HttpResponse)> done;
  bool answered = false;
  size_t index = 0;  // in sent_
  std::vector<SentRequest> *sent = nullptr;

  void answer(HttpResponse resp) {
    if (answered) return;
    answered = true;
    if (resp.error == HttpResponse::Error::Cancelled) (*sent)[index].cancelled = true;
    done(std::move(resp));
  }
};

ScriptedTransport::~ScriptedTransport() {
  for (Pending *p : pending_) {
    if (p->cancellable) {
      g_cancellable_disconnect(p->cancellable, p->handler);
      g_object_unref(p->cancellable);
    }
    delete p;
  }
}

void ScriptedTransport::script(const std::string &method, std::vector<ScriptedReply> replies, bool repeat_last) {
  scripts_.emplace_back(method, std::deque<ScriptedReply>(replies.begin(), replies.end()));
  repeat_.emplace_back(method, repeat_last);
}

void ScriptedTransport::handle(const std::string &method,
                               std::function<ScriptedReply(const idf::HttpRequest &)> handler) {
  handlers_.emplace_back(method, std::move(handler));
}

void ScriptedTransport::send(const idf::HttpRequest &req, GCancellable *cancellable,
                             std::function<void(HttpResponse)> done) {
  sent_.push_back({req, loop_.now_s(), false});
  ScriptedReply reply = ScriptedReply::never();
  bool handled = false;
  for (auto &h : handlers_) {
    if (h.first == req.method) {
      reply = h.second(req);
      handled = true;
      break;
    }
  }
  for (size_t i = 0; !handled && i < scripts_.size(); i++) {
    auto &queue = scripts_[i].second;
    if (scripts_[i].first != req.method || queue.empty()) continue;
    reply = queue.front();
    if (queue.size() > 1 || !repeat_[i].second) queue.pop_front();
    break;
  }
  auto *p = new Pending;
  p->loop = &loop_;
  p->done = std::move(done);
  p->index = sent_.size() - 1;
  p->sent = &sent_;
  pending_.push_back(p);
  if (cancellable) {
    p->cancellable = G_CANCELLABLE(g_object_ref(cancellable));
    p->handler = g_cancellable_connect(cancellable, G_CALLBACK(+[](GCancellable *, gpointer data) {
                                         auto *pending = static_cast<Pending *>(data);
                                         pending->loop->post([pending] {
                                           HttpResponse resp;
                                           resp.error = HttpResponse::Error::Cancelled;
                                           pending->answer(resp);
                                         });
                                       }),
                                       p, nullptr);
  }
  if (reply.hang) return;
  loop_.add_timer(reply.delay_ms, [p, resp = reply.response] { p->answer(resp); });
}

size_t ScriptedTransport::count(const std::string &method) const {
  return std::count_if(sent_.begin(), sent_.end(), [&](const SentRequest &s) { return s.request.method == method; });
}

std::vector<double> ScriptedTransport::gaps(const std::string &method) const {
  std::vector<double> out;
  double last = -1;
  for (const auto &s : sent_) {
    if (s.request.method != method) continue;
    if (last >= 0) out.push_back(s.at_s - last);
    last = s.at_s;
  }
  return out;
}
