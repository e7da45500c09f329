// token create, list and revoke: an admin's scoped API tokens for CI jobs, which hold no security
// key. The secret is shown once, by the server's reply to the create; it goes to a 0600 file or
// to stdout, never to stderr or a trace.
#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>

#include "backend.hpp"
#include "client/paginate.hpp"
#include "core/file.hpp"
#include "core/secret.hpp"
#include "core/timestamp.hpp"

namespace acctsec::cli {
namespace {

struct TokenCreateOptions {
  std::string name;
  std::vector<std::string> scopes;
  std::string expires_in;
  std::string out;
  bool force = false;
};

struct TokenListOptions {
  bool all = false;  // revoked and expired ones too
};

struct TokenRevokeOptions {
  std::string id;
};

std::string token_scopes_text(const nlohmann::json& token) {
  std::string text;
  for (const auto& scope : token.value("scopes", nlohmann::json::array()))
    if (scope.is_string()) text += (text.empty() ? "" : ",") + scope.get<std::string>();
  return text.empty() ? "-" : text;
}

// "active", "revoked" or "expired", from the token's own times against this machine's clock.
std::string token_state(const nlohmann::json& token) {
  if (!reply_text(token, "revokedAt").empty()) return "revoked";
  const auto expires = parse_timestamp(reply_text(token, "expiresAt"));
  if (expires && *expires <= std::chrono::system_clock::now()) return "expired";
  return "active";
}

// Checked before the token is made: a secret that cannot be written once the server has made the
// token is lost with it.
Result<void> token_check_out(const TokenCreateOptions& o) {
  if (o.out.empty()) return {};
  struct stat st {};
  if (::lstat(o.out.c_str(), &st) == 0 && !o.force)
    return fail(ErrorCategory::usage, fmt::format("{} exists; name another file, or pass --force to replace it (the token it holds "
                                                  "keeps working until acctsec token revoke)", o.out));
  const std::filesystem::path parent = std::filesystem::path(o.out).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent))
    return fail(ErrorCategory::usage, fmt::format("{} is not a directory; make it first", parent.string()));
  return {};
}

Result<int> run_token_create(const TokenCreateOptions& o, Context& ctx) {
  if (auto ok = token_check_out(o); !ok) return fail(ok.error());
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  nlohmann::json request = {{"name", o.name}, {"scopes", o.scopes}};
  if (!o.expires_in.empty()) request["expiresIn"] = o.expires_in;
  client::CallOptions call;
  call.body_trace = client::BodyTrace::hidden;  // the reply carries the secret
  auto made = api->post("/v1/tokens", request, call);
  if (!made) return fail(made.error());
  nlohmann::json& token = made->body;
  const std::string id = reply_text(token, "id");
  if (reply_text(token, "secret").empty()) {
    // A retry that the server answered from its idempotency record: the token exists, but its
    // secret went out in the reply that was lost.
    if (!id.empty() && token.value("secretShown", true) == false)
      return fail(ErrorCategory::network,
                  fmt::format("token {} was made, but the reply with its secret was lost on the way; revoke it (acctsec token revoke "
                              "{}) and make another",
                              id, id));
    return fail(ErrorCategory::network, "the server answered the token request without a secret");
  }
  Secret secret(token["secret"].get<std::string>());
  wipe(token["secret"].get_ref<std::string&>());
  token.erase("secret");
  token.erase("schema");

  if (!o.out.empty()) {
    std::string content = std::string(secret.view()) + "\n";
    auto written = file_write_atomic(o.out, content, 0600);
    wipe(content);
    if (!written) return fail(written.error());
  }
  if (ctx.out.json()) {
    nlohmann::json out = token;
    out["server"] = api->base_url();
    if (o.out.empty()) out["secret"] = std::string(secret.view());
    else out["file"] = o.out;
    ctx.out.document("acctsec.token.create/1", std::move(out));
    return 0;
  }
  const std::string what = fmt::format("API token {} ({}, scopes {}) made on {}, valid until {}", id, reply_text(token, "name"),
                                       token_scopes_text(token), api->base_url(), reply_text(token, "expiresAt"));
  if (o.out.empty()) {
    ctx.out.info(what);
    if (ctx.deps.out_is_tty) ctx.out.info("the secret is printed once, below; store it now (or use --out FILE next time)");
    ctx.out.line(secret.view());  // the data: TOKEN=$(acctsec token create ...)
  } else {
    ctx.out.line(fmt::format("{}; the secret is in {} (mode 0600): use it with ACCTSEC_TOKEN_FILE={}", what, o.out, o.out));
  }
  return 0;
}

Result<int> run_token_list(const TokenListOptions& o, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  Table table{{"ID", "NAME", "SCOPES", "STATE", "CREATED BY", "CREATED", "EXPIRES", "LAST USED"}, {}};
  auto walked = client::paginate(*api, "/v1/tokens", {{"limit", "200"}}, [&](nlohmann::json&& token) {
    const std::string state = token_state(token);
    if (!o.all && state != "active") return client::Step::next;
    if (ctx.out.json()) {
      token["schema"] = "acctsec.token/1";
      token["state"] = state;
      ctx.out.line(token.dump());
    } else {
      const std::string last = reply_text(token, "lastUsedAt");
      table.rows.push_back({reply_text(token, "id"), reply_text(token, "name"), token_scopes_text(token), state,
                            reply_text(token, "createdBy"), reply_text(token, "createdAt"), reply_text(token, "expiresAt"),
                            last.empty() ? "never" : last});
    }
    return client::Step::next;
  });
  if (!walked) return fail(walked.error());
  if (ctx.out.json()) return 0;
  if (table.rows.empty()) {
    ctx.out.info(o.all ? "no API tokens on " + api->base_url()
                       : "no active API tokens on " + api->base_url() + " (--all shows revoked and expired ones too)");
    return 0;
  }
  ctx.out.table(table);
  return 0;
}

Result<int> run_token_revoke(const TokenRevokeOptions& o, Context& ctx) {
  auto api = backend_client(ctx, true);
  if (!api) return fail(api.error());
  auto revoked = api->call(client::Method::delete_, "/v1/tokens/" + client::url_encode_component(o.id));
  if (!revoked) {
    if (revoked.error().category != ErrorCategory::not_found) return fail(revoked.error());
    return fail(ErrorCategory::not_found, fmt::format("no API token {} on {}; acctsec token list --all shows them", o.id, api->base_url()));
  }
  if (ctx.out.json()) {
    ctx.out.document("acctsec.token.revoke/1", {{"server", api->base_url()}, {"id", o.id}, {"revoked", true}});
  } else {
    ctx.out.line(fmt::format("API token {} is revoked: a job that uses it is refused from now on", o.id));
  }
  return 0;
}

}  // namespace

void register_token(CLI::App& app, Dispatch& dispatch) {
  auto* token = add_command(app, dispatch, "token", "Make, list and revoke scoped API tokens for CI jobs (admins)");
  if (!token) return;
  token->require_subcommand(1);
  if (auto* cmd = add_command(*token, dispatch, "create", "Make an API token; its secret is shown once")) {
    auto o = std::make_shared<TokenCreateOptions>();
    cmd->add_option("--name", o->name, "What the token is for, such as ci-enrollment")->required();
    cmd->add_option("--scope", o->scopes, "What it may read: enrollment:read, audit:read, alerts:read (repeat for several)")
        ->required()
        ->check(CLI::IsMember({"enrollment:read", "audit:read", "alerts:read"}));
    cmd->add_option("--expires-in", o->expires_in, "How long it lives, e.g. 30d, 12h (the server's default otherwise; at most 366d)");
    cmd->add_option("--out", o->out, "Write the secret to this file (mode 0600) instead of stdout");
    cmd->add_flag("--force", o->force, "Replace the --out file when it exists");
    bind_action(cmd, dispatch, o, run_token_create);
  }
  if (auto* cmd = add_command(*token, dispatch, "list", "List the active API tokens (NDJSON with --json)")) {
    auto o = std::make_shared<TokenListOptions>();
    cmd->add_flag("--all", o->all, "Revoked and expired tokens too");
    bind_action(cmd, dispatch, o, run_token_list);
  }
  if (auto* cmd = add_command(*token, dispatch, "revoke", "Revoke an API token at once")) {
    auto o = std::make_shared<TokenRevokeOptions>();
    cmd->add_option("id", o->id, "The token's id, from acctsec token list")->required();
    bind_action(cmd, dispatch, o, run_token_revoke);
  }
}

}  // namespace acctsec::cli
