// `myoscope edit OUT --apply EDITS.json` (issue #26): a reader's edit log replayed on an analysis's labels and
// requantified into OUT/corrected-N, the automatic version kept. A muscle damaged by one log and restored by a
// second returns to its truth numbers; bad logs are input errors (exit 3) naming the file and the edit's index.
#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "hardening_fixture.hpp"
#include "myo/core/nifti_io.hpp"

namespace {

constexpr int kQuadricepsRight = 5;  // catalogue group label (data/muscle_catalog.json)
constexpr int kSartoriusRight = 6;

class Edit : public Hardening {
 protected:
  // The study analysed with its truth labels, so every number has a known answer.
  void analyse_with_truth() {
    const auto r = analyze("--labels '" + (study_ / "truth" / "labels.nii.gz").string() + "'");
    ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
  }
  [[nodiscard]] fs::path write_log(const std::string& name, const std::string& edits) const {
    const fs::path path = work_.path() / name;
    std::ofstream(path) << R"({"version": 1, "edits": [)" << edits << "]}";
    return path;
  }
  [[nodiscard]] CliRun edit(const fs::path& log, const std::string& extra = "") const {
    return run_myoscope("edit '" + out().string() + "' --apply '" + log.string() + "' --no-figures " + extra);
  }
  [[nodiscard]] bool corrected_none() const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(out(), ec))
      if (entry.path().filename().string().find("corrected-") != std::string::npos) return false;
    return true;
  }
  static nlohmann::json report(const fs::path& folder) {
    return nlohmann::json::parse(read_all(folder / "report.json"));
  }
  static nlohmann::json muscle(const nlohmann::json& report, int label) {
    for (const auto& m : report["muscles"])
      if (m["label"] == label) return m;
    return {};
  }
};

// A voxel of `label` whose whole ball of `radius_mm` lies inside the label, as a point in LPS mm.
std::optional<core::Vec3> interior_point(const core::LabelVolume& labels, int label, double radius_mm) {
  const auto& g = labels.geometry;
  std::array<long, 3> reach{};
  for (int a = 0; a < 3; ++a) reach[a] = static_cast<long>(std::ceil(radius_mm / g.spacing_mm[a]));
  const auto inside = [&](long i, long j, long k) {
    for (long dk = -reach[2]; dk <= reach[2]; ++dk)
      for (long dj = -reach[1]; dj <= reach[1]; ++dj)
        for (long di = -reach[0]; di <= reach[0]; ++di) {
          if (std::hypot(di * g.spacing_mm[0], dj * g.spacing_mm[1], dk * g.spacing_mm[2]) > radius_mm) continue;
          const long x = i + di, y = j + dj, z = k + dk;
          if (x < 0 || y < 0 || z < 0 || x >= long(g.size[0]) || y >= long(g.size[1]) || z >= long(g.size[2]) ||
              labels.at(std::size_t(x), std::size_t(y), std::size_t(z)) != label)
            return false;
        }
    return true;
  };
  for (long k = long(g.size[2]) / 2; k < long(g.size[2]); ++k)
    for (long j = 0; j < long(g.size[1]); ++j)
      for (long i = 0; i < long(g.size[0]); ++i)
        if (labels.at(std::size_t(i), std::size_t(j), std::size_t(k)) == label && inside(i, j, k))
          return g.index_to_physical({double(i), double(j), double(k)});
  return std::nullopt;
}

// Volume (mL) of the voxels whose centres lie within `radius_mm` of `centre`.
double ball_volume_ml(const core::Geometry& g, const core::Vec3& centre, double radius_mm) {
  std::size_t n = 0;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const auto p = g.index_to_physical({double(i), double(j), double(k)});
        n += std::hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]) <= radius_mm;
      }
  return static_cast<double>(n) * g.voxel_volume_ml();
}

std::string point(const core::Vec3& p) { return fmt::format("[{}, {}, {}]", p[0], p[1], p[2]); }

}  // namespace

// Damaged by one log (a ball erased inside the right quadriceps), restored by a second (the ball brushed back): the
// first version loses the ball's volume, the second returns to the truth's numbers; the automatic version stays.
TEST_F(Edit, DamagedMuscleRestoredBySecondLogReturnsToTruth) {
  analyse_with_truth();
  const auto automatic_report = read_all(out() / "report.json");
  const auto automatic_labels = core::read_labels(out() / "labels.nii.gz");
  const auto centre = interior_point(automatic_labels, kQuadricepsRight, 9.0);
  ASSERT_TRUE(centre) << "no room for the ball in the right quadriceps";
  const auto damage = write_log("damage.json", R"({"op": "erase", "reader": "Dr Test", "time": "2026-12-06T08:00:00Z",
      "centre_mm": )" + point(*centre) + R"(, "radius_mm": 9})");
  const auto r1 = edit(damage);
  ASSERT_EQ(r1.exit_code, core::kExitOk) << r1.err;
  EXPECT_TRUE(has(r1.out, "corrected-1")) << r1.out;
  const auto truth = muscle(report(out()), kQuadricepsRight);
  const auto damaged = report(out() / "corrected-1");
  const double lost_ml =
      truth["volume_ml"].get<double>() - muscle(damaged, kQuadricepsRight)["volume_ml"].get<double>();
  EXPECT_NEAR(lost_ml, ball_volume_ml(automatic_labels.geometry, *centre, 9), 1e-6);  // the ball's voxels
  EXPECT_EQ(damaged["segmentation_source"], "reader_corrected");
  EXPECT_EQ(damaged["correction"]["reader"], "Dr Test");
  EXPECT_EQ(damaged["correction"]["edited_from"], "automatic");
  ASSERT_EQ(damaged["correction"]["changes"].size(), 1U);
  EXPECT_NEAR(damaged["correction"]["changes"][0]["volume_change_ml"].get<double>(), -lost_ml, 1e-6);
  EXPECT_TRUE(has(read_all(out() / "corrected-1" / "report.html"), "Labels corrected by the reader"));
  EXPECT_TRUE(fs::exists(out() / "corrected-1" / "edit_log.json"));

  const auto restore = write_log("restore.json", R"({"op": "brush", "centre_mm": )" + point(*centre) +
                                                     R"(, "radius_mm": 9, "label": 5})");
  const auto r2 = edit(restore, "--reader 'Dr Second'");
  ASSERT_EQ(r2.exit_code, core::kExitOk) << r2.err;
  const auto restored = report(out() / "corrected-2");
  EXPECT_EQ(restored["correction"]["edited_from"], "corrected-1");
  EXPECT_TRUE(restored["correction"]["changes"].empty());
  for (const auto& m : report(out())["muscles"]) {
    const auto again = muscle(restored, m["label"].get<int>());
    ASSERT_FALSE(again.is_null()) << m["group"];
    EXPECT_NEAR(again["volume_ml"].get<double>(), m["volume_ml"].get<double>(), 1e-6) << m["group"];
    EXPECT_NEAR(again["fat_fraction_pct"].get<double>(), m["fat_fraction_pct"].get<double>(), 1e-6) << m["group"];
    EXPECT_EQ(again["mercuri_grade"], m["mercuri_grade"]) << m["group"];
  }
  // Versions: the automatic analysis is untouched, the damaged version kept beside the restored one.
  EXPECT_EQ(read_all(out() / "report.json"), automatic_report);
  EXPECT_TRUE(fs::exists(out() / "corrected-1" / "corrected_labels.nii.gz"));
  EXPECT_EQ(core::read_labels(out() / "corrected-2" / "corrected_labels.nii.gz").voxels, automatic_labels.voxels);
}

// The corrected SEG is a new series derived from the automatic SEG, naming the reader.
TEST_F(Edit, CorrectedSegIsDerivedFromTheAutomaticOneAndNamesTheReader) {
  analyse_with_truth();
  const auto labels = core::read_labels(out() / "labels.nii.gz");
  const auto centre = interior_point(labels, kQuadricepsRight, 6.0);
  ASSERT_TRUE(centre);
  const auto log = write_log("reassign.json", R"({"op": "reassign", "from_label": 5, "to_label": 6, "centre_mm": )" +
                                                  point(*centre) + R"(, "radius_mm": 6})");
  const auto r = edit(log, "--reader 'Dr Reader' --no-report-documents");
  ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
  // Voxel by voxel: label 5 inside the ball became 6, nothing else changed.
  const auto corrected = core::read_labels(out() / "corrected-1" / "corrected_labels.nii.gz");
  ASSERT_EQ(corrected.voxels.size(), labels.voxels.size());
  std::size_t moved = 0;
  for (std::size_t k = 0; k < labels.geometry.size[2]; ++k)
    for (std::size_t j = 0; j < labels.geometry.size[1]; ++j)
      for (std::size_t i = 0; i < labels.geometry.size[0]; ++i) {
        const auto p = labels.geometry.index_to_physical({double(i), double(j), double(k)});
        const bool in_ball = std::hypot(p[0] - (*centre)[0], p[1] - (*centre)[1], p[2] - (*centre)[2]) <= 6.0;
        const auto before = labels.at(i, j, k);
        const int expected = before == kQuadricepsRight && in_ball ? kSartoriusRight : before;
        moved += expected != before;
        ASSERT_EQ(corrected.at(i, j, k), expected) << i << "," << j << "," << k;
      }
  EXPECT_GT(moved, 10U);

  auto automatic = load(out() / "dicom" / "segmentation.dcm");
  auto seg = load(out() / "corrected-1" / "dicom" / "segmentation.dcm");
  OFString automatic_series, series, creator, label;
  automatic->getDataset()->findAndGetOFString(DCM_SeriesInstanceUID, automatic_series);
  seg->getDataset()->findAndGetOFString(DCM_SeriesInstanceUID, series);
  seg->getDataset()->findAndGetOFString(DCM_ContentCreatorName, creator);
  seg->getDataset()->findAndGetOFString(DCM_ContentLabel, label);
  EXPECT_NE(series, automatic_series);
  EXPECT_EQ(std::string(creator.c_str()), "Dr Reader");
  EXPECT_EQ(std::string(label.c_str()), "CORRECTED");
  bool references_automatic = false;
  DcmItem* item = nullptr;
  for (long n = 0; seg->getDataset()->findAndGetSequenceItem(DCM_ReferencedSeriesSequence, item, n).good(); ++n) {
    OFString uid;
    item->findAndGetOFString(DCM_SeriesInstanceUID, uid);
    references_automatic = references_automatic || uid == automatic_series;
  }
  EXPECT_TRUE(references_automatic) << "the corrected SEG does not reference the automatic SEG's series";
}

// Bad logs are refused before anything is written: exit 3, the message naming the log and the edit's index.
TEST_F(Edit, BadLogsAreInputErrorsNamingFileAndEdit) {
  analyse_with_truth();
  const std::string fine = R"({"op": "reassign", "from_label": 5, "to_label": 5}, )";
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"op": "brush", "centre_mm": [0, 0, 0], "radius_mm": 5, "label": 777})", "edit 1 (brush): label 777"},
      {R"({"op": "smudge", "centre_mm": [0, 0, 0]})", "edit 1 (smudge): unknown operation"},
      {R"({"op": "erase", "centre_mm": [0, 0], "radius_mm": 5})", "edit 1 (erase)"},
      {R"({"op": "erase", "centre_mm": [90000, 0, 0], "radius_mm": 5})", "edit 1 (erase): position"},
      {R"({"op": "fill", "seed_mm": [0, 0, 0], "label": 5, "time": "noon"})", "edit 1 (fill): \"time\""},
  };
  for (std::size_t n = 0; n < cases.size(); ++n) {
    const auto log = write_log("bad-" + std::to_string(n) + ".json", fine + cases[n].first);
    const auto r = edit(log);
    EXPECT_INPUT_ERROR_NAMING(r, log.string());
    EXPECT_TRUE(has(r.err, cases[n].second)) << r.err;
    EXPECT_TRUE(corrected_none()) << "a refused log left a version";
  }
  // Not a JSON edit log, or not an analysis folder.
  const auto garbage = work_.path() / "garbage.json";
  std::ofstream(garbage) << "{\"edits\": [";
  EXPECT_INPUT_ERROR_NAMING(edit(garbage), garbage.string());
  const auto r = run_myoscope("edit '" + in().string() + "' --apply '" + garbage.string() + "'");
  EXPECT_INPUT_ERROR_NAMING(r, in().string());
}
