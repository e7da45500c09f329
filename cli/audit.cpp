// audit log, verify and alerts: the auditor's view of the backend's hash-chained audit log and of
// the alerts its detection rules raised. Lists are walked page by page, never held whole.
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "backend.hpp"
#include "client/paginate.hpp"
#include "core/audit_chain.hpp"
#include "core/bytes.hpp"
#include "core/cancel.hpp"
#include "core/file.hpp"
#include "core/openssl_handle.hpp"
#include "core/timestamp.hpp"

namespace acctsec::cli {
namespace {

struct AuditLogOptions {
  std::string since;
  std::string actor;
  std::string resource;
  std::size_t limit = 0;  // 0: no limit
  bool follow = false;
};

struct AuditVerifyOptions {
  std::string public_key_file;
};

struct AuditAlertsOptions {
  std::string since;
  std::string severity;
  std::string fail_on;
};

constexpr std::array<std::string_view, 4> k_audit_severities = {"low", "medium", "high", "critical"};
constexpr std::size_t k_audit_page = 1000;  // the API's largest page
// How long the server holds a follow=true request open before answering an empty page.
constexpr std::chrono::seconds k_audit_follow_hold{30};

std::string audit_text(const nlohmann::json& json, const char* name) {
  const auto found = json.is_object() ? json.find(name) : json.end();
  if (found == json.end() || found->is_null()) return {};
  return found->is_string() ? found->get<std::string>() : found->dump();
}

Result<void> audit_check_since(const std::string& since) {
  if (since.empty() || parse_timestamp(since)) return {};
  return fail(ErrorCategory::usage,
              fmt::format("--since takes an RFC 3339 time such as 2026-12-01T09:00:00Z, not '{}'", since));
}

// An item of GET /v1/audit as the chain verifier takes it. Errors: network (not an AuditEntry).
Result<AuditEntry> audit_entry_parse(const nlohmann::json& item) {
  const auto text = [&](const char* name) { return item.contains(name) && item[name].is_string(); };
  if (!item.is_object() || !item.contains("seq") || !item["seq"].is_number_unsigned() || !text("time") ||
      !text("actor") || !text("action") || !text("resource") || !text("prev") || !text("hash") ||
      !item.contains("detail") || (item.contains("grant") && !item["grant"].is_null() && !item["grant"].is_string()))
    return fail(ErrorCategory::network,
                fmt::format("the server sent an audit entry that is not one (see api/openapi.yaml AuditEntry): {}",
                            item.dump().substr(0, 200)));
  AuditEntry entry;
  entry.seq = item["seq"].get<std::uint64_t>();
  entry.event.time = item["time"].get<std::string>();
  entry.event.actor = item["actor"].get<std::string>();
  entry.event.action = item["action"].get<std::string>();
  entry.event.resource = item["resource"].get<std::string>();
  if (item.contains("grant") && item["grant"].is_string()) entry.event.grant = item["grant"].get<std::string>();
  entry.event.detail = item["detail"];
  entry.prev = item["prev"].get<std::string>();
  entry.hash = item["hash"].get<std::string>();
  return entry;
}

Result<int> run_audit_log(const AuditLogOptions& o, Context& ctx) {
  if (auto ok = audit_check_since(o.since); !ok) return fail(ok.error());
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  client::Query query;
  if (!o.since.empty()) query.emplace_back("since", o.since);
  if (!o.actor.empty()) query.emplace_back("actor", o.actor);
  if (!o.resource.empty()) query.emplace_back("resource", o.resource);
  query.emplace_back("limit", std::to_string(o.limit > 0 ? std::min(o.limit, k_audit_page) : k_audit_page));

  StreamedTable table{{"SEQ", "TIME", "ACTOR", "ACTION", "RESOURCE", "GRANT"}, {5, 20, 20, 24, 16, 0}};
  std::size_t shown = 0;
  const client::ItemVisitor show = [&](nlohmann::json&& item) {
    if (ctx.out.json()) {
      item.erase("schema");
      ctx.out.record("acctsec.audit-entry/1", item);
    } else {
      const std::string grant = audit_text(item, "grant");
      ctx.out.row(table, {audit_text(item, "seq"), audit_text(item, "time"), audit_text(item, "actor"),
                          audit_text(item, "action"), audit_text(item, "resource"), grant.empty() ? "-" : grant});
    }
    ++shown;
    return o.limit > 0 && shown >= o.limit ? client::Step::stop : client::Step::next;
  };
  auto walked = client::paginate(*api, "/v1/audit", query, show);
  if (!walked) return fail(walked.error());
  if (!o.follow || walked->end == client::WalkEnd::stopped) {
    if (shown == 0) ctx.out.info("no audit entries match");
    return 0;
  }

  // Each request waits on the server for the next entry; the deadline allows for that hold.
  client::CallOptions held;
  held.deadline = ctx.globals.timeout + k_audit_follow_hold;
  query.emplace_back("follow", "true");
  std::string cursor = walked->next;
  ctx.out.info("following the audit log for new entries; press Ctrl-C to stop");
  while (!cancel_requested()) {
    if (cursor.empty()) return fail(ErrorCategory::network, "the server's audit page gave no cursor to follow from");
    client::Query from = query;
    from.emplace_back("cursor", cursor);
    auto more = client::paginate(*api, "/v1/audit", from, show, held);
    if (!more) return fail(more.error());
    if (more->end == client::WalkEnd::stopped) return 0;
    if (!more->next.empty()) cursor = more->next;
  }
  return fail(ErrorCategory::cancelled, "interrupted");
}

using AuditPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using AuditBioPtr = OpenSslPtr<BIO, BIO_free_all>;
using AuditMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

// Checks the head's Ed25519 signature over the canonical JSON {"hash","schema","seq","signedAt"}
// (api/openapi.yaml AuditHead) with `public_pem`. Returns what is wrong, or nothing.
std::optional<std::string> audit_head_signature_problem(const nlohmann::json& head, const std::string& public_pem,
                                                        const std::string& key_origin) {
  AuditBioPtr bio(BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size())));
  AuditPkeyPtr key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519)
    return fmt::format("{} is not an Ed25519 public key in PEM", key_origin);
  auto signature = base64url_decode(audit_text(head, "signature"));
  if (!signature) return std::string("the head's signature is not base64url");
  // nlohmann's object keeps its members sorted and dump() adds no white space: the canonical form.
  const nlohmann::json signed_part = {
      {"schema", head["schema"]}, {"seq", head["seq"]}, {"hash", head["hash"]}, {"signedAt", head["signedAt"]}};
  const std::string message = signed_part.dump();
  AuditMdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestVerify(md.get(), signature->data(), signature->size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    return fmt::format("the head's signature does not verify with {}", key_origin);
  return std::nullopt;
}

Result<int> run_audit_verify(const AuditVerifyOptions& o, Context& ctx) {
  std::string pinned;
  if (!o.public_key_file.empty()) {
    auto read = file_read(o.public_key_file, 64 * 1024);
    if (!read)
      return fail(ErrorCategory::usage,
                  fmt::format("cannot read --public-key {}: {}", o.public_key_file, read.error().message));
    pinned = std::move(*read);
  }
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  // The head first: entries appended while the chain is read come after it and are checked too.
  auto fetched = api->get("/v1/audit/head");
  if (!fetched) return fail(fetched.error());
  const nlohmann::json& head = fetched->body;
  if (!head.is_object() || audit_text(head, "schema") != "acctsec.audit-head/1" || !head.contains("seq") ||
      !head["seq"].is_number_unsigned() || audit_text(head, "hash").empty() || audit_text(head, "signedAt").empty() ||
      audit_text(head, "signature").empty() || (pinned.empty() && audit_text(head, "publicKey").empty()))
    return fail(ErrorCategory::network,
                "the server's /v1/audit/head is not a signed audit head (see api/openapi.yaml AuditHead)");
  const auto head_seq = head["seq"].get<std::uint64_t>();
  const std::string head_hash = audit_text(head, "hash");

  std::optional<std::pair<std::uint64_t, std::string>> bad;  // the first entry that fails, and why
  AuditChainVerifier verifier;
  std::size_t checked = 0;
  auto walked =
      client::paginate(*api, "/v1/audit", {{"limit", std::to_string(k_audit_page)}}, [&](nlohmann::json&& item) {
        auto entry = audit_entry_parse(item);
        if (!entry) {
          bad.emplace(verifier.last_seq() + 1, entry.error().message);
          return client::Step::stop;
        }
        if (auto ok = verifier.add(*entry); !ok) {
          bad.emplace(entry->seq, ok.error().message);
          return client::Step::stop;
        }
        ++checked;
        if (entry->seq == head_seq && entry->hash != head_hash)
          bad.emplace(entry->seq, fmt::format("audit entry {} hashes to {}, but the signed head says {}", entry->seq,
                                              entry->hash, head_hash));
        return bad ? client::Step::stop : client::Step::next;
      });
  if (!walked) return fail(walked.error());
  if (!bad && verifier.last_seq() < head_seq)
    bad.emplace(verifier.last_seq() + 1,
                fmt::format("the log ends at entry {} but the signed head is at entry {}: entries were cut off",
                            verifier.last_seq(), head_seq));
  std::optional<std::string> head_problem = audit_head_signature_problem(
      head, pinned.empty() ? audit_text(head, "publicKey") : pinned,
      pinned.empty() ? std::string("the public key the head carries") : "the key in " + o.public_key_file);

  const bool verified = !bad && !head_problem;
  if (ctx.out.json()) {
    nlohmann::json out = {{"verified", verified},
                          {"server", api->base_url()},
                          {"entriesChecked", checked},
                          {"lastSeq", verifier.last_seq()},
                          {"head", {{"seq", head_seq}, {"hash", head_hash}, {"signedAt", head["signedAt"]}}},
                          {"keyPinned", !pinned.empty()}};
    if (bad) out["firstBad"] = {{"seq", bad->first}, {"reason", bad->second}};
    if (head_problem) out["headProblem"] = *head_problem;
    ctx.out.document("acctsec.audit-verify/1", std::move(out));
  } else if (bad) {
    ctx.out.line(fmt::format("audit chain NOT verified: first bad entry {}: {}", bad->first, bad->second));
  } else if (head_problem) {
    ctx.out.line(fmt::format("audit chain NOT verified: {} (head at entry {})", *head_problem, head_seq));
  } else {
    ctx.out.line(fmt::format("audit chain verified: {} entries checked, signed head at entry {} ({})", checked,
                             head_seq, audit_text(head, "signedAt")));
  }
  if (verified && pinned.empty())
    ctx.out.info(
        "note: the head's signature was checked with the key the server sent; pass --public-key FILE to pin the key");
  return verified ? 0 : 1;
}

std::size_t audit_severity_rank(std::string_view severity) {
  const auto found = std::find(k_audit_severities.begin(), k_audit_severities.end(), severity);
  return static_cast<std::size_t>(found - k_audit_severities.begin());
}

Result<int> run_audit_alerts(const AuditAlertsOptions& o, Context& ctx) {
  if (auto ok = audit_check_since(o.since); !ok) return fail(ok.error());
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  client::Query query{{"limit", std::to_string(k_audit_page)}};
  if (!o.since.empty()) query.emplace_back("since", o.since);
  if (!o.severity.empty()) query.emplace_back("severity", o.severity);

  StreamedTable table{{"ID", "TIME", "SEVERITY", "RULE", "ACTOR", "ENTRIES", "SUMMARY"}, {4, 20, 8, 22, 20, 8, 0}};
  std::size_t shown = 0;
  std::size_t failing = 0;
  auto walked = client::paginate(*api, "/v1/alerts", query, [&](nlohmann::json&& item) {
    const std::string severity = audit_text(item, "severity");
    if (!o.fail_on.empty() && audit_severity_rank(severity) < k_audit_severities.size() &&
        audit_severity_rank(severity) >= audit_severity_rank(o.fail_on))
      ++failing;
    ++shown;
    if (ctx.out.json()) {
      item.erase("schema");
      ctx.out.record("acctsec.alert/1", item);
      return client::Step::next;
    }
    std::string entries;
    if (item.contains("entries") && item["entries"].is_array())
      for (const auto& seq : item["entries"]) entries += (entries.empty() ? "" : ",") + seq.dump();
    ctx.out.row(table, {audit_text(item, "id"), audit_text(item, "time"), severity, audit_text(item, "rule"),
                        audit_text(item, "actor"), entries.empty() ? "-" : entries, audit_text(item, "summary")});
    return client::Step::next;
  });
  if (!walked) return fail(walked.error());
  if (shown == 0) ctx.out.info("no alerts match");
  if (failing == 0) return 0;
  ctx.out.info(fmt::format("{} alert{} at or above {} severity", failing, failing == 1 ? "" : "s", o.fail_on));
  return 1;
}

}  // namespace

void register_audit(CLI::App& app, Dispatch& dispatch) {
  auto* audit = add_command(app, dispatch, "audit", "Read the backend's audit log, verify its hash chain, list alerts");
  if (!audit) return;
  audit->require_subcommand(1);
  if (auto* cmd = add_command(*audit, dispatch, "log", "Print audit entries in chain order (NDJSON with --json)")) {
    auto o = std::make_shared<AuditLogOptions>();
    cmd->add_option("--since", o->since, "Only entries at or after this RFC 3339 time");
    cmd->add_option("--actor", o->actor, "Only entries by this principal or token");
    cmd->add_option("--resource", o->resource, "Only entries about this resource (account:c-000001, request:r-7, ...)");
    cmd->add_option("--limit", o->limit, "Stop after N entries")->check(CLI::PositiveNumber);
    cmd->add_flag("--follow", o->follow, "Keep printing new entries as they are appended, until Ctrl-C");
    bind_action(cmd, dispatch, o, run_audit_log);
  }
  if (auto* cmd =
          add_command(*audit, dispatch, "verify", "Recompute the hash chain and check the server's signed head")) {
    auto o = std::make_shared<AuditVerifyOptions>();
    cmd->add_option("--public-key", o->public_key_file,
                    "The server's audit public key (PEM) to check the head with, pinned");
    bind_action(cmd, dispatch, o, run_audit_verify);
  }
  if (auto* cmd = add_command(*audit, dispatch, "alerts",
                              "List the alerts detection raised, newest first (NDJSON with --json)")) {
    auto o = std::make_shared<AuditAlertsOptions>();
    cmd->add_option("--since", o->since, "Only alerts raised at or after this RFC 3339 time");
    cmd->add_option("--severity", o->severity, "Only alerts of this severity or higher")
        ->check(CLI::IsMember({"low", "medium", "high", "critical"}));
    cmd->add_option("--fail-on", o->fail_on, "Exit 1 when an alert of this severity or higher is listed (for CI)")
        ->check(CLI::IsMember({"low", "medium", "high", "critical"}));
    bind_action(cmd, dispatch, o, run_audit_alerts);
  }
}

}  // namespace acctsec::cli
