#include "webauthn/batch_verify.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
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

// One window of lines. Workers claim slots through `next` and count finished ones in `done`;
// the reading thread owns the window whenever it is not queued.
struct Window {
  explicit Window(std::size_t size) : slots(size) {}
  std::vector<Slot> slots;
  std::atomic<std::size_t> filled{0};
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
};

// Fills `window` with the next non-blank lines; returns false at the end of the input.
bool fill_window(std::istream& in, Window& window, std::size_t& line_number) {
  std::size_t filled = 0;
  std::string line;
  bool more = true;
  while (filled < window.slots.size() && (more = static_cast<bool>(std::getline(in, line)))) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    window.slots[filled].line_number = line_number;
    window.slots[filled].text = std::move(line);
    ++filled;
  }
  window.filled = filled;
  return more;
}

void emit_window(const Window& window, BatchTotals& totals, const std::function<void(const std::string&)>& emit) {
  for (std::size_t i = 0; i < window.filled; ++i) {
    const Slot& slot = window.slots[i];
    ++totals.lines;
    if (slot.error) ++totals.errors;
    else if (slot.verified) ++totals.verified;
    else ++totals.rejected;
    emit(slot.text);
  }
}

// Workers that live for the whole batch, so that their per-thread state (arena, OpenSSL contexts)
// is made once, and that verify one window while the calling thread reads the next and emits the
// last.
class WorkerPool {
 public:
  WorkerPool(unsigned workers, VerifyKind kind, const VerifyDefaults& defaults) : m_kind(kind), m_defaults(defaults) {
    m_threads.reserve(workers);
    for (unsigned t = 0; t < workers; ++t) m_threads.emplace_back([this] { work(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(m_mutex);
      m_closing = true;
    }
    m_work.notify_all();
    m_threads.clear();  // joins
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(Window& window) {
    {
      std::lock_guard lock(m_mutex);
      window.done = 0;
      window.next = 0;
      m_queue.push_back(&window);
    }
    m_work.notify_all();
  }

  // Waits until every slot of `window` is verified and takes it back from the workers.
  void await(Window& window) {
    std::unique_lock lock(m_mutex);
    m_finished.wait(lock, [&] { return window.done.load() == window.filled.load(); });
    std::erase(m_queue, &window);
    // A worker that picked this window but lost every slot to others claims from here on nothing.
    window.next = k_claimed;
  }

 private:
  static constexpr std::size_t k_claimed = std::numeric_limits<std::size_t>::max() / 2;

  void work() {
    for (;;) {
      Window* window = nullptr;
      {
        std::unique_lock lock(m_mutex);
        m_work.wait(lock, [&] {
          for (Window* queued : m_queue)
            if (queued->next.load() < queued->filled.load()) {
              window = queued;
              return true;
            }
          return m_closing;
        });
        if (!window) return;
      }
      // `filled` is read after each claim: a claim that lands after the window came back filled
      // again is a claim on its new lines (submit resets `next` after `filled` is stored).
      for (;;) {
        const std::size_t i = window->next++;
        const std::size_t filled = window->filled.load();
        if (i >= filled) break;
        verify_slot(window->slots[i], m_kind, m_defaults);
        if (++window->done == filled) {
          std::lock_guard lock(m_mutex);
          m_finished.notify_all();
        }
      }
    }
  }

  VerifyKind m_kind;
  const VerifyDefaults& m_defaults;
  std::mutex m_mutex;
  std::condition_variable m_work;
  std::condition_variable m_finished;
  std::vector<Window*> m_queue;
  bool m_closing = false;
  std::vector<std::jthread> m_threads;  // last: joined before the rest goes
};

}  // namespace

BatchTotals batch_verify(std::istream& in, VerifyKind kind, const VerifyDefaults& defaults, unsigned workers,
                         const std::function<void(const std::string&)>& emit, const std::function<bool()>& should_stop) {
  workers = std::max(workers, 1u);
  const std::size_t window_lines = workers * k_batch_lines_per_worker;
  BatchTotals totals;
  std::size_t line_number = 0;
  auto stopped = [&] { return should_stop && should_stop(); };

  if (workers == 1) {  // one core: no second thread at all
    Window window(window_lines);
    for (bool more = true; more && !stopped();) {
      more = fill_window(in, window, line_number);
      for (std::size_t i = 0; i < window.filled; ++i) verify_slot(window.slots[i], kind, defaults);
      emit_window(window, totals, emit);
    }
    return totals;
  }

  // Two windows in turn: while the workers verify one, this thread emits the one before and reads
  // the one after, so reading and writing never leave a core idle.
  WorkerPool pool(workers, kind, defaults);
  Window windows[2]{Window(window_lines), Window(window_lines)};
  bool more = fill_window(in, windows[0], line_number);
  pool.submit(windows[0]);
  for (std::size_t current = 0;; current ^= 1) {
    Window& next = windows[current ^ 1];
    const bool next_submitted = more && !stopped();
    if (next_submitted) {
      more = fill_window(in, next, line_number);
      pool.submit(next);
    }
    pool.await(windows[current]);
    emit_window(windows[current], totals, emit);
    if (!next_submitted) break;
  }
  return totals;
}

}  // namespace acctsec::webauthn
