// The SQLite store: one database file in WAL mode with synchronous=FULL and foreign keys on, its
// schema brought up to date by numbered migrations when it is opened.
#pragma once

#include <memory>
#include <string>

#include "core/error.hpp"
#include "server/store.hpp"

namespace acctsec::server {

// The schema version this build writes (PRAGMA user_version after the migrations).
int sqlite_schema_version();

// Opens (creating if needed, mode 0600) the database at `path` and applies the migrations it lacks,
// each in its own transaction. Errors: usage (cannot open or create the file; a database from a
// newer acctsec, whose schema version is above sqlite_schema_version()), internal (a migration failed).
Result<std::unique_ptr<Store>> sqlite_store_open(const std::string& path);

}  // namespace acctsec::server
