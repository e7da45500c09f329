// Coverage feedback for libFuzzer from GCC's instrumentation.
//
// libFuzzer learns what an input reached through 8-bit counters that the compiler registers with
// __sanitizer_cov_8bit_counters_init (clang's -fsanitize=fuzzer emits them inline). GCC has no
// such mode: -fsanitize-coverage=trace-pc calls __sanitizer_cov_trace_pc() at the start of every
// basic block instead, and -fsanitize-coverage=trace-cmp calls the __sanitizer_cov_trace_cmp*
// hooks, which libFuzzer implements. Since LLVM 9 libFuzzer defines __sanitizer_cov_trace_pc
// only as a stub that exits ("no longer supported"), so the fuzz targets link with
// -Wl,--wrap=__sanitizer_cov_trace_pc and the call lands in __wrap___sanitizer_cov_trace_pc
// below: it hashes the calling block's address into one static array of counters, registered
// once, with a PC table (filled as blocks are first reached) so that libFuzzer's "cov:" counts
// the distinct blocks reached and -print_pcs can name them.
//
// Binaries that link the instrumented libraries but not libFuzzer (the sanitizer build's unit,
// device and CLI tests) have no --wrap: they resolve the plain, weak __sanitizer_cov_trace_pc,
// and the registration goes to the sanitizer runtime's no-op.
//
// Nothing here may itself be instrumented: it is compiled without -fsanitize-coverage and its
// hot path is excluded from the sanitizers.
#include <cstddef>
#include <cstdint>

namespace {

// 2^18 counters (and a 4 MiB PC table, untouched pages until reached): a fuzz target links
// ~10,000-30,000 instrumented blocks and reaches a few thousand in a run, so two blocks share a
// counter rarely (~3% of new blocks at 8,000 reached). libFuzzer scans the counters after every
// input; at this size that costs microseconds.
constexpr std::size_t k_counter_bits = 18;
constexpr std::size_t k_counter_count = std::size_t{1} << k_counter_bits;

// libFuzzer's PCTableEntry: the block's address and flags (1 = function entry, unknown here).
struct PcTableEntry {
  std::uintptr_t pc;
  std::uintptr_t flags;
};

alignas(4096) std::uint8_t g_counters[k_counter_count];
alignas(4096) PcTableEntry g_pcs[k_counter_count];

// Fibonacci hashing: the top bits of the product spread nearby call sites over the whole array.
[[gnu::always_inline]] inline std::size_t slot_of(std::uintptr_t pc) {
  return static_cast<std::size_t>((static_cast<std::uint64_t>(pc) * 0x9E3779B97F4A7C15ULL) >>
                                  (64 - k_counter_bits));
}

[[gnu::always_inline, gnu::no_sanitize_address, gnu::no_sanitize_undefined]] inline void
record(std::uintptr_t pc) {
  const std::size_t slot = slot_of(pc);
  if (g_pcs[slot].pc == 0) g_pcs[slot].pc = pc;  // before the counter: libFuzzer reads it then
  ++g_counters[slot];  // wraps at 256 like clang's inline counters; libFuzzer buckets the counts
}

}  // namespace

extern "C" {

// Provided by libFuzzer in the fuzz targets, by the sanitizer runtime (as no-ops) in the other
// binaries of a sanitizer build, and by nothing without sanitizers: hence weak.
[[gnu::weak]] void __sanitizer_cov_8bit_counters_init(std::uint8_t* start, std::uint8_t* stop);
[[gnu::weak]] void __sanitizer_cov_pcs_init(const std::uintptr_t* start, const std::uintptr_t* stop);

[[gnu::constructor]] static void acctsec_coverage_register() {
  if (__sanitizer_cov_8bit_counters_init) {
    __sanitizer_cov_8bit_counters_init(g_counters, g_counters + k_counter_count);
  }
  if (__sanitizer_cov_pcs_init) {
    __sanitizer_cov_pcs_init(reinterpret_cast<const std::uintptr_t*>(g_pcs),
                             reinterpret_cast<const std::uintptr_t*>(g_pcs + k_counter_count));
  }
}

[[gnu::no_sanitize_address, gnu::no_sanitize_undefined]] void
__wrap___sanitizer_cov_trace_pc() {
  record(reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

[[gnu::weak, gnu::no_sanitize_address, gnu::no_sanitize_undefined]] void
__sanitizer_cov_trace_pc() {
  record(reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

// GCC's trace-cmp also reports floating-point comparisons, which neither libFuzzer nor the
// sanitizer runtime implements; their XOR distance means nothing, so they are ignored.
[[gnu::weak]] void __sanitizer_cov_trace_cmpf(float, float) {}
[[gnu::weak]] void __sanitizer_cov_trace_cmpd(double, double) {}

}  // extern "C"
