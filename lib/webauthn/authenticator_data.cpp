#include "webauthn/authenticator_data.hpp"

#include <fmt/format.h>

#include "webauthn/cbor.hpp"

namespace acctsec::webauthn {
namespace {

constexpr std::size_t k_rp_id_hash_size = 32;
constexpr std::size_t k_aaguid_size = 16;

std::unexpected<Error> rejected(std::string message) {
  return fail(ErrorCategory::rejected, "authenticator data: " + std::move(message));
}

// Checks that `item` is exactly one CBOR map (duplicate keys refused).
Result<void> check_one_map(ByteView item) {
  cbor::Reader reader(item);
  auto type = reader.peek_type();
  if (!type) return fail(type.error());
  if (*type != cbor::MajorType::map) {
    return fail(ErrorCategory::rejected, fmt::format("it is a CBOR {}, not a map", cbor::major_type_name(*type)));
  }
  if (auto entries = reader.read_map(); !entries) return fail(entries.error());
  if (!reader.at_end()) return fail(ErrorCategory::rejected, "bytes follow the CBOR map");
  return {};
}

}  // namespace

void authenticator_data_set_flags(AuthenticatorData& data, std::uint8_t flags) {
  data.flags = flags;
  data.user_present = (flags & k_flag_user_present) != 0;
  data.user_verified = (flags & k_flag_user_verified) != 0;
  data.backup_eligible = (flags & k_flag_backup_eligible) != 0;
  data.backup_state = (flags & k_flag_backup_state) != 0;
  data.attested_data = (flags & k_flag_attested_data) != 0;
  data.extension_data = (flags & k_flag_extension_data) != 0;
}

Result<AuthenticatorData> authenticator_data_parse(ByteView raw) {
  if (raw.size() < k_authenticator_data_min_size) {
    return rejected(fmt::format("it is {} bytes; it needs at least {} (rpIdHash, flags, signCount)", raw.size(),
                                k_authenticator_data_min_size));
  }
  AuthenticatorData data;
  data.rp_id_hash.assign(raw.begin(), raw.begin() + k_rp_id_hash_size);
  authenticator_data_set_flags(data, raw[32]);
  data.sign_count = (std::uint32_t{raw[33]} << 24) | (std::uint32_t{raw[34]} << 16) | (std::uint32_t{raw[35]} << 8) |
                    std::uint32_t{raw[36]};
  std::size_t pos = k_authenticator_data_min_size;

  if (data.attested_data) {
    if (raw.size() - pos < k_aaguid_size + 2) {
      return rejected(
          fmt::format("the AT flag is set but only {} bytes follow signCount; attested credential data "
                      "needs at least 18 (AAGUID and credential ID length)",
                      raw.size() - pos));
    }
    AttestedCredentialData attested;
    attested.aaguid.assign(raw.begin() + static_cast<std::ptrdiff_t>(pos),
                           raw.begin() + static_cast<std::ptrdiff_t>(pos + k_aaguid_size));
    pos += k_aaguid_size;
    const std::size_t id_length = (std::size_t{raw[pos]} << 8) | raw[pos + 1];
    pos += 2;
    if (id_length == 0) return rejected("the credential ID length is 0");
    if (id_length > k_credential_id_max_size) {
      return rejected(fmt::format("the credential ID length is {}; WebAuthn allows at most {}", id_length,
                                  k_credential_id_max_size));
    }
    if (raw.size() - pos < id_length) {
      return rejected(
          fmt::format("the credential ID length is {} but only {} bytes follow", id_length, raw.size() - pos));
    }
    attested.credential_id.assign(raw.begin() + static_cast<std::ptrdiff_t>(pos),
                                  raw.begin() + static_cast<std::ptrdiff_t>(pos + id_length));
    pos += id_length;
    if (pos == raw.size()) return rejected("the credential public key is missing after the credential ID");
    // The COSE key has no length prefix: its extent is that of one CBOR item.
    auto key_size = cbor::item_size(raw.subspan(pos));
    if (!key_size) return rejected("the credential public key is not well-formed CBOR: " + key_size.error().message);
    const ByteView key = raw.subspan(pos, *key_size);
    if (auto ok = check_one_map(key); !ok) {
      return rejected("the credential public key is not a COSE_Key map: " + ok.error().message);
    }
    attested.public_key_cose.assign(key.begin(), key.end());
    pos += *key_size;
    data.attested = std::move(attested);
  }

  if (data.extension_data) {
    if (pos == raw.size()) return rejected("the ED flag is set but no extensions follow");
    const ByteView extensions = raw.subspan(pos);
    auto size = cbor::item_size(extensions);
    if (!size) return rejected("the extensions are not well-formed CBOR: " + size.error().message);
    if (*size != extensions.size()) {
      return rejected(fmt::format("{} bytes follow the extensions map", extensions.size() - *size));
    }
    if (auto ok = check_one_map(extensions); !ok) {
      return rejected("the extensions are not a CBOR map: " + ok.error().message);
    }
    data.extensions_cbor = Bytes(extensions.begin(), extensions.end());
    pos = raw.size();
  }

  if (pos != raw.size()) {
    return rejected(fmt::format("{} unexpected bytes follow {} (the ED flag is not set)", raw.size() - pos,
                                data.attested_data ? "the credential public key" : "signCount"));
  }
  return data;
}

Result<Bytes> authenticator_data_encode(const AuthenticatorData& data) {
  auto usage = [](std::string message) { return fail(ErrorCategory::usage, "authenticator data: " + message); };
  if (data.rp_id_hash.size() != k_rp_id_hash_size) {
    return usage(fmt::format("rpIdHash is {} bytes; it must be 32", data.rp_id_hash.size()));
  }
  const bool at = (data.flags & k_flag_attested_data) != 0;
  const bool ed = (data.flags & k_flag_extension_data) != 0;
  if (at != data.attested.has_value()) {
    return usage(at ? "the AT flag is set but there is no attested credential data"
                    : "there is attested credential data but the AT flag is clear");
  }
  if (ed != data.extensions_cbor.has_value()) {
    return usage(ed ? "the ED flag is set but there are no extensions"
                    : "there are extensions but the ED flag is clear");
  }
  Bytes out(data.rp_id_hash);
  out.push_back(data.flags);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(data.sign_count >> shift));
  if (data.attested) {
    const auto& a = *data.attested;
    if (a.aaguid.size() != k_aaguid_size)
      return usage(fmt::format("AAGUID is {} bytes; it must be 16", a.aaguid.size()));
    if (a.credential_id.empty() || a.credential_id.size() > k_credential_id_max_size) {
      return usage(fmt::format("credential ID is {} bytes; it must be 1 to {}", a.credential_id.size(),
                               k_credential_id_max_size));
    }
    if (auto ok = check_one_map(a.public_key_cose); !ok) {
      return usage("the credential public key is not one COSE_Key map: " + ok.error().message);
    }
    out.insert(out.end(), a.aaguid.begin(), a.aaguid.end());
    out.push_back(static_cast<std::uint8_t>(a.credential_id.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(a.credential_id.size() & 0xff));
    out.insert(out.end(), a.credential_id.begin(), a.credential_id.end());
    out.insert(out.end(), a.public_key_cose.begin(), a.public_key_cose.end());
  }
  if (data.extensions_cbor) {
    if (auto ok = check_one_map(*data.extensions_cbor); !ok) {
      return usage("the extensions are not one CBOR map: " + ok.error().message);
    }
    out.insert(out.end(), data.extensions_cbor->begin(), data.extensions_cbor->end());
  }
  return out;
}

}  // namespace acctsec::webauthn
