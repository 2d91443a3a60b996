// The PACS overlay series and edema SEG are written on the thread pool while the figures render (issue #21): both
// letter through VTK's one text renderer, which is not thread-safe and is used under one lock in libs/rendering.
// Guards the regression of 8c050c7's parent, where analyze crashed in libfreetype in about half the runs.
#include "hardening_fixture.hpp"

namespace {

// What of an analysis folder must not depend on the overlap: the figure PNGs, and the pixel data of every DICOM object
// with pixels (overlay slices, both SEGs, the parametric map, the secondary capture of the 3D maps), by name. The
// DICOM headers carry new UIDs and times on every run.
std::map<std::string, std::string> pixels_of(const fs::path& folder) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    const auto name = fs::relative(entry.path(), folder).string();
    if (entry.path().extension() == ".png") out[name] = read_all(entry.path());
    if (entry.path().extension() != ".dcm") continue;
    const auto file = load(entry.path());
    const Uint8* data = nullptr;
    unsigned long count = 0;
    if (file->getDataset()->findAndGetUint8Array(DCM_PixelData, data, &count).good() && data != nullptr)
      out[name] = std::string(reinterpret_cast<const char*>(data), count);
  }
  return out;
}

bool can_render() {
  const char* display = std::getenv("DISPLAY");
  return (display != nullptr && *display != 0) || std::system("command -v Xvfb >/dev/null 2>&1") == 0;
}

}  // namespace

// With all cores the overlay series is lettered while the figures are; with --threads 1 every task runs when it is
// submitted, one after the other. Both complete (exit 0) with the same figures and the same DICOM pixels, byte for
// byte, and the overlay series is all there.
TEST_F(Hardening, OverlaySeriesBesideTheFiguresChangesNoPixel) {
  if (!can_render()) GTEST_SKIP() << "no X display and no Xvfb (package xvfb) to render the figures";
  const fs::path overlapped = work_.path() / "overlapped", serial = work_.path() / "serial";
  for (int run = 0; run < 2; ++run) {  // twice: a race shows in one run of a few, not in every run
    fs::remove_all(overlapped);
    const auto all = run_myoscope("analyze " + in().string() + " -o " + overlapped.string());
    ASSERT_EQ(all.exit_code, myo::core::kExitOk) << all.err;
  }
  const auto one = run_myoscope("analyze " + in().string() + " -o " + serial.string() + " --threads 1");
  ASSERT_EQ(one.exit_code, myo::core::kExitOk) << one.err;
  const auto expected = pixels_of(serial), got = pixels_of(overlapped);
  ASSERT_GE(expected.count("figures/slices_fat_fraction.png"), 1U);
  ASSERT_GE(expected.count("dicom/overlay/overlay_001.dcm"), 1U);
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [name, bytes] : expected) {
    const auto it = got.find(name);
    ASSERT_NE(it, got.end()) << name << " missing with all cores";
    EXPECT_TRUE(it->second == bytes) << name << " differs between all cores and --threads 1";
  }
}
