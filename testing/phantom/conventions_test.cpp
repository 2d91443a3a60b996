// The generator's tables (vendor conventions, anatomy keyframes) and the generic DICOM writer they feed. A typo in a
// table must not drop a row silently, and the writer must write only what it is given.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "anatomy_table.hpp"  // private to libs/phantom: the tests read the table itself
#include "myo/core/error.hpp"
#include "myo/dicom/write.hpp"
#include "myo/phantom/vendor_series.hpp"
#include "phantom_test_support.hpp"

using namespace phantom_test;  // NOLINT: test file
using myo::dicom::SeriesRole;

namespace {

myo::core::ImageVolume small_volume() {
  myo::core::Geometry g;
  g.size = {4, 3, 2};
  return myo::core::ImageVolume(g, 300.0F);
}

}  // namespace

// Every vendor names every role, and the rows that role detection depends on say what the scanners say.
TEST(VendorConventions, EveryVendorNamesEveryRole) {
  for (const Vendor vendor : {Vendor::siemens, Vendor::philips, Vendor::ge, Vendor::unknown})
    for (int r = 0; r <= static_cast<int>(SeriesRole::other); ++r)
      for (const bool three_d : {false, true})
        for (const bool localizer : {false, true})
          EXPECT_FALSE(myo::phantom::conventional_description(vendor, static_cast<SeriesRole>(r), three_d, localizer)
                           .empty())
              << myo::dicom::to_string(vendor) << " " << r;
  using myo::phantom::conventional_description;
  EXPECT_EQ(conventional_description(Vendor::siemens, SeriesRole::dixon_water, true, false), "t1_vibe_dixon_tra_W");
  EXPECT_EQ(conventional_description(Vendor::philips, SeriesRole::dixon_fat, true, false), "mDIXON_3D_TRA");
  EXPECT_EQ(conventional_description(Vendor::ge, SeriesRole::dixon_in_phase, true, false), "InPhase: Ax LAVA-Flex");
  EXPECT_EQ(conventional_description(Vendor::ge, SeriesRole::stir, false, true), "3-Plane Loc");
  EXPECT_EQ(conventional_description(Vendor::unknown, SeriesRole::t1, false, false), "t1_tse_tra");
}

// Guards the anatomy table: keyframes are matched to their muscle by name, so a misspelt name would drop the
// keyframe without a word. Every keyframe names a muscle of the table, every muscle spans a level range, and every
// catalogue group named exists.
TEST(AnatomyTable, KeyframesNameTheirMusclesAndGroupsExist) {
  using myo::phantom::detail::KeyForm;
  std::map<std::string, std::set<double>> levels;
  for (const auto& m : myo::phantom::detail::muscle_rows()) {
    EXPECT_TRUE(levels.emplace(std::string(m.name), std::set<double>{}).second) << "muscle listed twice: " << m.name;
    if (!m.group.empty()) {
      EXPECT_NE(myo::core::MuscleCatalog::instance().find(m.group), nullptr) << m.group;
    }
  }
  for (const auto& k : myo::phantom::detail::keyframe_rows()) {
    const auto it = levels.find(std::string(k.muscle));
    ASSERT_NE(it, levels.end()) << "keyframe of an unknown muscle: " << k.muscle;
    it->second.insert(k.z);
    EXPECT_GT(k.a, 0.0) << k.muscle << " at " << k.z;
    EXPECT_GT(k.b, 0.0) << k.muscle << " at " << k.z;
    if (k.form == KeyForm::thigh) {
      EXPECT_LE(k.v_or_rho, 1.0) << k.muscle << ": rho is a fraction of the radius";
    }
  }
  for (const auto& [name, z] : levels) EXPECT_GE(z.size(), 2U) << name << " needs keyframes at two levels";
  for (const auto& v : myo::phantom::detail::femoral_vessel_rows()) EXPECT_GT(v.radius_mm, 0.0) << v.name;
}

// The generic writer puts exactly the attributes it is given, private ones with their creator: no vendor tags of its
// own (they belong to the generator's table).
TEST(GenericWriter, WritesOnlyTheGivenAttributes) {
  myo::testing::TempDir dir;
  const auto volume = small_volume();
  myo::dicom::ImageSpec image;
  image.volume = &volume;
  image.attributes = {{"SeriesDescription", "given description"}, {"EchoTime", "12"}};
  image.private_attributes = {{0x0043, 0x102F, "GEMS_PARM_01", "SS", "1"}};
  myo::dicom::SeriesSpec series;
  series.attributes = {{"SeriesNumber", "42"}};
  const auto files = myo::dicom::write_series({image}, {}, series, dir.path());
  ASSERT_EQ(files.size(), 2U);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(files.front().string().c_str()).good());
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(text(ds, DCM_SeriesDescription), "given description");
  EXPECT_EQ(text(ds, DCM_SeriesNumber), "42");
  EXPECT_DOUBLE_EQ(number(ds, DCM_EchoTime), 12.0);
  EXPECT_FALSE(ds.tagExists(DCM_Manufacturer)) << "the writer must not add vendor tags";
  EXPECT_FALSE(ds.tagExists(DCM_SequenceName));
  EXPECT_EQ(text(ds, DcmTagKey(0x0043, 0x0010)), "GEMS_PARM_01");
  Sint16 ge_type = -1;
  EXPECT_TRUE(ds.findAndGetSint16(DcmTagKey(0x0043, 0x102F), ge_type).good());
  EXPECT_EQ(ge_type, 1);
}

// A keyword the data dictionary does not know is a bug in the caller: an internal error naming the folder, and no
// file written.
TEST(GenericWriter, UnknownKeywordIsAnInternalErrorNamingTheFolder) {
  myo::testing::TempDir dir;
  const auto volume = small_volume();
  myo::dicom::ImageSpec image;
  image.volume = &volume;
  image.attributes = {{"SeriesDescripton", "misspelt"}};
  try {
    (void)myo::dicom::write_series({image}, {}, {}, dir.path() / "series");
    FAIL() << "an unknown keyword was accepted";
  } catch (const myo::core::MyoError& e) {
    EXPECT_EQ(e.error().kind, myo::core::ErrorKind::internal);
    EXPECT_NE(e.error().subject.find("series"), std::string::npos) << e.error().subject;
    EXPECT_NE(std::string(e.what()).find("SeriesDescripton"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "series"));
}

// The vendor series carries the table's tags: Philips' private image type and ScaleSlope = 1 / RescaleSlope, GE's
// magnitude/phase type on raw echoes, Siemens' phase storage.
TEST(VendorSeries, PrivateTagsAndPhaseStorageFromTheTable) {
  const auto volume = small_volume();
  const auto first = [](const std::vector<std::filesystem::path>& files) {
    auto file = std::make_unique<DcmFileFormat>();
    if (files.empty() || file->loadFile(files.front().string().c_str()).bad()) return std::unique_ptr<DcmFileFormat>();
    return file;
  };
  myo::phantom::SeriesTags tags;
  tags.three_d = true;
  {
    myo::testing::TempDir dir;
    tags.vendor = Vendor::philips;
    const auto file = first(myo::phantom::write_vendor_series({{SeriesRole::dixon_fat, &volume}}, {}, tags, dir.path()));
    ASSERT_TRUE(file);
    DcmDataset& ds = *file->getDataset();
    EXPECT_EQ(text(ds, DcmTagKey(0x2005, 0x1011)), "F");
    Float32 scale_slope = 0;
    ASSERT_TRUE(ds.findAndGetFloat32(DcmTagKey(0x2005, 0x100E), scale_slope).good());
    EXPECT_NEAR(scale_slope * number(ds, DCM_RescaleSlope), 1.0, 1e-6);
    EXPECT_EQ(text(ds, DCM_RescaleType), "normalized");
  }
  {
    myo::testing::TempDir dir;
    tags.vendor = Vendor::siemens;
    myo::phantom::ImageComponent phase{SeriesRole::dixon_echo, &volume, 2.3, 2, true};
    const auto file = first(myo::phantom::write_vendor_series({phase}, {}, tags, dir.path()));
    ASSERT_TRUE(file);
    DcmDataset& ds = *file->getDataset();
    EXPECT_EQ(text(ds, DCM_ImageType), "ORIGINAL\\PRIMARY\\P\\ND");
    EXPECT_DOUBLE_EQ(number(ds, DCM_RescaleSlope), 2.0);
    EXPECT_DOUBLE_EQ(number(ds, DCM_RescaleIntercept), -4096.0);
    EXPECT_FALSE(ds.tagExists(DcmTagKey(0x2005, 0x1011)));
  }
}
