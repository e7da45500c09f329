// acctsec key verify-enrollment: the CI verdict on staff enrollment. The server reports what it
// knows of each user's keys; the policy file given here decides, so a CI job holds the backend to
// its own rules. With --device, the key in hand must also prove it is one of the user's keys.
#include <fmt/format.h>

#include "backend.hpp"
#include "client/paginate.hpp"
#include "core/bytes.hpp"
#include "core/timestamp.hpp"
#include "junit.hpp"
#include "key_server.hpp"
#include "webauthn/enrollment_compliance.hpp"

namespace acctsec::cli {
namespace {

struct VerifyEnrollmentOptions {
  std::string user;
  bool all = false;
  std::string policy;
  std::string format;
  PinSource pin;
};

struct EnrollmentVerdict {
  webauthn::UserCompliance compliance;
  std::optional<nlohmann::json> proof;  // the key test of the key in hand, with --device
};

nlohmann::json enrolled_key_json(const webauthn::EnrolledKey& k) {
  return {{"id", k.id},
          {"nickname", k.nickname},
          {"fmt", k.facts.fmt},
          {"aaguid", k.facts.aaguid.size() == 16 ? nlohmann::json(uuid_format(k.facts.aaguid)) : nlohmann::json(nullptr)},
          {"trust", k.facts.trust},
          {"mdsStatus", k.mds_status.empty() ? nlohmann::json(nullptr) : nlohmann::json(k.mds_status)},
          {"certificationLevel", k.facts.certification_level ? nlohmann::json(*k.facts.certification_level) : nlohmann::json(nullptr)},
          {"userVerified", k.facts.user_verified},
          {"discoverable", k.facts.discoverable ? nlohmann::json(*k.facts.discoverable) : nlohmann::json(nullptr)},
          {"virtualKey", k.facts.virtual_key},
          {"createdAt", k.created_at},
          {"lastUsedAt", k.last_used_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(k.last_used_at)},
          {"accepted", k.refusals.empty()},
          {"refusals", k.refusals}};
}

nlohmann::json verdict_json(const EnrollmentVerdict& v) {
  const auto& c = v.compliance;
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : c.keys) keys.push_back(enrolled_key_json(k));
  nlohmann::json out = {{"user", c.user},
                        {"roles", c.roles},
                        {"compliant", c.compliant()},
                        {"enrolledKeys", c.keys.size()},
                        {"acceptedKeys", c.accepted},
                        {"lastUsedAt", c.last_used_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.last_used_at)},
                        {"refusals", c.refusals},
                        {"keys", keys}};
  if (v.proof) out["proof"] = *v.proof;
  return out;
}

std::string key_summary(const webauthn::EnrolledKey& k) {
  return fmt::format("{} {} aaguid {} trust {}{} uv {} last used {}{}", k.id, k.facts.fmt,
                     k.facts.aaguid.size() == 16 ? uuid_format(k.facts.aaguid) : "-", k.facts.trust,
                     k.mds_status.empty() ? "" : " mds " + k.mds_status, k.facts.user_verified ? "yes" : "no",
                     k.last_used_at.empty() ? "never" : k.last_used_at, k.refusals.empty() ? " (accepted)" : " (refused)");
}

void print_verdicts(Context& ctx, const std::string& format, const std::string& server, const std::string& policy,
                    const std::vector<EnrollmentVerdict>& verdicts) {
  std::size_t failing = 0;
  for (const auto& v : verdicts) failing += v.compliance.compliant() ? 0 : 1;
  if (format == "json") {
    nlohmann::json users = nlohmann::json::array();
    for (const auto& v : verdicts) users.push_back(verdict_json(v));
    ctx.out.document("acctsec.key.verify-enrollment/1",
                     {{"server", server},
                      {"policy", policy},
                      {"compliant", failing == 0},
                      {"summary", {{"users", verdicts.size()}, {"compliant", verdicts.size() - failing}, {"noncompliant", failing}}},
                      {"users", users}});
    return;
  }
  if (format == "junit") {
    std::vector<JunitCase> cases;
    for (const auto& v : verdicts) {
      JunitCase c{.name = v.compliance.user, .classname = "acctsec.enrollment", .failures = v.compliance.refusals, .output = {}};
      for (const auto& k : v.compliance.keys) c.output += key_summary(k) + "\n";
      if (v.proof) c.output += fmt::format("key in hand: {}\n", v.proof->value("verified", false) ? "proved" : "not proved");
      cases.push_back(std::move(c));
    }
    junit_write(*ctx.deps.out, "acctsec key verify-enrollment", format_timestamp(std::chrono::system_clock::now()), cases);
    return;
  }
  Table table{{"USER", "VERDICT", "KEYS", "LAST USED", "REASONS"}, {}};
  for (const auto& v : verdicts) {
    const auto& c = v.compliance;
    std::string why;
    for (const auto& r : c.refusals) why += (why.empty() ? "" : "; ") + r;
    table.rows.push_back({c.user, c.compliant() ? ctx.out.styled("compliant", Style::good) : ctx.out.styled("NON-COMPLIANT", Style::bad),
                          fmt::format("{}/{} accepted", c.accepted, c.keys.size()), c.last_used_at.empty() ? "never" : c.last_used_at,
                          why.empty() ? "-" : why});
  }
  ctx.out.table(table);
  ctx.out.info(fmt::format("{} user{} checked against {}: {} compliant, {} not", verdicts.size(), verdicts.size() == 1 ? "" : "s",
                           policy, verdicts.size() - failing, failing));
}

Result<int> run_key_verify_enrollment(const VerifyEnrollmentOptions& o, Context& ctx) {
  if (o.all == !o.user.empty()) return fail(ErrorCategory::usage, "key verify-enrollment needs exactly one of --user NAME and --all");
  const bool prove = ctx.globals.device.has_value() && !ctx.globals.device_from_config;
  if (prove && o.all)
    return fail(ErrorCategory::usage, "--device proves that the key in hand is one user's: use it with --user NAME, not --all");
  std::string format = o.format.empty() ? (ctx.out.json() ? "json" : "text") : o.format;
  if (ctx.out.json() && format != "json") return fail(ErrorCategory::usage, "--json and --format " + format + " disagree; give one");
  auto policy = webauthn::enrollment_policy_load(o.policy);
  if (!policy) return fail(policy.error());
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());

  std::vector<EnrollmentVerdict> verdicts;
  std::optional<Error> bad_item;
  client::Query query{{"limit", "200"}};
  if (!o.user.empty()) query.emplace_back("principal", o.user);
  auto walked = client::paginate(*api, "/v1/enrollment/verification", query, [&](nlohmann::json&& item) {
    auto user = webauthn::user_compliance_from_json(item);
    if (!user) {
      bad_item = user.error();
      return client::Step::stop;
    }
    webauthn::enrollment_compliance_check(*policy, *user);
    verdicts.push_back({std::move(*user), std::nullopt});
    return client::Step::next;
  });
  if (!walked) return fail(walked.error());
  if (bad_item) return fail(*bad_item);
  if (!o.user.empty() && verdicts.empty())
    return fail(ErrorCategory::network, "the server's enrollment report does not mention " + o.user);

  if (prove) {
    auto& verdict = verdicts.front();
    if (verdict.compliance.keys.empty()) {
      verdict.proof = nlohmann::json{{"verified", false}, {"reasons", {"no key is enrolled to prove"}}};
    } else {
      auto tested = key_test_with_server(ctx, *api, o.user, o.pin);
      if (!tested) return fail(tested.error());
      verdict.proof = std::move(*tested);
      verdict.proof->erase("schema");
    }
    if (!verdict.proof->value("verified", false)) {
      std::string why = "the key in hand did not prove to be one of " + o.user + "'s";
      if (const auto reasons = verdict.proof->find("reasons"); reasons != verdict.proof->end() && reasons->is_array() && !reasons->empty() &&
                                                                (*reasons)[0].is_string())
        why += ": " + (*reasons)[0].get<std::string>();
      verdict.compliance.refusals.push_back(why);
    }
  }

  print_verdicts(ctx, format, api->base_url(), o.policy, verdicts);
  for (const auto& v : verdicts)
    if (!v.compliance.compliant()) return 1;
  return 0;
}

}  // namespace

void register_key_verify_enrollment(CLI::App& key, Dispatch& dispatch) {
  auto o = std::make_shared<VerifyEnrollmentOptions>();
  auto* cmd = add_command(key, dispatch, "verify-enrollment",
                          "Check users' enrolled keys against a policy (for CI); exit 1 when any user falls short");
  if (!cmd) return;
  cmd->add_option("--user", o->user, "The user to check");
  cmd->add_flag("--all", o->all, "Every user the backend knows");
  cmd->add_option("--policy", o->policy, "Enrollment policy TOML ([enrollment] table)")->required();
  cmd->add_option("--format", o->format, "Output: text, json or junit (default: text, or json with --json)")
      ->check(CLI::IsMember({"text", "json", "junit"}));
  add_pin_options(cmd, o->pin);
  bind_action(cmd, dispatch, o, run_key_verify_enrollment);
}

}  // namespace acctsec::cli
