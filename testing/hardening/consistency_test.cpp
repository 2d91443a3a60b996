// Series consistency before any number (issue #24, items 1 and 2): a fat or STIR series that does not cover the
// reference (water) grid. Before the fix, missing fat read as 0 and the water/fat swap correction turned it into
// ~100 % fat with exit 0; a STIR over half the range diluted edema; `scan` saw no problem. Now the voxels are
// missing, the numbers of muscles covered less than 90 % are null (exit 4, partial), a warning names the series and
// the missing levels, covered muscles keep their values, and `scan` lists the same problem.
#include "hardening_fixture.hpp"

#include <cmath>

namespace {

using nlohmann::json;

json read_json(const fs::path& path) { return json::parse(read_all(path)); }

class Consistency : public Hardening {
 protected:
  static const SeriesFiles& stir() { return series("_stir"); }

  // The analysis of the intact study, made once per build of myoscope beside the shared study (each test copies it).
  static json intact_report() {
    const fs::path cached = study_.string() + "-intact-report.json";
    if (fs::exists(cached)) return read_json(cached);
    TempDir work("myo-consistency-intact");
    const auto r = run_myoscope("analyze " + (study_ / "dicom").string() + " -o " + (work.path() / "out").string() +
                                " --no-figures --no-dicom --no-report-documents");
    EXPECT_EQ(r.exit_code, core::kExitOk) << r.err;
    const fs::path staging = cached.string() + ".tmp-" + std::to_string(::getpid());
    std::error_code ec;
    fs::copy_file(work.path() / "out" / "report.json", staging, ec);
    if (!ec) fs::rename(staging, cached, ec);
    return read_json(work.path() / "out" / "report.json");
  }

  void remove_files(const SeriesFiles& s, std::size_t first, std::size_t end) const {
    for (std::size_t i = first; i < end; ++i) fs::remove(file(s, i));
  }
  template <class Change>
  void modify_all(const SeriesFiles& s, const Change& change) const {
    for (std::size_t i = 0; i < s.files.size(); ++i) modify(file(s, i), change);
  }

  // The analysis of the broken copy: a warning naming `broken` by description and number, and its report.json.
  // Exit 4 (partial) exactly when a number was withheld (some group or single muscle with numbers_withheld), else 0.
  json analyze_broken(const SeriesFiles& broken) const {
    const auto r = analyze("--no-dicom --no-report-documents");
    EXPECT_TRUE(documented(r));
    EXPECT_TRUE(has(r.err, "'" + broken.description + "' (#")) << "no warning names the series:\n" << r.err;
    EXPECT_TRUE(fs::exists(out() / "report.json")) << r.err;
    if (!fs::exists(out() / "report.json")) return json::object();
    auto report = read_json(out() / "report.json");
    bool withheld = false;
    for (const auto& c : report["channel_coverage"])
      for (const auto& l : c["labels"]) withheld = withheld || l["numbers_withheld"].get<bool>();
    EXPECT_EQ(r.exit_code, withheld ? core::kExitPartial : core::kExitOk) << r.err;
    return report;
  }

  // `scan` lists the problem on the broken series.
  void expect_scan_problem(const SeriesFiles& broken) const {
    const auto r = scan();
    ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
    bool listed = false;
    const auto listing = json::parse(r.out);
    for (const auto& st : listing["studies"])
      for (const auto& s : st["series"])
        if (s["description"] == broken.description)
          for (const auto& p : s["problems"]) listed = listed || has(p.get<std::string>(), "misses the middle");
    EXPECT_TRUE(listed) << "scan does not list the coverage problem of " << broken.description << ":\n" << r.out;
  }
};

// The groups (name + side) whose numbers from `channel` the report says are withheld.
std::set<std::string> withheld(const json& report, const std::string& channel) {
  std::set<std::string> out;
  for (const auto& c : report["channel_coverage"])
    if (c["channel"] == channel)
      for (const auto& l : c["labels"])
        if (l["kind"] == "group" && l["numbers_withheld"].get<bool>())
          out.insert(l["name"].get<std::string>() + " " + l["side"].get<std::string>());
  return out;
}
// Groups the channel misses no voxel of.
bool fully_covered(const json& report, const std::string& channel, const std::string& key) {
  for (const auto& c : report["channel_coverage"])
    if (c["channel"] == channel)
      for (const auto& l : c["labels"])
        if (l["kind"] == "group" && l["name"].get<std::string>() + " " + l["side"].get<std::string>() == key)
          return false;
  return true;
}
std::string key_of(const json& m) { return m["group"].get<std::string>() + " " + m["side"].get<std::string>(); }

// Withheld groups have null numbers of `field` (never a number, let alone ~100 %), and some group is withheld (none
// with `none_withheld`); no group reads above 90 % (the swap correction of uncovered fat). With `intact`, groups the
// series covers wholly keep the intact study's values within `tolerance` points.
void expect_numbers(const json& report, const std::string& channel, const std::string& field,
                    const json* intact = nullptr, double tolerance = 0, bool none_withheld = false) {
  const auto missing = withheld(report, channel);
  EXPECT_EQ(missing.empty(), none_withheld) << report["channel_coverage"].dump(1);
  EXPECT_FALSE(report["channel_coverage"].empty()) << "the uncovered shares are not recorded";
  std::size_t compared = 0;
  for (const auto& m : report["muscles"]) {
    const auto key = key_of(m);
    if (missing.count(key)) {
      EXPECT_TRUE(m[field].is_null()) << key << " " << field << " " << m[field];
      continue;
    }
    if (m[field].is_number()) {
      EXPECT_LT(m[field].get<double>(), 90.0) << key;
    }
    if (!intact || !fully_covered(report, channel, key)) continue;
    for (const auto& before : (*intact)["muscles"])
      if (key_of(before) == key && before[field].is_number() && m[field].is_number()) {
        EXPECT_NEAR(m[field].get<double>(), before[field].get<double>(), tolerance) << key << " " << field;
        ++compared;
      }
  }
  if (intact) {
    EXPECT_GT(compared, 4U) << "too few covered groups to compare";
  }
}

}  // namespace

TEST_F(Consistency, FatWithTenSlicesRemoved) {
  const auto& f = fat();
  remove_files(f, f.files.size() - 10, f.files.size());  // the top 10 slices (hips)
  const auto report = analyze_broken(f);
  const auto intact = intact_report();
  expect_numbers(report, "fat", "fat_fraction_pct", &intact, 3.0);
  expect_scan_problem(f);
}

TEST_F(Consistency, FatWithOtherPixelSpacing) {
  const auto& f = fat();
  modify_all(f, [](DcmDataset& d) { put(d, DCM_PixelSpacing, "2\\2"); });  // 3 mm in the study: a smaller field
  const auto report = analyze_broken(f);
  expect_numbers(report, "fat", "fat_fraction_pct");  // the image lies elsewhere: covered groups are not comparable
  expect_scan_problem(f);
}

TEST_F(Consistency, FatShiftedThirtyMillimetres) {
  const auto& f = fat();
  modify_all(f, [](DcmDataset& d) {
    Float64 p[3] = {0, 0, 0};
    for (unsigned long a = 0; a < 3; ++a) ASSERT_TRUE(d.findAndGetFloat64(DCM_ImagePositionPatient, p[a], a).good());
    put(d, DCM_ImagePositionPatient, std::to_string(p[0]) + "\\" + std::to_string(p[1]) + "\\" + std::to_string(p[2] + 30));
  });
  // Five 6 mm slices of the thighs lose their fat: every group keeps 90 % of its voxels (numbers over the covered
  // voxels; anatomy 30 mm away, so not comparable to the intact study), a small single muscle there may not.
  const auto report = analyze_broken(f);
  expect_numbers(report, "fat", "fat_fraction_pct", nullptr, 0, true);
  expect_scan_problem(f);
}

TEST_F(Consistency, FatCroppedToOneHundredPixels) {
  const auto& f = fat();
  modify_all(f, [](DcmDataset& d) {  // the first 100 rows and columns, where the image starts (origin unchanged)
    Uint16 rows = 0, columns = 0;
    const Uint16* pixels = nullptr;
    ASSERT_TRUE(d.findAndGetUint16(DCM_Rows, rows).good() && d.findAndGetUint16(DCM_Columns, columns).good());
    ASSERT_TRUE(d.findAndGetUint16Array(DCM_PixelData, pixels).good() && rows >= 100 && columns >= 100);
    std::vector<Uint16> cropped;
    for (std::size_t r = 0; r < 100; ++r) cropped.insert(cropped.end(), pixels + r * columns, pixels + r * columns + 100);
    ASSERT_TRUE(d.putAndInsertUint16Array(DCM_PixelData, cropped.data(), cropped.size()).good());
    ASSERT_TRUE(d.putAndInsertUint16(DCM_Rows, 100).good() && d.putAndInsertUint16(DCM_Columns, 100).good());
  });
  const auto report = analyze_broken(f);
  const auto intact = intact_report();
  expect_numbers(report, "fat", "fat_fraction_pct", &intact, 3.0);
  expect_scan_problem(f);
}

TEST_F(Consistency, StirCoveringHalfTheRange) {
  const auto& s = stir();
  remove_files(s, 0, s.files.size() / 2);  // the lower half (thighs)
  const auto report = analyze_broken(s);
  const auto intact = intact_report();
  expect_numbers(report, "stir", "edema_fraction_pct", &intact, 3.0);
  expect_scan_problem(s);
}
