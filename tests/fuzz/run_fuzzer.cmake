# Runs one fuzz target for a few seconds on a scratch copy of its seed corpus (the seeds in the
# source tree stay as committed) and fails on anything libFuzzer reports: a crash, a sanitizer
# report, a leak, a slow input or running out of memory.
# Usage: cmake -D FUZZER=bin -D SEEDS=dir -D WORK=dir -D SECONDS=n -P run_fuzzer.cmake
foreach(var FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D ${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB seeds "${SEEDS}/*")
if(NOT seeds)
  message(FATAL_ERROR "no seeds in ${SEEDS}")
endif()
file(COPY ${seeds} DESTINATION "${WORK}/corpus")

# UBSan has its own runtime beside ASan's under GCC, and libFuzzer hooks only ASan's death
# callback: UBSan must abort, so that libFuzzer's SIGABRT handler saves the input.
set(ENV{UBSAN_OPTIONS} "$ENV{UBSAN_OPTIONS}:print_stacktrace=1:halt_on_error=1:abort_on_error=1")

# -timeout: one input taking this long is a finding (the sanitizer build runs at -O0).
# -rss_limit_mb / -malloc_limit_mb: one input allocating that much is a finding.
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024
          -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/ "${WORK}/corpus"
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(GLOB artifacts "${WORK}/artifacts/*")
  list(JOIN artifacts "\n  " artifact_list)
  message(FATAL_ERROR "${FUZZER} failed (${status}); the input:\n  ${artifact_list}\n"
                      "Reproduce: ${FUZZER} FILE")
endif()
