// acctsec key enroll | test
#include <fmt/format.h>

#include "backend.hpp"
#include "core/file.hpp"
#include "fido/enrollment.hpp"
#include "key_common.hpp"
#include "key_enroll_server.hpp"
#include "key_server.hpp"
#include "webauthn/authentication_response.hpp"
#include "webauthn/enrollment_record.hpp"
#include "webauthn/verification_request.hpp"

namespace acctsec::cli {
namespace {

Result<webauthn::EnrollmentRecord> record_read(const std::string& path) {
  auto text = file_read(path);
  if (!text) {
    if (text.error().category == ErrorCategory::not_found)
      return fail(ErrorCategory::not_found, path + " does not exist; make one with acctsec key enroll --out " + path);
    return fail(text.error());
  }
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded()) return fail(ErrorCategory::usage, path + " is not JSON; expected an enrollment record from acctsec key enroll --out");
  auto record = webauthn::enrollment_record_from_json(json);
  if (!record) return fail(ErrorCategory::usage, path + ": " + record.error().message);
  return record;
}

struct EnrollOptions {
  std::string rp_id;
  std::string rp_name;
  std::string origin;
  std::string user;
  std::string user_id;
  std::string display_name;
  bool discoverable = false;
  std::string uv = "preferred";
  std::string attestation = "direct";
  std::string alg = "es256";
  std::vector<std::string> exclude_files;
  std::vector<std::string> exclude_ids;
  std::string out;
  PinSource pin;
  bool server = false;
  std::string bootstrap_code_file;
};

Result<int> run_key_enroll(const EnrollOptions& o, Context& ctx) {
  if (o.server) {
    if (!o.rp_id.empty() || !o.origin.empty() || !o.user_id.empty() || !o.exclude_ids.empty() || !o.exclude_files.empty())
      return fail(ErrorCategory::usage, "with --server the server names the relying party, origin, user handle and excluded "
                                        "credentials: leave out --rp-id, --origin, --user-id, --exclude and --exclude-id");
    EnrollServerRequest request{.user = o.user, .display_name = o.display_name, .bootstrap_code_file = o.bootstrap_code_file,
                                .out = o.out, .pin = o.pin};
    return run_key_enroll_server(request, ctx);
  }
  if (!o.bootstrap_code_file.empty()) return fail(ErrorCategory::usage, "--bootstrap-code-file goes with --server");
  const Setting rp_id = backend_settings(ctx, "", o.rp_id).rp_id;
  if (!rp_id.set())
    return fail(ErrorCategory::usage, "key enroll needs --rp-id (or ACCTSEC_RP_ID, or rp_id in the config file; or --server, which "
                                      "takes it from the backend)\nRun 'acctsec key enroll --help' for usage.");
  fido::EnrollRequest request;
  request.rp_id = rp_id.value;
  request.rp_name = o.rp_name;
  request.origin = o.origin;
  request.user_name = o.user;
  request.user_display_name = o.display_name;
  if (!o.user_id.empty()) {
    auto id = base64url_decode(o.user_id);
    if (!id || id->empty() || id->size() > 64) return fail(ErrorCategory::usage, "--user-id takes 1 to 64 bytes as base64url");
    request.user_id = std::move(*id);
  }
  request.resident_key = o.discoverable ? fido::ResidentKey::yes : fido::ResidentKey::no;
  request.user_verification = user_verification_from(o.uv);
  request.attestation = attestation_from(o.attestation);
  request.algorithm = o.alg == "eddsa" ? fido::Algorithm::eddsa : fido::Algorithm::es256;
  for (const auto& id_text : o.exclude_ids) {
    auto id = base64url_decode(id_text);
    if (!id || id->empty()) return fail(ErrorCategory::usage, "--exclude-id takes a credential id in base64url, not '" + id_text + "'");
    request.exclude.push_back(std::move(*id));
  }
  for (const auto& path : o.exclude_files) {
    auto record = record_read(path);
    if (!record) return fail(record.error());
    request.exclude.push_back(record->response.credential_id);
  }

  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  auto pin = key_pin_if_needed(*device, o.pin, ctx);
  if (!pin) return fail(pin.error());
  request.pin = *pin ? &**pin : nullptr;
  if (!device->is_virtual()) ctx.out.info("Touch the key to create the credential.");
  else if (ctx.out.verbose()) ctx.out.info("Waiting for " + device->path() + " to create the credential.");
  auto record = fido::key_enroll(*device, request);
  if (!record) return fail(record.error());
  const nlohmann::json json = webauthn::enrollment_record_to_json(*record);

  if (!o.out.empty()) {
    if (auto ok = file_write_atomic(o.out, json.dump(2) + "\n", file_mode_for_umask()); !ok) return fail(ok.error());
  }
  const std::string credential_id = base64url_encode(record->response.credential_id);
  if (ctx.out.json()) {
    if (o.out.empty()) {
      *ctx.deps.out << json.dump(ctx.deps.out_is_tty ? 2 : -1) << '\n';
    } else {
      ctx.out.document("acctsec.key.enroll/1", {{"file", o.out},
                                                {"rpId", record->rp_id},
                                                {"user", record->user.name},
                                                {"credentialId", credential_id},
                                                {"device", record->device}});
    }
    return 0;
  }
  if (o.out.empty()) {
    // Without --out the record itself is the data.
    ctx.out.line(json.dump(2));
    return 0;
  }
  ctx.out.fields({{"Enrolled", record->user.name + " at " + record->rp_id},
                  {"Credential", credential_id},
                  {"Attestation", record->device.value("attestationFormat", "")},
                  {"AAGUID", record->device.value("aaguid", "")},
                  {"Key", device->path() + (device->is_virtual() ? " (virtual)" : "")},
                  {"Record", o.out}});
  ctx.out.info(fmt::format("Test it with: acctsec key test --enrollment {}", o.out));
  return 0;
}

struct TestOptions {
  std::string enrollment;
  bool require_uv = false;
  std::string out;
  bool server = false;
  std::string user;
  PinSource pin;
};

// The assertion as one `webauthn verify-assertion --batch` line, so that it can be kept and
// verified again later by anyone holding the enrolled public key.
nlohmann::json assertion_batch_line(const webauthn::EnrollmentRecord& record, const fido::KeyTestReport& report) {
  const auto& e = report.expectation;
  const webauthn::StoredCredential credential{.id = record.response.credential_id,
                                              .public_key_cose = e.credential_public_key,
                                              .counter = e.stored_sign_count};
  return {{"id", base64url_encode(record.response.credential_id)},
          {"response", webauthn::authentication_response_to_json(report.response)},
          {"expected", {{"challenge", base64url_encode(e.challenge)},
                        {"origin", e.origin},
                        {"rpId", e.rp_id},
                        {"requireUserVerification", e.require_user_verification},
                        {"credential", webauthn::stored_credential_to_json(credential)}}}};
}

Result<int> run_key_test(const TestOptions& o, Context& ctx) {
  if (o.server) {
    if (!o.enrollment.empty() || !o.out.empty() || o.require_uv)
      return fail(ErrorCategory::usage, "--server tests the key against the backend's enrollment and policy: leave out --enrollment, "
                                        "--out and --require-uv");
    return run_key_test_server(o.user, o.pin, ctx);
  }
  if (!o.user.empty()) return fail(ErrorCategory::usage, "--user tests against a user's keys on the backend: add --server");
  if (o.enrollment.empty())
    return fail(ErrorCategory::usage, "key test needs --enrollment FILE (a record from acctsec key enroll --out), or --server");
  auto record = record_read(o.enrollment);
  if (!record) return fail(record.error());
  auto device = key_open(ctx);
  if (!device) return fail(device.error());
  std::optional<Secret> pin;
  if (o.require_uv || o.pin.given()) {
    auto read = key_pin_if_needed(*device, o.pin, ctx);
    if (!read) return fail(read.error());
    pin = std::move(*read);
  }
  if (!device->is_virtual()) ctx.out.info("Touch the key to sign the test challenge.");
  else if (ctx.out.verbose()) ctx.out.info("Waiting for " + device->path() + " to sign the test challenge.");
  auto report = fido::key_test(*device, *record, {o.require_uv, pin ? &*pin : nullptr});
  if (!report) return fail(report.error());
  if (!o.out.empty()) {
    if (auto ok = file_write_atomic(o.out, assertion_batch_line(*record, *report).dump() + "\n", file_mode_for_umask()); !ok)
      return fail(ok.error());
  }
  const auto& v = report->verdict;
  if (ctx.out.json()) {
    ctx.out.document("acctsec.key.test/1", {{"verified", v.verified},
                                            {"reasons", v.reasons},
                                            {"rpId", record->rp_id},
                                            {"user", record->user.name},
                                            {"credentialId", base64url_encode(record->response.credential_id)},
                                            {"signCount", v.sign_count},
                                            {"previousSignCount", report->expectation.stored_sign_count},
                                            {"userPresent", v.user_present},
                                            {"userVerified", v.user_verified},
                                            {"possibleClone", v.possible_clone},
                                            {"device", device->path()},
                                            {"response", webauthn::authentication_response_to_json(report->response)}});
  } else {
    ctx.out.fields({{"Verdict", v.verified ? ctx.out.styled("verified", Style::good) : ctx.out.styled("REJECTED", Style::bad)},
                    {"Credential", base64url_encode(record->response.credential_id)},
                    {"User", record->user.name + " at " + record->rp_id},
                    {"User present", v.user_present ? "yes" : "no"},
                    {"User verified", v.user_verified ? "yes" : "no"},
                    {"Sign count", fmt::format("{} (enrolled at {})", v.sign_count, report->expectation.stored_sign_count)}});
    for (const auto& reason : v.reasons) ctx.out.line("  - " + reason);
  }
  return v.verified ? 0 : 1;
}

}  // namespace

void register_key_enroll(CLI::App& key, Dispatch& dispatch) {
  auto o = std::make_shared<EnrollOptions>();
  auto* cmd = add_command(key, dispatch, "enroll", "Create a credential on the key and write its enrollment record");
  if (!cmd) return;
  cmd->add_option("--rp-id", o->rp_id, "Relying party id, e.g. example.com (not with --server)");
  cmd->add_option("--rp-name", o->rp_name, "Relying party display name (default: the rp id)");
  cmd->add_option("--origin", o->origin, "Origin in clientDataJSON (default: https://<rp id>)");
  cmd->add_option("--user", o->user, "User name, e.g. alice@example.com")->required();
  cmd->add_option("--user-id", o->user_id, "User handle in base64url (default: 16 random bytes)");
  cmd->add_option("--display-name", o->display_name, "User display name (default: the user name)");
  cmd->add_flag("--discoverable", o->discoverable, "Make a discoverable (resident) credential");
  cmd->add_option("--uv", o->uv, "User verification: required, preferred or discouraged")
      ->check(CLI::IsMember({"required", "preferred", "discouraged"}));
  cmd->add_option("--attestation", o->attestation, "Attestation conveyance: none, indirect, direct or enterprise")
      ->check(CLI::IsMember({"none", "indirect", "direct", "enterprise"}));
  cmd->add_option("--alg", o->alg, "Credential algorithm: es256 or eddsa")->check(CLI::IsMember({"es256", "eddsa"}));
  cmd->add_option("--exclude", o->exclude_files, "Enrollment record whose credential the key must not already hold (repeatable)");
  cmd->add_option("--exclude-id", o->exclude_ids, "Credential id (base64url) the key must not already hold (repeatable)");
  cmd->add_option("--out", o->out, "Write the enrollment record to FILE (default: print it)");
  cmd->add_flag("--server", o->server, "Enroll with the acctsec backend: its ceremony, its policy (see --server-url)");
  cmd->add_option("--bootstrap-code-file", o->bootstrap_code_file,
                  "With --server: make the first admin with the server's one-time code file (no login needed)");
  add_pin_options(cmd, o->pin);
  bind_action(cmd, dispatch, o, run_key_enroll);
}

void register_key_test(CLI::App& key, Dispatch& dispatch) {
  auto o = std::make_shared<TestOptions>();
  auto* cmd = add_command(key, dispatch, "test", "Make an assertion with the key and verify it against an enrollment record");
  if (!cmd) return;
  cmd->add_option("--enrollment", o->enrollment, "Enrollment record from acctsec key enroll --out");
  cmd->add_flag("--require-uv", o->require_uv, "Require user verification (PIN or built-in)");
  cmd->add_option("--out", o->out, "Save the assertion as one line for acctsec webauthn verify-assertion --batch");
  cmd->add_flag("--server", o->server, "Test against the keys enrolled at the acctsec backend (see --server-url)");
  cmd->add_option("--user", o->user, "With --server: whose enrolled keys (default: yours)");
  add_pin_options(cmd, o->pin);
  bind_action(cmd, dispatch, o, run_key_test);
}

}  // namespace acctsec::cli
