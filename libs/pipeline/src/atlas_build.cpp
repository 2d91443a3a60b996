#include "myo/pipeline/atlas_build.hpp"

#include "myo/core/error.hpp"
#include "myo/core/log.hpp"
#include "myo/core/nifti_io.hpp"
#include "myo/core/resample.hpp"
#include "myo/segmentation/atlas.hpp"
#include "myo/pipeline/study_channels.hpp"

namespace myo::pipeline {

std::size_t build_atlas(const std::vector<LabelledStudy>& studies, const std::filesystem::path& output) {
  segmentation::AtlasBuilder builder;
  for (const auto& study : studies) {
    const auto channels = load_study_channels(study.dicom, {});
    core::LabelVolume labels = core::read_labels(study.labels);
    if (!labels.geometry.same_grid(channels.reference_grid())) labels = core::resample_labels_to(labels, channels.reference_grid());
    builder.add(channels.segmentation_input(), labels);
    log::info("atlas: added study {} of {}", builder.studies(), studies.size());
  }
  if (builder.studies() == 0) throw core::MyoError(output.string(), "no labelled studies given");
  builder.finish().write(output);
  return builder.studies();
}

}  // namespace myo::pipeline
