#include "webauthn/batch_verify.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "core/json_parse.hpp"

namespace acctsec::webauthn {
namespace {

namespace bj = boost::json;

struct Slot {
  std::size_t line_number = 0;
  std::string text;    // the input line, then the verdict line
  bool verified = false;
  bool error = false;
};

// The line's "id", echoed in its verdict. Boost.JSON 1.81 may read a decimal one unit in the last
// place away from the nearest double, so a floating-point id is read again with nlohmann (strtod).
bj::value request_id(const bj::value& request, std::string_view line, const bj::storage_ptr& storage) {
  const auto* id = request.get_object().if_contains("id");
  if (!id) return bj::value(nullptr, storage);
  if (!id->is_double()) return bj::value(*id, storage);
  const auto exact = nlohmann::json::parse(line, nullptr, false);
  return json_to_boost(exact.is_object() ? exact.value("id", nlohmann::json()) : nlohmann::json(), storage);
}

bj::object verify_request(std::string_view line, std::size_t line_number, VerifyKind kind, const VerifyDefaults& defaults,
                          const bj::storage_ptr& storage) {
  const std::string_view schema = kind == VerifyKind::registration ? k_registration_verdict_schema : k_assertion_verdict_schema;
  const bj::value null_id(nullptr, storage);
  VerdictContext context{.id = &null_id, .storage = storage};
  auto request = json_parse_value(line, storage);
  if (!request || !request->is_object())
    return verification_error_verdict(schema, fmt::format("line {}: not a JSON object", line_number), context);
  const bj::value id = request_id(*request, line, storage);
  context.id = &id;
  const auto* response = request->get_object().if_contains("response");
  if (!response || !response->is_object())
    return verification_error_verdict(schema, fmt::format("line {}: \"response\" must be an object", line_number), context);
  const auto* expected = request->get_object().if_contains("expected");
  auto verdict = kind == VerifyKind::registration ? verify_registration_request(*response, expected, defaults, context)
                                                  : verify_assertion_request(*response, expected, defaults, context);
  if (!verdict) return verification_error_verdict(schema, fmt::format("line {}: {}", line_number, verdict.error().message), context);
  return std::move(*verdict);
}

void verify_slot(Slot& slot, VerifyKind kind, const VerifyDefaults& defaults) {
  // Every value of one line lives in this thread's arena, reset at once when the line is done; a
  // line that needs more than the buffer (a registration with a long chain) takes blocks from the heap.
  constexpr std::size_t k_arena_bytes = 64 * 1024;
  thread_local const std::unique_ptr<unsigned char[]> buffer(new unsigned char[k_arena_bytes]);
  thread_local bj::monotonic_resource arena(buffer.get(), k_arena_bytes);
  {
    const bj::storage_ptr storage(&arena);
    const bj::object verdict = verify_request(slot.text, slot.line_number, kind, defaults, storage);
    slot.error = verdict.contains("error");
    const auto* verified = verdict.if_contains("verified");
    slot.verified = verified && verified->is_bool() && verified->get_bool();
    slot.text = bj::serialize(verdict);
  }
  arena.release();
}

}  // namespace

BatchTotals batch_verify(std::istream& in, VerifyKind kind, const VerifyDefaults& defaults, unsigned workers,
                         const std::function<void(const std::string&)>& emit, const std::function<bool()>& should_stop) {
  workers = std::max(workers, 1u);
  const std::size_t window = workers * k_batch_lines_per_worker;
  BatchTotals totals;
  std::vector<Slot> slots(window);
  std::size_t line_number = 0;
  std::string line;
  bool more = true;
  while (more && !(should_stop && should_stop())) {
    // Fill the window with the next non-blank lines.
    std::size_t filled = 0;
    while (filled < window && (more = static_cast<bool>(std::getline(in, line)))) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      slots[filled].line_number = line_number;
      slots[filled].text = std::move(line);
      ++filled;
    }
    if (filled == 0) break;
    // Workers take slots in order from a shared cursor; the window's verdicts are then emitted in order.
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i = next++; i < filled; i = next++) verify_slot(slots[i], kind, defaults);
    };
    const unsigned extra = static_cast<unsigned>(std::min<std::size_t>(workers, filled)) - 1;
    std::vector<std::jthread> threads;
    threads.reserve(extra);
    for (unsigned t = 0; t < extra; ++t) threads.emplace_back(work);
    work();
    threads.clear();  // joins
    for (std::size_t i = 0; i < filled; ++i) {
      ++totals.lines;
      if (slots[i].error) ++totals.errors;
      else if (slots[i].verified) ++totals.verified;
      else ++totals.rejected;
      emit(slots[i].text);
    }
  }
  return totals;
}

}  // namespace acctsec::webauthn
