# cmake -DINPUT=file -DOUTPUT=file.cpp -P MyoEmbedFile.cmake
# Writes the bytes of INPUT as the built-in segmentation atlas (an empty array when INPUT does not exist).
set(bytes "")
set(size 0)
if(EXISTS "${INPUT}")
  file(READ "${INPUT}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT}; do not edit.\n#include <cstddef>\nnamespace myo::segmentation {\nextern const unsigned char kBuiltinAtlasBytes[];\nextern const std::size_t kBuiltinAtlasSize;\nconst unsigned char kBuiltinAtlasBytes[] = {\n${bytes}0};\nconst std::size_t kBuiltinAtlasSize = ${size};\n}  // namespace myo::segmentation\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
