// Follow-up visits of one generated patient (PhantomParams::visit, months_after_first): the same patient, a new study
// dated later, edema falling and fat rising in the involved groups, and the patient repositioned on the table.
#include <gtest/gtest.h>

#include "myo/core/error.hpp"
#include "phantom_test_support.hpp"

using namespace phantom_test;  // NOLINT: test file

namespace {

struct Tags {
  std::string patient_id, study_uid, study_date;
};

Tags first_file_tags(const std::filesystem::path& dicom) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dicom)) {
    if (!entry.is_regular_file()) continue;
    DcmFileFormat file;
    if (file.loadFile(entry.path().string().c_str()).bad()) continue;
    auto& ds = *file.getDataset();
    return {text(ds, DCM_PatientID), text(ds, DCM_StudyInstanceUID), text(ds, DCM_StudyDate)};
  }
  return {};
}

}  // namespace

TEST(PhantomFollowUp, LaterVisitIsTheSamePatientWithTheDiseaseMovedOn) {
  myo::testing::TempDir first_dir, later_dir;
  auto params = small(Vendor::siemens, Scenario::imnm, 9);
  params.dixon_voxel_mm = 4.0;
  myo::phantom::generate_study(params, first_dir.path());
  params.visit = 2;
  params.months_after_first = 9;
  myo::phantom::generate_study(params, later_dir.path());

  const auto first = first_file_tags(first_dir.path() / "dicom"), later = first_file_tags(later_dir.path() / "dicom");
  EXPECT_EQ(first.patient_id, later.patient_id);
  EXPECT_NE(first.study_uid, later.study_uid);
  EXPECT_EQ(first.study_date, "20260101");
  EXPECT_EQ(later.study_date, "20261002");  // 274 days on

  const auto before = read_truth(first_dir.path()), after = read_truth(later_dir.path());
  EXPECT_NE(before["body"]["table_offset_mm"].dump(), after["body"]["table_offset_mm"].dump());
  EXPECT_EQ(before["body"]["subcutaneous_fat_mm"], after["body"]["subcutaneous_fat_mm"]);
  int involved = 0;
  for (const auto& g : before["groups"]) {
    if (g["target_edema_pct"].get<double>() < 10) continue;
    ++involved;
    const auto& a = group(after, g["group"].get<std::string>(), g["side"].get<std::string>());
    EXPECT_LT(a["target_edema_pct"].get<double>(), 0.25 * g["target_edema_pct"].get<double>()) << g["group"];
    EXPECT_NEAR(a["target_fat_fraction_pct"].get<double>() - g["target_fat_fraction_pct"].get<double>(), 3.6, 0.01)
        << g["group"];
    EXPECT_LT(a["edema_fraction_pct"].get<double>(), g["edema_fraction_pct"].get<double>()) << g["group"];
    EXPECT_GT(a["fat_fraction_pct"].get<double>(), g["fat_fraction_pct"].get<double>()) << g["group"];
  }
  EXPECT_GE(involved, 8);
}

TEST(PhantomFollowUp, VisitAndMonthsMustAgree) {
  myo::testing::TempDir dir;
  auto params = small(Vendor::siemens, Scenario::imnm, 9);
  params.visit = 2;  // no months
  EXPECT_THROW(myo::phantom::generate_study(params, dir.path()), myo::core::MyoError);
  params.visit = 1;
  params.months_after_first = 3;  // months on the first visit
  EXPECT_THROW(myo::phantom::generate_study(params, dir.path()), myo::core::MyoError);
}
