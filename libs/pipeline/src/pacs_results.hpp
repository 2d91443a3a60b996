#pragma once
// The results a radiologist reads in the PACS beside the images (analyze's DICOM stage): the overlay series, the
// report as Encapsulated PDF and the edema SEG on the STIR series.
#include <filesystem>
#include <optional>

#include "myo/core/geometry.hpp"
#include "myo/dicom/results.hpp"
#include "myo/rendering/figures.hpp"

namespace myo::pipeline::detail {

struct PacsResultsInput {
  rendering::FigureInput slices;             // on the reference grid: labels, anatomy, fat fraction, STIR, edema
  std::filesystem::path report_pdf;          // empty or missing: no Encapsulated PDF
  bool report_deidentified = false;          // report.pdf shows no patient identifiers
  const dicom::SeriesInfo* stir = nullptr;   // the edema SEG references it; null: no edema SEG
  std::optional<core::Geometry> stir_grid;   // the STIR's own grid (the edema mask is brought onto it)
};

// Writes into `dir` overlay/overlay_NNN.dcm and edema_segmentation.dcm, each when its input exists: they need
// nothing from the figures or report.pdf, so they can be written while those are made. `context` is the context of
// the other results (reference series, study, de-identification). Returns the number of objects written.
std::size_t write_pacs_layers(const PacsResultsInput& input, const dicom::ResultContext& context,
                              const std::filesystem::path& dir);

// Writes report.dcm into `dir` from report.pdf once that is written; 0 (nothing written) without it, else 1.
std::size_t write_pacs_report(const PacsResultsInput& input, const dicom::ResultContext& context,
                              const std::filesystem::path& dir);

}  // namespace myo::pipeline::detail
