// Idempotency keys: the value a POST carries in its Idempotency-Key header so that the server
// answers a retry of it with the first reply instead of doing the work twice.
#pragma once

#include <string>

namespace acctsec::client {

// A fresh random key: a version-4 UUID (122 random bits from OpenSSL's RNG), 36 characters,
// within the 16 to 128 the API accepts.
std::string idempotency_key_new();

}  // namespace acctsec::client
