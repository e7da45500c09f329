// Secrets (PINs, tokens, key material): held in buffers that are wiped when they go away.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace acctsec {

// A string that is wiped with OPENSSL_cleanse on destruction and on every reassignment.
// Copying is disabled so that a secret lives in exactly one buffer.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : m_value(std::move(value)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  std::string_view view() const { return m_value; }
  const char* c_str() const { return m_value.c_str(); }
  bool empty() const { return m_value.empty(); }
  std::size_t size() const { return m_value.size(); }
  void wipe();

 private:
  std::string m_value;
};

// Wipes any buffer in place.
void wipe(std::string& buffer);

// Reads one secret line from an open file descriptor (as --pin-fd); the trailing newline is
// dropped. Errors: usage (bad descriptor, empty).
Result<Secret> secret_from_fd(int fd);

// Reads a secret from a file that only its owner may read (as --pin-file).
// Errors: usage (missing, not a regular file, mode wider than 0600 — the message says the chmod
// to run, empty).
Result<Secret> secret_from_file(const std::string& path);

}  // namespace acctsec
