// Injected faults and what libfido2 1.12 makes of them, plus CTAPHID_CANCEL accounting.
//
// Observed mapping (documented for the device layer):
//   up-denied       -> FIDO_ERR_OPERATION_DENIED (the key's 0x27, passed through)
//   touch-timeout   -> FIDO_ERR_RX (read() times out after the caller's ms while keepalives flow)
//   malformed-reply -> FIDO_ERR_RX_NOT_CBOR (libfido2 cannot decode the truncated CBOR)
#include "core/cancel.hpp"
#include "virtual_support.hpp"

using namespace acctsec;
using namespace acctsec::test;

TEST_SUITE("fido::virtual::faults") {
  TEST_CASE("the fault names parse as the CLI's ACCTSEC_VIRTUAL_FAULT values") {
    CHECK(fido::virtual_fault_parse("none") == fido::VirtualFault::none);
    CHECK(fido::virtual_fault_parse("up-denied") == fido::VirtualFault::user_presence_denied);
    CHECK(fido::virtual_fault_parse("touch-timeout") == fido::VirtualFault::touch_timeout);
    CHECK(fido::virtual_fault_parse("malformed-reply") == fido::VirtualFault::malformed_reply);
    CHECK_FALSE(fido::virtual_fault_parse("up_denied").has_value());
  }

  TEST_CASE("user_presence_denied makes registration and assertion answer OPERATION_DENIED") {
    VirtualKey key;
    Bytes id;
    {
      Device dev(key.file);
      Cred cred;
      REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
      id = cred.id();
    }
    const std::uint32_t count = key.describe().sign_count;
    {
      Device dev(key.file);
      FaultScope fault(fido::VirtualFault::user_presence_denied);
      Cred denied;
      CHECK(make_cred(dev.get(), denied) == FIDO_ERR_OPERATION_DENIED);
      Assert assertion;
      CHECK(get_assert(dev.get(), assertion, {.allow = {id}}) == FIDO_ERR_OPERATION_DENIED);
      // Without a touch to ask for, the fault does not apply.
      Assert silent;
      CHECK(get_assert(dev.get(), silent, {.allow = {id}, .up = FIDO_OPT_FALSE}) == FIDO_OK);
    }
    CHECK(key.describe().sign_count == count + 1);  // only the silent assertion signed
  }

  TEST_CASE("touch_timeout makes libfido2 give up with FIDO_ERR_RX once its timeout passes") {
    VirtualKey key;
    Device dev(key.file);
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    FaultScope fault(fido::VirtualFault::touch_timeout);
    REQUIRE(fido_dev_set_timeout(dev.get(), 150) == FIDO_OK);
    Cred waiting;
    CHECK(make_cred(dev.get(), waiting) == FIDO_ERR_RX);
    Assert assertion;
    CHECK(get_assert(dev.get(), assertion, {.allow = {cred.id()}}) == FIDO_ERR_RX);
  }

  TEST_CASE("touch_timeout stops waiting as soon as the operation is cancelled") {
    VirtualKey key;
    Device dev(key.file);
    FaultScope fault(fido::VirtualFault::touch_timeout);
    // No timeout: only the cancellation (Ctrl-C in the CLI) can end the wait early.
    REQUIRE(fido_dev_set_timeout(dev.get(), -1) == FIDO_OK);
    struct Interrupted {
      Interrupted() { cancel_request(); }
      ~Interrupted() { cancel_reset(); }
    } interrupted;
    Cred waiting;
    CHECK(make_cred(dev.get(), waiting) == FIDO_ERR_RX);
  }

  TEST_CASE("after a touch timeout the next request on the same handle is answered normally") {
    VirtualKey key;
    Device dev(key.file);
    REQUIRE(fido_dev_set_timeout(dev.get(), 100) == FIDO_OK);
    {
      FaultScope fault(fido::VirtualFault::touch_timeout);
      Cred waiting;
      CHECK(make_cred(dev.get(), waiting) == FIDO_ERR_RX);
    }
    Cred cred;
    CHECK(make_cred(dev.get(), cred) == FIDO_OK);
  }

  TEST_CASE("malformed_reply truncates CBOR replies so that libfido2 cannot parse them") {
    VirtualKey key;
    Device dev(key.file);  // getInfo is spared, so the key still opens
    Cred cred;
    REQUIRE(make_cred(dev.get(), cred) == FIDO_OK);
    FaultScope fault(fido::VirtualFault::malformed_reply);
    Cred broken;
    CHECK(make_cred(dev.get(), broken) == FIDO_ERR_RX_NOT_CBOR);
    Assert assertion;
    CHECK(get_assert(dev.get(), assertion, {.allow = {cred.id()}}) == FIDO_ERR_RX_NOT_CBOR);
  }

  TEST_CASE("CTAPHID_CANCEL frames are counted in the key's state") {
    VirtualKey key;
    {
      Device dev(key.file);
      CHECK(fido_dev_cancel(dev.get()) == FIDO_OK);
      CHECK(fido_dev_cancel(dev.get()) == FIDO_OK);
      // A cancel gets no reply: the next operation still sees its own answer.
      Cred cred;
      CHECK(make_cred(dev.get(), cred) == FIDO_OK);
    }
    CHECK(key.describe().cancels_received == 2);
    {
      Device dev(key.file);
      CHECK(fido_dev_cancel(dev.get()) == FIDO_OK);
    }
    CHECK(key.describe().cancels_received == 3);
  }
}
