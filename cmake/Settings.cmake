# Shared compile settings, linked by every target (as ccache's standard_settings).
add_library(acctsec_settings INTERFACE)
target_compile_features(acctsec_settings INTERFACE cxx_std_23)
target_compile_definitions(acctsec_settings INTERFACE
  ACCTSEC_VERSION="${PROJECT_VERSION}"
  OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
# One section per function and object, so that the acctsec link can drop what it does not use.
target_compile_options(acctsec_settings INTERFACE -ffunction-sections -fdata-sections)
# The libraries the server module shares are built position-independent; nothing of ours is
# interposed at run time, so calls between our own functions may still be inlined.
target_compile_options(acctsec_settings INTERFACE -fno-semantic-interposition)

if(ACCTSEC_SANITIZE)
  target_compile_options(acctsec_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(acctsec_settings INTERFACE -fsanitize=address,undefined)
endif()

add_library(acctsec_warnings INTERFACE)
target_compile_options(acctsec_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${ACCTSEC_WERROR}>:-Werror>)
