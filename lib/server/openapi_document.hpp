// api/openapi.yaml as compiled into the binary (cmake/EmbedText.cmake), served at
// GET /v1/openapi.yaml.
#pragma once

#include <string_view>

namespace acctsec::server {

std::string_view openapi_document();

}  // namespace acctsec::server
