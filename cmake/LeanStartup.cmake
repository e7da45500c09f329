# Start-up cost of the programs a user runs (bench/startup.sh): how they are linked.
#
# acctsec_lean_startup(TARGET [ORDER LIST]): with fmt and toml++ used header-only no C++ shared
# library is left, so libstdc++ links statically; unused sections and libraries are dropped,
# because every page of a small binary gets mapped at start-up, and relative relocations are
# packed (DT_RELR). With GNU ld outside sanitizer builds, also:
# - the default libraries are linked by hand, without libm: nothing calls it, but libcbor takes
#   ldexp from whichever library the linker meets first, and g++ puts -lm before -lc, so libm
#   would be loaded (and 400 KiB of it resident) by every command. libcbor's ldexp then binds to
#   glibc's own. The caller's directory sets CMAKE_CXX_STANDARD_LIBRARIES (it ends the link line
#   of that directory's targets, after every archive): acctsec_lean_standard_libraries().
# - libcrypto and libc lead the search order: the loader looks up each of libcrypto's ~3,500
#   symbol relocations in every object ahead of the one that defines it, and libfido2 (first
#   otherwise) defines none of them. This order saves 180k instructions at every start.
# - ORDER LIST: the input sections named in LIST lead .text (acctsec_startup_order below).
function(acctsec_lean_startup target)
  cmake_parse_arguments(PARSE_ARGV 1 lean "" "ORDER" "")
  target_link_libraries(${target} PRIVATE -static-libstdc++ -static-libgcc)
  target_link_options(${target} PRIVATE LINKER:--as-needed LINKER:--gc-sections LINKER:-O1)
  include(CheckLinkerFlag)
  check_linker_flag(CXX LINKER:-z,pack-relative-relocs ACCTSEC_LINKER_HAS_RELR)
  if(ACCTSEC_LINKER_HAS_RELR)
    target_link_options(${target} PRIVATE LINKER:-z,pack-relative-relocs)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND NOT ACCTSEC_SANITIZE)
    target_link_options(${target} PRIVATE -nodefaultlibs)
    target_link_libraries(${target} PRIVATE -Wl,--no-as-needed OpenSSL::Crypto -lc -Wl,--as-needed)
    if(lean_ORDER)
      acctsec_startup_order(${target} ${lean_ORDER})
    endif()
  endif()
endfunction()

macro(acctsec_lean_standard_libraries)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND NOT ACCTSEC_SANITIZE)
    set(CMAKE_CXX_STANDARD_LIBRARIES "-Wl,-Bstatic -lstdc++ -Wl,-Bdynamic -lgcc -lgcc_eh -lc -lgcc -lgcc_eh")
  endif()
endmacro()

# acctsec_startup_order(TARGET LIST): links TARGET with the linker's own default script, in which
# the input sections named in LIST (cli/startup-order.ld, written by scripts/startup-order) lead
# the .text output section. The code every command runs at start-up then sits together, and the
# kernel maps it in a few faults instead of one for each 64 KiB stretch it was spread over.
#
# The script is the one GNU ld prints with --verbose for a plain link by this compiler, so every
# other placement stays the linker's. Kept inside .text (not in a section of its own), so that
# tools that read only .text for symbols (valgrind) still see the functions. Where the linker is
# not GNU ld, or its script has no .text statement to extend, the link is left as it was.
function(acctsec_startup_order target list)
  set(probe_dir ${CMAKE_CURRENT_BINARY_DIR}/startup-order-probe)
  file(MAKE_DIRECTORY ${probe_dir})
  file(WRITE ${probe_dir}/probe.cpp "int main() { return 0; }\n")
  separate_arguments(link_flags UNIX_COMMAND "${CMAKE_EXE_LINKER_FLAGS}")  # the same linker as the real link
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} ${link_flags} probe.cpp -o probe -Wl,--verbose
                  WORKING_DIRECTORY ${probe_dir} OUTPUT_VARIABLE verbose ERROR_QUIET RESULT_VARIABLE status)
  set(rule "==================================================\n")
  string(FIND "${verbose}" "${rule}" first)
  string(FIND "${verbose}" "${rule}" last REVERSE)
  set(text_statement "\n  .text           :\n  {\n")
  string(FIND "${verbose}" "${text_statement}" text_at)
  if(NOT status EQUAL 0 OR first EQUAL -1 OR last LESS_EQUAL first OR text_at EQUAL -1)
    message(STATUS "acctsec: start-up code ordering off (the linker printed no GNU ld script to extend)")
    return()
  endif()
  string(LENGTH "${rule}" rule_length)
  math(EXPR script_start "${first} + ${rule_length}")
  math(EXPR script_length "${last} - ${script_start}")
  string(SUBSTRING "${verbose}" ${script_start} ${script_length} script)
  string(REPLACE "${text_statement}" "${text_statement}    INCLUDE \"${list}\"\n" script "${script}")
  set(script_file ${CMAKE_CURRENT_BINARY_DIR}/${target}.ld)
  file(WRITE ${script_file} "/* The linker's default script, with ${list} leading .text (cmake/LeanStartup.cmake). */\n${script}")
  target_link_options(${target} PRIVATE LINKER:-T,${script_file})
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${list} ${script_file})
  set_property(GLOBAL APPEND PROPERTY ACCTSEC_STARTUP_ORDERED ${target})  # tests/cli/startup_order_test.sh
endfunction()
