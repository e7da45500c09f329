// The --debug trace of the client's HTTP exchanges, with secrets taken out before anything reaches
// the sink: Authorization (and cookie) header values, and JSON members that hold tokens or
// secrets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace acctsec::client {

inline constexpr std::string_view k_redacted = "[redacted]";

// One header line ("Name: value") as it may be shown: the value of Authorization,
// Proxy-Authorization, Cookie and Set-Cookie replaced by [redacted]. Other lines pass unchanged.
std::string trace_header_line(std::string_view line);

// One of libcurl's informational lines as it may be shown. libcurl 8 lists each HTTP/2 request
// header on such a line ("[HTTP/2] [1] [authorization: Bearer ...]"); the credential in any
// Authorization or Cookie header named there is replaced by [redacted].
std::string trace_text_line(std::string_view line);

// `line` with every occurrence of `secret` replaced by [redacted] (a last line of defence for the
// bearer token, whatever a libcurl version chooses to print). The secret is never copied. An
// empty secret changes nothing.
std::string trace_scrub(std::string_view line, std::string_view secret);

// Whether a JSON member of this name holds a secret: "token" or "secret", or a name ending in
// either ("sessionToken", "clientSecret"), ignoring case.
bool trace_secret_member(std::string_view name);

// A JSON body as it may be shown: every secret member's value (at any depth) replaced by
// "[redacted]", at most `limit` characters (then "… (N bytes)"). A body that is not JSON is shown
// as its size only, since nothing can be said about which part of it is secret.
std::string trace_json_body(std::string_view body, std::size_t limit = 2048);

}  // namespace acctsec::client
