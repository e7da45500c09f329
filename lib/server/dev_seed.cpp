#include "server/dev_seed.hpp"

#include <fmt/format.h>

#include <random>

#include "core/bytes.hpp"
#include "server/authorize.hpp"
#include "server/identity_json.hpp"

namespace acctsec::server {

const std::vector<SeedStaff>& dev_seed_staff() {
  static const std::vector<SeedStaff> staff = {
      {"engineer@example.com", "Erin Engineer", "engineer"},  {"helpdesk@example.com", "Hana Helpdesk", "helpdesk"},
      {"approver@example.com", "Ada Approver", "approver"},   {"approver2@example.com", "Abe Approver", "approver"},
      {"auditor@example.com", "Otto Auditor", "auditor"},
  };
  return staff;
}

Result<std::size_t> dev_seed_ensure_staff(Store& store, AuditWriter& writer) {
  std::vector<AuditedWrite> writes;
  for (const auto& seed : dev_seed_staff()) {
    auto existing = store.principal_get(seed.name);
    if (existing) continue;
    if (existing.error().category != ErrorCategory::not_found) return fail(existing.error());
    const PrincipalRecord principal{.name = seed.name, .display_name = seed.display_name, .roles = {seed.role},
                                    .user_handle = random_bytes(16), .created = store_now()};
    writes.push_back(AuditedWrite{.change = [principal](StoreTransaction& tx, AuditEvent&) { return tx.principal_insert(principal); },
                                  .event = AuditEvent{.time = store_time_text(principal.created),
                                                      .actor = "server",
                                                      .action = "principal.created",
                                                      .resource = "principal:" + principal.name,
                                                      .grant = std::nullopt,
                                                      .detail = {{"roles", principal.roles}, {"seeded", true}}}});
  }
  const std::size_t count = writes.size();
  for (auto& done : writer.append_and_wait(std::move(writes)))
    if (!done) return fail(ErrorCategory::internal, "seeding staff: " + done.error().message);
  return count;
}

std::vector<AccountRecord> dev_seed_account_records(std::size_t count, StoreTime now) {
  std::mt19937_64 random(20261202);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(random) < p; };
  const int width = std::max<int>(6, static_cast<int>(std::to_string(count).size()));
  constexpr StoreTime k_day = 86'400'000;
  std::vector<AccountRecord> out;
  out.reserve(count);
  for (std::size_t i = 1; i <= count; ++i) {
    AccountRecord a;
    a.id = fmt::format("c-{:0{}}", i, width);
    a.created = now - static_cast<StoreTime>(random() % 1000) * k_day;
    auto method = [&](std::string type, std::string label) {
      a.methods.push_back(AccountMethod{std::move(type), std::move(label), a.created + static_cast<StoreTime>(random() % 100) * k_day,
                                        chance(0.7) ? std::optional<StoreTime>(now - static_cast<StoreTime>(random() % 60) * k_day)
                                                    : std::nullopt});
    };
    const double roll = std::uniform_real_distribution<double>(0, 1)(random);
    if (roll < 0.25) {
      // no second factor
    } else if (roll < 0.45) {
      method("sms", "phone ending " + std::to_string(1000 + random() % 9000));
    } else if (roll < 0.65) {
      method("totp", "authenticator app");
      if (chance(0.3)) method("sms", "phone ending " + std::to_string(1000 + random() % 9000));
    } else if (roll < 0.85) {
      method("security-key", "security key");
      if (chance(0.4)) method("totp", "authenticator app");
    } else {
      method("security-key", "security key");
      method("security-key", "backup security key");
    }
    if (!a.methods.empty() && chance(0.5)) method("backup-codes", "backup codes");
    a.two_factor_enforced = !a.methods.empty() && chance(0.6);
    a.reset_protection = chance(0.5);
    if (a.reset_protection) {
      a.reset_channels.push_back({"email", chance(0.9)});
      if (chance(0.4)) a.reset_channels.push_back({"phone", chance(0.8)});
    }
    a.recovery_channels.push_back({"email", chance(0.85)});
    if (chance(0.5)) a.recovery_channels.push_back({"phone", chance(0.7)});
    if (chance(0.02)) a.groups.push_back("high-profile");
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::size_t> dev_seed_accounts(Store& store, AuditWriter& writer, std::size_t count) {
  if (count == 0) return std::size_t{0};
  auto existing = store.account_count("customer");
  if (!existing) return fail(existing.error());
  if (*existing > 0) return std::size_t{0};
  const StoreTime now = store_now();
  auto accounts = std::make_shared<std::vector<AccountRecord>>(dev_seed_account_records(count, now));
  std::vector<AuditedWrite> writes;
  writes.push_back(AuditedWrite{.change = [accounts](StoreTransaction& tx, AuditEvent&) -> Result<void> {
                                  for (const auto& account : *accounts)
                                    if (auto inserted = tx.account_insert(account); !inserted) return inserted;
                                  return {};
                                },
                                .event = AuditEvent{.time = store_time_text(now), .actor = "server", .action = "accounts.seeded",
                                                    .resource = "accounts", .grant = std::nullopt,
                                                    .detail = {{"count", count}, {"kind", "customer"}}}});
  if (auto done = writer.append_and_wait(std::move(writes)).front(); !done)
    return fail(ErrorCategory::internal, "seeding accounts: " + done.error().message);
  return count;
}

}  // namespace acctsec::server
