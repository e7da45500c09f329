// Owning pointers to OpenSSL objects, each freed by its own *_free function:
//   using X509Ptr = OpenSslPtr<X509, X509_free>;
#pragma once

#include <memory>

namespace acctsec {

template <typename T, void (*Free)(T*)>
struct OpenSslFree {
  void operator()(T* object) const noexcept { Free(object); }
};

template <typename T, void (*Free)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree<T, Free>>;

}  // namespace acctsec
