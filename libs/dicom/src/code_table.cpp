// The code table (code_table.hpp). Sources, cited once here and in docs/dicom-codes.md:
//   PS3.16      DICOM PS3.16 2024c, Content Mapping Resource (as compiled in pydicom's sr/_concepts_dict.py, "Update
//               concepts to 2024c"); MDC codes are ISO/IEEE 11073-10101 codes that PS3.16 lists in CID 3031
//               "Lead Location Near or in Muscle", the only PS3.16 list that names the single thigh muscles.
//   DCMTK       the DICOM codes DCMTK 3.6.7 ships (dcmtk/dcmsr/codes/dcm.h, ucum.h).
//   SEG-SCT     SNOMED CT codes as written into DICOM SEG by TotalSegmentator
//               (resources/totalsegmentator_snomed_mapping.csv): used where PS3.16 has no SNOMED CT code for a
//               muscle that has one there.
#include "code_table.hpp"

#include <algorithm>

#include "myo/core/error.hpp"

namespace myo::dicom::detail {

bool Code::is_private() const { return scheme == kPrivateScheme; }

namespace {

constexpr Code kHip{"SCT", "29836001", "Hip"};      // PS3.16 CID 4031
constexpr Code kThigh{"SCT", "68367000", "Thigh"};  // PS3.16 CID 4031
constexpr std::string_view kCid3031 = "PS3.16 CID 3031 (MDC); no SNOMED CT code in PS3.16 or SEG-SCT";

}  // namespace

const std::vector<AnatomyCode>& anatomy_codes() {
  static const std::vector<AnatomyCode> rows{
      // Groups.
      {"gluteus_maximus",
       true,
       {"SCT", "181674001", "Gluteus maximus muscle"},
       kHip,
       "SNOMED CT, as in SEG-SCT; PS3.16 CID 3031 has it as MDC 7:796"},
      {"gluteus_medius",
       true,
       {kPrivateScheme, "GLUTMEDMIN", "Gluteus medius and minimus muscles"},
       kHip,
       "private: the group is two muscles; no list has them as one concept (each muscle is coded on its own row)"},
      {"tensor_fasciae_latae", true, {"MDC", "7:808", "Musculus tensor fasciae latae"}, kHip, kCid3031},
      {"iliopsoas",
       true,
       {"SCT", "68455001", "Iliopsoas muscle"},
       kHip,
       "SNOMED CT, as in SEG-SCT; PS3.16 CID 3031 has it as MDC 7:792"},
      {"quadriceps", true, {"MDC", "7:832", "Musculus quadriceps femoris"}, kThigh, kCid3031},
      {"sartorius", true, {"MDC", "7:828", "Musculus sartorius"}, kThigh, kCid3031},
      {"gracilis", true, {"MDC", "7:868", "Musculus gracilis"}, kThigh, kCid3031},
      {"adductors",
       true,
       {kPrivateScheme, "ADDUCTORS", "Adductor magnus, longus and brevis muscles"},
       kThigh,
       "private: PS3.16 CID 3031 codes each adductor (MDC 7:856, 7:860, 7:864) but not the three together"},
      {"hamstrings",
       true,
       {kPrivateScheme, "HAMSTRINGS", "Hamstring muscles"},
       kThigh,
       "private: PS3.16 CID 3031 codes biceps femoris, semitendinosus and semimembranosus, no hamstring group"},
      // Single muscles (muscle_labels.nii.gz).
      {"gluteus_maximus",
       false,
       {"SCT", "181674001", "Gluteus maximus muscle"},
       kHip,
       "SNOMED CT, as in SEG-SCT; PS3.16 CID 3031 has it as MDC 7:796"},
      {"gluteus_medius",
       false,
       {"SCT", "78333006", "Gluteus medius muscle"},
       kHip,
       "SNOMED CT, as in SEG-SCT; PS3.16 CID 3031 has it as MDC 7:800"},
      {"gluteus_minimus",
       false,
       {"SCT", "75297007", "Gluteus minimus muscle"},
       kHip,
       "SNOMED CT, as in SEG-SCT; PS3.16 CID 3031 has it as MDC 7:804"},
      {"tensor_fasciae_latae", false, {"MDC", "7:808", "Musculus tensor fasciae latae"}, kHip, kCid3031},
      {"iliacus",
       false,
       {kPrivateScheme, "ILIACUS", "Iliacus muscle"},
       kHip,
       "private: PS3.16 (CID 3031: iliopsoas only) and SEG-SCT have no code for the iliacus alone"},
      {"psoas_major",
       false,
       {kPrivateScheme, "PSOASMAJOR", "Psoas major muscle"},
       kHip,
       "private: PS3.16 (CID 3031: iliopsoas only) and SEG-SCT have no code for the psoas major alone"},
      {"rectus_femoris", false, {"MDC", "7:836", "Musculus rectus femoris"}, kThigh, kCid3031},
      {"vastus_lateralis", false, {"MDC", "7:840", "Musculus vastus lateralis"}, kThigh, kCid3031},
      {"vastus_intermedius", false, {"MDC", "7:844", "Musculus vastus intermedius"}, kThigh, kCid3031},
      {"vastus_medialis", false, {"MDC", "7:848", "Musculus vastus medialis"}, kThigh, kCid3031},
      {"sartorius", false, {"MDC", "7:828", "Musculus sartorius"}, kThigh, kCid3031},
      {"gracilis", false, {"MDC", "7:868", "Musculus gracilis"}, kThigh, kCid3031},
      {"adductors",
       false,
       {kPrivateScheme, "ADDUCTORS", "Adductor magnus, longus and brevis muscles"},
       kThigh,
       "private: the segmentation draws the three adductors as one label; see the adductors group"},
      {"biceps_femoris_long_head", false, {"MDC", "7:876", "Musculus biceps femoris Caput longum"}, kThigh, kCid3031},
      {"biceps_femoris_short_head", false, {"MDC", "7:880", "Musculus biceps femoris Caput breve"}, kThigh, kCid3031},
      {"semitendinosus", false, {"MDC", "7:884", "Musculus semitendinosus"}, kThigh, kCid3031},
      {"semimembranosus", false, {"MDC", "7:888", "Musculus semimembranosus"}, kThigh, kCid3031},
  };
  return rows;
}

const AnatomyCode* find_anatomy_code(std::string_view name, bool group) {
  const auto& rows = anatomy_codes();
  const auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const AnatomyCode& row) { return row.name == name && row.group == group; });
  return it == rows.end() ? nullptr : &*it;
}

const Code& anatomical_structure_category() {
  // PS3.16 CID 7150. (dcmqi and Slicer still write 123037004, SNOMED CT's "Body structure", with this meaning.)
  static constexpr Code category{kSct, kCategoryCode, kCategoryMeaning};
  return category;
}

const Code& laterality_code(core::Side side) {
  static constexpr Code right{kSct, kRightCode, "Right"};  // PS3.16 CID 244
  static constexpr Code left{kSct, kLeftCode, "Left"};
  return side == core::Side::right ? right : left;
}

std::optional<core::Side> side_of_laterality_code(std::string_view value) {
  if (value == laterality_code(core::Side::right).value) return core::Side::right;
  if (value == laterality_code(core::Side::left).value) return core::Side::left;
  return std::nullopt;
}

const std::vector<QuantityCode>& quantity_codes() {
  static constexpr Code kPercent{"UCUM", "%", "Percent"};           // PS3.16 CID 7181
  static constexpr Code kMilliliter{"UCUM", "mL", "milliliter"};    // UCUM
  static constexpr Code kRatio{"UCUM", "{ratio}", "ratio"};         // PS3.16 CID 7181
  static constexpr Code kMillisecond{"UCUM", "ms", "millisecond"};  // PS3.16 CID 7181
  static constexpr Code kMean{"SCT", "373098007", "Mean"};          // PS3.16 CID 7464
  static constexpr Code kMedian{"SCT", "373099004", "Median"};      // PS3.16 CID 7464
  static const std::vector<QuantityCode> rows{
      {Quantity::volume, {"SCT", "118565006", "Volume"}, kMilliliter, std::nullopt, "PS3.16 CID 7469"},
      {Quantity::fat_fraction_mean, {"DCM", "129100", "Fat fraction"}, kPercent, kMean, "PS3.16 CID 7469; DCMTK dcm.h"},
      {Quantity::fat_fraction_median, {"DCM", "129100", "Fat fraction"}, kPercent, kMedian, "PS3.16 CID 7469"},
      {Quantity::fat_replaced_volume,
       {kPrivateScheme, "FATREPLVOL", "Fat-replaced volume"},
       kMilliliter,
       std::nullopt,
       "private: volume of voxels above the fat-replaced threshold; no standard concept"},
      {Quantity::edema_fraction,
       {kPrivateScheme, "EDEMAFRAC", "Edema fraction of muscle volume"},
       kPercent,
       std::nullopt,
       "private: PS3.16 has Edema (SCT 79654002) as a finding, no edema extent measurement"},
      {Quantity::edema_volume,
       {kPrivateScheme, "EDEMAVOL", "Edema volume"},
       kMilliliter,
       std::nullopt,
       "private: as edema fraction"},
      {Quantity::stir_ratio,
       {kPrivateScheme, "STIRRATIO", "STIR signal ratio to normal muscle"},
       kRatio,
       kMedian,
       "private: no standard concept for a STIR signal ratio"},
      {Quantity::water_t2_median, {"DCM", "113065", "T2"}, kMillisecond, kMedian, "PS3.16 CID 7469; DCMTK dcm.h"},
      {Quantity::mercuri_grade,
       {kPrivateScheme, "MERCURI", "Mercuri grade (original scale 1-4)"},
       std::nullopt,
       std::nullopt,
       "private: no standard concept for the Mercuri fatty infiltration scale"},
      {Quantity::mercuri_modified_grade,
       {kPrivateScheme, "MERCURIMOD", "Mercuri grade (modified scale 0-4)"},
       std::nullopt,
       std::nullopt,
       "private: as the Mercuri grade"},
      {Quantity::edema_grade,
       {kPrivateScheme, "EDEMAGRADE", "Edema grade (extent 0-3)"},
       std::nullopt,
       std::nullopt,
       "private: no standard concept for an edema extent grade"},
  };
  return rows;
}

const QuantityCode& quantity_code(Quantity quantity) {
  for (const auto& row : quantity_codes())
    if (row.quantity == quantity) return row;
  throw core::MyoError("code table", "no code for a measured quantity");
}

}  // namespace myo::dicom::detail
