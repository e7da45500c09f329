#include "webauthn/mds_fetch.hpp"

#include <fmt/format.h>

#include <memory>

#include "core/cancel.hpp"
#include "core/curl_library.hpp"
#include "core/log.hpp"

namespace acctsec::webauthn {
namespace {

struct Transfer {
  std::string body;
  std::size_t max_size = 0;
  bool too_large = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (transfer->body.size() + n > transfer->max_size) {
    transfer->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, n);
  return n;
}

int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return cancel_requested() ? 1 : 0;
}

}  // namespace

Result<std::string> mds_fetch(std::string_view url, std::chrono::milliseconds timeout, std::size_t max_size) {
  const bool https = url.starts_with("https://");
  if (!https && !url.starts_with("http://"))
    return fail(ErrorCategory::usage, fmt::format("'{}' is not an http or https URL", url));
  auto library = curl_library();
  if (!library) return fail(library.error());
  const CurlLibrary& c = **library;
  std::unique_ptr<CURL, decltype(c.easy_cleanup)> handle(c.easy_init(), c.easy_cleanup);
  if (!handle) return fail(ErrorCategory::network, "libcurl could not start a transfer");

  const std::string url_text(url);
  Transfer transfer;
  transfer.max_size = max_size;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* h = handle.get();
  // TLS verification is libcurl's default; it is set anyway so that no build option turns it off.
  const bool set = c.easy_setopt(h, CURLOPT_URL, url_text.c_str()) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https") == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_MAXREDIRS, 5L) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count())) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_USERAGENT, "acctsec/" ACCTSEC_VERSION) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_WRITEDATA, &transfer) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
                   c.easy_setopt(h, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
  if (!set) return fail(ErrorCategory::network, "libcurl refused a transfer option; install libcurl4 7.85 or later");

  log_debug("mds", "GET {}", url_text);
  const CURLcode rc = c.easy_perform(h);
  if (rc != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(c.easy_strerror(rc));
    if (rc == CURLE_ABORTED_BY_CALLBACK && cancel_requested()) return fail(ErrorCategory::cancelled, "interrupted");
    if (transfer.too_large)
      return fail(ErrorCategory::network,
                  fmt::format("{} sent more than {} bytes; that is not an MDS BLOB", url_text, max_size));
    if (rc == CURLE_OPERATION_TIMEDOUT)
      return fail(
          ErrorCategory::timeout,
          fmt::format("fetching {} took longer than {} ms; try again, or raise --timeout", url_text, timeout.count()));
    if (rc == CURLE_URL_MALFORMAT)
      return fail(ErrorCategory::usage, fmt::format("'{}' is not a valid URL: {}", url_text, detail));
    return fail(ErrorCategory::network, fmt::format("cannot fetch {}: {}", url_text, detail));
  }
  long status = 0;
  c.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  log_debug("mds", "HTTP {} with {} bytes", status, transfer.body.size());
  if (status < 200 || status > 299) {
    Error error(ErrorCategory::network, fmt::format("{} answered HTTP {}; check the URL", url_text, status));
    error.http_status = static_cast<int>(status);
    return fail(std::move(error));
  }
  return std::move(transfer.body);
}

}  // namespace acctsec::webauthn
