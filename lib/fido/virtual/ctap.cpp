#include "fido/virtual/ctap.hpp"

namespace acctsec::fido::soft {
namespace {

[[noreturn]] void wrong_type() {
  throw CtapFailure{ctap_status::k_cbor_unexpected_type};
}

template <typename T>
T typed(std::optional<T> value) {
  if (!value) wrong_type();
  return std::move(*value);
}

}  // namespace

const cbor_item_t& need(const cbor_item_t& map, cbor::Key key) {
  const cbor_item_t* value = cbor::find(map, key);
  if (value == nullptr) throw CtapFailure{ctap_status::k_missing_parameter};
  return *value;
}

Bytes need_bytes(const cbor_item_t& map, cbor::Key key) {
  return typed(cbor::to_bytes(need(map, key)));
}
std::string need_text(const cbor_item_t& map, cbor::Key key) {
  return typed(cbor::to_text(need(map, key)));
}
std::uint64_t need_uint(const cbor_item_t& map, cbor::Key key) {
  return typed(cbor::to_uint(need(map, key)));
}

const cbor_item_t& need_map(const cbor_item_t& map, cbor::Key key) {
  const cbor_item_t& value = need(map, key);
  if (!cbor_isa_map(&value)) wrong_type();
  return value;
}

std::optional<Bytes> find_bytes(const cbor_item_t& map, cbor::Key key) {
  const cbor_item_t* value = cbor::find(map, key);
  if (value == nullptr) return std::nullopt;
  return typed(cbor::to_bytes(*value));
}

std::optional<std::string> find_text(const cbor_item_t& map, cbor::Key key) {
  const cbor_item_t* value = cbor::find(map, key);
  if (value == nullptr) return std::nullopt;
  return typed(cbor::to_text(*value));
}

std::optional<std::uint64_t> find_uint(const cbor_item_t& map, cbor::Key key) {
  const cbor_item_t* value = cbor::find(map, key);
  if (value == nullptr) return std::nullopt;
  return typed(cbor::to_uint(*value));
}

std::optional<bool> find_bool(const cbor_item_t& map, cbor::Key key) {
  const cbor_item_t* value = cbor::find(map, key);
  if (value == nullptr) return std::nullopt;
  return typed(cbor::to_bool(*value));
}

const cbor_item_t* find_map(const cbor_item_t& map, cbor::Key key) {
  const cbor_item_t* value = cbor::find(map, key);
  if (value != nullptr && !cbor_isa_map(value)) wrong_type();
  return value;
}

const cbor_item_t* find_array(const cbor_item_t& map, cbor::Key key) {
  const cbor_item_t* value = cbor::find(map, key);
  if (value != nullptr && !cbor_isa_array(value)) wrong_type();
  return value;
}

Bytes ctap_success(const cbor_item_t& map) {
  Bytes out{ctap_status::k_ok};
  const Bytes body = cbor::encode(map);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace acctsec::fido::soft
