#include "vendor_tags.hpp"

// Conventions of classic (single-frame) MR exports, per vendor and series role. Sources and confidence are listed
// in libs/phantom/vendor_conventions.md; change both together.
namespace myo::dicom::detail {
namespace {

VendorConvention siemens(SeriesRole role, bool three_d, bool localizer, bool phase) {
  VendorConvention c;
  c.manufacturer = "SIEMENS";
  c.model = "MAGNETOM Skyra";
  c.software_versions = "syngo MR E11";
  c.station_name = "AWP45123";
  c.receive_coil = "BO1,2;SP4-6";
  c.image_type = "ORIGINAL\\PRIMARY\\M\\NORM\\DIS2D";
  if (localizer) {
    c.series_description = "localizer";
    c.sequence_name = "*fl2d1";
    c.scanning_sequence = "GR";
    c.sequence_variant = "SP\\OSP";
    return c;
  }
  const auto dixon = [&](const char* token, const char* suffix) {
    // Siemens writes the Dixon reconstructions as separate series whose descriptions end in _W/_F/_in/_opp.
    c.image_type = std::string("DERIVED\\PRIMARY\\DIXON\\") + token;
    c.series_description = std::string("t1_vibe_dixon_tra_") + suffix;
    c.sequence_name = "*fl3d2";
    c.scanning_sequence = "GR";
    c.sequence_variant = "SK\\SP\\SS";
    c.scan_options = "PFP";
  };
  switch (role) {
    case SeriesRole::dixon_water: dixon("WATER", "W"); break;
    case SeriesRole::dixon_fat: dixon("FAT", "F"); break;
    case SeriesRole::dixon_in_phase: dixon("IN_PHASE", "in"); break;
    case SeriesRole::dixon_opposed_phase: dixon("OPPOSED_PHASE", "opp"); break;
    case SeriesRole::fat_fraction_map: dixon("FF", "FF"); break;  // fat fraction in tenths of a percent
    case SeriesRole::stir:
      c.series_description = "t2_tirm_tra_stir";
      c.sequence_name = "*tir2d1_15";  // turbo inversion recovery, turbo factor 15
      c.scanning_sequence = "SE\\IR";
      c.sequence_variant = "SK\\SP\\MP\\OSP";
      c.scan_options = "IR";
      break;
    case SeriesRole::t2_multi_echo:
      // Multi-contrast spin echo (sequence file se_mc, as used for MapIt T2 maps): all echoes in one series,
      // EchoNumbers 1..n, ImageType of raw magnitude echoes.
      c.series_description = "t2_se_mc_tra";
      c.image_type = "ORIGINAL\\PRIMARY\\M\\ND";
      c.sequence_name = "*se2d10";
      c.scanning_sequence = "SE";
      c.sequence_variant = "SP\\OSP";
      break;
    case SeriesRole::dixon_echo:
      // Multi-echo 3D gradient echo with magnitude and phase output: one series of magnitude images and one of phase
      // images (same description), all echoes in each; phase 12-bit with slope 2 and intercept -4096 (assumed).
      c.series_description = "gre_dixon_echoes_tra";
      c.image_type = phase ? "ORIGINAL\\PRIMARY\\P\\ND" : "ORIGINAL\\PRIMARY\\M\\ND";
      c.sequence_name = "*fl3d3";
      c.scanning_sequence = "GR";
      c.sequence_variant = "SP\\OSP";
      c.siemens_phase_rescale = phase;
      break;
    case SeriesRole::t1:
      c.series_description = "t1_tse_tra";
      c.sequence_name = "*tse2d1_3";
      c.scanning_sequence = "SE";
      c.sequence_variant = "SK\\SP\\OSP";
      break;
    default:
      c.series_description = three_d ? "t1_fl3d_tra" : "t2_tse_tra";
      c.sequence_name = three_d ? "*fl3d1" : "*tse2d1_15";
      c.scanning_sequence = three_d ? "GR" : "SE";
      c.sequence_variant = "SK\\SP\\OSP";
      break;
  }
  return c;
}

VendorConvention philips(SeriesRole role, bool three_d, bool localizer, bool phase) {
  VendorConvention c;
  c.manufacturer = "Philips";
  c.model = "Ingenia";
  c.software_versions = "5.7.1\\5.7.1.1";
  c.station_name = "PHILIPS-MR1";
  c.receive_coil = "MULTI COIL";
  c.rescale = true;
  c.complex_image_component = true;
  c.philips_image_type = "M";
  // Philips classic ImageType: value 3 is <image type>_<technique>, value 4 the image type, value 5 the technique
  // (observed: ORIGINAL\PRIMARY\M_FFE\M\FFE, ...\M_SE\M\SE, ...\PHASE MAP\P\FFE). SequenceName stays empty.
  const auto typed = [&](const std::string& code, const std::string& technique) {
    c.philips_image_type = code;
    c.image_type = "ORIGINAL\\PRIMARY\\" + code + "_" + technique + "\\" + code + "\\" + technique;
  };
  if (localizer) {
    c.series_description = "Survey";
    typed("M", "FFE");
    c.scanning_sequence = "GR";
    c.sequence_variant = "SP";
    return c;
  }
  const auto dixon = [&](const char* code) {
    // mDIXON: ONE series holds water, fat, in-phase and opposed-phase images; ImageType values 3/4 and the
    // private MR image type (2005,1011) tell them apart (dcm2niix issue 1022: sometimes only the private tag).
    typed(code, "FFE");
    c.series_description = "mDIXON_3D_TRA";
    c.scanning_sequence = "GR";
    c.sequence_variant = "SP";
    c.scan_options = "FC";
  };
  switch (role) {
    case SeriesRole::dixon_water: dixon("W"); break;
    case SeriesRole::dixon_fat: dixon("F"); break;
    case SeriesRole::dixon_in_phase: dixon("IP"); break;
    case SeriesRole::dixon_opposed_phase: dixon("OP"); break;
    case SeriesRole::fat_fraction_map: dixon("FF"); break;
    case SeriesRole::stir:
      c.series_description = "STIR_TSE_TRA";
      typed("M", "IR");
      c.scanning_sequence = "IR";
      c.sequence_variant = "SK";
      break;
    case SeriesRole::t2_multi_echo:
      // Multi-echo spin echo (MSE): all echoes in one series, EchoNumbers 1..n.
      c.series_description = "T2_MSE_TRA";
      typed("M", "SE");
      c.scanning_sequence = "SE";
      c.sequence_variant = "SK";
      c.scan_options = "";
      break;
    case SeriesRole::dixon_echo:
      // Multi-echo FFE with magnitude and phase: ONE series holds every echo of both, as the field-map series in
      // dcm_qa_philips_enh does (phase: ORIGINAL\PRIMARY\PHASE MAP\P\FFE, private type P, radians via ScaleSlope).
      c.series_description = "FFE_mEcho_TRA";
      if (phase) {
        c.philips_image_type = "P";
        c.image_type = "ORIGINAL\\PRIMARY\\PHASE MAP\\P\\FFE";
      } else {
        typed("M", "FFE");
      }
      c.scanning_sequence = "GR";
      c.sequence_variant = "SP";
      break;
    case SeriesRole::t1:
      c.series_description = "T1_TSE_TRA";
      typed("M", "SE");
      c.scanning_sequence = "SE";
      c.sequence_variant = "SK";
      break;
    default:
      c.series_description = three_d ? "3D_FFE_TRA" : "T2_TSE_TRA";
      typed("M", three_d ? "FFE" : "SE");
      c.scanning_sequence = three_d ? "GR" : "SE";
      c.sequence_variant = "SK";
      break;
  }
  return c;
}

VendorConvention ge(SeriesRole role, bool three_d, bool localizer, bool phase) {
  VendorConvention c;
  c.manufacturer = "GE MEDICAL SYSTEMS";
  c.model = "DISCOVERY MR750w";
  c.software_versions = "27\\LX\\MR Software release:DV26.0_R03_1831.b";
  c.station_name = "GEMR750W";
  c.receive_coil = "GEM Flex";
  c.image_type = "ORIGINAL\\PRIMARY\\OTHER";
  if (localizer) {
    c.series_description = "3-Plane Loc";
    c.image_type = "ORIGINAL\\PRIMARY\\LOCALIZER";
    c.sequence_name = "fgre";
    c.scanning_sequence = "GR";
    c.sequence_variant = "SS";
    c.scan_options = "FAST_GEMS";
    return c;
  }
  const auto dixon = [&](const char* prefix) {
    // LAVA-Flex / IDEAL: one series per reconstruction, told apart by the SeriesDescription prefix only
    // (the ImageType of these exports carries no DIXON token).
    c.series_description = std::string(prefix) + " Ax LAVA-Flex";
    c.sequence_name = "efgre3d";
    c.scanning_sequence = "GR";
    c.sequence_variant = "SS\\SK";
    c.scan_options = "FAST_GEMS\\EDR_GEMS\\ACC_GEMS";
  };
  switch (role) {
    case SeriesRole::dixon_water: dixon("WATER:"); break;
    case SeriesRole::dixon_fat: dixon("FAT:"); break;
    case SeriesRole::dixon_in_phase: dixon("InPhase:"); break;
    case SeriesRole::dixon_opposed_phase: dixon("OutPhase:"); break;
    case SeriesRole::fat_fraction_map:
      dixon("FAT FRACTION:");
      c.image_type = "DERIVED\\PRIMARY\\FAT FRACTION";
      break;
    case SeriesRole::stir:
      c.series_description = "Ax STIR";
      c.sequence_name = "fse-ir";
      c.scanning_sequence = "SE\\IR";
      c.sequence_variant = "SK\\OSP";
      c.scan_options = "FAST_GEMS\\IR_GEMS\\FILTERED_GEMS";
      break;
    case SeriesRole::t2_multi_echo:
      // T2 mapping (T2Map / CartiGram-style multi-echo): the generator writes one series per echo.
      c.series_description = "Ax T2Map";
      c.sequence_name = "mfse";
      c.scanning_sequence = "SE";
      c.sequence_variant = "SK";
      c.scan_options = "";
      break;
    case SeriesRole::dixon_echo:
      // Raw echoes of a multi-echo gradient echo: one series per echo holding its magnitude and phase images with
      // one ImageType, told apart only by the private (0043,102F) (as the MuscleMap GE thigh's ORIG_DIXON series;
      // phase in milliradians).
      c.series_description = "ORIG Dixon echo";
      c.sequence_name = "efgre3d";
      c.scanning_sequence = "GR";
      c.sequence_variant = "SS\\SK";
      c.scan_options = "FAST_GEMS";
      c.ge_image_type = phase ? 1 : 0;
      break;
    case SeriesRole::t1:
      c.series_description = "Ax T1 FSE";
      c.sequence_name = "fse";
      c.scanning_sequence = "SE";
      c.sequence_variant = "SK";
      c.scan_options = "FAST_GEMS\\FILTERED_GEMS";
      break;
    default:
      c.series_description = three_d ? "Ax 3D SPGR" : "Ax T2 FSE";
      c.sequence_name = three_d ? "efgre3d" : "fse";
      c.scanning_sequence = three_d ? "GR" : "SE";
      c.sequence_variant = "SK";
      break;
  }
  return c;
}

}  // namespace

VendorConvention convention_for(Vendor vendor, SeriesRole role, bool three_d, bool localizer, bool phase) {
  switch (vendor) {
    case Vendor::philips: return philips(role, three_d, localizer, phase);
    case Vendor::ge: return ge(role, three_d, localizer, phase);
    case Vendor::siemens:
    case Vendor::unknown: break;
  }
  return siemens(role, three_d, localizer, phase);
}

const char* vendor_key(Vendor vendor) {
  switch (vendor) {
    case Vendor::siemens: return "siemens";
    case Vendor::philips: return "philips";
    case Vendor::ge: return "ge";
    case Vendor::unknown: break;
  }
  return "unknown";
}

}  // namespace myo::dicom::detail
