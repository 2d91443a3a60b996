#!/bin/bash
# Development aid: axial slices nearest to the given heights (LPS z, mm) of the Dixon W/F, STIR and T1 series of a
# generated study, plus the truth labels, as one PNG montage per height.
# Usage: testing/phantom/pictures.sh BUILD_DIR STUDY_DIR OUT_DIR TAG z1 [z2 ...]   (needs dcmdump/dcm2pnm)
set -euo pipefail
build=$1; study=$2; out=$3; tag=$4; shift 4
pp=$build/testing/phantom/phantom_pictures
t=$out/tmp_$tag; rm -rf "$t"; mkdir -p "$t"
idx=$t/index.txt
find "$study/dicom" -type f | while read -r f; do
  d=$(dcmdump +P 0008,103e +P 0020,1041 +P 0008,0008 +P 0020,0037 "$f" 2>/dev/null | sed -e 's/.*\[\(.*\)\].*/\1/' | tr '\n' '|')
  echo "$f|$d" >> "$idx"
done
for z in "$@"; do
  row=()
  for key in "_W|" "_F|" "WATER:" "FAT:" "W_FFE" "F_FFE" "stir|" "STIR_TSE_TRA" "Ax STIR" "t1_tse" "T1_TSE" "Ax T1"; do
    best=$(grep -F "$key" "$idx" | grep -F '|1\0\0\0\1\0|' | awk -F'|' -v z="$z" '{d=$3-z; if(d<0)d=-d; print d" "$1}' | sort -n | head -1 | cut -d' ' -f2 || true)
    [ -z "$best" ] && continue
    n=$(echo "$key" | tr -dc 'A-Za-z0-9_')
    dcm2pnm +Wm "$best" "$t/${n}_$z.pgm" 2>/dev/null && row+=("$t/${n}_$z.pgm")
  done
  "$pp" labels "$study/truth/labels.nii.gz" "$t/lab" "${z}mm"
  "$pp" montage "$out/${tag}_z$z.png" 300 "${row[@]}" "$t/lab_${z}mm.ppm"
done
