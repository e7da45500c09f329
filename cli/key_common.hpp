// Pieces shared by the `key` verbs.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>

#include "command.hpp"
#include "fido/device.hpp"
#include "fido/enrollment.hpp"
#include "pin_input.hpp"

namespace acctsec::cli {

// Opens the key chosen by --device (or the only one attached), with --timeout as its deadline.
Result<fido::Device> key_open(Context& ctx);

// Reads the PIN when one was supplied, or when the key has one set; nullopt when neither.
Result<std::optional<Secret>> key_pin_if_needed(const fido::Device& device, const PinSource& source, Context& ctx);

// WebAuthn's words, as --uv and --attestation take them and servers send them; anything else is
// the default (preferred, direct).
fido::UserVerification user_verification_from(std::string_view text);
fido::AttestationConveyance attestation_from(std::string_view text);

// Signs a server's PublicKeyCredentialRequestOptionsJSON (`public_key`: rpId, challenge,
// allowCredentials, userVerification) with the key chosen by --device, reading the PIN from
// `pin` when the server requires user verification: the AuthenticationResponseJSON. A key that
// holds none of the allowed credentials is not_found with `not_enrolled` as the message.
// Errors: network (options without a challenge or rpId), device, timeout, cancelled, not_found.
Result<nlohmann::json> key_sign_server_options(Context& ctx, const nlohmann::json& public_key, const std::string& origin,
                                               const PinSource& pin, const std::string& not_enrolled);

// Asks the user to type `word` to go ahead, unless --yes was given. Errors: usage (no terminal
// and no --yes), rejected (the user typed something else), cancelled.
Result<void> confirm_typed(Context& ctx, bool yes, std::string_view question, std::string_view word);

void register_key_pin(CLI::App& key, Dispatch& dispatch);
void register_key_credentials(CLI::App& key, Dispatch& dispatch);
void register_key_virtual(CLI::App& key, Dispatch& dispatch);
void register_key_enroll(CLI::App& key, Dispatch& dispatch);
void register_key_test(CLI::App& key, Dispatch& dispatch);

}  // namespace acctsec::cli
