# Writes a C++ source (cmake -P) that holds the bytes of INPUT and defines
#   std::string_view NAMESPACE::FUNCTION()
# returning them, so an executable carries the file without shipping it.
# Variables: INPUT, OUTPUT, NAMESPACE, FUNCTION.
cmake_minimum_required(VERSION 3.25)
if(NOT EXISTS ${INPUT})
  message(FATAL_ERROR "${INPUT} is missing: it is built into the executable")
endif()
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
# Lines of 16 bytes keep the generated file readable for a compiler error message.
string(REGEX REPLACE "(('[^']*',){16})" "\\1\n    " bytes "${bytes}")
file(WRITE ${OUTPUT}.tmp
"// Generated from ${INPUT} by packaging/embed_file.cmake; do not edit.
#include <string_view>

namespace ${NAMESPACE} {
namespace {
constexpr char kBytes[] = {
    ${bytes}'\\0'};
}  // namespace

std::string_view ${FUNCTION}() { return {kBytes, ${size}}; }

}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
