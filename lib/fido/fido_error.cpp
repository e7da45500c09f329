#include "fido/fido_error.hpp"

#include <fido.h>
#include <fmt/format.h>

namespace acctsec::fido {

Error fido_error(int code, std::string_view operation) {
  const std::string name = fido_strerr(code);
  auto make = [&](ErrorCategory category, std::string_view advice) {
    Error e{category, fmt::format("{} failed: {}{}{}", operation, name, advice.empty() ? "" : "; ", advice)};
    e.fido_code = code;
    return e;
  };
  switch (code) {
    case FIDO_ERR_PIN_INVALID:
      return make(ErrorCategory::auth, "the PIN is wrong");
    case FIDO_ERR_PIN_AUTH_BLOCKED:
      return make(ErrorCategory::device,
                  "too many wrong PINs in a row: remove and re-insert the key, then try again");
    case FIDO_ERR_PIN_BLOCKED:
      return make(ErrorCategory::device,
                  "the PIN is blocked; the only recovery is a reset, which erases every credential on "
                  "the key: acctsec key reset");
    case FIDO_ERR_PIN_REQUIRED:
      return make(ErrorCategory::device,
                  "this key needs its PIN: enter it at the prompt, or pass --pin-file FILE or --pin-fd N");
    case FIDO_ERR_PIN_NOT_SET:
      return make(ErrorCategory::device, "this key has no PIN yet: acctsec key pin set");
    case FIDO_ERR_PIN_POLICY_VIOLATION:
      return make(ErrorCategory::usage, "the new PIN does not meet the key's policy (at least 4 characters, at most 63 bytes)");
    case FIDO_ERR_UV_BLOCKED:
      return make(ErrorCategory::device, "built-in user verification is blocked; use the PIN instead");
    case FIDO_ERR_OPERATION_DENIED:
    case FIDO_ERR_USER_PRESENCE_REQUIRED:
    case FIDO_ERR_UP_REQUIRED:
      return make(ErrorCategory::device, "user presence was denied; touch the key when it blinks");
    case FIDO_ERR_USER_ACTION_TIMEOUT:
    case FIDO_ERR_ACTION_TIMEOUT:
    case FIDO_ERR_TIMEOUT:
      return make(ErrorCategory::timeout, "the key was not touched in time; run the command again and touch the key when it blinks");
    case FIDO_ERR_KEEPALIVE_CANCEL:
      return make(ErrorCategory::cancelled, "the operation was cancelled");
    case FIDO_ERR_CREDENTIAL_EXCLUDED:
      return make(ErrorCategory::rejected, "this key already holds one of the excluded credentials (it is already enrolled)");
    case FIDO_ERR_NO_CREDENTIALS:
      return make(ErrorCategory::not_found, "the key holds no matching credential for this relying party");
    case FIDO_ERR_UNSUPPORTED_ALGORITHM:
      return make(ErrorCategory::device, "the key does not support the requested algorithm; try --alg es256");
    case FIDO_ERR_UNSUPPORTED_OPTION:
    case FIDO_ERR_INVALID_OPTION:
      return make(ErrorCategory::device, "the key does not support the requested option");
    case FIDO_ERR_KEY_STORE_FULL:
      return make(ErrorCategory::device, "the key has no room for another discoverable credential; delete one with acctsec key credentials delete");
    case FIDO_ERR_NOT_ALLOWED:
      return make(ErrorCategory::device, "the key refused the operation (a real key allows reset only within seconds of being plugged in)");
    case FIDO_ERR_INVALID_ARGUMENT:
      return make(ErrorCategory::usage, "");
    case FIDO_ERR_TX:
    case FIDO_ERR_RX:
    case FIDO_ERR_RX_NOT_CBOR:
    case FIDO_ERR_RX_INVALID_CBOR:
    case FIDO_ERR_INVALID_CBOR:
    case FIDO_ERR_INVALID_LENGTH:
    case FIDO_ERR_INVALID_CHANNEL:
    case FIDO_ERR_CHANNEL_BUSY:
      return make(ErrorCategory::device, "the key did not answer correctly; re-insert it and try again (acctsec key list shows the keys found)");
    default:
      return make(ErrorCategory::device, "");
  }
}

}  // namespace acctsec::fido
