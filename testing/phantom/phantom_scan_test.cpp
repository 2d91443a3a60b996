// Integration: studies from the generator, indexed by the project's own DICOM reader (written independently from
// vendor conventions), must be recognised series by series. A failure means the writer or the reader drifted away
// from real conventions (libs/phantom/vendor_conventions.md, libs/dicom/vendor_conventions.md).
#include <gtest/gtest.h>

#include <map>

#include "myo/dicom/scan.hpp"
#include "phantom_test_support.hpp"

using namespace phantom_test;  // NOLINT: test file
using myo::dicom::SeriesRole;

TEST(PhantomScan, EveryVendorsSeriesGetTheirRoles) {
  for (const Vendor vendor : {Vendor::siemens, Vendor::philips, Vendor::ge}) {
    myo::testing::TempDir dir;
    auto params = small(vendor, Scenario::imnm, 21);
    params.coronal_stir = true;
    const auto result = myo::phantom::generate_study(params, dir.path());
    const auto scanned = myo::dicom::scan(dir.path() / "dicom");
    EXPECT_TRUE(scanned.problems.empty());
    EXPECT_EQ(scanned.dicom_files, result.files.size());
    ASSERT_EQ(scanned.studies.size(), 1U);
    std::map<SeriesRole, int> roles;
    for (const auto& series : scanned.studies.front().series) {
      ++roles[series.role];
      EXPECT_EQ(series.vendor, vendor) << series.description;
    }
    const std::string name = vendor == Vendor::siemens ? "siemens" : vendor == Vendor::philips ? "philips" : "ge";
    for (const SeriesRole role : {SeriesRole::dixon_water, SeriesRole::dixon_fat, SeriesRole::dixon_in_phase,
                                  SeriesRole::dixon_opposed_phase, SeriesRole::t1, SeriesRole::localizer})
      EXPECT_EQ(roles[role], 1) << name << ' ' << static_cast<int>(role);
    EXPECT_EQ(roles[SeriesRole::stir], 2) << name << ": axial and coronal STIR";
    EXPECT_EQ(roles[SeriesRole::other], 0) << name;
  }
}
