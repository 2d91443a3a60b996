#include "myo/quantification/bias_field.hpp"

#include <itkBSplineControlPointImageFilter.h>
#include <itkMultiThreaderBase.h>
#include <itkN4BiasFieldCorrectionImageFilter.h>
#include <itkObjectFactoryBase.h>
#include <itkShrinkImageFilter.h>
#include <itkVersion.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <typeinfo>
#include <vector>

#include "myo/core/error.hpp"
#include "myo/core/itk_bridge.hpp"
#include "myo/core/parallel.hpp"
#include "myo/core/resample.hpp"

namespace myo::quantification {
namespace {

using Image = core::ItkImage3<float>;
using Mask = core::ItkImage3<std::uint8_t>;
using N4 = itk::N4BiasFieldCorrectionImageFilter<Image, Mask, Image>;
using Fit = N4::BSplineFilterType;

// N4's B-spline fit sums one control-point lattice per ITK work unit and adds the lattices in unit order, so the
// field depends on how the points are split into units (its sixth digit, and edema voxels at the threshold with it).
// ITK would make four units per thread of --threads; here the split is fixed, the same on every machine and for every
// --threads, and the units run on the project's pool: the fit uses min(--threads, kFitWorkUnits) threads. Four units
// keep two and four cores busy. N4's other ITK filters compute each voxel on its own and keep the process-wide count.
constexpr itk::ThreadIdType kFitWorkUnits = 4;

// ITK's New() for the classes below (itkNewMacro trips -Wpedantic): through the object factory like every ITK object.
template <class T>
itk::SmartPointer<T> make() {
  itk::SmartPointer<T> object = itk::ObjectFactory<T>::Create();
  if (!object) object = new T;  // ITK objects start with one reference, handed to the smart pointer below
  object->UnRegister();
  return object;
}

// An ITK multithreader that runs exactly the work units it is given, on the project's pool (parallel_for: the
// calling thread among the threads, inline when called from a pool worker).
class PoolWorkUnits : public itk::MultiThreaderBase {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(PoolWorkUnits);
  using Self = PoolWorkUnits;
  using Superclass = itk::MultiThreaderBase;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  static Pointer New() { return make<Self>(); }
  itkTypeMacro(PoolWorkUnits, itk::MultiThreaderBase);

  // No clamping to ITK's global maximum: the filter allocates one lattice per unit it asked for.
  void SetNumberOfWorkUnits(itk::ThreadIdType units) override { m_NumberOfWorkUnits = std::max<itk::ThreadIdType>(1, units); }
  void SetSingleMethod(itk::ThreadFunctionType method, void* data) override {
    m_SingleMethod = method;
    m_SingleData = data;
  }
  void SingleMethodExecute() override {
    if (!m_SingleMethod) throw core::MyoError("bias field", "no ITK work-unit method set");
    const itk::ThreadIdType units = m_NumberOfWorkUnits;
    std::vector<WorkUnitInfo> info(units);
    core::parallel_for(static_cast<int>(units), [&](int u) {
      auto& unit = info[static_cast<std::size_t>(u)];
      unit.WorkUnitID = static_cast<itk::ThreadIdType>(u);
      unit.NumberOfWorkUnits = units;
      unit.UserData = m_SingleData;
      unit.ThreadFunction = m_SingleMethod;
      unit.ThreadExitCode = WorkUnitInfo::ThreadExitCodeEnum::SUCCESS;
      m_SingleMethod(&unit);
    });
  }

 protected:
  PoolWorkUnits() = default;
  friend Pointer make<Self>();
  ~PoolWorkUnits() override = default;
};

// N4's fit in kFitWorkUnits units on the pool. N4 makes its fit with New(), so ITK's object factory hands it this.
class FitOnPool : public Fit {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(FitOnPool);
  using Self = FitOnPool;
  using Superclass = Fit;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  static Pointer New() { return make<Self>(); }

 protected:
  FitOnPool() {
    this->SetMultiThreader(PoolWorkUnits::New());
    this->SetNumberOfWorkUnits(kFitWorkUnits);
  }
  ~FitOnPool() override = default;
  friend Pointer make<Self>();
};

class FitOnPoolFactory : public itk::ObjectFactoryBase {
 public:
  ITK_DISALLOW_COPY_AND_MOVE(FitOnPoolFactory);
  using Self = FitOnPoolFactory;
  using Pointer = itk::SmartPointer<Self>;
  itkFactorylessNewMacro(Self);
  itkTypeMacro(FitOnPoolFactory, itk::ObjectFactoryBase);
  [[nodiscard]] const char* GetITKSourceVersion() const override { return ITK_SOURCE_VERSION; }
  [[nodiscard]] const char* GetDescription() const override { return "N4 B-spline fit in fixed work units"; }

 protected:
  FitOnPoolFactory() {
    this->RegisterOverride(typeid(Fit).name(), typeid(FitOnPool).name(), GetDescription(), true,
                           itk::CreateObjectFunction<FitOnPool>::New());
  }
  ~FitOnPoolFactory() override = default;
};

// Registered before main, while the process has one thread (as ITK registers its IO factories): ITK's factory list
// must not change while another thread makes an ITK object. Only N4 makes this fit type.
[[maybe_unused]] const bool kFitOnPoolRegistered = [] {
  itk::ObjectFactoryBase::RegisterFactory(FitOnPoolFactory::New());
  return true;
}();

}  // namespace

namespace {

struct Shrunk {
  Image::Pointer image;
  Mask::Pointer mask;
};

// Image and mask shrunk by integer factors to about params.shrunk_voxel_mm (at least four voxels per axis).
Shrunk shrink(const core::ImageVolume& image, const core::MaskVolume& fit_mask, const BiasCorrectionParams& params) {
  itk::ShrinkImageFilter<Image, Image>::ShrinkFactorsType factors;
  for (unsigned a = 0; a < 3; ++a)
    factors[a] = static_cast<unsigned>(
        std::clamp(std::lround(params.shrunk_voxel_mm / image.geometry.spacing_mm[a]), 1L,
                   static_cast<long>(std::max<std::size_t>(1, image.geometry.size[a] / 4))));
  auto shrink_image = itk::ShrinkImageFilter<Image, Image>::New();
  shrink_image->SetInput(core::to_itk(image));
  shrink_image->SetShrinkFactors(factors);
  auto shrink_mask = itk::ShrinkImageFilter<Mask, Mask>::New();
  shrink_mask->SetInput(core::to_itk(fit_mask));
  shrink_mask->SetShrinkFactors(factors);
  shrink_image->Update();
  shrink_mask->Update();
  return {shrink_image->GetOutput(), shrink_mask->GetOutput()};
}

// N4 fitted on the shrunk image: its log field is a B-spline lattice.
N4::Pointer fit_n4(const Shrunk& shrunk, const BiasCorrectionParams& params) {
  auto n4 = N4::New();
  n4->SetInput(shrunk.image);
  n4->SetMaskImage(shrunk.mask);
  n4->SetNumberOfFittingLevels(params.fitting_levels);
  N4::VariableSizeArrayType iterations(params.fitting_levels);
  iterations.Fill(params.iterations_per_level);
  n4->SetMaximumNumberOfIterations(iterations);
  n4->SetConvergenceThreshold(params.convergence_threshold);
  N4::ArrayType control_points;
  for (unsigned a = 0; a < 3; ++a) {
    const double extent_mm = shrunk.image->GetLargestPossibleRegion().GetSize()[a] * shrunk.image->GetSpacing()[a];
    // Control points = spline order + spans; at least one span per axis.
    control_points[a] = 3 + static_cast<unsigned>(std::max(1.0, std::round(extent_mm / params.spline_distance_mm)));
  }
  n4->SetNumberOfControlPoints(control_points);
  n4->Update();
  return n4;
}

// The multiplicative field from N4's lattice on the shrunk grid, padded by one voxel (edge values repeated): the
// shrunk grid's outer voxel centres lie up to half a block inside the image, and one linear interpolation from the
// padded grid covers every voxel of the image.
core::ImageVolume padded_field(const N4& n4, const Image& shrunk) {
  using Bspliner = itk::BSplineControlPointImageFilter<N4::BiasFieldControlPointLatticeType, N4::ScalarImageType>;
  auto bspliner = Bspliner::New();
  bspliner->SetInput(n4.GetLogBiasFieldControlPointLattice());
  bspliner->SetSplineOrder(n4.GetSplineOrder());
  bspliner->SetSize(shrunk.GetLargestPossibleRegion().GetSize());
  bspliner->SetOrigin(shrunk.GetOrigin());
  bspliner->SetSpacing(shrunk.GetSpacing());
  bspliner->SetDirection(shrunk.GetDirection());
  bspliner->Update();
  const auto* log_field = bspliner->GetOutput()->GetBufferPointer();
  const core::Geometry inner = core::geometry_of(shrunk);
  core::Geometry padded = inner;
  for (unsigned a = 0; a < 3; ++a) padded.size[a] += 2;
  padded.origin_mm = inner.index_to_physical({-1.0, -1.0, -1.0});
  core::ImageVolume field(padded, 1.0F);
  const auto clamp_index = [&](std::size_t p, unsigned a) {
    return std::min<std::size_t>(inner.size[a] - 1, p == 0 ? 0 : p - 1);
  };
  for (std::size_t k = 0; k < padded.size[2]; ++k)
    for (std::size_t j = 0; j < padded.size[1]; ++j)
      for (std::size_t i = 0; i < padded.size[0]; ++i)
        field.voxels[padded.linear_index(i, j, k)] =
            std::exp(log_field[inner.linear_index(clamp_index(i, 0), clamp_index(j, 1), clamp_index(k, 2))][0]);
  return field;
}

// The field at full resolution, normalised to mean 1 over the mask so corrected intensities stay in the scanner's
// units, and the image divided by it.
void apply_field(const core::ImageVolume& image, const core::MaskVolume& fit_mask, const core::ImageVolume& field,
                 BiasCorrection& out) {
  out.bias = core::resample_to(field, image.geometry, core::Interpolation::linear, 1.0F);
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
}

}  // namespace

BiasCorrection correct_bias_field(const core::ImageVolume& image, const core::MaskVolume& mask,
                                  const BiasCorrectionParams& params) {
  const auto started = std::chrono::steady_clock::now();
  if (!mask.geometry.same_grid(image.geometry))
    throw core::MyoError("bias field", "the mask is not on the image grid");
  // N4 works on the logarithm: no zero or negative intensities inside the mask.
  // Within same_grid's tolerance the mask is on the image's grid: it takes that exact geometry, since ITK refuses
  // inputs whose origins differ in the last digits (float32 headers).
  core::MaskVolume fit_mask = mask;
  fit_mask.geometry = image.geometry;
  for (std::size_t i = 0; i < fit_mask.voxels.size(); ++i)
    if (image.voxels[i] <= 0) fit_mask.voxels[i] = 0;
  const auto shrunk = shrink(image, fit_mask, params);
  const auto n4 = fit_n4(shrunk, params);
  BiasCorrection out;
  apply_field(image, fit_mask, padded_field(*n4, *shrunk.image), out);
  for (unsigned a = 0; a < 3; ++a) out.shrunk_size[a] = shrunk.image->GetLargestPossibleRegion().GetSize()[a];
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace myo::quantification
