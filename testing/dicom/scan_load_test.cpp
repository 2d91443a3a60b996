// Scanning and volume assembly on small synthetic files: each test names the export quirk it guards against.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <random>

#include "dicom_fixture.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/dicom/convert.hpp"
#include "myo/dicom/load.hpp"
#include "myo/dicom/scan.hpp"
#include "myo/testing/test_support.hpp"

namespace myo::dicom {
namespace {
namespace fs = std::filesystem;
using testing::SliceSpec;
using testing::TempDir;

std::vector<SeriesInfo> all_series(const ScanResult& r) {
  std::vector<SeriesInfo> out;
  for (const auto& st : r.studies) out.insert(out.end(), st.series.begin(), st.series.end());
  return out;
}

ScanResult scan1(const fs::path& p) {
  ScanOptions o;
  o.threads = 2;
  return scan(p, o);
}

// PACS exports name files arbitrarily and InstanceNumber may run against the position: sort by position only.
TEST(DicomLoad, SortsByPositionNotByNameOrInstanceNumber) {
  TempDir dir;
  SliceSpec base;
  base.position = {-10, 20, 50};
  testing::write_stack(base, 5, 3.0, dir.path());
  const auto result = scan1(dir.path());
  ASSERT_EQ(result.studies.size(), 1U);
  ASSERT_EQ(result.studies[0].series.size(), 1U);
  const auto& s = result.studies[0].series[0];
  EXPECT_EQ(s.slice_count, 5U);
  EXPECT_EQ(s.orientation, "axial");
  EXPECT_TRUE(s.problems.empty());
  const auto loaded = load_series(s);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  const auto& v = loaded.value().volume;
  EXPECT_EQ(v.geometry.size, (std::array<std::size_t, 3>{3, 4, 5}));
  EXPECT_NEAR(v.geometry.spacing_mm[2], 3.0, 1e-6);
  EXPECT_NEAR(v.geometry.origin_mm[2], 50.0, 1e-6);
  for (std::size_t k = 0; k < 5; ++k) EXPECT_EQ(v.at(0, 0, k), 100.0F * static_cast<float>(k + 1));
  // Pixel (column 2, row 1) of a slice holds 100*instance + row*columns + column.
  EXPECT_EQ(v.at(2, 1, 0), 100.0F + 1 * 3 + 2);
}

TEST(DicomLoad, DescendingInstanceNumbersStillAscendAlongTheNormal) {
  TempDir dir;
  for (int k = 0; k < 4; ++k) {
    SliceSpec s;
    s.instance_number = 4 - k;  // acquisition from head to feet
    s.position = {0, 0, 10.0 * k};
    s.pixels.assign(12, k);
    testing::write_slice(s, dir.path() / ("slice" + std::to_string(k)));
  }
  const auto loaded = load_series(scan1(dir.path()).studies.at(0).series.at(0));
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(loaded.value().volume.at(1, 1, k), static_cast<float>(k));
}

// Geometry contract: direction column 0 = row cosine (direction of increasing column index), column 1 = column
// cosine, column 2 = normal; origin = position of the first slice along the normal.
TEST(DicomLoad, SagittalSeriesKeepsItsTrueGeometry) {
  TempDir dir;
  SliceSpec base;
  base.orientation = {0, 1, 0, 0, 0, -1};  // sagittal: rows run anterior->posterior, columns head->feet
  base.pixel_spacing = {0.8, 0.6};
  base.position = {-30, -100, 80};
  testing::write_stack(base, 3, 4.0, dir.path());
  const auto result = scan1(dir.path());
  const auto& s = result.studies.at(0).series.at(0);
  EXPECT_EQ(s.orientation, "sagittal");
  const auto loaded = load_series(s);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  const auto& g = loaded.value().volume.geometry;
  EXPECT_EQ(g.axis(0), (core::Vec3{0, 1, 0}));
  EXPECT_EQ(g.axis(1), (core::Vec3{0, 0, -1}));
  EXPECT_NEAR(g.axis(2)[0], -1.0, 1e-9);  // cross((0,1,0),(0,0,-1)) = (-1,0,0)
  EXPECT_NEAR(g.spacing_mm[0], 0.6, 1e-9);  // column spacing: along a row
  EXPECT_NEAR(g.spacing_mm[1], 0.8, 1e-9);
  // write_stack walks along +normal, so the first written slice is the lowest along the normal.
  EXPECT_NEAR(g.origin_mm[0], -30.0, 1e-6);
  const auto p = g.index_to_physical({2, 3, 1});
  EXPECT_NEAR(p[0], -30.0 - 4.0, 1e-6);
  EXPECT_NEAR(p[1], -100.0 + 2 * 0.6, 1e-6);
  EXPECT_NEAR(p[2], 80.0 - 3 * 0.8, 1e-6);
}

TEST(DicomLoad, MissingSliceIsAnErrorNamingTheSeries) {
  TempDir dir;
  SliceSpec base;
  base.description = "t1_tse_tra";
  const auto paths = testing::write_stack(base, 6, 5.0, dir.path());
  fs::remove(paths[3]);
  const auto result = scan1(dir.path());
  const auto& s = result.studies.at(0).series.at(0);
  EXPECT_FALSE(s.problems.empty());
  const auto loaded = load_series(s);
  ASSERT_FALSE(loaded.ok());
  const auto text = loaded.error().what();
  EXPECT_NE(text.find("missing slice"), std::string::npos) << text;
  EXPECT_NE(text.find(base.series_uid), std::string::npos) << text;
  EXPECT_NE(text.find("t1_tse_tra"), std::string::npos) << text;
}

TEST(DicomLoad, DuplicatedPositionsAreAnError) {
  TempDir dir;
  SliceSpec base;
  testing::write_stack(base, 3, 5.0, dir.path() / "a", "A");
  testing::write_stack(base, 3, 5.0, dir.path() / "b", "B");  // same series, same positions: a repeat
  const auto loaded = load_series(scan1(dir.path()).studies.at(0).series.at(0));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().what().find("duplicated slice positions"), std::string::npos) << loaded.error().what();
}

TEST(DicomLoad, MixedOrientationIsAnError) {
  TempDir dir;
  SliceSpec base;
  testing::write_stack(base, 3, 5.0, dir.path());
  SliceSpec odd = base;
  odd.orientation = {1, 0, 0, 0, 0, -1};
  odd.position = {0, 0, 20};
  odd.instance_number = 9;
  testing::write_slice(odd, dir.path() / "odd");
  const auto result = scan1(dir.path());
  const auto& s = result.studies.at(0).series.at(0);
  EXPECT_EQ(s.orientation, "mixed");
  const auto loaded = load_series(s);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().what().find("mixed orientations"), std::string::npos) << loaded.error().what();
}

TEST(DicomLoad, MixedImageSizesAreAnError) {
  TempDir dir;
  SliceSpec base;
  testing::write_stack(base, 2, 5.0, dir.path());
  SliceSpec big = base;
  big.rows = 8;
  big.position = {0, 0, 10};
  testing::write_slice(big, dir.path() / "big");
  const auto loaded = load_series(scan1(dir.path()).studies.at(0).series.at(0));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().what().find("mixed image sizes"), std::string::npos) << loaded.error().what();
}

TEST(DicomLoad, SmallSpacingJitterIsAWarningLargeIsAnError) {
  TempDir dir;
  const std::vector<double> z_small{0, 5.0, 10.2, 15.0, 20.0};
  const std::vector<double> z_large{0, 5.0, 7.0, 15.0, 20.0};
  for (int variant = 0; variant < 2; ++variant) {
    const auto& zs = variant == 0 ? z_small : z_large;
    const auto folder = dir.path() / std::to_string(variant);
    fs::create_directories(folder);
    for (std::size_t k = 0; k < zs.size(); ++k) {
      SliceSpec s;
      s.series_uid += "." + std::to_string(variant);
      s.position = {0, 0, zs[k]};
      s.instance_number = static_cast<int>(k) + 1;
      testing::write_slice(s, folder / std::to_string(k));
    }
  }
  const auto small = load_series(scan1(dir.path() / "0").studies.at(0).series.at(0));
  ASSERT_TRUE(small.ok()) << small.error().what();
  ASSERT_EQ(small.value().warnings.size(), 1U);
  EXPECT_NE(small.value().warnings[0].find("non-uniform"), std::string::npos);
  const auto large = load_series(scan1(dir.path() / "1").studies.at(0).series.at(0));
  ASSERT_FALSE(large.ok());
}

// Real-world values: rescale applied to signed 12-bit stored values (two's complement within 12 bits).
TEST(DicomLoad, Signed12BitWithRescale) {
  TempDir dir;
  SliceSpec s;
  s.bits_stored = 12;
  s.signed_pixels = true;
  s.slope = 0.5;
  s.intercept = -10.0;
  s.pixels = {-2048, -1, 0, 1, 2047, 100, -100, 5, 6, 7, 8, 9};
  testing::write_slice(s, dir.path() / "x");
  const auto loaded = load_series(scan1(dir.path()).studies.at(0).series.at(0));
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  const auto& v = loaded.value().volume;
  EXPECT_FLOAT_EQ(v.voxels[0], -2048 * 0.5F - 10.0F);
  EXPECT_FLOAT_EQ(v.voxels[1], -0.5F - 10.0F);
  EXPECT_FLOAT_EQ(v.voxels[4], 2047 * 0.5F - 10.0F);
  EXPECT_FLOAT_EQ(v.voxels[6], -100 * 0.5F - 10.0F);
}

// Exports from PACS and CDs: files without preamble, gzip-wrapped files, junk beside them, truncated copies.
TEST(DicomScan, ReadsNoPreambleAndGzipSkipsJunkReportsBrokenFiles) {
  TempDir dir;
  SliceSpec base;
  base.preamble = false;
  const auto paths = testing::write_stack(base, 3, 5.0, dir.path() / "plain");
  // A gzip-wrapped copy of slice 2 replaces it.
  testing::gzip_file(paths[1], dir.path() / "plain" / "slice2.dcm.gz");
  fs::remove(paths[1]);
  std::ofstream(dir.path() / "README.txt") << "not DICOM at all\n";
  std::ofstream(dir.path() / "empty.dat");
  std::ofstream(dir.path() / "plain" / ".DS_Store") << std::string(200, '\0');
  // A truncated Part-10 file: looks like DICOM, must be reported, never abort the scan.
  SliceSpec other;
  other.series_uid = "1.2.3.4.5.6.7";
  other.rows = 64;
  other.columns = 64;
  testing::write_slice(other, dir.path() / "full");
  const auto size = fs::file_size(dir.path() / "full");
  fs::resize_file(dir.path() / "full", size / 2);
  // Garbage after a valid preamble and DICM magic.
  {
    std::ofstream junk(dir.path() / "fake.dcm", std::ios::binary);
    junk << std::string(128, '\0') << "DICM" << std::string(64, '\xff');
  }
  const auto result = scan1(dir.path());
  EXPECT_EQ(result.problems.size(), 2U);
  for (const auto& p : result.problems) {
    EXPECT_TRUE(p.path.filename() == "full" || p.path.filename() == "fake.dcm") << p.path;
    EXPECT_FALSE(p.reason.empty());
  }
  const auto series = all_series(result);
  ASSERT_EQ(series.size(), 1U);
  EXPECT_EQ(series[0].slice_count, 3U);
  const auto loaded = load_series(series[0]);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  EXPECT_EQ(loaded.value().volume.at(0, 0, 1), 200.0F);  // the gzip-wrapped slice, in its place
  EXPECT_EQ(scan_exit_code(result), core::kExitPartial);
}

TEST(DicomScan, NoDicomFoundIsAnInputError) {
  TempDir dir;
  std::ofstream(dir.path() / "notes.txt") << "hello";
  const auto result = scan1(dir.path());
  EXPECT_TRUE(result.studies.empty());
  EXPECT_TRUE(result.problems.empty());
  EXPECT_EQ(result.files_examined, 1U);
  EXPECT_EQ(scan_exit_code(result), core::kExitInputError);
}

TEST(DicomScan, PatientsStudiesAndSeriesKeptApart) {
  TempDir dir;
  SliceSpec a;
  testing::write_stack(a, 2, 5.0, dir.path() / "a", "A");
  SliceSpec a2 = a;
  a2.series_uid = "1.2.826.0.1.3680043.2.1125.1.1.2";
  a2.series_number = 2;
  testing::write_stack(a2, 2, 5.0, dir.path() / "a2", "C");
  SliceSpec b = a;
  b.patient_id = "OTHER";
  b.patient_name = "ROE^RICHARD";
  b.study_uid = "1.2.826.0.1.3680043.2.1125.2";
  b.series_uid = "1.2.826.0.1.3680043.2.1125.2.1";
  testing::write_stack(b, 2, 5.0, dir.path() / "b", "B");
  // Same study UID reused for another patient (a PACS error): must not merge.
  SliceSpec c = a;
  c.patient_id = "THIRD";
  c.series_uid = "1.2.826.0.1.3680043.2.1125.3.1";
  testing::write_stack(c, 2, 5.0, dir.path() / "c", "D");
  const auto result = scan1(dir.path());
  ASSERT_EQ(result.studies.size(), 3U);
  std::size_t total = 0;
  for (const auto& st : result.studies) total += st.series.size();
  EXPECT_EQ(total, 4U);
  const auto table = format_scan_table(result);
  EXPECT_EQ(table.find("DOE"), std::string::npos) << "patient name leaked into the table";
  EXPECT_EQ(table.find("TESTPAT1"), std::string::npos) << "patient ID leaked into the table";
  EXPECT_EQ(table.find("19700101"), std::string::npos) << "birth date leaked into the table";
  const auto json_text = scan_to_json(result);
  EXPECT_EQ(json_text.find("DOE"), std::string::npos);
  EXPECT_EQ(json_text.find("TESTPAT1"), std::string::npos);
  const auto json = nlohmann::json::parse(json_text);
  EXPECT_EQ(json["studies"].size(), 3U);
}

// One series holding two image types (Philips mDIXON style): split into one SeriesInfo per type, each loadable.
TEST(DicomScan, SeriesWithSeveralImageTypesIsSplit) {
  TempDir dir;
  SliceSpec water;
  water.manufacturer = "Philips Medical Systems";
  water.image_type = "DERIVED\\PRIMARY\\W\\W\\DERIVED";
  water.pixels.assign(12, 7);
  SliceSpec fat = water;
  fat.image_type = "DERIVED\\PRIMARY\\F\\F\\DERIVED";
  fat.pixels.assign(12, 3);
  testing::write_stack(water, 4, 5.0, dir.path(), "W");
  testing::write_stack(fat, 4, 5.0, dir.path(), "F");
  const auto series = all_series(scan1(dir.path()));
  ASSERT_EQ(series.size(), 2U);
  for (const auto& s : series) {
    EXPECT_FALSE(s.split_key.empty());
    EXPECT_EQ(s.slice_count, 4U);
    const auto loaded = load_series(s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    const float expected = s.role == SeriesRole::dixon_water ? 7.0F : 3.0F;
    EXPECT_TRUE(s.role == SeriesRole::dixon_water || s.role == SeriesRole::dixon_fat) << to_string(s.role);
    EXPECT_EQ(loaded.value().volume.at(1, 1, 2), expected);
  }
  EXPECT_NE(series[0].role, series[1].role);
}

// GE multi-echo gradient echo: magnitude and phase share ImageType; only the private (0043,102F) differs.
TEST(DicomScan, GeMagnitudeAndPhaseInOneSeriesAreSplitAndPhaseIsNoRole) {
  TempDir dir;
  SliceSpec mag;
  mag.manufacturer = "GE MEDICAL SYSTEMS";
  mag.image_type = "ORIGINAL\\PRIMARY\\OTHER";
  mag.description = "WATER: Ax LAVA";  // a GE prefix on the description must not turn phase into water
  mag.ge_image_type = 0;
  SliceSpec phase = mag;
  phase.ge_image_type = 1;
  testing::write_stack(mag, 3, 5.0, dir.path(), "M");
  testing::write_stack(phase, 3, 5.0, dir.path(), "P");
  const auto series = all_series(scan1(dir.path()));
  ASSERT_EQ(series.size(), 2U);
  int phases = 0;
  for (const auto& s : series) {
    EXPECT_FALSE(s.split_key.empty());
    if (s.complex_component == "PHASE") {
      ++phases;
      EXPECT_EQ(s.role, SeriesRole::other) << s.role_reason;
    } else {
      EXPECT_EQ(s.complex_component, "MAGNITUDE");
      EXPECT_EQ(s.role, SeriesRole::dixon_water) << s.role_reason;
    }
    EXPECT_TRUE(load_series(s).ok());
  }
  EXPECT_EQ(phases, 1);
}

// Philips mDIXON echoes typed by nothing but TE (dcm2niix issue 1022): 3 T, TE 1.15 ms = half cycle (opposed),
// 2.3 ms = one cycle (in phase); a non-Dixon multi-echo series is never typed this way.
TEST(DicomScan, UntypedDixonEchoesAreTypedByEchoTime) {
  TempDir dir;
  SliceSpec op;
  op.manufacturer = "Philips";
  op.image_type = "ORIGINAL\\PRIMARY\\T1\\MIXED";
  op.description = "mDIXON_thighs";
  op.field_strength_t = 3.0;
  op.echo_time_ms = 1.15;
  SliceSpec ip = op;
  ip.echo_time_ms = 2.3;
  testing::write_stack(op, 3, 5.0, dir.path() / "a", "O");
  testing::write_stack(ip, 3, 5.0, dir.path() / "a", "I");
  SliceSpec other = op;
  other.series_uid = "1.2.3.77";
  other.description = "multi echo gre";
  SliceSpec other2 = other;
  other2.echo_time_ms = 2.3;
  testing::write_stack(other, 3, 5.0, dir.path() / "b", "X");
  testing::write_stack(other2, 3, 5.0, dir.path() / "b", "Y");
  for (const auto& s : all_series(scan1(dir.path()))) {
    SCOPED_TRACE(s.description + " TE " + std::to_string(*s.echo_time_ms) + ": " + s.role_reason);
    if (s.series_instance_uid == "1.2.3.77") {
      EXPECT_EQ(s.role, SeriesRole::other);
    } else {
      EXPECT_EQ(s.role, *s.echo_time_ms < 2.0 ? SeriesRole::dixon_opposed_phase : SeriesRole::dixon_in_phase);
    }
  }
}

TEST(DicomScan, SeveralEchoesInOneSeriesAreSplit) {
  TempDir dir;
  SliceSpec e1;
  e1.echo_time_ms = 2.3;
  SliceSpec e2 = e1;
  e2.echo_time_ms = 4.6;
  testing::write_stack(e1, 3, 5.0, dir.path(), "E1_");
  testing::write_stack(e2, 3, 5.0, dir.path(), "E2_");
  const auto series = all_series(scan1(dir.path()));
  ASSERT_EQ(series.size(), 2U);
  EXPECT_NE(series[0].split_key.find("TE=2.3"), std::string::npos) << series[0].split_key;
  EXPECT_NE(series[1].split_key.find("TE=4.6"), std::string::npos) << series[1].split_key;
  for (const auto& s : series) EXPECT_TRUE(load_series(s).ok());
}

// Media (CDs from other hospitals) come with a DICOMDIR: scanning it reads exactly the files it lists.
TEST(DicomScan, DicomdirListsTheFilesToRead) {
  TempDir dir;
  SliceSpec s;
  s.description = "on the CD";
  std::vector<std::string> listed;
  fs::create_directories(dir.path() / "DICOM");
  for (int k = 0; k < 3; ++k) {
    s.instance_number = k + 1;
    s.position = {0, 0, 5.0 * k};
    const std::string name = "IM" + std::to_string(k);
    testing::write_slice(s, dir.path() / "DICOM" / name);
    listed.push_back("DICOM/" + name);
  }
  SliceSpec stray = s;
  stray.series_uid = "1.2.3.999";
  testing::write_slice(stray, dir.path() / "DICOM" / "STRAY");  // present on disk, not in the DICOMDIR
  testing::write_dicomdir(dir.path(), listed);
  const auto via_dicomdir = scan1(dir.path() / "DICOMDIR");
  const auto series = all_series(via_dicomdir);
  ASSERT_EQ(series.size(), 1U);
  EXPECT_EQ(series[0].slice_count, 3U);
  EXPECT_TRUE(via_dicomdir.problems.empty());
  // Walking the folder instead finds both series and ignores the DICOMDIR file itself.
  const auto via_folder = scan1(dir.path());
  EXPECT_EQ(all_series(via_folder).size(), 2U);
  EXPECT_TRUE(via_folder.problems.empty());
}

// Enhanced MR: geometry split between shared and per-frame functional groups; frames of two Dixon types in one
// object, in shuffled order, with per-frame rescale. Must load like two classic series.
TEST(DicomEnhanced, SharedAndPerFrameGroupsSplitByFrameType) {
  TempDir dir;
  SliceSpec spec;
  spec.orientation = {1, 0, 0, 0, 0, -1};  // coronal
  std::vector<testing::EnhancedFrame> frames;
  for (int k : {2, 0, 3, 1}) {
    for (const char* type : {"WATER", "FAT"}) {
      testing::EnhancedFrame f;
      f.position = {0, 4.0 * k, 0};
      f.frame_type = std::string("ORIGINAL\\PRIMARY\\DIXON\\") + type;
      f.slope = std::string(type) == "WATER" ? 2.0 : 0.5;
      f.intercept = -1.0;
      f.value = 10 * (k + 1);
      frames.push_back(f);
    }
  }
  testing::write_enhanced(spec, frames, dir.path() / "enhanced.dcm");
  const auto series = all_series(scan1(dir.path()));
  ASSERT_EQ(series.size(), 2U);
  for (const auto& s : series) {
    EXPECT_TRUE(s.multi_frame);
    EXPECT_EQ(s.slice_count, 4U);
    EXPECT_EQ(s.orientation, "coronal");
    ASSERT_TRUE(s.role == SeriesRole::dixon_water || s.role == SeriesRole::dixon_fat) << s.role_reason;
    const auto loaded = load_series(s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    const auto& v = loaded.value().volume;
    const double slope = s.role == SeriesRole::dixon_water ? 2.0 : 0.5;
    // Normal of (1,0,0)x(0,0,-1) is (0,1,0): slices ascend in y, so slice k holds value 10*(k+1).
    EXPECT_NEAR(v.geometry.spacing_mm[2], 4.0, 1e-9);
    EXPECT_NEAR(v.geometry.origin_mm[1], 0.0, 1e-9);
    for (std::size_t k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(v.at(1, 2, k), static_cast<float>(10.0 * (k + 1) * slope - 1.0));
  }
}

// Damaged copies (cut anywhere, bytes overwritten, broken gzip) must end as FileProblem or load Error, never as a
// crash or an abort of the scan. Deterministic seed so a failure reproduces.
TEST(DicomScan, DamagedFilesNeverCrashTheScanOrTheLoader) {
  TempDir dir;
  SliceSpec s;
  s.rows = 16;
  s.columns = 16;
  testing::write_slice(s, dir.path() / "good");
  std::ifstream in(dir.path() / "good", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::mt19937 rng(1234);
  fs::create_directories(dir.path() / "bad");
  for (int n = 0; n < 60; ++n) {
    std::string damaged = bytes;
    if (n % 2 == 0) {
      damaged.resize(std::uniform_int_distribution<std::size_t>(133, bytes.size() - 1)(rng));
    } else {
      for (int k = 0; k < 8; ++k) {
        const auto at = std::uniform_int_distribution<std::size_t>(132, bytes.size() - 1)(rng);
        damaged[at] = static_cast<char>(rng() & 0xFF);
      }
    }
    const auto path = dir.path() / "bad" / ("d" + std::to_string(n));
    std::ofstream(path, std::ios::binary) << damaged;
    if (n % 10 == 1) {
      testing::gzip_file(path, dir.path() / "bad" / ("z" + std::to_string(n) + ".dcm.gz"));
      // Cut the gzip stream too.
      const auto gz = dir.path() / "bad" / ("z" + std::to_string(n) + ".dcm.gz");
      fs::resize_file(gz, fs::file_size(gz) / 2);
    }
  }
  const auto result = scan1(dir.path());
  EXPECT_GT(result.problems.size(), 0U);
  for (const auto& series : all_series(result)) {
    const auto loaded = load_series(series);
    if (!loaded) {
      EXPECT_FALSE(loaded.error().what().empty());
    }
  }
}

// A second copy of the same instances (re-sent series, DICOMDIR export plus loose copy) is not a second volume.
TEST(DicomScan, DuplicateCopiesOfInstancesAreIgnored) {
  TempDir dir;
  SliceSpec base;
  const auto paths = testing::write_stack(base, 3, 5.0, dir.path() / "a");
  fs::create_directories(dir.path() / "copy");
  for (const auto& p : paths) fs::copy_file(p, dir.path() / "copy" / p.filename());
  const auto result = scan1(dir.path());
  const auto series = all_series(result);
  ASSERT_EQ(series.size(), 1U);
  EXPECT_EQ(series[0].slice_count, 3U);
  EXPECT_TRUE(load_series(series[0]).ok());
}

TEST(DicomScan, SingleFileScan) {
  TempDir dir;
  SliceSpec s;
  testing::write_slice(s, dir.path() / "one.dcm");
  const auto result = scan1(dir.path() / "one.dcm");
  ASSERT_EQ(all_series(result).size(), 1U);
  EXPECT_EQ(result.files_examined, 1U);
}

// Table positions of one contrast join into one volume; overlapping slices are averaged.
TEST(DicomStitch, ContiguousAndOverlappingStations) {
  TempDir dir;
  SliceSpec upper;
  upper.series_uid = "1.2.3.100";
  upper.series_number = 10;
  upper.position = {0, 0, 0};
  upper.pixels.assign(12, 10);
  SliceSpec lower = upper;
  lower.series_uid = "1.2.3.101";
  lower.series_number = 11;
  lower.position = {0, 0, 20};  // slices at 20..40: overlaps the upper station's slice at 20
  lower.pixels.assign(12, 30);
  testing::write_stack(upper, 5, 5.0, dir.path() / "u");
  testing::write_stack(lower, 5, 5.0, dir.path() / "l");
  const auto series = all_series(scan1(dir.path()));
  ASSERT_EQ(series.size(), 2U);
  const auto groups = find_stations(series);
  ASSERT_EQ(groups.size(), 1U);
  EXPECT_EQ(groups[0].size(), 2U);
  std::vector<LoadedSeries> stations;
  for (const auto& s : series) stations.push_back(load_series(s).value());
  const auto stitched = stitch_series(stations);
  ASSERT_TRUE(stitched.ok()) << stitched.error().what();
  const auto& v = stitched.value().volume;
  EXPECT_EQ(v.geometry.size[2], 9U);
  EXPECT_EQ(v.at(0, 0, 0), 10.0F);
  EXPECT_EQ(v.at(0, 0, 4), 20.0F);  // overlap averaged
  EXPECT_EQ(v.at(0, 0, 8), 30.0F);
  // convert --stitch writes the stitched volume beside the stations.
  TempDir out;
  ConvertOptions options;
  options.output_dir = out.path();
  options.stitch_stations = true;
  const auto converted = convert(dir.path(), options);
  ASSERT_EQ(converted.converted.size(), 3U);
  EXPECT_NE(converted.converted.back().nifti_path.filename().string().find("stitched"), std::string::npos);
  EXPECT_EQ(converted.converted.back().info.slice_count, 9U);
  // A gap between stations is refused.
  stations[1].volume.geometry.origin_mm[2] = 60;
  EXPECT_FALSE(stitch_series(stations).ok());
}

TEST(DicomConvert, WritesNiftiAndSidecarWithSafeNames) {
  TempDir in;
  TempDir out;
  SliceSpec s;
  s.description = "t1 ../../evil/name";
  s.series_number = 7;
  testing::write_stack(s, 3, 4.0, in.path());
  ConvertOptions options;
  options.output_dir = out.path();
  const auto result = convert(in.path(), options);
  ASSERT_EQ(result.converted.size(), 1U);
  EXPECT_EQ(convert_exit_code(result), core::kExitOk);
  const auto& c = result.converted[0];
  EXPECT_EQ(c.nifti_path.parent_path(), out.path());
  EXPECT_TRUE(fs::exists(c.nifti_path));
  EXPECT_TRUE(fs::exists(c.json_path));
  EXPECT_EQ(c.nifti_path.filename().string().find('/'), std::string::npos);
  EXPECT_EQ(c.nifti_path.filename().string().rfind("7_", 0), 0U) << c.nifti_path;
  const auto sidecar = nlohmann::json::parse(std::ifstream(c.json_path));
  EXPECT_EQ(sidecar["SeriesNumber"], 7);
  EXPECT_EQ(sidecar["Slices"], 3);
  const auto text = sidecar.dump();
  EXPECT_EQ(text.find("DOE"), std::string::npos);
  EXPECT_EQ(text.find("TESTPAT1"), std::string::npos);
}

// A 3-plane localizer cannot be one volume; convert notes it and still succeeds for the real series.
TEST(DicomConvert, ThreePlaneLocalizerIsSkippedNotFailed) {
  TempDir in;
  TempDir out;
  SliceSpec loc;
  loc.series_uid = "1.2.3.50";
  loc.description = "localizer";
  const std::array<std::array<double, 6>, 3> planes{{{1, 0, 0, 0, 1, 0}, {1, 0, 0, 0, 0, -1}, {0, 1, 0, 0, 0, -1}}};
  int n = 0;
  for (const auto& plane : planes) {
    loc.orientation = plane;
    loc.instance_number = ++n;
    testing::write_slice(loc, in.path() / ("loc" + std::to_string(n)));
  }
  SliceSpec t1;
  t1.series_number = 2;
  testing::write_stack(t1, 3, 5.0, in.path() / "t1");
  ConvertOptions options;
  options.output_dir = out.path();
  const auto result = convert(in.path(), options);
  const auto scanned = all_series(result.scan);
  ASSERT_EQ(scanned.size(), 2U);
  EXPECT_EQ(scanned[0].role, SeriesRole::localizer) << scanned[0].role_reason;
  EXPECT_EQ(result.converted.size(), 1U);
  EXPECT_EQ(result.skipped.size(), 1U);
  EXPECT_TRUE(result.failures.empty());
  EXPECT_EQ(convert_exit_code(result), core::kExitOk);
}

}  // namespace
}  // namespace myo::dicom
