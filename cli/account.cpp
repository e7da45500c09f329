// acctsec account status | audit: a customer account's 2FA and password-reset protection, read
// under a grant; and a streamed audit of many accounts against required postures.
#include <fmt/format.h>

#include <ostream>

#include "access_flow.hpp"
#include "backend.hpp"
#include "client/paginate.hpp"
#include "key_common.hpp"

namespace acctsec::cli {
namespace {

bool account_flag(const nlohmann::json& json, const char* name) {
  return json.is_object() && json.contains(name) && json[name].is_boolean() && json[name].get<bool>();
}

std::string yes_no(bool value) { return value ? "yes" : "no"; }

std::string account_channels(const nlohmann::json& channels) {
  std::string out;
  for (const auto& c : channels.is_array() ? channels : nlohmann::json::array()) {
    std::string one = reply_text(c, "type");
    if (!reply_text(c, "value").empty()) one += " " + reply_text(c, "value");
    if (c.contains("verified") && c["verified"].is_boolean()) one += c["verified"].get<bool>() ? " (verified)" : " (unverified)";
    out += (out.empty() ? "" : ", ") + one;
  }
  return out.empty() ? "none" : out;
}

void account_status_print(Context& ctx, const nlohmann::json& s) {
  if (ctx.out.json()) {
    ctx.out.document("acctsec.account-security/1", s);
    return;
  }
  const nlohmann::json two = s.value("twoFactor", nlohmann::json::object());
  const nlohmann::json reset = s.value("resetProtection", nlohmann::json::object());
  std::vector<std::pair<std::string, std::string>> fields{
      {"Account", reply_text(s, "account") + " (" + reply_text(s, "kind") + ")"},
      {"2FA", fmt::format("{}, {}", account_flag(two, "enabled") ? "on" : "off", account_flag(two, "enforced") ? "enforced" : "not enforced")}};
  int keys = 0;
  bool phishing_resistant = false;
  for (const auto& m : two.value("methods", nlohmann::json::array())) {
    if (reply_text(m, "type") == "security-key") ++keys;
    phishing_resistant = phishing_resistant || account_flag(m, "phishingResistant");
    std::string what = reply_text(m, "type");
    if (!reply_text(m, "label").empty()) what += " (" + reply_text(m, "label") + ")";
    fields.emplace_back("Method", fmt::format("{}{}, added {}, last used {}", what, account_flag(m, "phishingResistant") ? ", phishing-resistant" : "",
                                              reply_text(m, "addedAt"), m.contains("lastUsedAt") && m["lastUsedAt"].is_string() ? m["lastUsedAt"].get<std::string>() : "never"));
  }
  fields.emplace_back("Phishing-resistant", yes_no(phishing_resistant));
  fields.emplace_back("Backup key", keys >= 2 ? fmt::format("yes ({} security keys)", keys) : "no");
  fields.emplace_back("Reset protection", fmt::format("{}; channels: {}", account_flag(reset, "enabled") ? "on" : "off",
                                                       account_channels(reset.value("channels", nlohmann::json::array()))));
  fields.emplace_back("Recovery", account_channels(s.value("recoveryChannels", nlohmann::json::array())));
  for (const auto& g : s.value("groups", nlohmann::json::array())) {
    std::string shortfalls;
    for (const auto& f : g.value("shortfalls", nlohmann::json::array())) shortfalls += (shortfalls.empty() ? "" : ", ") + f.get<std::string>();
    fields.emplace_back("Group", reply_text(g, "name") + (account_flag(g, "compliant") ? ": meets its requirements" : ": falls short: " + shortfalls));
  }
  for (const auto& e : s.value("recentEvents", nlohmann::json::array()))
    fields.emplace_back("Event", fmt::format("{} {}{}", reply_text(e, "time"), reply_text(e, "type"),
                                             reply_text(e, "detail").empty() ? "" : " " + reply_text(e, "detail")));
  fields.emplace_back("Read under", reply_text(s, "grant"));
  ctx.out.fields(fields);
}

struct AccountStatusOptions {
  std::string account;
  bool justify = false;
  std::string code, ticket, reason, duration = "1h";
  bool wait = false;
  PinSource pin;
};

Result<int> run_account_status(const AccountStatusOptions& o, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  const std::string path = "/v1/accounts/" + client::url_encode_component(o.account) + "/security";
  auto read = api->get(path);
  if (read) {
    account_status_print(ctx, read->body);
    return 0;
  }
  const bool grant_missing = read.error().problem && read.error().problem->type == "urn:acctsec:problem:grant-required";
  if (!grant_missing || !o.justify) {
    if (grant_missing)
      return fail(ErrorCategory::auth, read.error().message + fmt::format("\nOr in one go: acctsec account status {} --justify --code CODE "
                                                                          "--ticket TICKET --reason \"...\" --wait",
                                                                          o.account));
    return fail(read.error());
  }
  if (o.code.empty() || o.ticket.empty() || o.reason.empty())
    return fail(ErrorCategory::usage, "--justify needs --code, --ticket and --reason");
  // The same signed request `access request` makes, for exactly the grant the server named.
  const nlohmann::json required = read.error().problem->document.value("requiredGrant", nlohmann::json::object());
  const nlohmann::json justification = {{"resource", required.value("resource", "account:" + o.account)},
                                        {"scope", required.value("scope", "security:read")},
                                        {"code", o.code},
                                        {"ticket", o.ticket},
                                        {"reason", o.reason},
                                        {"duration", o.duration}};
  auto created = access_request_create(ctx, *api, justification, o.pin);
  if (!created) return fail(created.error());
  const std::string id = reply_text(*created, "id");
  if (reply_text(*created, "state") == "pending") {
    if (!o.wait) {
      ctx.out.info(fmt::format("Asked for access: {} is pending. When it is approved, run acctsec account status {} (or wait: acctsec access wait {})",
                               id, o.account, id));
      return 1;
    }
    ctx.out.info(fmt::format("Asked for access: {} is pending; waiting for an approver (acctsec access approve {} --reason \"...\")", id, id));
    auto decided = access_wait_for(ctx, *api, id, access_wait_limit(ctx), false);
    if (!decided) return fail(decided.error());
    if (*decided != 0) return fail(ErrorCategory::rejected, fmt::format("{} was not granted; see acctsec access show {}", id, id));
  } else if (reply_text(*created, "state") != "active") {
    return fail(ErrorCategory::rejected, fmt::format("{} is {}; see acctsec access show {}", id, reply_text(*created, "state"), id));
  }
  auto granted = api->get(path);
  if (!granted) return fail(granted.error());
  account_status_print(ctx, granted->body);
  return 0;
}

// What --require asks of an account summary (GET /v1/accounts items).
std::optional<std::string> account_shortfall(const nlohmann::json& a, const std::string& requirement) {
  if (requirement == "2fa" && !account_flag(a, "twoFactorEnabled")) return "no 2FA";
  if (requirement == "phishing-resistant" && !account_flag(a, "phishingResistant")) return "no phishing-resistant factor";
  if (requirement == "reset-protection" && !account_flag(a, "resetProtection")) return "reset protection off";
  if (requirement == "backup-key") {
    const nlohmann::json methods = a.value("methods", nlohmann::json::object());
    if (methods.value("security-key", 0) < 2) return "no backup security key";
  }
  return std::nullopt;
}

struct AccountAuditOptions {
  bool all = false;
  std::vector<std::string> require;
  std::string group;
};

Result<int> run_account_audit(const AccountAuditOptions& o, Context& ctx) {
  if (!o.all && o.group.empty()) return fail(ErrorCategory::usage, "account audit needs --all or --group NAME");
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  client::Query query{{"limit", "500"}};
  if (!o.group.empty()) query.emplace_back("group", o.group);
  const bool progress = ctx.deps.err_is_tty && !ctx.out.json() && !ctx.out.quiet();
  std::size_t seen = 0, short_of = 0;
  Table table{{"ACCOUNT", "2FA", "PHISHING-RESISTANT", "RESET-PROTECTION", "GROUPS", "SHORTFALLS"}, {}};
  const bool stream_rows = !ctx.deps.out_is_tty;  // piped: one line at a time, never the whole list in memory
  auto walked = client::paginate(*api, "/v1/accounts", query, [&](nlohmann::json&& a) {
    ++seen;
    std::vector<std::string> shortfalls;
    for (const auto& r : o.require)
      if (auto s = account_shortfall(a, r)) shortfalls.push_back(*s);
    // With --group, the group's own required posture counts too.
    if (!o.group.empty() && a.contains("compliant") && a["compliant"].is_boolean() && !a["compliant"].get<bool>())
      shortfalls.push_back("short of group " + o.group + "'s requirements");
    if (!shortfalls.empty()) ++short_of;
    std::string groups;
    for (const auto& g : a.value("groups", nlohmann::json::array())) groups += (groups.empty() ? "" : ",") + g.get<std::string>();
    if (ctx.out.json()) {
      a["schema"] = "acctsec.account-audit/1";
      a["shortfalls"] = shortfalls;
      ctx.out.line(a.dump());
    } else {
      std::string why;
      for (const auto& s : shortfalls) why += (why.empty() ? "" : "; ") + s;
      std::vector<std::string> row{reply_text(a, "account"), account_flag(a, "twoFactorEnabled") ? "on" : "off",
                                   yes_no(account_flag(a, "phishingResistant")), account_flag(a, "resetProtection") ? "on" : "off",
                                   groups.empty() ? "-" : groups, why.empty() ? "ok" : why};
      if (stream_rows) {
        ctx.out.table(Table{{}, {row}});
      } else {
        table.rows.push_back(std::move(row));
      }
    }
    if (progress && seen % 1000 == 0) *ctx.deps.err << fmt::format("\r{} accounts checked, {} short", seen, short_of) << std::flush;
    return client::Step::next;
  });
  if (progress && seen >= 1000) *ctx.deps.err << '\n';
  if (!walked) return fail(walked.error());
  if (!ctx.out.json() && !stream_rows) ctx.out.table(table);
  if (!ctx.out.json()) ctx.out.info(fmt::format("{} accounts checked, {} falling short", seen, short_of));
  return short_of == 0 ? 0 : 1;
}

}  // namespace

void register_account(CLI::App& app, Dispatch& dispatch) {
  auto* account = add_command(app, dispatch, "account", "Check customer accounts' 2FA and password-reset protection");
  if (!account) return;
  account->require_subcommand(1);
  if (auto* cmd = add_command(*account, dispatch, "status", "Show an account's 2FA, reset protection and recent security events")) {
    auto o = std::make_shared<AccountStatusOptions>();
    cmd->add_option("account", o->account, "The account's id")->required();
    cmd->add_flag("--justify", o->justify, "Without a grant, ask for one (signed with your key) and read once it is active");
    cmd->add_option("--code", o->code, "With --justify: the justification code");
    cmd->add_option("--ticket", o->ticket, "With --justify: the ticket");
    cmd->add_option("--reason", o->reason, "With --justify: why");
    cmd->add_option("--duration", o->duration, "With --justify: how long the grant lasts (default 1h)");
    cmd->add_flag("--wait", o->wait, "With --justify: wait for the approval");
    add_pin_options(cmd, o->pin);
    bind_action(cmd, dispatch, o, run_account_status);
  }
  if (auto* cmd = add_command(*account, dispatch, "audit", "Check many accounts against required postures; exit 1 when any falls short")) {
    auto o = std::make_shared<AccountAuditOptions>();
    cmd->add_flag("--all", o->all, "Every account (needs a posture:list grant on accounts)");
    cmd->add_option("--require", o->require, "Required: phishing-resistant, 2fa, reset-protection or backup-key (repeatable)")
        ->check(CLI::IsMember({"phishing-resistant", "2fa", "reset-protection", "backup-key"}));
    cmd->add_option("--group", o->group, "Only the group's accounts, held to its required posture too");
    bind_action(cmd, dispatch, o, run_account_audit);
  }
}

}  // namespace acctsec::cli
