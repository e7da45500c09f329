#include "webauthn/batch_verify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "core/json_parse.hpp"

namespace acctsec::webauthn {
namespace {

using nlohmann::json;

struct Slot {
  std::size_t line_number = 0;
  std::string text;    // the input line, then the verdict line
  bool verified = false;
  bool error = false;
};

void verify_slot(Slot& slot, VerifyKind kind, const VerifyDefaults& defaults) {
  const std::string_view schema = kind == VerifyKind::registration ? k_registration_verdict_schema : k_assertion_verdict_schema;
  json id = nullptr;
  json verdict;
  json request = json_parse(slot.text);
  if (request.is_discarded() || !request.is_object()) {
    verdict = verification_error_verdict(schema, id, fmt::format("line {}: not a JSON object", slot.line_number));
  } else {
    id = request.value("id", json(nullptr));
    if (!request.contains("response") || !request["response"].is_object()) {
      verdict = verification_error_verdict(schema, id, fmt::format("line {}: \"response\" must be an object", slot.line_number));
    } else {
      const json& expected = request.contains("expected") ? request["expected"] : json(nullptr);
      auto result = kind == VerifyKind::registration ? verify_registration_request(request["response"], expected, defaults)
                                                     : verify_assertion_request(request["response"], expected, defaults);
      if (result) {
        verdict = std::move(*result);
        verdict["id"] = id;
      } else {
        verdict = verification_error_verdict(schema, id, fmt::format("line {}: {}", slot.line_number, result.error().message));
      }
    }
  }
  slot.error = verdict.contains("error");
  slot.verified = verdict.value("verified", false);
  slot.text = verdict.dump(-1, ' ', false, json::error_handler_t::replace);
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
