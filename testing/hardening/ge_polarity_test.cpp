// GE phase-encoding polarity in convert's sidecar, read as dcm2niix reads it: RectilinearPhaseEncodeReordering
// (0018,9034) first (LINEAR: negative, REVERSE_LINEAR: positive, dcm2niix issue 674), else the EPI flags of the raw
// header in UserDefineData (0043,102A). The generated study is Siemens; the STIR series (2D, phase encoding along
// rows, no Siemens polarity) is relabelled GE and given those tags. Where dcm2niix writes no polarity (no tag, not
// EPI, a 3D acquisition) the sidecar has PhaseEncodingAxis only.
#include <dcmtk/dcmdata/dcvrobow.h>

#include <cstdint>
#include <cstring>
#include <optional>

#include "convert_helpers.hpp"

namespace {
using namespace convert_helpers;

// The raw header flags dcm2niix reads from (0043,102A), at the offsets of header versions before 25.002.
struct GeUserData {
  bool epi = true;
  bool flipped = false;
  bool bottom_up = false;  // view order 2 reverses the polarity
};

void put16(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint16_t value) {
  bytes[at] = static_cast<std::uint8_t>(value & 0xFF);
  bytes[at + 1] = static_cast<std::uint8_t>(value >> 8);
}

// A 1024-byte user data block whose header starts at byte 64 (its offset stored at byte 24), version 20.
std::vector<std::uint8_t> user_data_block(const GeUserData& flags) {
  constexpr std::size_t header = 64;
  std::vector<std::uint8_t> bytes(1024, 0);
  put16(bytes, 24, header);
  const float version = 20.0F;
  std::memcpy(bytes.data() + header, &version, sizeof version);  // little endian on the machines we build on
  put16(bytes, header + 0x3A, flags.epi ? 0x0800 : 0);
  put16(bytes, header + 0x30, flags.flipped ? 0x0004 : 0);
  put16(bytes, header + 0x394, flags.bottom_up ? 2 : 0);
  return bytes;
}

void put_user_data(DcmDataset& d, const GeUserData& flags) {
  put(d, DcmTagKey(0x0043, 0x0010), "GEMS_PARM_01");
  const auto bytes = user_data_block(flags);
  auto element = std::make_unique<DcmOtherByteOtherWord>(DcmTag(0x0043, 0x102A, EVR_OB));
  ASSERT_TRUE(element->putUint8Array(bytes.data(), static_cast<unsigned long>(bytes.size())).good());
  ASSERT_TRUE(d.insert(element.get(), /*replaceOld=*/true).good());
  static_cast<void>(element.release());  // the dataset owns it now
}

class GePolarity : public ConvertOutput {
 protected:
  static const SeriesFiles& stir() { return series("_stir"); }

  // Every file of `s` made GE's, then changed by `change`.
  void make_ge(const SeriesFiles& s, const std::function<void(DcmDataset&)>& change) const {
    for (std::size_t i = 0; i < s.files.size(); ++i) {
      modify(file(s, i), [&](DcmDataset& d) {
        put(d, DCM_Manufacturer, "GE MEDICAL SYSTEMS");
        change(d);
      });
    }
  }

  // The sidecar of the series whose file name contains `part`, after `convert -z n`.
  nlohmann::json sidecar(const std::string& part) const {
    const auto r = convert("-z n");
    EXPECT_EQ(r.exit_code, core::kExitOk) << r.err;
    for (const auto& entry : fs::directory_iterator(out())) {
      const auto name = entry.path().filename().string();
      if (has(name, part) && entry.path().extension() == ".json") return nlohmann::json::parse(read_all(entry.path()));
    }
    ADD_FAILURE() << "no sidecar for " << part;
    return {};
  }
};

std::optional<std::string> direction(const nlohmann::json& j) {
  if (!j.contains("PhaseEncodingDirection")) return std::nullopt;
  return j.at("PhaseEncodingDirection").get<std::string>();
}

// REVERSE_LINEAR is dcm2niix's "unflipped": towards increasing column index, "i".
TEST_F(GePolarity, ReverseLinearReorderingIsPositive) {
  make_ge(stir(), [](DcmDataset& d) { put(d, DCM_RectilinearPhaseEncodeReordering, "REVERSE_LINEAR"); });
  const auto j = sidecar("stir");
  EXPECT_EQ(j.value("PhaseEncodingAxis", ""), "i");
  EXPECT_EQ(direction(j), std::optional<std::string>("i"));
}

// LINEAR is "flipped": "i-".
TEST_F(GePolarity, LinearReorderingIsNegative) {
  make_ge(stir(), [](DcmDataset& d) { put(d, DCM_RectilinearPhaseEncodeReordering, "LINEAR"); });
  EXPECT_EQ(direction(sidecar("stir")), std::optional<std::string>("i-"));
}

// CENTRIC says nothing about the polarity: no direction, the axis only.
TEST_F(GePolarity, CentricReorderingGivesNoDirection) {
  make_ge(stir(), [](DcmDataset& d) { put(d, DCM_RectilinearPhaseEncodeReordering, "CENTRIC"); });
  const auto j = sidecar("stir");
  EXPECT_EQ(j.value("PhaseEncodingAxis", ""), "i");
  EXPECT_EQ(direction(j), std::nullopt);
}

// The EPI user data: the flipped bit gives "i-", a bottom-up view order turns it back to "i".
TEST_F(GePolarity, UserDataOfEpiGivesPolarity) {
  make_ge(stir(), [](DcmDataset& d) { put_user_data(d, {true, true, false}); });
  EXPECT_EQ(direction(sidecar("stir")), std::optional<std::string>("i-"));
}

TEST_F(GePolarity, BottomUpViewOrderReversesUserDataPolarity) {
  make_ge(stir(), [](DcmDataset& d) { put_user_data(d, {true, true, true}); });
  EXPECT_EQ(direction(sidecar("stir")), std::optional<std::string>("i"));
}

// dcm2niix reads the user data of EPI only: other sequences get no direction.
TEST_F(GePolarity, UserDataOfNonEpiGivesNoDirection) {
  make_ge(stir(), [](DcmDataset& d) { put_user_data(d, {false, true, false}); });
  EXPECT_EQ(direction(sidecar("stir")), std::nullopt);
}

// (0018,9034) takes precedence over the user data (dcm2niix issue 674).
TEST_F(GePolarity, ReorderingTakesPrecedenceOverUserData) {
  make_ge(stir(), [](DcmDataset& d) {
    put_user_data(d, {true, true, false});
    put(d, DCM_RectilinearPhaseEncodeReordering, "REVERSE_LINEAR");
  });
  EXPECT_EQ(direction(sidecar("stir")), std::optional<std::string>("i"));
}

// A 3D acquisition (the water series is a 3D Dixon) gets no polarity, as from dcm2niix.
TEST_F(GePolarity, ThreeDimensionalAcquisitionGivesNoDirection) {
  make_ge(water(), [](DcmDataset& d) { put(d, DCM_RectilinearPhaseEncodeReordering, "LINEAR"); });
  EXPECT_EQ(direction(sidecar("_tra_W")), std::nullopt);
}

// The same tags on Siemens files change nothing: Siemens' polarity comes from its own tags only.
TEST_F(GePolarity, SiemensFilesIgnoreGeTags) {
  for (std::size_t i = 0; i < stir().files.size(); ++i) {
    modify(file(stir(), i), [](DcmDataset& d) { put(d, DCM_RectilinearPhaseEncodeReordering, "LINEAR"); });
  }
  EXPECT_EQ(direction(sidecar("stir")), std::nullopt);
}

// dcm2niix itself on the same user data files writes the same direction (its rows are flipped, but a row-axis
// direction "i" is the same in both). Its (0018,9034) mapping changed in 2023 (issue 674), so only the user data,
// which every version reads alike, is compared.
TEST_F(GePolarity, UserDataPolarityAgreesWithDcm2niix) {
  if (std::system("command -v dcm2niix >/dev/null 2>&1") != 0) GTEST_SKIP() << "dcm2niix is not installed";
  for (const GeUserData flags : {GeUserData{true, true, false}, GeUserData{true, false, false}}) {
    TempDir only_stir("myo-ge-stir");
    for (std::size_t i = 0; i < stir().files.size(); ++i) {
      const auto target = only_stir.path() / "in" / std::to_string(i);
      fs::create_directories(target.parent_path());
      fs::copy_file(study_ / "dicom" / stir().files[i], target);
      modify(target, [&](DcmDataset& d) {
        put(d, DCM_Manufacturer, "GE MEDICAL SYSTEMS");
        put_user_data(d, flags);
      });
    }
    const auto theirs_dir = only_stir.path() / "dcm2niix";
    fs::create_directories(theirs_dir);
    const std::string command = "dcm2niix -b y -z n -f stir -o " + theirs_dir.string() + " " +
                                (only_stir.path() / "in").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const auto theirs = nlohmann::json::parse(read_all(theirs_dir / "stir.json"));
    const auto r = run_myoscope("convert -z n " + (only_stir.path() / "in").string() + " -o " +
                                (only_stir.path() / "ours").string());
    ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
    nlohmann::json ours;
    for (const auto& entry : fs::directory_iterator(only_stir.path() / "ours"))
      if (entry.path().extension() == ".json") ours = nlohmann::json::parse(read_all(entry.path()));
    EXPECT_EQ(ours.value("PhaseEncodingDirection", "none"), theirs.value("PhaseEncodingDirection", "none"))
        << "flipped bit " << flags.flipped;
  }
}

}  // namespace
