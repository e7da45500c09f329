// Parsing JSON text into nlohmann::json quickly, for inputs read by the line (--batch NDJSON).
//
// nlohmann's own parser reads a character at a time and costs about 20 µs for a 1 KB line, a fifth
// of an ECDSA P-256 verification; Boost.JSON (header-only, from the Boost that the project already
// uses) parses the same line in about 2 µs, and copying its result into nlohmann::json, which the
// verification code reads, costs a few more. The result is the document nlohmann would have built.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace acctsec {

// Parses `text` as one JSON document and returns exactly what nlohmann::json::parse(text, nullptr,
// false) returns: the document, or a discarded value when `text` is not JSON. Numbers keep
// nlohmann's types (non-negative integers unsigned, negative ones signed); a later duplicate key
// replaces an earlier one, as in nlohmann. Documents the fast path cannot reproduce exactly
// (floating-point numbers, integers beyond 64 bits, nesting deeper than 64) are handed to
// nlohmann's parser, as is text the fast path refuses, so errors and edge cases are nlohmann's own.
nlohmann::json json_parse(std::string_view text);

}  // namespace acctsec
