// An organisation on `acctsec serve --dev` for the e2e tier: the real binary serving on loopback
// TLS, its first admin bootstrapped, and staff members with virtual keys of their own, each
// running the CLI with their own key, state folder and (once logged in) session.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli_harness.hpp"
#include "support/staff_client.hpp"

namespace acctsec::test {

struct DevOrg {
  TempDir dir;
  std::unique_ptr<BinaryProcess> process;
  nlohmann::json ready;  // what serve --json printed: url, ca, ...
  std::unique_ptr<ApiClient> api;
  StaffMember admin;                        // root@example.com, its key file closed for the CLI
  std::map<std::string, std::string> keys;  // short name ("engineer") -> virtual key file

  // Staff `names` are seeded principals NAME@example.com; each gets a key enrolled by the admin
  // and, with `log_in`, a CLI session.
  explicit DevOrg(const std::vector<std::string>& names, bool log_in = true, int seed_accounts = 20) {
    const std::string data = dir.file("data");
    process = BinaryProcess::start({"--json", "serve", "--dev", "--seed-accounts", std::to_string(seed_accounts), "--data-dir", data,
                                    "--listen", "127.0.0.1:0"},
                                   {{"HOME", data}});
    REQUIRE_MESSAGE(process->wait_for_out("\"url\""), process->err());
    ready = nlohmann::json::parse(process->out());
    const std::string url = ready["url"];
    api = std::make_unique<ApiClient>(static_cast<unsigned>(std::stoul(url.substr(url.rfind(':') + 1))), ready["ca"]);
    keys["root"] = dir.file("root.json");
    admin = bootstrap_admin(*api, data, "root@example.com", keys["root"]);
    admin.key.reset();  // the CLI may open it; a key is used by one process at a time
    for (const auto& name : names) {
      keys[name] = dir.file(name + ".json");
      enroll_staff(*api, admin, principal(name), keys[name]).key.reset();
      if (!log_in) continue;
      auto login = run(name, {"login", "--user", principal(name)});
      REQUIRE_MESSAGE(login.status == 0, login.err);
    }
  }

  static std::string principal(const std::string& name) { return name + "@example.com"; }
  std::string url() const { return ready["url"]; }

  // The environment of `who`: the server's URL and CA, a home and state folder of their own.
  std::map<std::string, std::string> env(const std::string& who) const {
    return {{"HOME", dir.file("home")}, {"XDG_STATE_HOME", dir.file("state-" + who)}, {"ACCTSEC_SERVER", url()},
            {"ACCTSEC_CA_FILE", ready["ca"]}};
  }

  // `acctsec ARGS` as `who`, with their key as --device.
  CliRun run(const std::string& who, std::vector<std::string> args) const {
    args.insert(args.begin(), {"--device", "virtual:" + keys.at(who)});
    return run_binary(args, env(who));
  }

  // `acctsec ARGS` as `who` with no --device (commands that must not need one).
  CliRun run_keyless(const std::string& who, const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& extra_env = {}) const {
    auto e = env(who);
    for (const auto& [k, v] : extra_env) e[k] = v;
    return run_binary(args, e);
  }
};

// The arguments of `acctsec --json access request` for a helpdesk read of `account`, plus `more`.
inline std::vector<std::string> access_request_args(const std::string& account, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"--json", "access", "request", "--resource", "account:" + account, "--scope", "security:read",
                                "--code", "CUSTOMER_SUPPORT", "--ticket", "SUP-4242", "--reason", "customer cannot log in after a phone change",
                                "--duration", "1h"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace acctsec::test
