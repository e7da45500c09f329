// The "android-safetynet" attestation statement format (WebAuthn Level 3 §8.5): a SafetyNet
// attestation response, a JWS signed by attest.android.com, whose nonce binds the registration.
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdint>

#include "core/timestamp.hpp"
#include "webauthn/attestation_statement.hpp"
#include "webauthn/hash.hpp"
#include "webauthn/jws.hpp"
#include "webauthn/statement_reader.hpp"

namespace acctsec::webauthn {
namespace {

constexpr std::string_view k_safetynet_hostname = "attest.android.com";

// How far timestampMs may be from the verification time. SafetyNet stamps the response with
// Google's clock when the client asks, right before the registration is sent, so a registration
// verified at `at` must have been stamped within a minute before it; a minute ahead allows for
// clock skew between Google and the verifier. A registration verified later must pass its own `at`.
constexpr std::chrono::milliseconds k_max_age{60'000};
constexpr std::chrono::milliseconds k_max_skew{60'000};

std::unexpected<Error> rejected(std::string message) {
  ERR_clear_error();
  return fail(ErrorCategory::rejected, "android-safetynet: " + std::move(message));
}

}  // namespace

Result<AttestationResult> attestation_verify_android_safetynet(const AttestationInput& input) {
  auto reader = detail::StatementReader::open(input.object.att_stmt_cbor, "android-safetynet", {"ver", "response"});
  if (!reader) return fail(reader.error());
  auto ver = reader->text("ver");
  if (!ver) return fail(ver.error());
  if (ver->empty()) return rejected("ver is empty; it must name the Google Play Services version");
  auto response = reader->bytes("response");
  if (!response) return fail(response.error());

  // Step 2: a JWS whose signature verifies with the certificate in its own header.
  auto jws = jws_verify_x5c(as_chars(*response));
  if (!jws) return rejected("response: " + jws.error().message);
  X509* leaf = jws->chain.front().get();
  // Step 4: ... and that certificate was issued to attest.android.com (SAN dNSName, or CN without one).
  if (X509_check_host(leaf, k_safetynet_hostname.data(), k_safetynet_hostname.size(), X509_CHECK_FLAG_NO_WILDCARDS,
                      nullptr) != 1) {
    return rejected(fmt::format("the response's signing certificate is issued to \"{}\", not {}",
                                certificate_subject(leaf), k_safetynet_hostname));
  }

  const nlohmann::json payload = nlohmann::json::parse(as_chars(jws->jws.payload), nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded() || !payload.is_object()) return rejected("the response payload is not a JSON object");

  // Step 3: nonce is base64(SHA-256(authenticatorData || clientDataHash)), standard alphabet, padded.
  Bytes to_hash = input.object.auth_data;
  to_hash.insert(to_hash.end(), input.client_data_hash.begin(), input.client_data_hash.end());
  const std::string expected_nonce = base64_encode(sha256(to_hash));
  const auto nonce = payload.find("nonce");
  if (nonce == payload.end() || !nonce->is_string()) return rejected("the response payload has no \"nonce\" string");
  if (nonce->get_ref<const std::string&>() != expected_nonce) {
    return rejected("the response nonce is not the base64 SHA-256 of authenticatorData and the clientDataJSON hash");
  }

  // Step 5: the device passed the CTS profile check.
  const auto cts = payload.find("ctsProfileMatch");
  if (cts == payload.end() || !cts->is_boolean()) {
    return rejected("the response payload has no \"ctsProfileMatch\" boolean");
  }
  if (!cts->get<bool>()) return rejected("ctsProfileMatch is false: the device failed SafetyNet's compatibility check");

  // The response must be fresh at the verification time.
  const auto stamp = payload.find("timestampMs");
  if (stamp == payload.end() || !stamp->is_number_integer()) {
    return rejected("the response payload has no integer \"timestampMs\"");
  }
  const std::chrono::system_clock::time_point at = input.at.value_or(std::chrono::system_clock::now());
  const auto at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch());
  // Bounded first (0 to year 9999) so the conversions below cannot overflow.
  constexpr std::int64_t k_max_timestamp_ms = 253'402'300'799'000;
  const std::int64_t stamp_ms = stamp->is_number_unsigned() && stamp->get<std::uint64_t>() > k_max_timestamp_ms
                                    ? -1
                                    : stamp->get<std::int64_t>();
  if (stamp_ms < 0 || stamp_ms > k_max_timestamp_ms) {
    return rejected(fmt::format("timestampMs {} is not a time between 1970 and 9999", stamp->dump()));
  }
  const std::chrono::milliseconds stamped{stamp_ms};
  const std::chrono::system_clock::time_point stamped_at{stamped};
  if (stamped > at_ms + k_max_skew) {
    return rejected(fmt::format("timestampMs ({}) is more than {} s after the verification time ({})",
                                format_timestamp(stamped_at), k_max_skew.count() / 1000, format_timestamp(at)));
  }
  if (stamped < at_ms - k_max_age) {
    return rejected(fmt::format("timestampMs ({}) is more than {} s before the verification time ({}); the response "
                                "is too old",
                                format_timestamp(stamped_at), k_max_age.count() / 1000, format_timestamp(at)));
  }
  return AttestationResult{AttestationType::basic, std::move(jws->chain)};
}

}  // namespace acctsec::webauthn
