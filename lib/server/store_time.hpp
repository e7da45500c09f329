// Times in the store are milliseconds since the Unix epoch (UTC).
#pragma once

#include <cstdint>

namespace acctsec::server {

using StoreTime = std::int64_t;

}  // namespace acctsec::server
