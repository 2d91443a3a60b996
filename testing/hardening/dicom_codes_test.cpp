// The DICOM results of a real analysis (issue 22, item 3): every group coded with a standard code or a documented
// private one (never plain "Skeletal muscle"), the SR carrying every measure the report has, and SEG, SR and
// parametric map passing dciodvfy within the documented allow-list. One test, as ctest runs each test in its own
// process and each would analyse the study again.
#include <dcmtk/dcmdata/dcsequen.h>

#include "hardening_fixture.hpp"
#include "myo/testing/dciodvfy.hpp"

namespace {

std::string command_output(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  std::string text;
  std::array<char, 4096> buffer{};
  while (pipe && fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) != nullptr) text += buffer.data();
  return text;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Issue 22: six of nine groups, single muscles among them, were coded 127954009 "Skeletal muscle".
void expect_no_plain_skeletal_muscle(const fs::path& seg_file) {
  auto file = load(seg_file);
  DcmSequenceOfItems* segments = nullptr;
  ASSERT_TRUE(file->getDataset()->findAndGetSequence(DCM_SegmentSequence, segments).good());
  EXPECT_GE(segments->card(), 14U) << "the phantom has (nearly) every group on both sides";
  for (unsigned long i = 0; i < segments->card(); ++i) {
    DcmItem* type = nullptr;
    ASSERT_TRUE(segments->getItem(i)->findAndGetSequenceItem(DCM_SegmentedPropertyTypeCodeSequence, type, 0).good());
    OFString value;
    type->findAndGetOFString(DCM_CodeValue, value);
    EXPECT_NE(value, "127954009") << "segment " << i + 1;
  }
}

// Issue 22: the SR left out the STIR ratio and the grades.
void expect_every_measure(const fs::path& sr_file) {
  const std::string sr = command_output("dsrdump '" + sr_file.string() + "'");
  const std::size_t groups = count(sr, "\"Measurement Group\"");
  EXPECT_GE(groups, 14U) << sr;
  for (const char* concept_name : {"\"Volume\"", "\"Fat fraction\"", "\"STIR signal ratio to normal muscle\"",
                                   "\"Edema fraction of muscle volume\"", "\"Mercuri grade (original scale 1-4)\"",
                                   "\"Mercuri grade (modified scale 0-4)\"", "\"Edema grade (extent 0-3)\""})
    EXPECT_GE(count(sr, concept_name), groups) << concept_name << "\n" << sr;
  EXPECT_EQ(count(sr, "127954009"), 0U) << sr;
  EXPECT_EQ(count(sr, "nan\""), 0U) << "a NaN written as a number\n" << sr;
}

TEST_F(Hardening, DicomResultsAreStandardCodedCompleteAndPassDciodvfy) {
  const CliRun run = analyze();
  ASSERT_EQ(run.exit_code, core::kExitOk) << run.err;
  const fs::path dicom = out() / "dicom";
  expect_no_plain_skeletal_muscle(dicom / "segmentation.dcm");
  if (std::system("command -v dsrdump >/dev/null 2>&1") != 0) GTEST_SKIP() << "dsrdump (dcmtk) is not installed";
  expect_every_measure(dicom / "measurement_report.dcm");
  if (!myo::testing::have_dciodvfy()) GTEST_SKIP() << "dciodvfy (Debian package dicom3tools) is not installed";
  for (const char* name : {"segmentation.dcm", "measurement_report.dcm", "fat_fraction_map.dcm"}) {
    std::string output;
    const auto findings = myo::testing::dciodvfy_findings(dicom / name, &output);
    EXPECT_TRUE(findings.empty()) << name << ": " << findings.front() << "\n" << output;
  }
}

}  // namespace
