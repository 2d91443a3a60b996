#include "generated_validation.hpp"

#include <array>
#include <string>

#include "myo/core/log.hpp"
#include "myo/phantom/phantom.hpp"

namespace myo::app {
namespace {

struct GeneratedStudy {
  const char* name;
  unsigned seed;
  dicom::Vendor vendor;
  phantom::Scenario scenario;
};

// Two patients of the generator, two vendors' DICOM conventions, a healthy and a diseased pattern. Fixed: the same
// binary always checks on the same studies.
constexpr std::array kGeneratedStudies{
    GeneratedStudy{"generated-siemens-seed-901", 901, dicom::Vendor::siemens, phantom::Scenario::imnm},
    GeneratedStudy{"generated-philips-seed-902", 902, dicom::Vendor::philips, phantom::Scenario::healthy},
};

// Coarse grids keep the set quick to make and to label (3 mm Dixon pixels give 6 mm slices, 3 mm T1/STIR pixels).
constexpr double kDixonVoxelMm = 3.0;
constexpr double kClinicalPixelMm = 3.0;

}  // namespace

pipeline::LabelledSource generate_validation_studies(const std::filesystem::path& folder) {
  pipeline::LabelledSource source{std::string(kGeneratedValidationSource), {}};
  for (const auto& g : kGeneratedStudies) {
    phantom::PhantomParams params;
    params.seed = g.seed;
    params.vendor = g.vendor;
    params.scenario = g.scenario;
    params.dixon_voxel_mm = kDixonVoxelMm;
    params.clinical_pixel_mm = kClinicalPixelMm;
    const auto study = folder / g.name;
    const auto result = phantom::generate_study(params, study);
    source.studies.push_back({result.dicom_directory, study / "truth" / "labels.nii.gz", g.name});
  }
  log::info("model-tune: generated {} validation studies", source.studies.size());
  return source;
}

}  // namespace myo::app
