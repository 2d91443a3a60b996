#include "render.hpp"

#include <algorithm>
#include <cmath>
#include <complex>

#include <fmt/format.h>

#include "myo/core/error.hpp"
#include "myo/core/parallel.hpp"

namespace myo::phantom::detail {
namespace {

constexpr std::size_t kTissues = static_cast<std::size_t>(Tissue::count);

// Relaxation of the water part of each tissue (3 T, ms) and its proton density relative to water.
struct TissuePhysics {
  double pd, t1_ms, t2_ms;
  double spin_echo_flow = 1.0;  // flowing blood leaves the slice between the spin-echo pulses: flow void
};

TissuePhysics physics(Tissue t, bool edema) {
  switch (t) {
    case Tissue::air: return {0.0, 1000, 10};
    case Tissue::skin: return {0.75, 1100, 40};
    case Tissue::subcutaneous_fat:
    case Tissue::intermuscular_fat: return {0.95, 1100, 40};
    case Tissue::muscle: return edema ? TissuePhysics{0.86, 1700, 65} : TissuePhysics{0.75, 1400, 35};
    case Tissue::cortex: return {0.04, 1000, 5};
    case Tissue::marrow: return {0.95, 600, 40};
    case Tissue::pelvic_marrow: return {0.9, 900, 40};
    case Tissue::bladder: return {1.0, 3500, 1500};
    case Tissue::bowel_wall: return {0.8, 1200, 50};
    case Tissue::bowel_fluid: return {0.95, 3000, 300};
    case Tissue::vessel: return {0.9, 1650, 150, 0.05};
    case Tissue::count: break;
  }
  return {0.0, 1000, 10};
}

constexpr double kFatT1 = 320, kFatT2 = 130;  // 3 T; the STIR null (TI = T1 ln 2) is then ~220 ms

struct Weights {  // signal per unit of water / fat proton density for one tissue state
  double t1_w = 0, t1_f = 0, stir_w = 0, stir_f = 0, loc_w = 0, loc_f = 0, pd = 0;
};

struct Table {
  std::array<std::array<Weights, 2>, kTissues> w{};
  explicit Table(double ti_ms) {
    const auto spin_echo = [](double t1, double t2) {
      const double tr = 600, te = 12;
      return (1 - std::exp(-tr / t1)) * std::exp(-te / t2);
    };
    const auto stir = [&](double t1, double t2) {
      const double tr = 4500, te = 50;
      return std::abs(1 - 2 * std::exp(-ti_ms / t1) + std::exp(-tr / t1)) * std::exp(-te / t2);
    };
    const auto gre = [](double t1) { return std::sqrt(std::min(1.0, 700.0 / t1)); };  // mild T1 weighting
    for (std::size_t t = 0; t < kTissues; ++t)
      for (int e = 0; e < 2; ++e) {
        const TissuePhysics p = physics(static_cast<Tissue>(t), e == 1);
        Weights& x = w[t][static_cast<std::size_t>(e)];
        x.pd = p.pd;
        x.t1_w = spin_echo(p.t1_ms, p.t2_ms) * p.spin_echo_flow;
        x.t1_f = spin_echo(kFatT1, kFatT2) * p.spin_echo_flow;
        x.stir_w = stir(p.t1_ms, p.t2_ms) * p.spin_echo_flow;
        // Fat suppression is never perfect (B1 and fat T1 spread): a small residual fat signal remains.
        x.stir_f = (stir(kFatT1, kFatT2) + 0.012) * p.spin_echo_flow;
        x.loc_w = gre(p.t1_ms);
        x.loc_f = gre(kFatT1);
      }
  }
};

// Water T2 seen by a multi-echo spin echo: muscle from healthy to edematous by the edema weight, other tissues
// from their physics.
double water_t2_ms(const Sample& s) {
  if (s.tissue == Tissue::muscle) return kMuscleWaterT2Ms + (kEdemaWaterT2Ms - kMuscleWaterT2Ms) * s.edema_weight;
  return physics(s.tissue, s.edema).t2_ms;
}

struct Accum {
  double water = 0, fat = 0, t1 = 0, stir = 0, loc = 0;
  std::array<double, kMaxEchoes> echo{};
  void add_echoes(const Sample& s, const RenderRequest& r, double weight) {
    const TissuePhysics p0 = physics(s.tissue, false), p1 = physics(s.tissue, true);
    const double e = s.edema_weight;
    const double pd = p0.pd + (p1.pd - p0.pd) * e;
    const double t1_ms = p0.t1_ms + (p1.t1_ms - p0.t1_ms) * e;
    const double t2w = water_t2_ms(s);
    const double pw = pd * (1.0 - s.fat_fraction) * weight * (1 - std::exp(-kMeseTrMs / t1_ms)) * p0.spin_echo_flow;
    const double pf = pd * s.fat_fraction * weight * (1 - std::exp(-kMeseTrMs / kFatT1)) * p0.spin_echo_flow;
    for (std::size_t k = 0; k < r.echo_times_ms.size(); ++k)
      echo[k] += pw * std::exp(-r.echo_times_ms[k] / t2w) + pf * std::exp(-r.echo_times_ms[k] / kMeseFatT2Ms);
  }
  void add(const Sample& s, const Table& table, double weight) {
    const Weights& w0 = table.w[static_cast<std::size_t>(s.tissue)][0];
    const Weights& w1 = table.w[static_cast<std::size_t>(s.tissue)][1];
    const double e = s.edema_weight;
    const auto mix = [e](double a, double b) { return a + (b - a) * e; };
    const double pd = mix(w0.pd, w1.pd);
    const double pw = pd * (1.0 - s.fat_fraction) * weight, pf = pd * s.fat_fraction * weight;
    water += pw;
    fat += pf;
    t1 += pw * mix(w0.t1_w, w1.t1_w) + pf * w0.t1_f;
    stir += pw * mix(w0.stir_w, w1.stir_w) + pf * w0.stir_f;
    loc += pw * mix(w0.loc_w, w1.loc_w) + pf * w0.loc_f;
  }
};

// Deterministic normal deviates (own Box-Muller: std::normal_distribution differs between standard libraries).
class Gauss {
 public:
  explicit Gauss(std::uint64_t seed) : state_(seed ^ 0x9e3779b97f4a7c15ULL) {}
  double operator()() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(6.283185307179586 * u2);
    has_spare_ = true;
    return r * std::cos(6.283185307179586 * u2);
  }

 private:
  double uniform() {
    state_ += 0x9e3779b97f4a7c15ULL;  // splitmix64
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
  }
  std::uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// Smooth receive-coil bias: low-order polynomial in the exponent, different for every series.
struct BiasField {
  std::array<double, 7> c{};
  explicit BiasField(std::uint64_t seed) {
    Gauss g(seed * 7919 + 17);
    for (std::size_t i = 0; i < 6; ++i) c[i] = 0.09 * g();
    c[5] = -0.15 - 0.08 * std::abs(g());  // signal falls off towards the ends of the coil coverage
    c[6] = 0.12 + 0.05 * g();             // brighter near the anterior/posterior surface coils
  }
  [[nodiscard]] double operator()(const core::Vec3& p) const {
    const double x = p[0] / 250, y = p[1] / 200, z = (p[2] + 130) / 300;
    return std::exp(c[0] * x + c[1] * y + c[2] * z + c[3] * x * x + c[4] * x * y + c[5] * z * z + c[6] * y * y);
  }
};

// Fat's phasor at each raw echo time: the six-peak spectrum of adipose tissue (Hamilton 2011), fat below water.
std::vector<std::complex<double>> fat_phasors(const RenderRequest& r) {
  constexpr std::array<double, 6> ppm{-3.80, -3.40, -2.60, -1.94, -0.39, 0.60};
  constexpr std::array<double, 6> share{0.087, 0.693, 0.128, 0.004, 0.039, 0.048};
  std::vector<std::complex<double>> out;
  for (const double te : r.raw_echo_times_ms) {
    std::complex<double> c = 0;
    for (std::size_t p = 0; p < ppm.size(); ++p)
      c += share[p] * std::polar(1.0, 6.283185307179586 * ppm[p] * 1e-6 * 42.577478e6 * r.field_strength_t * te * 1e-3);
    out.push_back(c);
  }
  return out;
}

}  // namespace

double raw_echo_field_hz(const core::Vec3& p, const core::Vec3& bump_centre) {
  const double x = p[0] / 250, y = p[1] / 200, z = (p[2] + 130) / 300;
  const double d2 = (p[0] - bump_centre[0]) * (p[0] - bump_centre[0]) + (p[1] - bump_centre[1]) * (p[1] - bump_centre[1]) +
                    (p[2] - bump_centre[2]) * (p[2] - bump_centre[2]);
  return 25 * x - 20 * y + 40 * z * z + kFieldBumpHz * std::exp(-d2 / (2 * kFieldBumpSigmaMm * kFieldBumpSigmaMm));
}

namespace {

// Scanner units: typical magnitudes of each contrast.
constexpr double kDixonScale = 1000, kT1Scale = 1500, kStirScale = 3200, kLocScale = 1000, kMeseScale = 1500;

// What every slice of one request shares.
struct RenderContext {
  const Anatomy& anatomy;
  const RenderRequest& request;
  Table table;
  BiasField bias;
  BiasField stir_bias;  // T1 and STIR share a grid but are separate acquisitions
  std::vector<std::complex<double>> fat_phasor;
  double sd_dixon, sd_t1, sd_stir, sd_loc, sd_mese;  // noise standard deviations in scanner units
  double slab;  // slice thickness in units of the slice spacing (below 1 for 2D stacks with gaps)
};

RenderContext render_context(const Anatomy& anatomy, const RenderRequest& request) {
  const double n = request.noise_level;
  const double slab =
      request.slice_thickness_mm > 0 ? request.slice_thickness_mm / request.geometry.spacing_mm[2] : 1.0;
  return {anatomy, request, Table(request.stir_ti_ms), BiasField(request.seed), BiasField(request.seed + 101),
          fat_phasors(request), 14 * n, 10 * n, 12 * n, 15 * n, 10 * n, slab};
}

// The output volumes the request asks for, zero-filled on its grid.
Rendered allocate(const RenderRequest& request) {
  const core::Geometry& g = request.geometry;
  Rendered out;
  const auto make = [&](bool wanted, core::ImageVolume& v) {
    if (wanted) v = core::ImageVolume(g, 0.0F);
  };
  make(request.dixon, out.water);
  make(request.dixon, out.fat);
  make(request.dixon, out.in_phase);
  make(request.dixon, out.opposed_phase);
  make(request.t1, out.t1);
  make(request.stir, out.stir);
  make(request.localizer, out.localizer);
  if (request.truth) {
    out.labels = core::LabelVolume(g, 0);
    out.truth_fat_fraction.assign(g.voxel_count(), 0.0F);
    out.truth_voxel_fat_fraction.assign(g.voxel_count(), 0.0F);
    out.truth_edema.assign(g.voxel_count(), 0);
    out.truth_tissue.assign(g.voxel_count(), 0);
    out.truth_water_t2_ms.assign(g.voxel_count(), 0.0F);
  }
  if (request.echo_times_ms.size() > kMaxEchoes)
    throw core::MyoError("phantom", fmt::format("at most {} echoes", kMaxEchoes));
  out.echoes.assign(request.echo_times_ms.size(), core::ImageVolume(g, 0.0F));
  if (request.raw_echo_times_ms.size() > kMaxEchoes)
    throw core::MyoError("phantom", fmt::format("at most {} raw Dixon echoes", kMaxEchoes));
  out.raw_magnitude.assign(request.raw_echo_times_ms.size(), core::ImageVolume(g, 0.0F));
  out.raw_phase_rad.assign(request.raw_echo_times_ms.size(), core::ImageVolume(g, 0.0F));
  return out;
}

// The voxel's noise-free signals: the centre sample inside a tissue, and on boundaries (where a 4-neighbour differs)
// 3x3 samples over the voxel footprint with their heights spread over the slice thickness in a Latin-square pattern
// (through-plane partial volume at the cost of in-plane only).
Accum voxel_signal(const RenderContext& ctx, const std::vector<Sample>& centre, std::size_t i, std::size_t j,
                   std::size_t k) {
  const core::Geometry& g = ctx.request.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1];
  const bool echoes = !ctx.request.echo_times_ms.empty();
  const Sample& c = centre[j * nx + i];
  const auto differs = [&](std::size_t ii, std::size_t jj) {
    const Sample& o = centre[jj * nx + ii];
    return o.tissue != c.tissue || o.label != c.label;
  };
  const bool boundary = (i > 0 && differs(i - 1, j)) || (i + 1 < nx && differs(i + 1, j)) ||
                        (j > 0 && differs(i, j - 1)) || (j + 1 < ny && differs(i, j + 1));
  Accum acc;
  if (!boundary) {
    acc.add(c, ctx.table, 1.0);
    if (echoes) acc.add_echoes(c, ctx.request, 1.0);
    return acc;
  }
  for (int b = -1; b <= 1; ++b)
    for (int a = -1; a <= 1; ++a) {
      const int dz = (a + b + 3) % 3 - 1;
      const Sample sub = ctx.anatomy.sample(g.index_to_physical({static_cast<double>(i) + a / 3.0,
                                                                 static_cast<double>(j) + b / 3.0,
                                                                 static_cast<double>(k) + dz * ctx.slab / 3.0}));
      acc.add(sub, ctx.table, 1.0 / 9.0);
      if (echoes) acc.add_echoes(sub, ctx.request, 1.0 / 9.0);
    }
  return acc;
}

// Complex water and fat with independent noise; IP/OP are their sum and difference magnitudes, so all four images
// stay consistent like a real two-point reconstruction. A swap exchanges the two magnitudes; in-phase and
// opposed-phase cannot tell (|W+F|, |W-F|).
void put_dixon(Rendered& out, std::size_t idx, const Accum& acc, double gain, const core::Vec3& p,
               const RenderContext& ctx, Gauss& noise) {
  const RenderRequest& request = ctx.request;
  const double sd_dixon = ctx.sd_dixon;
  const double wr = acc.water * kDixonScale * gain + sd_dixon * noise(), wi = sd_dixon * noise();
  const double fr = acc.fat * kDixonScale * gain + sd_dixon * noise(), fi = sd_dixon * noise();
  const bool swapped = request.swap_radius_mm > 0 &&
                       std::hypot(p[0] - request.swap_centre_mm[0], p[1] - request.swap_centre_mm[1],
                                  p[2] - request.swap_centre_mm[2]) < request.swap_radius_mm;
  out.water.voxels[idx] = static_cast<float>(std::hypot(swapped ? fr : wr, swapped ? fi : wi));
  out.fat.voxels[idx] = static_cast<float>(std::hypot(swapped ? wr : fr, swapped ? wi : fi));
  out.in_phase.voxels[idx] = static_cast<float>(std::hypot(wr + fr, wi + fi));
  out.opposed_phase.voxels[idx] = static_cast<float>(std::hypot(wr - fr, wi - fi));
}

// Complex echoes: W + F c_n under the field and R2*, with a smooth receive phase (own noise stream).
void put_raw_echoes(Rendered& out, std::size_t idx, const Accum& acc, double gain, const core::Vec3& p,
                    const RenderContext& ctx, Gauss& raw_noise) {
  const RenderRequest& request = ctx.request;
  const double sd_dixon = ctx.sd_dixon;
  const double field = raw_echo_field_hz(p, request.field_bump_centre_mm);
  const double receive_phase = 0.8 * p[0] / 250 + 0.5 * p[1] / 200;
  for (std::size_t e = 0; e < request.raw_echo_times_ms.size(); ++e) {
    const double t = request.raw_echo_times_ms[e] * 1e-3;
    const std::complex<double> signal = kDixonScale * gain * (acc.water + acc.fat * ctx.fat_phasor[e]) *
                                        std::exp(-kRawEchoR2s * t) *
                                        std::polar(1.0, 6.283185307179586 * field * t + receive_phase);
    const std::complex<double> noisy = signal + std::complex<double>(sd_dixon * raw_noise(), sd_dixon * raw_noise());
    out.raw_magnitude[e].voxels[idx] = static_cast<float>(std::abs(noisy));
    out.raw_phase_rad[e].voxels[idx] = static_cast<float>(std::arg(noisy));
  }
}

void put_truth(Rendered& out, std::size_t idx, const Sample& c, const Accum& acc) {
  out.labels.voxels[idx] = c.label;
  out.truth_fat_fraction[idx] = c.fat_fraction;
  const double total = acc.water + acc.fat;
  out.truth_voxel_fat_fraction[idx] = total > 0 ? static_cast<float>(acc.fat / total) : 0.0F;
  out.truth_edema[idx] = c.edema ? 1 : 0;
  out.truth_tissue[idx] = static_cast<std::uint8_t>(c.tissue);
  out.truth_water_t2_ms[idx] = c.tissue == Tissue::muscle ? static_cast<float>(water_t2_ms(c)) : 0.0F;
}

// One slice; every slice has its own noise streams, so the images do not depend on the thread count.
void render_slice(const RenderContext& ctx, Rendered& out, std::size_t k) {
  const RenderRequest& request = ctx.request;
  const core::Geometry& g = request.geometry;
  const std::size_t nx = g.size[0], ny = g.size[1];
  std::vector<Sample> centre(nx * ny);
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i)
      centre[j * nx + i] = ctx.anatomy.sample(
          g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)}));
  Gauss noise(request.seed * 1000003ULL + k);
  Gauss echo_noise(request.seed * 1000003ULL + k + 0x5e5e5e5eULL);
  Gauss raw_noise(request.seed * 1000003ULL + k + 0x6d6d6d6dULL);
  const auto rician = [&](double value, double sd) {
    const double re = value + sd * noise(), im = sd * noise();
    return static_cast<float>(std::hypot(re, im));
  };
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) {
      const Accum acc = voxel_signal(ctx, centre, i, j, k);
      const core::Vec3 p = g.index_to_physical({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
      const double gain = ctx.bias(p);
      const std::size_t idx = g.linear_index(i, j, k);
      if (request.dixon) put_dixon(out, idx, acc, gain, p, ctx, noise);
      if (request.t1) out.t1.voxels[idx] = rician(acc.t1 * kT1Scale * gain, ctx.sd_t1);
      if (request.stir) out.stir.voxels[idx] = rician(acc.stir * kStirScale * ctx.stir_bias(p), ctx.sd_stir);
      if (request.localizer) out.localizer.voxels[idx] = rician(acc.loc * kLocScale * gain, ctx.sd_loc);
      if (!request.raw_echo_times_ms.empty()) put_raw_echoes(out, idx, acc, gain, p, ctx, raw_noise);
      for (std::size_t e = 0; e < request.echo_times_ms.size(); ++e) {
        // Own noise stream: the other images of this request stay as they are without echoes.
        const double re = acc.echo[e] * kMeseScale * gain + ctx.sd_mese * echo_noise(), im = ctx.sd_mese * echo_noise();
        out.echoes[e].voxels[idx] = static_cast<float>(std::hypot(re, im));
      }
      if (request.truth) put_truth(out, idx, centre[j * nx + i], acc);
    }
}

}  // namespace

Rendered render(const Anatomy& anatomy, const RenderRequest& request) {
  Rendered out = allocate(request);
  const RenderContext ctx = render_context(anatomy, request);
  const auto slice = [&](int k) { render_slice(ctx, out, static_cast<std::size_t>(k)); };
  core::parallel_for(static_cast<int>(request.geometry.size[2]), slice, request.threads);
  return out;
}

}  // namespace myo::phantom::detail
