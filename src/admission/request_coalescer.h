// SPDX-License-Identifier: LGPL-2.1-or-later
// Two elements of one process asking the same thing at the same time share
// one request: the first to join a key is its leader and starts the
// request; later ones are followers. Every member gets the request's
// outcome (Result or Failure) through its own callback.
//
// The request belongs to the group, not to the leader: a member that leaves
// (its element stopped, or its own timeout passed) never cancels a request
// others still wait for; a leader that leaves hands the leadership (the
// right to show the request's progress) to the next member. When the last
// member leaves:
//   - before the submission was sent, the caller cancels the request (free);
//   - after it may have been billed, the group stays open and the caller
//     lets the request run to its end (bounded by its own timeout) so the
//     paid answer reaches the cache; a newcomer for the same key joins it as
//     a follower instead of paying again. Nothing here ever starts a second
//     request while the first may still finish.
// See docs/cache-and-scheduler.md.
//
// A pure state machine, no threads: confine an instance to one thread (the
// HTTP worker's), or guard it. Callbacks run inside complete(), after the
// group was closed, so they may join() again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/result.h"

namespace idf {

class RequestCoalescer {
 public:
  using Member = uint64_t;  // never 0
  using Deliver = std::function<void(const Outcome &)>;

  struct Joined {
    Member member = 0;
    // True for the first member of a key: the caller starts the request.
    // False: a request is already under way; wait for complete().
    bool starts_request = false;
  };

  enum class AfterLeave {
    Nothing,        // others still wait, or the member was unknown
    CancelRequest,  // nobody waits and nothing was sent: cancel the request
    RunUnattended,  // nobody waits but the submission may have been billed:
                    // let it finish (its answer goes to the cache) and still
                    // call complete()
  };
  struct Left {
    AfterLeave then = AfterLeave::Nothing;
    std::optional<Member> new_leader;  // the leader left and this member now leads
  };

  // `key`: CacheKey::text() + "\n" + process_account_fingerprint(credential).
  Joined join(const std::string &key, Deliver deliver);

  // The request of `key` was sent and may have been billed (Job::submitted()).
  void submitted(const std::string &key);

  // A member stops waiting; it is not called back.
  Left leave(Member member);

  // The request of `key` ended: delivers `outcome` to every member still
  // waiting, leader first then in join order, and closes the group (the
  // next join() of the key leads a new request). Returns how many were told.
  size_t complete(const std::string &key, const Outcome &outcome);

  // Introspection for logs and tests.
  std::optional<Member> leader(const std::string &key) const;
  size_t waiting(const std::string &key) const;
  bool open(const std::string &key) const { return groups_.count(key) != 0; }

 private:
  struct Group {
    std::map<Member, Deliver> members;  // Member increases in join order
    std::optional<Member> leader;
    bool submitted = false;
  };
  std::unordered_map<std::string, Group> groups_;
  std::unordered_map<Member, std::string> member_keys_;
  Member next_member_ = 1;
};

}  // namespace idf
