#include "myo/quantification/registration.hpp"

#include <itkEuler3DTransform.h>
#include <itkRegularStepGradientDescentOptimizerv4.h>
#include <itkImageRegistrationMethodv4.h>
#include <itkMattesMutualInformationImageToImageMetricv4.h>
#include <itkRegistrationParameterScalesFromPhysicalShift.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/itk_bridge.hpp"
#include "myo/core/numbers.hpp"
#include "myo/core/resample.hpp"

namespace myo::quantification {
namespace {

using Image = core::ItkImage3<float>;
using Euler = itk::Euler3DTransform<double>;

// The physical centre of an image's voxel box: the centre of rotation, so that the angles and the translation
// stay apart.
core::Vec3 centre_of(const core::Geometry& g) {
  return g.index_to_physical({(static_cast<double>(g.size[0]) - 1) / 2, (static_cast<double>(g.size[1]) - 1) / 2,
                              (static_cast<double>(g.size[2]) - 1) / 2});
}

// The same box as `g` with voxels of at least `spacing_mm`: a fine image costs time, not accuracy, in a rigid fit.
core::Geometry working_grid(const core::Geometry& g, double spacing_mm) {
  core::Geometry out = g;
  core::Vec3 corner_shift{0, 0, 0};  // keeps the box's first corner where it was
  for (std::size_t a = 0; a < 3; ++a) {
    if (g.spacing_mm[a] >= spacing_mm) continue;
    const double extent = static_cast<double>(g.size[a]) * g.spacing_mm[a];
    out.size[a] = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(extent / spacing_mm)));
    out.spacing_mm[a] = extent / static_cast<double>(out.size[a]);
    const auto axis = g.axis(static_cast<int>(a));
    for (std::size_t b = 0; b < 3; ++b) corner_shift[b] += axis[b] * (out.spacing_mm[a] - g.spacing_mm[a]) / 2;
  }
  for (std::size_t b = 0; b < 3; ++b) out.origin_mm[b] += corner_shift[b];
  return out;
}

core::ImageVolume at_working_resolution(const core::ImageVolume& image, double spacing_mm) {
  return core::resample_to(image, working_grid(image.geometry, spacing_mm));
}

RigidTransform from_itk_transform(const Euler& euler) {
  RigidTransform t;
  for (unsigned r = 0; r < 3; ++r) {
    t.centre_mm[r] = euler.GetCenter()[r];
    t.translation_mm[r] = euler.GetTranslation()[r];
    for (unsigned c = 0; c < 3; ++c) t.rotation[r * 3 + c] = euler.GetMatrix()[r][c];
  }
  return t;
}

// The registration method over one set of params; returns the optimised transform.
Euler::Pointer run_registration(const Image::Pointer& fixed, const Image::Pointer& moving,
                                const core::Vec3& centre, const RigidRegistrationParams& params, double& metric_value) {
  using Metric = itk::MattesMutualInformationImageToImageMetricv4<Image, Image>;
  using Optimizer = itk::RegularStepGradientDescentOptimizerv4<double>;
  using Method = itk::ImageRegistrationMethodv4<Image, Image, Euler>;
  auto metric = Metric::New();
  metric->SetNumberOfHistogramBins(params.histogram_bins);
  auto scales = itk::RegistrationParameterScalesFromPhysicalShift<Metric>::New();
  scales->SetMetric(metric);
  auto optimizer = Optimizer::New();
  optimizer->SetLearningRate(params.initial_step_mm);
  optimizer->SetMinimumStepLength(params.final_step_mm);
  optimizer->SetRelaxationFactor(0.5);
  optimizer->SetNumberOfIterations(params.iterations_per_level);
  optimizer->SetScalesEstimator(scales);
  optimizer->SetDoEstimateLearningRateOnce(false);
  optimizer->SetDoEstimateLearningRateAtEachIteration(false);

  auto initial = Euler::New();
  Euler::InputPointType c;
  for (unsigned a = 0; a < 3; ++a) c[a] = centre[a];
  initial->SetCenter(c);
  auto method = Method::New();
  method->SetFixedImage(fixed);
  method->SetMovingImage(moving);
  method->SetMetric(metric);
  method->SetOptimizer(optimizer);
  method->SetInitialTransform(initial);
  method->InPlaceOn();
  const auto levels = static_cast<unsigned>(params.shrink_factors.size());
  Method::ShrinkFactorsArrayType shrink(levels);
  Method::SmoothingSigmasArrayType sigmas(levels);
  for (unsigned l = 0; l < levels; ++l) {
    shrink[l] = params.shrink_factors[l];
    sigmas[l] = params.smoothing_sigmas_mm[l];
  }
  method->SetNumberOfLevels(levels);
  method->SetShrinkFactorsPerLevel(shrink);
  method->SetSmoothingSigmasPerLevel(sigmas);
  method->SetSmoothingSigmasAreSpecifiedInPhysicalUnits(true);
  method->SetMetricSamplingStrategy(Method::MetricSamplingStrategyEnum::RANDOM);
  method->SetMetricSamplingPercentage(params.sampling_fraction);
  method->MetricSamplingReinitializeSeed(static_cast<int>(params.seed));
  method->Update();
  metric_value = optimizer->GetValue();
  return initial;
}

}  // namespace

core::Vec3 RigidTransform::apply(const core::Vec3& p) const {
  core::Vec3 out{};
  for (std::size_t r = 0; r < 3; ++r) {
    out[r] = centre_mm[r] + translation_mm[r];
    for (std::size_t c = 0; c < 3; ++c) out[r] += rotation[r * 3 + c] * (p[c] - centre_mm[c]);
  }
  return out;
}

double RigidTransform::rotation_deg() const {
  const double trace = rotation[0] + rotation[4] + rotation[8];
  return std::acos(std::clamp((trace - 1) / 2, -1.0, 1.0)) * 180 / core::kPi;
}

RigidRegistration register_rigid(const core::ImageVolume& fixed, const core::ImageVolume& moving,
                                 const RigidRegistrationParams& params) {
  const auto started = std::chrono::steady_clock::now();
  RigidRegistration result;
  Euler::Pointer transform;
  try {
    transform = run_registration(core::to_itk(at_working_resolution(fixed, params.working_spacing_mm)),
                                 core::to_itk(at_working_resolution(moving, params.working_spacing_mm)),
                                 centre_of(fixed.geometry), params, result.final_metric);
  } catch (const itk::ExceptionObject& e) {
    throw core::MyoError("registration", std::string("ITK could not register the images: ") + e.GetDescription());
  }
  result.fixed_to_moving = from_itk_transform(*transform);
  const auto& t = result.fixed_to_moving.translation_mm;
  const double shift = std::sqrt(t[0] * t[0] + t[1] * t[1] + t[2] * t[2]);
  const double angle = result.fixed_to_moving.rotation_deg();
  if (!std::isfinite(shift) || shift > params.max_translation_mm || angle > params.max_rotation_deg)
    throw core::MyoError("registration", fmt::format("result out of range for one patient on the table (shift "
                                                     "{:.0f} mm, rotation {:.1f} degrees)",
                                                     shift, angle));
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

core::ImageVolume resample_rigid(const core::ImageVolume& moving, const RigidTransform& fixed_to_moving,
                                 const core::Geometry& target, float outside_value) {
  const core::AffineMap map{fixed_to_moving.rotation, fixed_to_moving.centre_mm, fixed_to_moving.translation_mm};
  return core::resample_mapped(moving, target, map, core::Interpolation::linear, outside_value);
}

}  // namespace myo::quantification
