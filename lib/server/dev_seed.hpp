// What `acctsec serve --dev` puts in an empty organisation so that every role can be tried at once:
// one staff principal per role (two approvers, since a request needs someone other than its
// requester to approve it). They have no keys yet; an admin registers theirs.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "server/audit_writer.hpp"
#include "server/store.hpp"

namespace acctsec::server {

struct SeedStaff {
  std::string name;
  std::string display_name;
  std::string role;
};

// The staff --dev seeds, in the order they are created.
const std::vector<SeedStaff>& dev_seed_staff();

// `count` customer accounts with varied posture, made the same way on every machine (a fixed
// seed): about a quarter without 2FA, a fifth SMS-only, some with TOTP, one or two security keys,
// backup codes, reset protection on for about half (not always with a verified channel), and ~2%
// in the group "high-profile". Ids are c-000001, c-000002, ... Made in one transaction with one
// audit entry, and only into a store without customer accounts; returns how many it made.
// Errors: internal.
Result<std::size_t> dev_seed_accounts(Store& store, AuditWriter& writer, std::size_t count);

std::vector<AccountRecord> dev_seed_account_records(std::size_t count, StoreTime now);

// Creates those of dev_seed_staff() the store lacks, each audited as created by "server", and
// waits until they are committed. Returns how many it created. Errors: internal.
Result<std::size_t> dev_seed_ensure_staff(Store& store, AuditWriter& writer);

}  // namespace acctsec::server
