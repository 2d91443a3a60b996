#include "pacs_results.hpp"

#include <algorithm>

#include "myo/core/log.hpp"
#include "myo/core/resample.hpp"
#include "myo/dicom/pacs_results.hpp"
#include "myo/reporting/document.hpp"
#include "myo/rendering/overlay_series.hpp"

namespace myo::pipeline::detail {
namespace fs = std::filesystem;

namespace {

std::size_t write_overlays(const rendering::FigureInput& slices, const dicom::ResultContext& context,
                           const fs::path& dir) {
  if (!slices.labels || (!slices.fat_fraction_pct && !slices.edema_mask)) return 0;
  std::vector<dicom::PlacedRgbImage> placed;
  for (auto& slice : rendering::render_overlay_series(slices)) {
    dicom::PlacedRgbImage p;
    p.image = {slice.pixels.width, slice.pixels.height, std::move(slice.pixels.rgb)};
    p.placement = slice.placement;
    placed.push_back(std::move(p));
  }
  if (placed.empty()) return 0;
  return dicom::write_overlay_series(placed, context, dir / "overlay").size();
}

// The edema mask on the STIR's own grid (nearest neighbour), where the SEG's frames reference STIR images.
core::MaskVolume edema_on_stir(const core::MaskVolume& edema, const core::Geometry& stir_grid) {
  if (edema.geometry.same_grid(stir_grid)) return edema;
  core::LabelVolume labels(edema.geometry, 0);
  std::copy(edema.voxels.begin(), edema.voxels.end(), labels.voxels.begin());
  const core::LabelVolume on_stir = core::resample_labels_to(labels, stir_grid);
  core::MaskVolume out(stir_grid, 0);
  std::transform(on_stir.voxels.begin(), on_stir.voxels.end(), out.voxels.begin(),
                 [](std::uint16_t v) { return static_cast<std::uint8_t>(v != 0 ? 1 : 0); });
  return out;
}

}  // namespace

std::size_t write_pacs_layers(const PacsResultsInput& input, const dicom::ResultContext& context,
                              const fs::path& dir) {
  std::size_t written = write_overlays(input.slices, context, dir);
  if (input.stir && input.slices.edema_mask) {
    dicom::ResultContext on_stir = context;
    on_stir.reference_series = *input.stir;
    const core::Geometry stir_grid = input.stir_grid.value_or(input.slices.edema_mask->geometry);
    dicom::write_edema_segmentation(edema_on_stir(*input.slices.edema_mask, stir_grid), on_stir,
                                    dir / "edema_segmentation.dcm");
    ++written;
  }
  return written;
}

std::size_t write_pacs_report(const PacsResultsInput& input, const dicom::ResultContext& context,
                              const fs::path& dir) {
  std::error_code ec;
  if (input.report_pdf.empty() || !fs::is_regular_file(input.report_pdf, ec)) {
    log::info("DICOM results: no report.pdf, so no Encapsulated PDF");
    return 0;
  }
  dicom::EncapsulatedPdfOptions pdf;
  pdf.document_title = reporting::kReportTitle;
  pdf.shows_patient_identifiers = !input.report_deidentified;
  dicom::write_encapsulated_pdf(input.report_pdf, context, dir / "report.dcm", pdf);
  return 1;
}

}  // namespace myo::pipeline::detail
