// fido2_tools_input: turns acctsec's WebAuthn records into input files for libfido2's independent
// verifiers, so the interop tier can check the virtual key's output with fido2-tools.
//
//   fido2_tools_input cred ENROLLMENT.json INPUT_OUT
//       writes the `fido2-cred -V -i INPUT_OUT TYPE` input for an enrollment record (packed only)
//   fido2_tools_input assert ENROLLMENT.json ASSERTION.json INPUT_OUT PEM_OUT [RP_ID]
//       writes the `fido2-assert -V -i INPUT_OUT PEM_OUT TYPE` input and public key for an
//       AuthenticationResponseJSON made with the enrolled credential (RP ID defaults to the record's)
//
// Both print TYPE (es256, es384, rs256 or eddsa) on stdout. Exit status: 0 written, 1 the input
// cannot be converted, 2 usage.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "fido2_tools_format.hpp"

namespace {

using acctsec::Error;
using acctsec::Result;

constexpr const char* k_usage =
    "usage: fido2_tools_input cred ENROLLMENT.json INPUT_OUT\n"
    "       fido2_tools_input assert ENROLLMENT.json ASSERTION.json INPUT_OUT PEM_OUT [RP_ID]\n";

Result<nlohmann::json> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return acctsec::fail(acctsec::ErrorCategory::not_found, "cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded()) return acctsec::fail(acctsec::ErrorCategory::usage, path + " is not valid JSON");
  return json;
}

Result<void> write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) return acctsec::fail(acctsec::ErrorCategory::internal, "cannot write " + path);
  return {};
}

int report(const Error& error) {
  std::cerr << "fido2_tools_input: error: " << error.message << "\n";
  return 1;
}

int run_cred(const std::string& enrollment_path, const std::string& input_out) {
  auto json = read_json(enrollment_path);
  if (!json) return report(json.error());
  auto record = acctsec::webauthn::enrollment_record_from_json(*json);
  if (!record) return report(record.error());
  auto input = acctsec::interop::fido2_cred_input(*record);
  if (!input) return report(input.error());
  if (auto ok = write_file(input_out, input->lines); !ok) return report(ok.error());
  std::cout << input->type << "\n";
  return 0;
}

int run_assert(const std::string& enrollment_path, const std::string& assertion_path, const std::string& input_out,
               const std::string& pem_out, const std::string* rp_id) {
  auto enrollment_json = read_json(enrollment_path);
  if (!enrollment_json) return report(enrollment_json.error());
  auto record = acctsec::webauthn::enrollment_record_from_json(*enrollment_json);
  if (!record) return report(record.error());
  auto credential = acctsec::webauthn::enrollment_record_credential(*record);
  if (!credential) return report(credential.error());
  auto assertion_json = read_json(assertion_path);
  if (!assertion_json) return report(assertion_json.error());
  auto response = acctsec::webauthn::authentication_response_from_json(*assertion_json);
  if (!response) return report(response.error());
  auto input =
      acctsec::interop::fido2_assert_input(*response, rp_id ? *rp_id : record->rp_id, credential->public_key_cose);
  if (!input) return report(input.error());
  if (auto ok = write_file(input_out, input->lines); !ok) return report(ok.error());
  if (auto ok = write_file(pem_out, input->public_key_pem); !ok) return report(ok.error());
  std::cout << input->type << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "cred" && argc == 4) return run_cred(argv[2], argv[3]);
  if (mode == "assert" && (argc == 6 || argc == 7)) {
    const std::string rp_id = argc == 7 ? argv[6] : "";
    return run_assert(argv[2], argv[3], argv[4], argv[5], argc == 7 ? &rp_id : nullptr);
  }
  std::cerr << k_usage;
  return 2;
}
