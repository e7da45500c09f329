// key enroll --server: enrolling a key with the backend (cli/key_enroll_server.cpp).
#pragma once

#include <string>

#include "command.hpp"
#include "pin_input.hpp"

namespace acctsec::cli {

struct EnrollServerRequest {
  std::string user;                 // the principal the key is for
  std::string display_name;         // for a bootstrap: the first admin's display name
  std::string bootstrap_code_file;  // the first admin: the server's one-time code file; no token is used
  std::string out;                  // where the local record goes (default: the state directory)
  PinSource pin;
};

Result<int> run_key_enroll_server(const EnrollServerRequest& request, Context& ctx);

}  // namespace acctsec::cli
