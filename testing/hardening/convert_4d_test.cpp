// `myoscope convert` and `scan` on 4D series (several volumes at the same positions) and on how values are stored:
// a repeated series listed by `scan` as one series with its volumes, 4D table positions stitched volume by volume
// or refused naming the series (never cut short), and voxels stored as the scanner's 16-bit integers with
// scl_slope/scl_inter when every slice shares one rescale, float32 otherwise.
#include "convert_helpers.hpp"

namespace {
using namespace convert_helpers;

// Adds a second table position of series `s`: every file copied into a new series (UIDs and SeriesNumber changed)
// moved along the slice normal by the station's own extent plus one slice, so the two stations touch.
void add_station(const fs::path& dicom, const SeriesFiles& s) {
  const auto position = [&](std::size_t i) {
    auto file = load(dicom / s.files.at(i));
    std::array<Float64, 3> p{};
    for (unsigned long a = 0; a < 3; ++a) file->getDataset()->findAndGetFloat64(DCM_ImagePositionPatient, p[a], a);
    return p;
  };
  const auto first = position(0);
  const auto second = position(1);
  const double steps = static_cast<double>(s.files.size());
  copy_series(dicom, s, ".station2", ".7", [&](DcmDataset& d, std::size_t) {
    put(d, DCM_SeriesInstanceUID, s.uid + ".7");
    put(d, DCM_SeriesNumber, "77");
    std::string moved;
    for (unsigned long a = 0; a < 3; ++a) {
      Float64 v = 0;
      d.findAndGetFloat64(DCM_ImagePositionPatient, v, a);
      moved += (a == 0 ? "" : "\\") + std::to_string(v + steps * (second[a] - first[a]));
    }
    put(d, DCM_ImagePositionPatient, moved);
  });
}

// The series `s` of the copy after add_station: the second station's files.
SeriesFiles second_station(const SeriesFiles& s) {
  SeriesFiles out{s.uid + ".7", s.description, {}};
  for (const auto& f : s.files) out.files.push_back(f.string() + ".station2");
  return out;
}

// The one output of a convert run whose name contains `part` and ends with `extension`.
fs::path output_named(const fs::path& folder, const std::string& part, const std::string& extension) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto name = entry.path().filename().string();
    if (has(name, part) && name.size() > extension.size() &&
        name.compare(name.size() - extension.size(), extension.size(), extension) == 0)
      return entry.path();
  }
  return {};
}

template <class T>
T header_field(const std::string& nifti, std::size_t offset) {
  T value{};
  if (nifti.size() >= offset + sizeof(T)) std::memcpy(&value, nifti.data() + offset, sizeof(T));
  return value;
}

// Sets RescaleSlope/RescaleIntercept of one DICOM file.
void set_rescale(const fs::path& path, const std::string& slope, const std::string& intercept) {
  modify(path, [&](DcmDataset& d) {
    put(d, DCM_RescaleSlope, slope);
    put(d, DCM_RescaleIntercept, intercept);
  });
}

// A series with a repeat used to be a "duplicated slice positions" problem in `scan`: now one series of two
// volumes (a repeat: neither echo nor temporal position differs), its slice count that of one volume. Exit 0.
TEST_F(ConvertOutput, ScanListsARepeatedSeriesAsOneSeriesWithItsVolumes) {
  add_repeat(in(), water());
  const auto r = scan();
  EXPECT_EQ(r.exit_code, core::kExitOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  int found = 0;
  for (const auto& s : j.at("studies").at(0).at("series")) {
    if (s.at("series_instance_uid") != water().uid) continue;
    ++found;
    EXPECT_EQ(s.at("volume_count"), 2);
    EXPECT_EQ(s.at("volumes_vary_by"), "repeat");
    EXPECT_EQ(s.at("slice_count"), water().files.size());
    EXPECT_TRUE(s.at("problems").empty()) << s.at("problems");
  }
  EXPECT_EQ(found, 1);
  const auto table = run_myoscope("scan " + in().string());
  EXPECT_TRUE(has(table.out, "4D: 2 volumes of " + std::to_string(water().files.size()) + " slices, varying by repeat"))
      << table.out;
}

// Two table positions that each hold two volumes: `--stitch` used to drop them without a word; now one stitched 4D
// file of two volumes spanning both stations. Exit 0.
TEST_F(ConvertOutput, StitchJoinsFourDimensionalStationsVolumeByVolume) {
  add_station(in(), water());
  add_repeat(in(), water());
  add_repeat(in(), second_station(water()));
  const auto r = convert("--stitch -z n");
  EXPECT_EQ(r.exit_code, core::kExitOk) << r.out << r.err;
  const auto stitched = output_named(out(), "_stitched", ".nii");
  ASSERT_FALSE(stitched.empty()) << r.out;
  const auto d = dims(inflate_all(stitched));
  EXPECT_EQ(d[0], 4);
  EXPECT_EQ(d[3], 2 * std::int16_t(water().files.size()));
  EXPECT_EQ(d[4], 2);
  const auto sidecar = nlohmann::json::parse(read_all(stitched.parent_path() / (stitched.stem().string() + ".json")));
  EXPECT_EQ(sidecar.at("Volumes"), 2);
}

// Stations with different numbers of volumes cannot be stitched volume by volume: refused naming the series and
// the counts, the stations themselves still written. Exit 4 (partial).
TEST_F(ConvertOutput, StitchRefusesStationsWithUnequalVolumeCountsNamingTheSeries) {
  add_station(in(), water());
  add_repeat(in(), water());
  const auto r = convert("--stitch");
  EXPECT_TRUE(documented(r));
  EXPECT_EQ(r.exit_code, core::kExitPartial) << r.out << r.err;
  EXPECT_TRUE(has(r.out + r.err, "holds 1 volume(s) where station")) << r.out << r.err;
  EXPECT_TRUE(has(r.out + r.err, water().uid)) << r.out << r.err;
  EXPECT_TRUE(output_named(out(), "_stitched", ".nii.gz").empty());
  EXPECT_FALSE(output_named(out(), "77_", ".nii.gz").empty()) << r.out;
}

// One rescale for every slice: stored as int16 with that rescale in scl_slope/scl_inter (as dcm2niix writes it),
// in both modes.
TEST_F(ConvertOutput, SharedRescaleIsStoredAsInt16WithSclSlope) {
  for (const auto& f : water().files) set_rescale(in() / f, "2", "-10");
  for (const char* mode : {"n", "y"}) {
    fs::remove_all(out());
    const auto r = convert(std::string("-z ") + mode);
    EXPECT_EQ(r.exit_code, core::kExitOk) << r.out << r.err;
    const auto nifti = inflate_all(output_of(out(), mode == std::string("n") ? ".nii" : ".nii.gz"));
    EXPECT_EQ(header_field<std::int16_t>(nifti, 70), 4) << "datatype, -z " << mode;  // DT_INT16
    EXPECT_EQ(header_field<std::int16_t>(nifti, 72), 16) << "bitpix, -z " << mode;
    EXPECT_EQ(header_field<float>(nifti, 112), 2.0F) << "scl_slope, -z " << mode;
    EXPECT_EQ(header_field<float>(nifti, 116), -10.0F) << "scl_inter, -z " << mode;
  }
}

// A slice with its own rescale: no single scl_slope fits, so the real values are written as float32.
TEST_F(ConvertOutput, SliceWithItsOwnRescaleIsStoredAsFloat) {
  set_rescale(middle(water()), "3", "0");
  const auto r = convert("-z n");
  EXPECT_EQ(r.exit_code, core::kExitOk) << r.out << r.err;
  const auto nifti = inflate_all(output_of(out(), ".nii"));
  EXPECT_EQ(header_field<std::int16_t>(nifti, 70), 16);  // DT_FLOAT32
  EXPECT_EQ(header_field<float>(nifti, 112), 1.0F);
}

}  // namespace
