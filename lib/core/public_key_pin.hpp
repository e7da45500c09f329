// Public-key pins in libcurl's form, "sha256//" + base64 of the SHA-256 of the key's DER
// SubjectPublicKeyInfo (as HPKP computed them), so that a server can be pinned to its key
// whatever CA signed it.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace acctsec {

// The pin of the public key in the first certificate of a PEM file (a server's certificate).
// Errors: not_found (no such file), usage (unreadable, or no PEM certificate in it).
Result<std::string> public_key_pin_of_certificate(const std::string& pem_file);

// Checks the form of a pin option: one or more "sha256//<44 base64 characters>" joined by ';'.
// Errors: usage (the message shows the expected form).
Result<void> public_key_pin_check(std::string_view pins);

}  // namespace acctsec
