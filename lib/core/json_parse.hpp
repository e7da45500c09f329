// JSON for the hot paths and exact copies to and from nlohmann::json, which the rest of acctsec
// reads and writes.
//
// nlohmann's parser reads a character at a time and builds its objects as std::map nodes, so a
// 1 KB --batch line costs about 20 µs to parse and as much again to free, a fifth of an ECDSA
// P-256 verification. Boost.JSON (header-only, from the Boost the project already uses) parses the
// same line in about 2 µs, and into a caller's arena when one is given, so the --batch verifier and
// the response readers work on Boost.JSON values.
#pragma once

#include <boost/json/value.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace acctsec {

// Parses `text` as one JSON document (a leading UTF-8 byte order mark is skipped, as nlohmann
// does); nullopt when it is not JSON, holds invalid UTF-8, or nests deeper than 256. A later
// duplicate key replaces an earlier one, as in nlohmann. Values are allocated from `storage`.
// Caveat: Boost 1.81 does not round every decimal to the nearest double as nlohmann (strtod) does;
// nothing acctsec verifies is a floating-point number, and callers that echo numbers back re-read
// them with nlohmann (batch_verify's "id").
std::optional<boost::json::value> json_parse_value(std::string_view text, boost::json::storage_ptr storage = {});

// The same document as nlohmann::json: non-negative integers become unsigned, negative ones
// signed, as nlohmann's parser would type them.
nlohmann::json json_to_nlohmann(const boost::json::value& value);

// The same document as a Boost.JSON value allocated from `storage`, typed as Boost.JSON's parser
// types numbers: integers that fit in int64 are int64, larger ones uint64.
boost::json::value json_to_boost(const nlohmann::json& value, boost::json::storage_ptr storage = {});

}  // namespace acctsec
