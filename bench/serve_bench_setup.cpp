// Readies a fresh `acctsec serve --dev` for bench/serve_reads.sh and bench/account_audit.sh, the
// way staff would: the first admin bootstraps and enrolls a virtual key, enrolls keys for the
// seeded helpdesk and approver, the helpdesk member asks for an 8-hour grant on one customer
// account with a signed justification, and the approver approves it with a signed review. Prints
// one JSON line: {"tokenFile", "auditTokenFile", "path"}; the token files are 0600 in the data
// directory. The virtual keys stay there too, as bench-admin-key.json, bench-helpdesk-key.json and
// bench-approver-key.json (bench/account_audit.sh signs its own request and approval with them).
// Usage: serve_bench_setup --url https://127.0.0.1:PORT --ca CAFILE --data-dir DIR
#include <cstdio>
#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "core/file.hpp"
#include "support/staff_client.hpp"

using acctsec::test::ApiClient;

int main(int argc, char** argv) {
  std::string url, ca, data_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--url") url = argv[i + 1];
    else if (flag == "--ca") ca = argv[i + 1];
    else if (flag == "--data-dir") data_dir = argv[i + 1];
  }
  const auto colon = url.rfind(':');
  if (url.empty() || ca.empty() || data_dir.empty() || colon == std::string::npos) {
    std::fprintf(stderr, "usage: serve_bench_setup --url https://127.0.0.1:PORT --ca CAFILE --data-dir DIR\n");
    return 2;
  }
  try {
    const ApiClient api(static_cast<unsigned>(std::stoul(url.substr(colon + 1))), ca);
    auto admin = acctsec::test::bootstrap_admin(api, data_dir, "bench-admin@example.com", data_dir + "/bench-admin-key.json");
    auto helpdesk = acctsec::test::enroll_staff(api, admin, "helpdesk@example.com", data_dir + "/bench-helpdesk-key.json");
    auto approver = acctsec::test::enroll_staff(api, admin, "approver@example.com", data_dir + "/bench-approver-key.json");
    const nlohmann::json justification = {{"resource", "account:c-000001"}, {"scope", "security:read"}, {"code", "CUSTOMER_SUPPORT"},
                                          {"ticket", "SUP-1001"}, {"reason", "benchmark of audited account-security reads"},
                                          {"duration", "8h"}};
    auto requested = acctsec::test::request_access(api, helpdesk, justification, "bench-request-0000000001");
    if (requested.status != 201) throw std::runtime_error("access request: " + requested.body.dump());
    auto approved = acctsec::test::review_access(api, approver, requested.body["id"], "approve", "benchmark", "bench-review-00000000001");
    if (approved.status != 201 || approved.body["state"] != "active") throw std::runtime_error("approval: " + approved.body.dump());

    const std::string token_file = data_dir + "/bench-helpdesk-token";
    const std::string audit_token_file = data_dir + "/bench-admin-token";
    for (const auto& [file, token] : {std::pair{token_file, helpdesk.token}, std::pair{audit_token_file, admin.token}})
      if (auto written = acctsec::file_write_atomic(file, token, 0600); !written) throw std::runtime_error(written.error().message);
    std::printf("%s\n", nlohmann::json{{"tokenFile", token_file}, {"auditTokenFile", audit_token_file},
                                       {"path", "/v1/accounts/c-000001/security"}}.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_bench_setup: %s\n", e.what());
    return 1;
  }
}
