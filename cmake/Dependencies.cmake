# Every dependency is a Debian 12 package; scripts/install-deps installs them.
find_package(PkgConfig REQUIRED)
pkg_check_modules(FIDO2 REQUIRED IMPORTED_TARGET libfido2>=1.12)
pkg_check_modules(CBOR REQUIRED IMPORTED_TARGET libcbor)
find_package(OpenSSL 3 REQUIRED)
find_package(CURL 7.85 REQUIRED)  # headers only: lib/webauthn/mds_fetch.cpp loads libcurl when it fetches
find_package(CLI11 CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(nlohmann_json 3.11 CONFIG REQUIRED)
find_package(tomlplusplus CONFIG REQUIRED)  # used header-only (lib/core/config.cpp)
find_package(Boost 1.81 CONFIG REQUIRED)  # libboost1.81-dev; header-only parts (Boost.JSON in lib/core/json_parse.cpp)
find_package(SQLite3 3.37 REQUIRED)  # STRICT tables (lib/server)
find_package(Threads REQUIRED)
# SQLite links statically, from the archive libsqlite3-dev ships beside the shared library: loaded
# as a shared library, its 1,600 symbol relocations would be paid at the start of every command,
# not only `acctsec serve` (bench/startup.sh). acctsec_sqlite3 is the target to link.
find_library(ACCTSEC_SQLITE3_ARCHIVE NAMES libsqlite3.a)
add_library(acctsec_sqlite3 INTERFACE)
if(ACCTSEC_SQLITE3_ARCHIVE)
  target_include_directories(acctsec_sqlite3 INTERFACE ${SQLite3_INCLUDE_DIRS})
  target_link_libraries(acctsec_sqlite3 INTERFACE ${ACCTSEC_SQLITE3_ARCHIVE} m ${CMAKE_DL_LIBS} Threads::Threads)
else()
  target_link_libraries(acctsec_sqlite3 INTERFACE SQLite::SQLite3)
endif()
if(ACCTSEC_TESTS)
  find_package(doctest CONFIG REQUIRED)
  include(doctest)
endif()
