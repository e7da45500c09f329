# Writes OUTPUT, a C++ source whose function NAME() returns the text of INPUT, so that a document
# the binary serves (api/openapi.yaml) is the very file in the repository.
# Usage: cmake -DINPUT=... -DOUTPUT=... -DNAME=... -DNAMESPACE=... -P EmbedText.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")acctsec_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )acctsec_embed\"")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by cmake/EmbedText.cmake; do not edit.\n#include <string_view>\n\nnamespace ${NAMESPACE} {\n\nstd::string_view ${NAME}() {\n  static constexpr char text[] = R\"acctsec_embed(${content})acctsec_embed\";\n  return {text, sizeof text - 1};\n}\n\n}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
