// SPDX-License-Identifier: LGPL-2.1-or-later
#include "admission/request_coalescer.h"

namespace idf {

RequestCoalescer::Joined RequestCoalescer::join(const std::string &key, Deliver deliver) {
  Member m = next_member_++;
  auto [it, created] = groups_.try_emplace(key);
  Group &g = it->second;
  g.members.emplace(m, std::move(deliver));
  member_keys_.emplace(m, key);
  // A group left unattended after its submission has no leader: the
  // newcomer leads its progress but must not start another request.
  if (!g.leader) g.leader = m;
  return Joined{m, created};
}

void RequestCoalescer::submitted(const std::string &key) {
  auto it = groups_.find(key);
  if (it != groups_.end()) it->second.submitted = true;
}

RequestCoalescer::Left RequestCoalescer::leave(Member member) {
  Left left;
  auto mk = member_keys_.find(member);
  if (mk == member_keys_.end()) return left;
  auto it = groups_.find(mk->second);
  member_keys_.erase(mk);
  Group &g = it->second;
  g.members.erase(member);
  if (g.leader == member) {
    g.leader.reset();
    if (!g.members.empty()) g.leader = left.new_leader = g.members.begin()->first;
  }
  if (!g.members.empty()) return left;
  if (g.submitted) {
    left.then = AfterLeave::RunUnattended;  // the group stays open for newcomers
  } else {
    left.then = AfterLeave::CancelRequest;
    groups_.erase(it);
  }
  return left;
}

size_t RequestCoalescer::complete(const std::string &key, const Outcome &outcome) {
  auto it = groups_.find(key);
  if (it == groups_.end()) return 0;
  Group g = std::move(it->second);
  groups_.erase(it);
  std::vector<Deliver> calls;
  if (g.leader) calls.push_back(std::move(g.members.at(*g.leader)));
  for (auto &[m, deliver] : g.members) {
    member_keys_.erase(m);
    if (m != g.leader) calls.push_back(std::move(deliver));
  }
  for (auto &deliver : calls)
    if (deliver) deliver(outcome);
  return calls.size();
}

std::optional<RequestCoalescer::Member> RequestCoalescer::leader(const std::string &key) const {
  auto it = groups_.find(key);
  return it == groups_.end() ? std::nullopt : it->second.leader;
}

size_t RequestCoalescer::waiting(const std::string &key) const {
  auto it = groups_.find(key);
  return it == groups_.end() ? 0 : it->second.members.size();
}

}  // namespace idf
