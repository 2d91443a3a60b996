#include "myo/quantification/bias_field.hpp"

#include <itkBSplineControlPointImageFilter.h>
#include <itkMultiThreaderBase.h>
#include <itkN4BiasFieldCorrectionImageFilter.h>
#include <itkShrinkImageFilter.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include "myo/core/error.hpp"
#include "myo/core/itk_bridge.hpp"
#include "myo/core/resample.hpp"

namespace myo::quantification {
namespace {

// The B-spline fit inside N4 sums one control-point lattice per ITK work unit, and the filters it makes take their
// work units from ITK's global default thread count (--threads, else the machine's cores): the field would change in
// its sixth digit, and edema voxels at the threshold with it, from one thread count to another. While N4 runs, ITK's
// default is one thread, so the field is the same for every thread count and machine. Other ITK filters compute each
// voxel on its own and keep the process-wide count.
class OneItkWorkUnit {
 public:
  OneItkWorkUnit() : lock_(mutex()), saved_(itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads()) {
    itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(1);
  }
  OneItkWorkUnit(const OneItkWorkUnit&) = delete;
  OneItkWorkUnit& operator=(const OneItkWorkUnit&) = delete;
  ~OneItkWorkUnit() { itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(saved_); }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  std::lock_guard<std::mutex> lock_;
  itk::ThreadIdType saved_;
};

}  // namespace

BiasCorrection correct_bias_field(const core::ImageVolume& image, const core::MaskVolume& mask,
                                  const BiasCorrectionParams& params) {
  const auto started = std::chrono::steady_clock::now();
  if (!mask.geometry.same_grid(image.geometry))
    throw core::MyoError("bias field", "the mask is not on the image grid");
  using Image = core::ItkImage3<float>;
  using Mask = core::ItkImage3<std::uint8_t>;
  // N4 works on the logarithm: no zero or negative intensities inside the mask.
  // Within same_grid's tolerance the mask is on the image's grid: it takes that exact geometry, since ITK refuses
  // inputs whose origins differ in the last digits (float32 headers).
  core::MaskVolume fit_mask = mask;
  fit_mask.geometry = image.geometry;
  for (std::size_t i = 0; i < fit_mask.voxels.size(); ++i)
    if (image.voxels[i] <= 0) fit_mask.voxels[i] = 0;

  Image::Pointer input = core::to_itk(image);
  Mask::Pointer mask_image = core::to_itk(fit_mask);
  itk::ShrinkImageFilter<Image, Image>::ShrinkFactorsType factors;
  for (unsigned a = 0; a < 3; ++a)
    factors[a] = static_cast<unsigned>(
        std::clamp(std::lround(params.shrunk_voxel_mm / image.geometry.spacing_mm[a]), 1L,
                   static_cast<long>(std::max<std::size_t>(1, image.geometry.size[a] / 4))));
  auto shrink = itk::ShrinkImageFilter<Image, Image>::New();
  shrink->SetInput(input);
  shrink->SetShrinkFactors(factors);
  auto shrink_mask = itk::ShrinkImageFilter<Mask, Mask>::New();
  shrink_mask->SetInput(mask_image);
  shrink_mask->SetShrinkFactors(factors);
  shrink->Update();
  shrink_mask->Update();

  using N4 = itk::N4BiasFieldCorrectionImageFilter<Image, Mask, Image>;
  const OneItkWorkUnit one_work_unit;
  auto n4 = N4::New();
  n4->SetInput(shrink->GetOutput());
  n4->SetMaskImage(shrink_mask->GetOutput());
  n4->SetNumberOfFittingLevels(params.fitting_levels);
  N4::VariableSizeArrayType iterations(params.fitting_levels);
  iterations.Fill(params.iterations_per_level);
  n4->SetMaximumNumberOfIterations(iterations);
  n4->SetConvergenceThreshold(params.convergence_threshold);
  N4::ArrayType control_points;
  const auto shrunk = shrink->GetOutput();
  for (unsigned a = 0; a < 3; ++a) {
    const double extent_mm = shrunk->GetLargestPossibleRegion().GetSize()[a] * shrunk->GetSpacing()[a];
    // Control points = spline order + spans; at least one span per axis.
    control_points[a] = 3 + static_cast<unsigned>(std::max(1.0, std::round(extent_mm / params.spline_distance_mm)));
  }
  n4->SetNumberOfControlPoints(control_points);
  n4->Update();

  // The log field from the fitted lattice, on the shrunk grid, then brought to full resolution (it is smooth).
  using Lattice = N4::BiasFieldControlPointLatticeType;
  using Bspliner = itk::BSplineControlPointImageFilter<Lattice, N4::ScalarImageType>;
  auto bspliner = Bspliner::New();
  bspliner->SetInput(n4->GetLogBiasFieldControlPointLattice());
  bspliner->SetSplineOrder(n4->GetSplineOrder());
  bspliner->SetSize(shrunk->GetLargestPossibleRegion().GetSize());
  bspliner->SetOrigin(shrunk->GetOrigin());
  bspliner->SetSpacing(shrunk->GetSpacing());
  bspliner->SetDirection(shrunk->GetDirection());
  bspliner->Update();
  const auto* field = bspliner->GetOutput();
  // The shrunk grid's outer voxel centres lie up to half a block inside the image: pad it by one voxel (edge values
  // repeated) so that one linear interpolation covers every voxel of the image.
  const core::Geometry inner = core::geometry_of(*shrunk);
  core::Geometry padded = inner;
  for (unsigned a = 0; a < 3; ++a) padded.size[a] += 2;
  padded.origin_mm = inner.index_to_physical({-1.0, -1.0, -1.0});
  core::ImageVolume small(padded, 1.0F);
  {
    const auto* buffer = field->GetBufferPointer();
    const auto clamp_index = [&](std::size_t p, unsigned a) {
      return std::min<std::size_t>(inner.size[a] - 1, p == 0 ? 0 : p - 1);
    };
    for (std::size_t k = 0; k < padded.size[2]; ++k)
      for (std::size_t j = 0; j < padded.size[1]; ++j)
        for (std::size_t i = 0; i < padded.size[0]; ++i)
          small.voxels[padded.linear_index(i, j, k)] = std::exp(
              buffer[inner.linear_index(clamp_index(i, 0), clamp_index(j, 1), clamp_index(k, 2))][0]);
  }
  BiasCorrection out;
  out.bias = core::resample_to(small, image.geometry, core::Interpolation::linear, 1.0F);
  // Normalise to mean 1 over the mask so corrected intensities stay in the scanner's units.
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < out.bias.voxels.size(); ++i) {
    if (out.bias.voxels[i] <= 0) out.bias.voxels[i] = 1.0F;
    if (fit_mask.voxels[i]) sum += out.bias.voxels[i], ++count;
  }
  const double mean = count ? sum / static_cast<double>(count) : 1.0;
  out.corrected = core::ImageVolume(image.geometry, 0.0F);
  for (std::size_t i = 0; i < out.bias.voxels.size(); ++i) {
    out.bias.voxels[i] = static_cast<float>(out.bias.voxels[i] / mean);
    out.corrected.voxels[i] = image.voxels[i] / out.bias.voxels[i];
  }
  for (unsigned a = 0; a < 3; ++a) out.shrunk_size[a] = shrunk->GetLargestPossibleRegion().GetSize()[a];
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace myo::quantification
