# cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=kName [-DNAMESPACE=myo::lib] -P MyoEmbedFile.cmake
# Writes the bytes of INPUT as the arrays SYMBOL##Bytes and SYMBOL##Size in NAMESPACE (default myo::segmentation;
# an empty array when INPUT does not exist), so a library needs no data files at run time.
if(NOT NAMESPACE)
  set(NAMESPACE "myo::segmentation")
endif()
set(bytes "")
set(size 0)
if(EXISTS "${INPUT}")
  file(READ "${INPUT}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT}; do not edit.\n#include <cstddef>\nnamespace ${NAMESPACE} {\nextern const unsigned char ${SYMBOL}Bytes[];\nextern const std::size_t ${SYMBOL}Size;\nconst unsigned char ${SYMBOL}Bytes[] = {\n${bytes}0};\nconst std::size_t ${SYMBOL}Size = ${size};\n}  // namespace ${NAMESPACE}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
