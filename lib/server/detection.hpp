// Detection: rules over the audit entries as they are committed, raising alerts (api/openapi.yaml
// Alert) with the policy's thresholds:
//   many-accounts-read              one actor reads more than `threshold` distinct accounts in `window`
//   read-without-grant              `threshold` reads refused for want of any grant in `window`
//   repeated-auth-failures          `threshold` failed logins or signatures in `window`; a possibly
//                                   cloned key (counter went back) at once, as critical
//   grant-misuse                    `threshold` reads outside the grant held (another account, the
//                                   wrong scope, outside the allowed hours) in `window`
//   new-key-then-privileged-action  a privileged action within `window` of enrolling a key
//   repeated-approver-pair          one approver approving one requester `threshold` times in `window`
// Each alert names the entries that raised it, and its key is made from them, so evaluating the
// same entries again (after a restart, say) raises nothing new.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/audit_chain.hpp"
#include "core/error.hpp"
#include "server/server_policy.hpp"
#include "server/store.hpp"

namespace acctsec::server {

class Detector {
 public:
  Detector(AccessStore& store, DetectionPolicy policy);

  // Evaluates the rules over `entries` (consecutive, in chain order) and stores what they raise.
  // Returns the alerts that were new. Errors: internal (an alert could not be stored).
  Result<std::vector<AlertRecord>> observe(const std::vector<AuditEntry>& entries);

  // Feeds the entries of the last longest window so that rules spanning a restart still fire.
  // Errors: internal.
  Result<void> warm_up(AuditStore& audit, StoreTime now);

 private:
  struct Seen {
    StoreTime time;
    std::uint64_t seq;
    std::string what;  // the account, for distinct counts
  };
  // Occurrences within a rule's window, with a count per `what` kept as they come and go, so that
  // a distinct count costs no scan (a busy reader has thousands of reads in a window).
  struct Window {
    std::deque<Seen> seen;
    std::map<std::string, std::size_t, std::less<>> per_what;
    void clear() {
      seen.clear();
      per_what.clear();
    }
  };

  // Adds an occurrence to `window`, drops those older than the rule's window; true when the
  // rule's threshold is reached (counting distinct `what` when `distinct`).
  static bool add(Window& window, const DetectionRule& rule, Seen seen, bool distinct, std::size_t& count);
  void raise(std::vector<AlertRecord>& out, const DetectionRule& rule, const std::string& severity, const AuditEntry& entry,
             Window& window, std::string summary);
  void evaluate(const AuditEntry& entry, StoreTime time, std::vector<AlertRecord>& out);

  AccessStore& m_store;
  const DetectionPolicy m_policy;
  std::mutex m_mutex;  // observe() and warm_up() may come from different threads
  std::map<std::string, Window> m_reads, m_denied, m_failures, m_misuse, m_pairs;
  std::map<std::string, Window> m_new_keys;  // principal -> its recent registrations
};

}  // namespace acctsec::server
