#!/usr/bin/env bash
# Installs every build, test and run-time dependency of MyoScope from Debian 12 packages.
# Idempotent: packages already present are skipped; `apt-get update` runs only when something is missing.
set -euo pipefail

# Not installed on purpose: libopencv-core-dev and libopencv-dnn-dev (nothing uses OpenCV; see the README).
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libinsighttoolkit5-dev        # ITK 5.2: image model, filters, registration, NIfTI IO
  libvtk9-dev                   # VTK 9.1: surfaces and off-screen rendering
  libdcmtk-dev dcmtk            # DCMTK 3.6.7: DICOM reading/writing, codecs, command-line tools for tests
  libopenjp2-7-dev              # JPEG 2000 decoding (DCMTK has no JPEG 2000 codec of its own)
  zlib1g-dev                    # gzip-wrapped DICOM, reading .nii.gz
  libdeflate-dev                # writing .nii.gz (parallel gzip members)
  nlohmann-json3-dev            # report.json
  libsqlite3-dev sqlite3        # batch: the cohort database (cohort.sqlite); sqlite3 to query it
  orthanc                       # a real PACS for the DICOM node round-trip test (started by the test, free ports)
  slurm-wlm munge               # the Slurm recipe test: a private one-node cluster on loopback (started by the test)
  dcm2niix time                 # benchmarks: the loading comparison and peak memory (testing/benchmarks)
  libcairo2-dev libpango1.0-dev fonts-dejavu-core  # report.pdf / report.html: layout, charts, text
  poppler-utils                 # pdftotext/pdfinfo/pdftoppm: report.pdf is checked in tests
  chromium                      # headless browser test of report.html (3D map, lightbox, sortable tables)
  libspdlog-dev libfmt-dev      # logging facade backend
  libcli11-dev                  # command-line parsing
  libopenblas-dev               # the muscle model's matrix products (segmentation)
  libgtest-dev libgmock-dev libbenchmark-dev
  xvfb xauth                    # VTK needs an X server; tests and batch run under xvfb-run
  python3 python3-jsonschema    # report.json is validated against data/report.schema.json in tests
  dicom3tools                   # dciodvfy: generated SEG/SR/parametric maps are validated in tests
  clang libclang-rt-dev         # libFuzzer targets (cmake/run-fuzz-smoke.sh, CI)
  util-linux                    # setpriv/unshare: read-only folder and full-disk tests run unprivileged
  valgrind                      # callgrind profiles of the loading (testing/benchmarks)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
