#include "webauthn/jws.hpp"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <array>
#include <optional>
#include <set>

#include "webauthn/response_json.hpp"

namespace acctsec::webauthn {
namespace {

enum class KeyKind { ec, rsa };

struct JwsAlgorithm {
  std::string_view name;
  int cose_alg;  // the COSE identifier with the same hash and padding, for signature_verify
  KeyKind kind;
  std::string_view curve;  // OpenSSL group name for ES*, empty for RSA
  std::size_t coordinate_size;
  const EVP_MD* (*digest)();
};

constexpr std::array<JwsAlgorithm, 5> k_algorithms{{
    {"ES256", k_cose_alg_es256, KeyKind::ec, "prime256v1", 32, &EVP_sha256},
    {"ES384", k_cose_alg_es384, KeyKind::ec, "secp384r1", 48, &EVP_sha384},
    {"ES512", k_cose_alg_es512, KeyKind::ec, "secp521r1", 66, &EVP_sha512},
    {"RS256", k_cose_alg_rs256, KeyKind::rsa, "", 0, &EVP_sha256},
    {"PS256", k_cose_alg_ps256, KeyKind::rsa, "", 0, &EVP_sha256},
}};

const JwsAlgorithm* find_algorithm(std::string_view name) {
  for (const auto& info : k_algorithms) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::unexpected<Error> rejected(std::string message) {
  ERR_clear_error();
  return fail(ErrorCategory::rejected, "JWS: " + std::move(message));
}

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string_view trim(std::string_view text) {
  constexpr std::string_view k_space = " \t\r\n";
  const auto first = text.find_first_not_of(k_space);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(k_space);
  return text.substr(first, last - first + 1);
}

// nlohmann keeps the last of duplicate members silently; RFC 7515 §5.2 lets a recipient refuse
// them instead, which avoids disagreeing with another parser about which "alg" counts.
nlohmann::json parse_json_object_strict(std::string_view text, bool& duplicate) {
  std::vector<std::set<std::string>> open_objects;
  const nlohmann::json::parser_callback_t callback = [&](int, nlohmann::json::parse_event_t event,
                                                         nlohmann::json& parsed) {
    switch (event) {
      case nlohmann::json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case nlohmann::json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case nlohmann::json::parse_event_t::key:
        if (!open_objects.empty() && !open_objects.back().insert(parsed.get<std::string>()).second) duplicate = true;
        break;
      default:
        break;
    }
    return true;
  };
  return nlohmann::json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
}

// JOSE carries ECDSA signatures as fixed-size r || s (RFC 7518 §3.4); OpenSSL wants DER.
Result<Bytes> ecdsa_raw_to_der(ByteView raw, std::size_t coordinate_size) {
  if (raw.size() != 2 * coordinate_size) {
    return rejected(fmt::format("the ECDSA signature is {} bytes; r || s on this curve is {} bytes", raw.size(),
                                2 * coordinate_size));
  }
  const int half = static_cast<int>(coordinate_size);
  BnPtr r(BN_bin2bn(raw.data(), half, nullptr));
  BnPtr s(BN_bin2bn(raw.data() + coordinate_size, half, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "JWS: OpenSSL could not build the ECDSA signature");
  }
  // ECDSA_SIG_set0 took ownership of r and s.
  (void)r.release();
  (void)s.release();
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0 || !der) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "JWS: OpenSSL could not encode the ECDSA signature");
  }
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

Result<Bytes> ecdsa_der_to_raw(ByteView der, std::size_t coordinate_size) {
  const unsigned char* cursor = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!sig) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "JWS: OpenSSL produced an unreadable ECDSA signature");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes out(2 * coordinate_size);
  const int half = static_cast<int>(coordinate_size);
  if (BN_bn2binpad(r, out.data(), half) != half || BN_bn2binpad(s, out.data() + coordinate_size, half) != half) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "JWS: the ECDSA signature does not fit the curve size");
  }
  return out;
}

// The key must be the kind the alg names, on its curve (EC) or large enough (RSA).
std::optional<std::string> key_mismatch(const JwsAlgorithm& info, EVP_PKEY* key) {
  const int base = EVP_PKEY_get_base_id(key);
  if (info.kind == KeyKind::rsa) {
    if (base != EVP_PKEY_RSA) return fmt::format("{} needs an RSA key", info.name);
    if (const int bits = EVP_PKEY_get_bits(key); bits < k_rsa_min_bits) {
      return fmt::format("the RSA key has {} bits; {} needs at least {}", bits, info.name, k_rsa_min_bits);
    }
    return std::nullopt;
  }
  if (base != EVP_PKEY_EC) return fmt::format("{} needs an EC key", info.name);
  std::array<char, 64> group{};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &length) != 1 ||
      std::string_view(group.data(), length) != info.curve) {
    ERR_clear_error();
    return fmt::format("{} needs a key on {}", info.name, info.curve);
  }
  return std::nullopt;
}

Result<Bytes> decode_segment(std::string_view segment, std::string_view name) {
  if (segment.empty() && name != "payload") return rejected(fmt::format("the {} segment is empty", name));
  auto decoded = detail::base64url_strict(segment);
  if (!decoded) return rejected(fmt::format("the {} segment is not base64url without padding", name));
  return std::move(*decoded);
}

}  // namespace

std::string_view jws_supported_algorithms() { return "ES256, ES384, ES512, RS256 and PS256"; }

Result<Jws> jws_parse(std::string_view compact) {
  const std::string_view text = trim(compact);
  const auto first_dot = text.find('.');
  const auto second_dot = first_dot == std::string_view::npos ? first_dot : text.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || text.find('.', second_dot + 1) != std::string_view::npos) {
    return rejected("it is not three base64url segments joined by '.' (compact serialization)");
  }
  const std::string_view header_text = text.substr(0, first_dot);
  const std::string_view payload_text = text.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_text = text.substr(second_dot + 1);

  auto header_bytes = decode_segment(header_text, "header");
  if (!header_bytes) return fail(header_bytes.error());
  auto payload = decode_segment(payload_text, "payload");
  if (!payload) return fail(payload.error());
  auto signature = decode_segment(signature_text, "signature");
  if (!signature) return fail(signature.error());

  bool duplicate = false;
  nlohmann::json header = parse_json_object_strict(as_chars(*header_bytes), duplicate);
  if (header.is_discarded()) return rejected("the header is not valid UTF-8 JSON");
  if (!header.is_object()) return rejected("the header is not a JSON object");
  if (duplicate) return rejected("the header names a member twice");

  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return rejected("the header has no \"alg\" string");
  const std::string algorithm = alg->get<std::string>();
  if (algorithm == "none") return rejected("alg \"none\" (an unsigned JWS) is refused");
  if (algorithm.starts_with("HS")) {
    return rejected(fmt::format("alg \"{}\" is a shared-secret MAC; only signatures from a certificate are accepted",
                                algorithm));
  }
  if (!find_algorithm(algorithm)) {
    return rejected(fmt::format("alg \"{}\" is not supported; acctsec verifies {}", algorithm,
                                jws_supported_algorithms()));
  }
  if (header.contains("crit")) {
    return rejected("the header has \"crit\" extensions, which acctsec does not understand (RFC 7515 §4.1.11)");
  }

  Jws out;
  if (const auto x5c = header.find("x5c"); x5c != header.end()) {
    if (!x5c->is_array() || x5c->empty()) return rejected("the header's \"x5c\" is not a non-empty array");
    for (std::size_t i = 0; i < x5c->size(); ++i) {
      const auto& item = (*x5c)[i];
      if (!item.is_string()) return rejected(fmt::format("x5c[{}] is not a string", i));
      // RFC 7515 §4.1.6: standard base64 (not base64url) of the DER.
      auto der = base64_decode(item.get_ref<const std::string&>());
      if (!der || der->empty()) return rejected(fmt::format("x5c[{}] is not standard base64 of a DER certificate", i));
      out.x5c.push_back(std::move(*der));
    }
  }
  out.header = std::move(header);
  out.algorithm = algorithm;
  out.payload = std::move(*payload);
  out.signing_input = std::string(text.substr(0, second_dot));
  out.signature = std::move(*signature);
  return out;
}

Result<void> jws_verify(const Jws& jws, EVP_PKEY* key) {
  if (!key) return rejected("there is no public key to verify the signature with");
  const auto* info = find_algorithm(jws.algorithm);
  if (!info) {
    return rejected(fmt::format("alg \"{}\" is not supported; acctsec verifies {}", jws.algorithm,
                                jws_supported_algorithms()));
  }
  if (auto mismatch = key_mismatch(*info, key)) return rejected(*mismatch);
  Bytes signature = jws.signature;
  if (info->kind == KeyKind::ec) {
    auto der = ecdsa_raw_to_der(jws.signature, info->coordinate_size);
    if (!der) return fail(der.error());
    signature = std::move(*der);
  }
  if (auto ok = signature_verify(key, info->cose_alg, as_bytes(jws.signing_input), signature); !ok) {
    return rejected(fmt::format("the {} signature does not verify over the header and payload", info->name));
  }
  return {};
}

Result<VerifiedJws> jws_verify_x5c(std::string_view compact) {
  auto jws = jws_parse(compact);
  if (!jws) return fail(jws.error());
  if (jws->x5c.empty()) return rejected("the header has no \"x5c\" certificate chain to verify the signature with");
  auto chain = certificate_chain_parse_der(jws->x5c, "JWS x5c");
  if (!chain) return rejected(chain.error().message);
  const EvpPkeyPtr key = certificate_public_key(chain->front().get());
  if (!key) return rejected("the public key of x5c[0] cannot be read");
  if (auto ok = jws_verify(*jws, key.get()); !ok) {
    return fail(ErrorCategory::rejected,
                fmt::format("{} (x5c[0]: {})", ok.error().message, certificate_subject(chain->front().get())));
  }
  return VerifiedJws{std::move(*jws), std::move(*chain)};
}

Result<std::string> jws_sign(const nlohmann::json& header, ByteView payload, EVP_PKEY* private_key) {
  if (!private_key) return fail(ErrorCategory::usage, "JWS: no private key to sign with");
  const auto alg = header.find("alg");
  if (!header.is_object() || alg == header.end() || !alg->is_string()) {
    return fail(ErrorCategory::usage, "JWS: the header needs an \"alg\" string");
  }
  const auto* info = find_algorithm(alg->get<std::string>());
  if (!info) {
    return fail(ErrorCategory::usage, fmt::format("JWS: alg {} is not supported; use one of {}", alg->dump(),
                                                  jws_supported_algorithms()));
  }
  if (auto mismatch = key_mismatch(*info, private_key)) return fail(ErrorCategory::usage, "JWS: " + *mismatch);

  const std::string signing_input = base64url_encode(as_bytes(header.dump())) + "." + base64url_encode(payload);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by ctx
  bool ok = ctx && EVP_DigestSignInit(ctx.get(), &pkey_ctx, info->digest(), nullptr, private_key) == 1;
  if (ok && info->kind == KeyKind::rsa) {
    ok = info->name == "PS256" ? EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                                     EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, RSA_PSS_SALTLEN_DIGEST) == 1
                               : EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) == 1;
  }
  std::size_t length = 0;
  const auto* message = reinterpret_cast<const unsigned char*>(signing_input.data());
  ok = ok && EVP_DigestSign(ctx.get(), nullptr, &length, message, signing_input.size()) == 1;
  Bytes signature(length);
  ok = ok && EVP_DigestSign(ctx.get(), signature.data(), &length, message, signing_input.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return fail(ErrorCategory::internal, "JWS: OpenSSL could not sign (is it a private key?)");
  }
  signature.resize(length);
  if (info->kind == KeyKind::ec) {
    auto raw = ecdsa_der_to_raw(signature, info->coordinate_size);
    if (!raw) return fail(raw.error());
    signature = std::move(*raw);
  }
  return signing_input + "." + base64url_encode(signature);
}

}  // namespace acctsec::webauthn
