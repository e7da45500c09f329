// acctsec webauthn verify-registration | verify-assertion
#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "command.hpp"
#include "core/cancel.hpp"
#include "core/file.hpp"
#include "core/json_parse.hpp"
#include "core/timestamp.hpp"
#include "webauthn/batch_verify.hpp"
#include "webauthn/mds_cache.hpp"

namespace acctsec::cli {
namespace {

using nlohmann::json;

// The options both verbs share.
struct CommonOptions {
  std::string response;
  std::string batch;
  std::string challenge;
  std::string origin;
  std::string rp_id;
  std::string at;
  bool require_uv = false;
  unsigned jobs = 0;
};

struct RegistrationOptions : CommonOptions {
  std::vector<std::string> trust_anchors;
  bool mds = false;
  std::string policy;
};

struct AssertionOptions : CommonOptions {
  std::string public_key;
  std::string credential;
  std::optional<std::uint64_t> counter;
};

// Reads FILE, or stdin for "-". Errors: not_found, usage.
Result<std::string> read_input(const std::string& path, std::string_view flag, Context& ctx) {
  if (path == "-") {
    std::ostringstream text;
    text << ctx.deps.in->rdbuf();
    return text.str();
  }
  auto text = file_read(path);
  if (!text && text.error().category == ErrorCategory::not_found)
    return fail(ErrorCategory::not_found, fmt::format("{} {}: no such file", flag, path));
  return text;
}

Result<json> read_json(const std::string& path, std::string_view flag, std::string_view what, Context& ctx) {
  auto text = read_input(path, flag, ctx);
  if (!text) return fail(text.error());
  auto parsed = json::parse(*text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return fail(ErrorCategory::usage, fmt::format("{} {} is not a JSON object; expected {}", flag, path, what));
  return parsed;
}

// Fills the defaults both verbs share from the flags. Errors: usage.
Result<void> common_defaults(const CommonOptions& o, webauthn::VerifyDefaults& d) {
  if (o.batch.empty() == o.response.empty())
    return fail(ErrorCategory::usage, "give either --response FILE or --batch FILE (use - for stdin)");
  if (!o.challenge.empty()) {
    auto challenge = base64url_decode(o.challenge);
    if (!challenge || challenge->empty()) return fail(ErrorCategory::usage, "--challenge takes the challenge as base64url, not '" + o.challenge + "'");
    d.challenge = std::move(*challenge);
  }
  if (!o.origin.empty()) d.origin = o.origin;
  if (!o.rp_id.empty()) d.rp_id = o.rp_id;
  d.require_user_verification = o.require_uv;
  if (!o.at.empty()) {
    auto at = parse_timestamp(o.at);
    if (!at) return fail(ErrorCategory::usage, "--at takes an RFC 3339 time such as 2024-05-01T12:00:00Z, or a date, not '" + o.at + "'");
    d.at = *at;
  }
  if (o.response.empty()) return {};
  // A single response needs every expectation from the flags.
  for (auto [given, flag] : {std::pair{d.challenge.has_value(), "--challenge"}, std::pair{d.origin.has_value(), "--origin"},
                             std::pair{d.rp_id.has_value(), "--rp-id"}})
    if (!given) return fail(ErrorCategory::usage, fmt::format("{} is required with --response", flag));
  return {};
}

// Loads the cached MDS BLOB and turns it into the lookup the ceremony uses. Errors: as
// mds_cache_load, with what to run.
Result<void> mds_defaults(Context& ctx, webauthn::VerifyDefaults& d, std::shared_ptr<webauthn::MdsCached>& keep) {
  const std::string dir = webauthn::mds_cache_default_dir(ctx.deps.env("XDG_CACHE_HOME"), ctx.deps.env("HOME"));
  if (dir.empty()) return fail(ErrorCategory::usage, "--mds needs a cache directory: set HOME or XDG_CACHE_HOME");
  auto cached = webauthn::mds_cache_load(dir);
  if (!cached) {
    if (cached.error().category == ErrorCategory::not_found)
      return fail(ErrorCategory::not_found, "--mds: no MDS BLOB is cached; run acctsec mds update first");
    return fail(cached.error());
  }
  keep = std::make_shared<webauthn::MdsCached>(std::move(*cached));
  const auto at = d.at.value_or(std::chrono::system_clock::now());
  const webauthn::MdsBlob* blob = &keep->blob;
  d.metadata = [blob, at](ByteView aaguid) -> std::optional<webauthn::AuthenticatorMetadata> {
    auto found = webauthn::mds_lookup(*blob, aaguid, at);
    if (!found) return std::nullopt;
    return std::move(*found);
  };
  if (auto fetched = parse_timestamp(keep->record.fetched_at))
    d.mds_age = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *fetched);
  if (webauthn::mds_blob_stale(keep->blob, at))
    ctx.out.warn(fmt::format("the cached MDS BLOB (no. {}) was due for replacement on {}; run acctsec mds update",
                             keep->blob.number, keep->blob.next_update));
  return {};
}

// Runs --batch: verdict lines on stdout in input order; exit 0 when every line verified.
Result<int> run_batch(const CommonOptions& o, webauthn::VerifyKind kind, const webauthn::VerifyDefaults& d, Context& ctx) {
  std::unique_ptr<std::istream> file;
  std::istream* in = ctx.deps.in;
  if (o.batch != "-") {
    auto stream = std::make_unique<std::ifstream>(o.batch, std::ios::binary);
    if (!stream->is_open()) return fail(ErrorCategory::not_found, "--batch " + o.batch + ": no such file or not readable");
    file = std::move(stream);
    in = file.get();
  }
  const unsigned workers = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::size_t emitted = 0;
  const bool progress = ctx.deps.err_is_tty && !ctx.out.quiet();
  auto totals = webauthn::batch_verify(
      *in, kind, d, workers,
      [&](const std::string& line) {
        *ctx.deps.out << line << '\n';
        if (progress && ++emitted % 1000 == 0) *ctx.deps.err << fmt::format("\racctsec: {} verdicts", emitted) << std::flush;
      },
      [] { return cancel_requested(); });
  ctx.deps.out->flush();
  if (progress && emitted >= 1000) *ctx.deps.err << "\r\033[K";
  if (cancel_requested()) return fail(ErrorCategory::cancelled, fmt::format("interrupted after {} verdicts", totals.lines));
  ctx.out.info(fmt::format("{} lines: {} verified, {} rejected, {} could not be verified", totals.lines, totals.verified,
                           totals.rejected, totals.errors));
  return totals.verified == totals.lines ? 0 : 1;
}

void print_reasons(const json& verdict, Context& ctx) {
  for (const auto& reason : verdict["reasons"]) ctx.out.line("  - " + reason.get<std::string>());
  if (verdict.contains("warnings"))
    for (const auto& warning : verdict["warnings"]) ctx.out.warn(warning.get<std::string>());
}

std::string verdict_word(const json& verdict, Context& ctx) {
  return verdict.value("verified", false) ? ctx.out.styled("verified", Style::good) : ctx.out.styled("REJECTED", Style::bad);
}

std::string flags_text(const json& flags) {
  std::string out;
  for (auto [key, name] : {std::pair{"userPresent", "UP"}, std::pair{"userVerified", "UV"}, std::pair{"backupEligible", "BE"},
                           std::pair{"backupState", "BS"}})
    if (flags.value(key, false)) out += (out.empty() ? "" : " ") + std::string(name);
  return out.empty() ? "(none)" : out;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// Prints one verdict: the document with --json, else "Verdict" and what `describe` adds, then the
// reasons and warnings. Returns the exit status: 0 verified, 1 rejected.
int print_verdict(const json& verdict, std::string_view schema, Context& ctx,
                  const std::function<void(const json&, Fields&)>& describe) {
  if (ctx.out.json()) {
    json body = verdict;
    body.erase("schema");
    ctx.out.document(schema, std::move(body));
  } else {
    Fields fields{{"Verdict", verdict_word(verdict, ctx)}};
    describe(verdict, fields);
    ctx.out.fields(fields);
    print_reasons(verdict, ctx);
  }
  return verdict.value("verified", false) ? 0 : 1;
}

Result<int> run_verify_registration(const RegistrationOptions& o, Context& ctx) {
  webauthn::VerifyDefaults d;
  if (auto ok = common_defaults(o, d); !ok) return fail(ok.error());
  for (const auto& path : o.trust_anchors) {
    auto pem = file_read(path);
    if (!pem) return fail(pem.error().category == ErrorCategory::not_found ? ErrorCategory::not_found : ErrorCategory::usage,
                          "--trust-anchor " + path + ": " + pem.error().message);
    auto certs = webauthn::certificates_parse_pem(*pem);
    if (!certs) return fail(ErrorCategory::usage, "--trust-anchor " + path + " holds no PEM certificate");
    for (auto& cert : *certs) d.trust_anchors.push_back(std::move(cert));
  }
  std::optional<webauthn::EnrollmentPolicy> policy;
  if (!o.policy.empty()) {
    auto loaded = webauthn::enrollment_policy_load(o.policy);
    if (!loaded) return fail(loaded.error());
    policy = std::move(*loaded);
    d.policy = &*policy;
  }
  std::shared_ptr<webauthn::MdsCached> mds;
  if (o.mds)
    if (auto ok = mds_defaults(ctx, d, mds); !ok) return fail(ok.error());
  if (!o.batch.empty()) return run_batch(o, webauthn::VerifyKind::registration, d, ctx);

  auto response = read_json(o.response, "--response", "a RegistrationResponseJSON", ctx);
  if (!response) return fail(response.error());
  auto verdict = webauthn::verify_registration_request(json_to_boost(*response), nullptr, d);
  if (!verdict) return fail(verdict.error());
  return print_verdict(json_to_nlohmann(*verdict), webauthn::k_registration_verdict_schema, ctx, [&](const json& v, Fields& fields) {
    if (v.value("fmt", std::string()).empty()) return;
    const json& trust = v["trust"];
    std::string trust_text = trust.value("status", "");
    if (trust.contains("path") && !trust["path"].empty()) trust_text += " (" + trust["path"].back().get<std::string>() + ")";
    fields.insert(fields.end(), {{"Format", v["fmt"].get<std::string>() + " (" + v.value("attestationType", "") + ")"},
                                 {"AAGUID", v["aaguid"].is_string() ? v["aaguid"].get<std::string>() : "(none)"},
                                 {"Credential", v.value("credentialId", "")},
                                 {"Public key", v.value("publicKey", "")},
                                 {"Counter", std::to_string(v.value("counter", 0u))},
                                 {"Flags", flags_text(v["flags"])},
                                 {"Trust", trust_text}});
    if (v["mds"].is_object())
      fields.emplace_back("MDS", fmt::format("{}, {}", v["mds"].value("description", ""), v["mds"].value("status", "")));
    if (v.value("virtualKey", false)) fields.emplace_back("Virtual key", "yes");
  });
}

Result<int> run_verify_assertion(const AssertionOptions& o, Context& ctx) {
  webauthn::VerifyDefaults d;
  if (auto ok = common_defaults(o, d); !ok) return fail(ok.error());
  if (!o.public_key.empty() && !o.credential.empty()) return fail(ErrorCategory::usage, "give --public-key or --credential, not both");
  if (!o.public_key.empty()) {
    auto key = base64url_decode(o.public_key);
    if (!key) return fail(ErrorCategory::usage, "--public-key takes a COSE_Key as base64url");
    if (auto usable = webauthn::cose_key_decode(*key); !usable)
      return fail(ErrorCategory::usage, "--public-key is not a usable COSE_Key: " + usable.error().message);
    d.credential = webauthn::StoredCredential{.id = {}, .public_key_cose = std::move(*key), .counter = 0};  // any credential id
  } else if (!o.credential.empty()) {
    auto file = read_json(o.credential, "--credential", R"({"id", "publicKey", "counter"})", ctx);
    if (!file) return fail(file.error());
    auto stored = webauthn::stored_credential_from_json(*file);
    if (!stored) return fail(ErrorCategory::usage, "--credential " + o.credential + ": " + stored.error().message);
    if (auto usable = webauthn::cose_key_decode(stored->public_key_cose); !usable)
      return fail(ErrorCategory::usage, "--credential " + o.credential + ": publicKey is not a usable COSE_Key: " + usable.error().message);
    d.credential = std::move(*stored);
  } else if (!o.response.empty()) {
    return fail(ErrorCategory::usage, "--public-key or --credential is required with --response");
  }
  if (o.counter) {
    if (*o.counter > 0xffffffffULL) return fail(ErrorCategory::usage, "--counter takes 0 to 4294967295");
    if (!d.credential) return fail(ErrorCategory::usage, "--counter goes with --public-key or --credential");
    d.credential->counter = static_cast<std::uint32_t>(*o.counter);
  }
  if (!o.batch.empty()) return run_batch(o, webauthn::VerifyKind::assertion, d, ctx);

  auto response = read_json(o.response, "--response", "an AuthenticationResponseJSON", ctx);
  if (!response) return fail(response.error());
  auto verdict = webauthn::verify_assertion_request(json_to_boost(*response), nullptr, d);
  if (!verdict) return fail(verdict.error());
  return print_verdict(json_to_nlohmann(*verdict), webauthn::k_assertion_verdict_schema, ctx, [&](const json& v, Fields& fields) {
    if (v.contains("counter"))
      fields.insert(fields.end(), {{"Credential", v.value("credentialId", "")},
                                   {"Counter", std::to_string(v.value("counter", 0u))},
                                   {"Flags", flags_text(v["flags"])}});
    if (v.value("possibleClone", false)) fields.emplace_back("Possible clone", ctx.out.styled("yes", Style::bad));
  });
}

void add_common_options(CLI::App* cmd, CommonOptions& o, std::string_view response_shape) {
  cmd->add_option("--response", o.response, fmt::format("{} to verify (- for stdin)", response_shape));
  cmd->add_option("--batch", o.batch, "NDJSON requests, one per line (- for stdin); prints one verdict per line");
  cmd->add_option("--challenge", o.challenge, "The challenge that was issued, base64url");
  cmd->add_option("--origin", o.origin, "The expected origin, e.g. https://example.com");
  cmd->add_option("--rp-id", o.rp_id, "The relying party id, e.g. example.com");
  cmd->add_flag("--require-uv", o.require_uv, "Require user verification (the UV flag)");
  cmd->add_option("--jobs", o.jobs, "Worker threads for --batch (default: every core)")->check(CLI::Range(1u, 1024u));
}

}  // namespace

void register_webauthn(CLI::App& app, Dispatch& dispatch) {
  auto* webauthn = add_command(app, dispatch, "webauthn", "Verify WebAuthn registrations and assertions offline");
  if (!webauthn) return;
  webauthn->require_subcommand(1);

  if (auto* cmd = add_command(*webauthn, dispatch, "verify-registration",
                              "Verify a registration: attestation, trust path, MDS status and policy")) {
    auto o = std::make_shared<RegistrationOptions>();
    add_common_options(cmd, *o, "RegistrationResponseJSON");
    cmd->add_option("--at", o->at, "Check certificates at this time (RFC 3339 or a date) instead of now");
    cmd->add_option("--trust-anchor", o->trust_anchors, "PEM file of attestation roots to trust (repeatable)");
    cmd->add_flag("--mds", o->mds, "Use the cached FIDO metadata (acctsec mds update): roots and status by AAGUID");
    cmd->add_option("--policy", o->policy, "Enrollment policy (TOML) the registration must satisfy");
    bind_action(cmd, dispatch, o, run_verify_registration);
  }

  if (auto* cmd = add_command(*webauthn, dispatch, "verify-assertion",
                              "Verify an assertion: signature, challenge, origin, flags and sign counter")) {
    auto o = std::make_shared<AssertionOptions>();
    add_common_options(cmd, *o, "AuthenticationResponseJSON");
    cmd->add_option("--public-key", o->public_key, "The credential public key, base64url COSE_Key");
    cmd->add_option("--credential", o->credential, R"(Stored credential file {"id", "publicKey", "counter"})");
    cmd->add_option("--counter", o->counter, "The last sign counter seen for the credential");
    bind_action(cmd, dispatch, o, run_verify_assertion);
  }
}

}  // namespace acctsec::cli
