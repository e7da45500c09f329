// Reading policy TOML, shared by the enrollment policy and the server's policy file (which holds
// the [enrollment] table beside its own): the file read, the parse with its error's place, and
// the [enrollment] table read from a document parsed once.
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "core/error.hpp"
#include "webauthn/enrollment_policy.hpp"

namespace acctsec::webauthn {

// Errors: not_found (no such file), usage (unreadable).
Result<std::string> policy_file_read(const std::string& path);

// Errors: usage, naming `source`, line and column.
Result<toml::table> policy_toml_parse(std::string_view text, const std::string& source);

// The [enrollment] table of a parsed policy. Errors: usage.
Result<EnrollmentPolicy> enrollment_policy_from_table(const toml::table& table, const std::string& source);

}  // namespace acctsec::webauthn
