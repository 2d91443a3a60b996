// Conventions of classic (single-frame) MR exports, per vendor and kind of image. Sources and confidence are listed
// in libs/phantom/vendor_conventions.md; change both together.
#include "vendor_conventions.hpp"

#include <array>
#include <stdexcept>

namespace myo::phantom::detail {
namespace {

using dicom::Vendor;
using K = ConventionKey;

constexpr std::array<VendorIdentity, 3> kVendors{{
    {Vendor::siemens, "SIEMENS", "MAGNETOM Skyra", "syngo MR E11", "AWP45123", "BO1,2;SP4-6", false, false},
    {Vendor::philips, "Philips", "Ingenia", R"(5.7.1\5.7.1.1)", "PHILIPS-MR1", "MULTI COIL", true, true},
    {Vendor::ge, "GE MEDICAL SYSTEMS", "DISCOVERY MR750w", R"(27\LX\MR Software release:DV26.0_R03_1831.b)",
     "GEMR750W", "GEM Flex", false, false},
}};

// Siemens writes the Dixon reconstructions as separate series whose descriptions end in _W/_F/_in/_opp (the fat
// fraction map in tenths of a percent). The multi-contrast spin echo (se_mc, as for MapIt T2 maps) keeps all echoes
// in one series; raw multi-echo gradient echoes come as one magnitude and one phase series (phase assumed 12-bit
// with slope 2 and intercept -4096).
constexpr std::array<ConventionRow, 13> kSiemens{{
    // vendor key series_description image_type sequence_name scanning_seq. variant scan_options (2005,1011) (0043,102F) phase_12bit
    {Vendor::siemens, K::localizer, "localizer", R"(ORIGINAL\PRIMARY\M\NORM\DIS2D)", "*fl2d1", "GR", R"(SP\OSP)", "", "", -1, false},
    {Vendor::siemens, K::dixon_water, "t1_vibe_dixon_tra_W", R"(DERIVED\PRIMARY\DIXON\WATER)", "*fl3d2", "GR", R"(SK\SP\SS)", "PFP", "", -1, false},
    {Vendor::siemens, K::dixon_fat, "t1_vibe_dixon_tra_F", R"(DERIVED\PRIMARY\DIXON\FAT)", "*fl3d2", "GR", R"(SK\SP\SS)", "PFP", "", -1, false},
    {Vendor::siemens, K::dixon_in_phase, "t1_vibe_dixon_tra_in", R"(DERIVED\PRIMARY\DIXON\IN_PHASE)", "*fl3d2", "GR", R"(SK\SP\SS)", "PFP", "", -1, false},
    {Vendor::siemens, K::dixon_opposed_phase, "t1_vibe_dixon_tra_opp", R"(DERIVED\PRIMARY\DIXON\OPPOSED_PHASE)", "*fl3d2", "GR", R"(SK\SP\SS)", "PFP", "", -1, false},
    {Vendor::siemens, K::fat_fraction_map, "t1_vibe_dixon_tra_FF", R"(DERIVED\PRIMARY\DIXON\FF)", "*fl3d2", "GR", R"(SK\SP\SS)", "PFP", "", -1, false},
    {Vendor::siemens, K::stir, "t2_tirm_tra_stir", R"(ORIGINAL\PRIMARY\M\NORM\DIS2D)", "*tir2d1_15", R"(SE\IR)", R"(SK\SP\MP\OSP)", "IR", "", -1, false},
    {Vendor::siemens, K::t2_multi_echo, "t2_se_mc_tra", R"(ORIGINAL\PRIMARY\M\ND)", "*se2d10", "SE", R"(SP\OSP)", "", "", -1, false},
    {Vendor::siemens, K::echo_magnitude, "gre_dixon_echoes_tra", R"(ORIGINAL\PRIMARY\M\ND)", "*fl3d3", "GR", R"(SP\OSP)", "", "", -1, false},
    {Vendor::siemens, K::echo_phase, "gre_dixon_echoes_tra", R"(ORIGINAL\PRIMARY\P\ND)", "*fl3d3", "GR", R"(SP\OSP)", "", "", -1, true},
    {Vendor::siemens, K::t1, "t1_tse_tra", R"(ORIGINAL\PRIMARY\M\NORM\DIS2D)", "*tse2d1_3", "SE", R"(SK\SP\OSP)", "", "", -1, false},
    {Vendor::siemens, K::other_2d, "t2_tse_tra", R"(ORIGINAL\PRIMARY\M\NORM\DIS2D)", "*tse2d1_15", "SE", R"(SK\SP\OSP)", "", "", -1, false},
    {Vendor::siemens, K::other_3d, "t1_fl3d_tra", R"(ORIGINAL\PRIMARY\M\NORM\DIS2D)", "*fl3d1", "GR", R"(SK\SP\OSP)", "", "", -1, false},
}};

// Philips classic ImageType: value 3 is <image type>_<technique>, value 4 the image type, value 5 the technique
// (observed: ORIGINAL\PRIMARY\M_FFE\M\FFE, ...\M_SE\M\SE, ...\PHASE MAP\P\FFE); SequenceName stays empty. mDIXON
// puts water, fat, in- and opposed-phase in ONE series told apart by ImageType values 3/4 and the private type
// (2005,1011) (dcm2niix issue 1022: sometimes only the private tag). The multi-echo FFE holds every echo's magnitude
// and phase in one series, as the field-map series in dcm_qa_philips_enh does.
constexpr std::array<ConventionRow, 13> kPhilips{{
    {Vendor::philips, K::localizer, "Survey", R"(ORIGINAL\PRIMARY\M_FFE\M\FFE)", "", "GR", "SP", "", "M", -1, false},
    {Vendor::philips, K::dixon_water, "mDIXON_3D_TRA", R"(ORIGINAL\PRIMARY\W_FFE\W\FFE)", "", "GR", "SP", "FC", "W", -1, false},
    {Vendor::philips, K::dixon_fat, "mDIXON_3D_TRA", R"(ORIGINAL\PRIMARY\F_FFE\F\FFE)", "", "GR", "SP", "FC", "F", -1, false},
    {Vendor::philips, K::dixon_in_phase, "mDIXON_3D_TRA", R"(ORIGINAL\PRIMARY\IP_FFE\IP\FFE)", "", "GR", "SP", "FC", "IP", -1, false},
    {Vendor::philips, K::dixon_opposed_phase, "mDIXON_3D_TRA", R"(ORIGINAL\PRIMARY\OP_FFE\OP\FFE)", "", "GR", "SP", "FC", "OP", -1, false},
    {Vendor::philips, K::fat_fraction_map, "mDIXON_3D_TRA", R"(ORIGINAL\PRIMARY\FF_FFE\FF\FFE)", "", "GR", "SP", "FC", "FF", -1, false},
    {Vendor::philips, K::stir, "STIR_TSE_TRA", R"(ORIGINAL\PRIMARY\M_IR\M\IR)", "", "IR", "SK", "", "M", -1, false},
    {Vendor::philips, K::t2_multi_echo, "T2_MSE_TRA", R"(ORIGINAL\PRIMARY\M_SE\M\SE)", "", "SE", "SK", "", "M", -1, false},
    {Vendor::philips, K::echo_magnitude, "FFE_mEcho_TRA", R"(ORIGINAL\PRIMARY\M_FFE\M\FFE)", "", "GR", "SP", "", "M", -1, false},
    {Vendor::philips, K::echo_phase, "FFE_mEcho_TRA", R"(ORIGINAL\PRIMARY\PHASE MAP\P\FFE)", "", "GR", "SP", "", "P", -1, false},
    {Vendor::philips, K::t1, "T1_TSE_TRA", R"(ORIGINAL\PRIMARY\M_SE\M\SE)", "", "SE", "SK", "", "M", -1, false},
    {Vendor::philips, K::other_2d, "T2_TSE_TRA", R"(ORIGINAL\PRIMARY\M_SE\M\SE)", "", "SE", "SK", "", "M", -1, false},
    {Vendor::philips, K::other_3d, "3D_FFE_TRA", R"(ORIGINAL\PRIMARY\M_FFE\M\FFE)", "", "GR", "SK", "", "M", -1, false},
}};

// GE LAVA-Flex / IDEAL: one series per reconstruction, told apart by the SeriesDescription prefix only (the
// ImageType carries no DIXON token). T2 mapping writes one series per echo. Raw echoes: one series per echo holding
// its magnitude and phase with one ImageType, told apart only by the private (0043,102F) (as the MuscleMap GE
// thigh's ORIG_DIXON series; phase in milliradians).
constexpr std::array<ConventionRow, 13> kGe{{
    {Vendor::ge, K::localizer, "3-Plane Loc", R"(ORIGINAL\PRIMARY\LOCALIZER)", "fgre", "GR", "SS", "FAST_GEMS", "", -1, false},
    {Vendor::ge, K::dixon_water, "WATER: Ax LAVA-Flex", R"(ORIGINAL\PRIMARY\OTHER)", "efgre3d", "GR", R"(SS\SK)", R"(FAST_GEMS\EDR_GEMS\ACC_GEMS)", "", -1, false},
    {Vendor::ge, K::dixon_fat, "FAT: Ax LAVA-Flex", R"(ORIGINAL\PRIMARY\OTHER)", "efgre3d", "GR", R"(SS\SK)", R"(FAST_GEMS\EDR_GEMS\ACC_GEMS)", "", -1, false},
    {Vendor::ge, K::dixon_in_phase, "InPhase: Ax LAVA-Flex", R"(ORIGINAL\PRIMARY\OTHER)", "efgre3d", "GR", R"(SS\SK)", R"(FAST_GEMS\EDR_GEMS\ACC_GEMS)", "", -1, false},
    {Vendor::ge, K::dixon_opposed_phase, "OutPhase: Ax LAVA-Flex", R"(ORIGINAL\PRIMARY\OTHER)", "efgre3d", "GR", R"(SS\SK)", R"(FAST_GEMS\EDR_GEMS\ACC_GEMS)", "", -1, false},
    {Vendor::ge, K::fat_fraction_map, "FAT FRACTION: Ax LAVA-Flex", R"(DERIVED\PRIMARY\FAT FRACTION)", "efgre3d", "GR", R"(SS\SK)", R"(FAST_GEMS\EDR_GEMS\ACC_GEMS)", "", -1, false},
    {Vendor::ge, K::stir, "Ax STIR", R"(ORIGINAL\PRIMARY\OTHER)", "fse-ir", R"(SE\IR)", R"(SK\OSP)", R"(FAST_GEMS\IR_GEMS\FILTERED_GEMS)", "", -1, false},
    {Vendor::ge, K::t2_multi_echo, "Ax T2Map", R"(ORIGINAL\PRIMARY\OTHER)", "mfse", "SE", "SK", "", "", -1, false},
    {Vendor::ge, K::echo_magnitude, "ORIG Dixon echo", R"(ORIGINAL\PRIMARY\OTHER)", "efgre3d", "GR", R"(SS\SK)", "FAST_GEMS", "", 0, false},
    {Vendor::ge, K::echo_phase, "ORIG Dixon echo", R"(ORIGINAL\PRIMARY\OTHER)", "efgre3d", "GR", R"(SS\SK)", "FAST_GEMS", "", 1, false},
    {Vendor::ge, K::t1, "Ax T1 FSE", R"(ORIGINAL\PRIMARY\OTHER)", "fse", "SE", "SK", R"(FAST_GEMS\FILTERED_GEMS)", "", -1, false},
    {Vendor::ge, K::other_2d, "Ax T2 FSE", R"(ORIGINAL\PRIMARY\OTHER)", "fse", "SE", "SK", "", "", -1, false},
    {Vendor::ge, K::other_3d, "Ax 3D SPGR", R"(ORIGINAL\PRIMARY\OTHER)", "efgre3d", "GR", "SK", "", "", -1, false},
}};

Vendor known(Vendor vendor) { return vendor == Vendor::unknown ? Vendor::siemens : vendor; }

}  // namespace

ConventionKey convention_key(dicom::SeriesRole role, bool three_d, bool localizer, bool phase) {
  using dicom::SeriesRole;
  if (localizer) return K::localizer;
  switch (role) {
    case SeriesRole::dixon_water: return K::dixon_water;
    case SeriesRole::dixon_fat: return K::dixon_fat;
    case SeriesRole::dixon_in_phase: return K::dixon_in_phase;
    case SeriesRole::dixon_opposed_phase: return K::dixon_opposed_phase;
    case SeriesRole::fat_fraction_map: return K::fat_fraction_map;
    case SeriesRole::stir: return K::stir;
    case SeriesRole::t2_multi_echo: return K::t2_multi_echo;
    case SeriesRole::dixon_echo: return phase ? K::echo_phase : K::echo_magnitude;
    case SeriesRole::t1: return K::t1;
    default: return three_d ? K::other_3d : K::other_2d;
  }
}

const VendorIdentity& vendor_identity(Vendor vendor) {
  for (const auto& v : kVendors)
    if (v.vendor == known(vendor)) return v;
  throw std::logic_error("vendor conventions lack a vendor");
}

const ConventionRow& convention_row(Vendor vendor, ConventionKey key) {
  for (const auto* table : {&kSiemens, &kPhilips, &kGe})
    for (const auto& row : *table)
      if (row.vendor == known(vendor) && row.key == key) return row;
  throw std::logic_error("vendor conventions lack a row");
}

}  // namespace myo::phantom::detail
