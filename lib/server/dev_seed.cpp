#include "server/dev_seed.hpp"

#include <future>

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
  std::vector<std::future<Result<AuditEntry>>> pending;
  for (const auto& seed : dev_seed_staff()) {
    auto existing = store.principal_get(seed.name);
    if (existing) continue;
    if (existing.error().category != ErrorCategory::not_found) return fail(existing.error());
    const PrincipalRecord principal{.name = seed.name, .display_name = seed.display_name, .roles = {seed.role},
                                    .user_handle = random_bytes(16), .created = store_now()};
    auto promise = std::make_shared<std::promise<Result<AuditEntry>>>();
    pending.push_back(promise->get_future());
    writer.append(AuditedWrite{.change = [principal](StoreTransaction& tx, AuditEvent&) { return tx.principal_insert(principal); },
                               .event = AuditEvent{.time = store_time_text(principal.created),
                                                   .actor = "server",
                                                   .action = "principal.created",
                                                   .resource = "principal:" + principal.name,
                                                   .grant = std::nullopt,
                                                   .detail = {{"roles", principal.roles}, {"seeded", true}}}},
                  [promise](Result<AuditEntry> done) { promise->set_value(std::move(done)); });
  }
  for (auto& future : pending)
    if (auto done = future.get(); !done) return fail(ErrorCategory::internal, "seeding staff: " + done.error().message);
  return pending.size();
}

}  // namespace acctsec::server
