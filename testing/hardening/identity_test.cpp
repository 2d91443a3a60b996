// Patients are never mixed (issue #24, item 6): a follow-up compared with another patient's baseline, or a study
// UID two patients share, is refused with exit 3 (no identifier in the message) unless the user says otherwise.
#include <regex>

#include "background_run.hpp"

namespace {

class Identity : public Hardening {
 protected:
  [[nodiscard]] fs::path other() const { return work_.path() / "other"; }
  [[nodiscard]] std::string study_uid() const {
    auto file = load(middle(water()));
    OFString uid;
    file->getDataset()->findAndGetOFString(DCM_StudyInstanceUID, uid);
    return uid.c_str();
  }
};

// analyze --baseline and compare with an analysis of another patient (phantom seeds 5 and 6: other PatientID,
// same birth date): refused before any work with exit 3 naming the baseline's report.json; accepted with
// --allow-different-patient. Guards the "Edema increased ..." sentences written for two different people.
TEST_F(Identity, BaselineOfAnotherPatientIsRefusedUnlessAllowed) {
  const fs::path baseline = work_.path() / "baseline";
  const auto first = run_myoscope("analyze " + in().string() + " -o " + baseline.string() + " --no-figures");
  ASSERT_EQ(first.exit_code, core::kExitOk) << first.err;
  const auto report = nlohmann::json::parse(read_all(baseline / "report.json"));
  EXPECT_EQ(report["study"]["patient_pseudonym"].get<std::string>().rfind("hmac-sha256:", 0), 0U) << report["study"];
  EXPECT_FALSE(has(read_all(baseline / "report.json"), "PHANTOM0005")) << "an identifier in report.json";
  make_second_patient(other());
  const fs::path followup = work_.path() / "followup";
  const std::string analyze_other =
      "analyze " + (other() / "dicom").string() + " -o " + followup.string() + " --no-figures --no-dicom " +
      "--no-report-documents --baseline " + baseline.string();

  const auto refused = run_myoscope(analyze_other);
  EXPECT_INPUT_ERROR_NAMING(refused, (baseline / "report.json").string());
  EXPECT_TRUE(has(refused.err, "another patient")) << refused.err;
  EXPECT_FALSE(has(refused.err, "PHANTOM000")) << "a patient identifier reached the terminal";
  EXPECT_FALSE(fs::exists(followup / "report.json"));

  const auto allowed = run_myoscope(analyze_other + " --allow-different-patient");
  EXPECT_EQ(allowed.exit_code, core::kExitOk) << allowed.err;
  EXPECT_TRUE(fs::exists(followup / "comparison.json"));

  const auto compare = run_myoscope("compare " + baseline.string() + " " + followup.string());
  EXPECT_INPUT_ERROR_NAMING(compare, (baseline / "report.json").string());
  const auto compare_allowed =
      run_myoscope("compare " + baseline.string() + " " + followup.string() + " --allow-different-patient");
  EXPECT_EQ(compare_allowed.exit_code, core::kExitOk) << compare_allowed.err;
}

// Two patients' images under one StudyInstanceUID (a PACS or anonymiser error): `--study UID` must not analyse one
// and silently drop the other's series. Refused with exit 3 naming the UID and the series count per patient, and no
// identifier, with or without --study.
TEST_F(Identity, StudyUidSharedByTwoPatientsIsRefused) {
  make_second_patient(other());
  const std::string uid = study_uid();
  for (const auto& entry : fs::recursive_directory_iterator(other() / "dicom"))
    if (entry.is_regular_file()) modify(entry.path(), [&](DcmDataset& d) { put(d, DCM_StudyInstanceUID, uid); });
  fs::rename(other() / "dicom", in() / "second_patient");
  const std::regex counts(R"(\(patient 1: [0-9]+ series, patient 2: [0-9]+ series\))");

  for (const std::string& choice : {std::string(" --study ") + uid, std::string()}) {
    const auto a = analyze(choice);
    EXPECT_INPUT_ERROR_NAMING(a, in().string());
    EXPECT_TRUE(has(a.err, "study " + uid + " is shared by 2 patients")) << a.err;
    EXPECT_TRUE(std::regex_search(a.err, counts)) << a.err;
    EXPECT_FALSE(has(a.err, "PHANTOM000")) << "a patient identifier reached the terminal";
    EXPECT_FALSE(fs::exists(out() / "report.json"));
  }
}

}  // namespace
