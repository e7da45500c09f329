// The routes about the service itself, open to anyone: GET /v1/health and GET /v1/openapi.yaml.
#pragma once

#include <string>

#include "server/router.hpp"
#include "server/store.hpp"

namespace acctsec::server {

// `store` outlives the router. `version` is what /v1/health reports.
void add_service_routes(Router& router, Store& store, std::string version);

}  // namespace acctsec::server
