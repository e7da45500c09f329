// The CTAP2 message handler on its own, below libfido2: canonical replies, reply sizes, and the
// request checks libfido2 never exercises because it always sends well-formed requests.
#include "fido/virtual/soft_authenticator.hpp"

#include <doctest/doctest.h>

#include "fido/virtual/cose.hpp"
#include "fido/virtual/ctap.hpp"
#include "fido/virtual/state.hpp"
#include "scratch_dir.hpp"

using namespace acctsec;
using namespace acctsec::fido::soft;

namespace {

VirtualState fresh_state(fido::VirtualAttestation mode = fido::VirtualAttestation::packed,
                         const Secret* pin = nullptr) {
  acctsec::test::ScratchDir dir;
  fido::VirtualCreateOptions options;
  options.attestation = mode;
  options.pin = pin;
  REQUIRE(fido::virtual_create(dir.file("key.json"), options).has_value());
  auto state = state_load(dir.file("key.json"));
  REQUIRE(state.has_value());
  return std::move(*state);
}

Bytes message(std::uint8_t command, cbor::Item parameters) {
  Bytes out{command};
  if (parameters) {
    const Bytes body = cbor::encode(*parameters);
    out.insert(out.end(), body.begin(), body.end());
  }
  return out;
}

cbor::Item make_credential_request(bool resident, std::string_view user = "alice", std::optional<bool> up = {},
                                   std::string_view rp = "example.com", const Bytes& pin_uv_auth_param = {}) {
  std::vector<cbor::Item> params;
  params.push_back(
      cbor::MapBuilder().add("alg", cbor::make_int(-7)).add("type", cbor::make_text("public-key")).build());
  cbor::MapBuilder request;
  request.add(1, cbor::make_bytes(Bytes(32, 1)))
      .add(2, cbor::MapBuilder().add("id", cbor::make_text(rp)).add("name", cbor::make_text("Example")).build())
      .add(3, cbor::MapBuilder()
                  .add("id", cbor::make_bytes(as_bytes(user)))
                  .add("name", cbor::make_text(std::string(60, 'n')))
                  .add("displayName", cbor::make_text(std::string(60, 'd')))
                  .build())
      .add(4, cbor::make_array(std::move(params)));
  cbor::MapBuilder options;
  if (resident) options.add("rk", cbor::make_bool(true));
  if (up) options.add("up", cbor::make_bool(*up));
  if (resident || up) request.add(7, options.build());
  if (!pin_uv_auth_param.empty()) request.add(8, cbor::make_bytes(pin_uv_auth_param)).add(9, cbor::make_uint(2));
  return request.build();
}

// True when every map in the item, at any depth, has its keys in CTAP2 canonical order.
bool canonical(const cbor_item_t& item) {
  if (cbor_isa_array(&item)) {
    for (std::size_t i = 0; i < cbor_array_size(&item); ++i) {
      const cbor::Item element(cbor_array_get(&item, i));
      if (!canonical(*element)) return false;
    }
    return true;
  }
  if (!cbor_isa_map(&item)) return true;
  const cbor_pair* pairs = cbor_map_handle(&item);
  for (std::size_t i = 0; i < cbor_map_size(&item); ++i) {
    if (!canonical(*pairs[i].value)) return false;
    if (i == 0) continue;
    const Bytes a = cbor::encode(*pairs[i - 1].key);
    const Bytes b = cbor::encode(*pairs[i].key);
    const auto key = [](const Bytes& k) { return std::tuple(k[0] >> 5, k.size(), k); };
    if (!(key(a) < key(b))) return false;
  }
  return true;
}

cbor::Item reply_body(const CtapReply& reply) {
  REQUIRE(!reply.message.empty());
  REQUIRE(reply.message[0] == ctap_status::k_ok);
  cbor::Item body = cbor::decode(ByteView(reply.message).subspan(1));
  REQUIRE(body);
  return body;
}

// The platform side of PIN/UV auth protocol 2, enough to ask for tokens with permissions.
struct Platform {
  SoftAuthenticator& authenticator;
  PinProtocol protocol = *PinProtocol::from_version(2);
  EvpPkey key = key_generate(CoseAlg::es256);
  Bytes shared{};

  void agree() {
    const CtapReply reply = authenticator.handle(message(
        ctap_cmd::k_client_pin, cbor::MapBuilder().add(1, cbor::make_uint(2)).add(2, cbor::make_uint(2)).build()));
    cbor::Item body = reply_body(reply);
    EvpPkey peer = cose_key_agreement_peer(*cbor::find(*body, 1));
    REQUIRE(peer);
    auto z = ecdh_p256(*key, *peer);
    REQUIRE(z.has_value());
    shared = protocol.kdf(*z);
  }

  // Subcommand 9; returns the status and, on success, the decrypted token.
  std::pair<std::uint8_t, Bytes> token(std::string_view pin, std::uint64_t permissions,
                                       std::optional<std::string_view> rp_id) {
    agree();
    Bytes pin_hash = sha256(as_bytes(pin));
    pin_hash.resize(16);
    cbor::MapBuilder request;
    request.add(1, cbor::make_uint(2))
        .add(2, cbor::make_uint(9))
        .add(3, cose_key_agreement_public_key(*key))
        .add(6, cbor::make_bytes(protocol.encrypt(shared, pin_hash)))
        .add(9, cbor::make_uint(permissions));
    if (rp_id) request.add(10, cbor::make_text(*rp_id));
    const CtapReply reply = authenticator.handle(message(ctap_cmd::k_client_pin, request.build()));
    if (reply.message[0] != ctap_status::k_ok) return {reply.message[0], {}};
    cbor::Item body = reply_body(reply);
    auto value = protocol.decrypt(shared, *cbor::to_bytes(*cbor::find(*body, 2)));
    REQUIRE(value.has_value());
    return {ctap_status::k_ok, *value};
  }
};

}  // namespace

TEST_SUITE("fido::virtual::soft_authenticator") {
  TEST_CASE("getInfo, makeCredential and getAssertion replies are canonical at every depth") {
    VirtualState state = fresh_state();
    SoftAuthenticator authenticator(state);
    CHECK(canonical(*reply_body(authenticator.handle(message(ctap_cmd::k_get_info, nullptr)))));
    CHECK(canonical(
        *reply_body(authenticator.handle(message(ctap_cmd::k_make_credential, make_credential_request(true))))));
    cbor::Item request =
        cbor::MapBuilder().add(1, cbor::make_text("example.com")).add(2, cbor::make_bytes(Bytes(32, 2))).build();
    CHECK(canonical(*reply_body(authenticator.handle(message(ctap_cmd::k_get_assertion, std::move(request))))));
  }

  TEST_CASE("a packed registration reply with its two certificates fits libfido2's 4096-byte buffer") {
    VirtualState state = fresh_state(fido::VirtualAttestation::packed);
    SoftAuthenticator authenticator(state);
    const CtapReply reply = authenticator.handle(message(ctap_cmd::k_make_credential, make_credential_request(true)));
    REQUIRE(reply.message[0] == ctap_status::k_ok);
    CHECK(reply.user_presence);
    CHECK(reply.message.size() <= 4096);
  }

  TEST_CASE("malformed and incomplete requests get the CTAP status the specification names") {
    VirtualState state = fresh_state();
    SoftAuthenticator authenticator(state);
    CHECK(authenticator.handle(Bytes{0x55}).message == Bytes{ctap_status::k_invalid_command});
    CHECK(authenticator.handle(Bytes{ctap_cmd::k_make_credential, 0xff}).message == Bytes{ctap_status::k_invalid_cbor});
    CHECK(authenticator.handle(Bytes{ctap_cmd::k_make_credential, 0x01}).message ==
          Bytes{ctap_status::k_cbor_unexpected_type});
    CHECK(authenticator.handle(Bytes{ctap_cmd::k_make_credential}).message == Bytes{ctap_status::k_missing_parameter});
    cbor::Item no_user = cbor::MapBuilder()
                             .add(1, cbor::make_bytes(Bytes(32, 1)))
                             .add(2, cbor::MapBuilder().add("id", cbor::make_text("example.com")).build())
                             .build();
    CHECK(authenticator.handle(message(ctap_cmd::k_make_credential, std::move(no_user))).message ==
          Bytes{ctap_status::k_missing_parameter});
    cbor::Item wrong_type = cbor::MapBuilder().add(1, cbor::make_int(5)).add(2, cbor::make_bytes(Bytes(32, 1))).build();
    CHECK(authenticator.handle(message(ctap_cmd::k_get_assertion, std::move(wrong_type))).message ==
          Bytes{ctap_status::k_cbor_unexpected_type});
    CHECK(authenticator.handle(Bytes{ctap_cmd::k_get_next_assertion}).message == Bytes{ctap_status::k_not_allowed});
  }

  TEST_CASE("getAssertion refuses the rk option and makeCredential refuses up=false") {
    VirtualState state = fresh_state();
    SoftAuthenticator authenticator(state);
    cbor::Item assertion = cbor::MapBuilder()
                               .add(1, cbor::make_text("example.com"))
                               .add(2, cbor::make_bytes(Bytes(32, 2)))
                               .add(5, cbor::MapBuilder().add("rk", cbor::make_bool(true)).build())
                               .build();
    CHECK(authenticator.handle(message(ctap_cmd::k_get_assertion, std::move(assertion))).message ==
          Bytes{ctap_status::k_unsupported_option});
    CHECK(authenticator.handle(message(ctap_cmd::k_make_credential, make_credential_request(false, "alice", false)))
              .message == Bytes{ctap_status::k_invalid_option});
  }

  TEST_CASE("the discoverable store is capped and says KEY_STORE_FULL") {
    VirtualState state = fresh_state(fido::VirtualAttestation::none);
    SoftAuthenticator authenticator(state);
    for (std::size_t i = 0; i < k_max_discoverable_credentials; ++i) {
      const std::string user = "user" + std::to_string(i);
      REQUIRE(
          authenticator.handle(message(ctap_cmd::k_make_credential, make_credential_request(true, user))).message[0] ==
          ctap_status::k_ok);
    }
    CHECK(
        authenticator.handle(message(ctap_cmd::k_make_credential, make_credential_request(true, "one-more"))).message ==
        Bytes{ctap_status::k_key_store_full});
    // Replacing an existing account's credential still works when full.
    CHECK(
        authenticator.handle(message(ctap_cmd::k_make_credential, make_credential_request(true, "user0"))).message[0] ==
        ctap_status::k_ok);
    CHECK(state.credentials.size() == k_max_discoverable_credentials);
  }

  TEST_CASE("the touch_timeout fault leaves the state untouched and asks the transport to wait") {
    VirtualState state = fresh_state();
    const std::string before = state_serialize(state);
    SoftAuthenticator authenticator(state);
    fido::virtual_set_fault(fido::VirtualFault::touch_timeout);
    const CtapReply reply = authenticator.handle(message(ctap_cmd::k_make_credential, make_credential_request(true)));
    fido::virtual_set_fault(fido::VirtualFault::none);
    CHECK(reply.awaiting_touch);
    CHECK(reply.message.empty());
    CHECK(state_serialize(state) == before);
  }

  TEST_CASE("PIN tokens carry exactly the permissions and relying party they were granted for") {
    const Secret pin("4826");
    VirtualState state = fresh_state(fido::VirtualAttestation::none, &pin);
    SoftAuthenticator authenticator(state);
    Platform platform{authenticator};
    const Bytes cdh(32, 1);
    const auto make_credential = [&](const Bytes& token, std::string_view rp) {
      const Bytes param = platform.protocol.authenticate(token, cdh);
      return authenticator
          .handle(message(ctap_cmd::k_make_credential, make_credential_request(false, "alice", {}, rp, param)))
          .message[0];
    };

    // mc and ga need an RP; be (0x08) and the other unimplemented permissions are refused.
    CHECK(platform.token("4826", 0x01, std::nullopt).first == ctap_status::k_missing_parameter);
    CHECK(platform.token("4826", 0x08, std::nullopt).first == ctap_status::k_unauthorized_permission);
    CHECK(platform.token("4826", 0x00, std::nullopt).first == ctap_status::k_invalid_parameter);

    // A credential-management token cannot make credentials.
    auto [status, cm_token] = platform.token("4826", 0x04, std::nullopt);
    REQUIRE(status == ctap_status::k_ok);
    CHECK(make_credential(cm_token, "example.com") == ctap_status::k_pin_auth_invalid);

    // An mc token for one RP does not work for another, and authorises one operation only.
    auto [status2, mc_token] = platform.token("4826", 0x01, "example.com");
    REQUIRE(status2 == ctap_status::k_ok);
    CHECK(make_credential(mc_token, "other.example") == ctap_status::k_pin_auth_invalid);
    CHECK(make_credential(mc_token, "example.com") == ctap_status::k_ok);
    CHECK(make_credential(mc_token, "example.com") == ctap_status::k_pin_auth_invalid);

    // A newer token replaces the older one.
    auto [status3, first] = platform.token("4826", 0x01, "example.com");
    auto [status4, second] = platform.token("4826", 0x01, "example.com");
    REQUIRE(status3 == ctap_status::k_ok);
    REQUIRE(status4 == ctap_status::k_ok);
    CHECK(make_credential(first, "example.com") == ctap_status::k_pin_auth_invalid);
    CHECK(make_credential(second, "example.com") == ctap_status::k_ok);
  }

  TEST_CASE("a wrong PIN costs a retry and three in a row block PIN auth until the next power cycle") {
    const Secret pin("4826");
    VirtualState state = fresh_state(fido::VirtualAttestation::none, &pin);
    {
      SoftAuthenticator authenticator(state);
      Platform platform{authenticator};
      CHECK(platform.token("1111", 0x04, std::nullopt).first == ctap_status::k_pin_invalid);
      CHECK(state.pin_retries == 7);
      CHECK(platform.token("1111", 0x04, std::nullopt).first == ctap_status::k_pin_invalid);
      CHECK(platform.token("1111", 0x04, std::nullopt).first == ctap_status::k_pin_auth_blocked);
      CHECK(platform.token("4826", 0x04, std::nullopt).first == ctap_status::k_pin_auth_blocked);
      CHECK(state.pin_retries == 5);
    }
    SoftAuthenticator next_power_cycle(state);
    Platform platform{next_power_cycle};
    CHECK(platform.token("4826", 0x04, std::nullopt).first == ctap_status::k_ok);
    CHECK(state.pin_retries == 8);
  }
}
