// Water-fat separation from complex multi-echo gradient echoes. Per voxel the signal model is linear in water and
// fat once the field (off-resonance) and R2* are fixed, so W and F are projected out (variable projection) and only
// the field and R2* are searched. The field is the hard part: at every voxel two fields explain the echoes about as
// well, one with the voxel water and one with it fat (the field shifted by fat's frequency). Choosing between them
// voxel by voxel is what swaps water and fat; here the choice is made on blocks, grown outwards from the strongest
// block of each connected region so that every block takes the candidate closest to its grown neighbours (the field
// is smooth; tissue boundaries do not stop it), and each region keeps the seed candidate whose grown field map lies
// closest to zero on average (the scanner's centre frequency is set on water). Voxels then refine the field near it.
// How it was tried on real data (why not the residual for that choice, why real W and F) is in docs/experiments.md.
#include "myo/quantification/water_fat_separation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <complex>
#include <optional>
#include <queue>

#include "myo/core/error.hpp"
#include "myo/core/parallel.hpp"
#include "myo/core/statistics.hpp"

namespace myo::quantification {
namespace {

using Complex = std::complex<double>;
constexpr double kTwoPi = 6.283185307179586;
constexpr double kGyromagneticHzPerT = 42.577478e6;
constexpr std::size_t kMaxCandidates = 4;

// The echo times and fat phasors of one acquisition.
struct SignalModel {
  std::vector<double> t_s;
  std::vector<Complex> fat;  // sum_p a_p e^{i 2 pi f_p t_n}
  double period_hz = 0;      // the field is periodic with this period when the echoes are evenly spaced (else 0)
  double half_range_hz = 0;  // searched range when not periodic: +-half_range_hz
};

double fat_main_frequency_hz(const FatSpectrum& fat, double field_t) {
  const auto main = std::max_element(fat.relative_amplitude.begin(), fat.relative_amplitude.end());
  return fat.ppm[static_cast<std::size_t>(main - fat.relative_amplitude.begin())] * 1e-6 * kGyromagneticHzPerT *
         field_t;
}

// `sign` +1: fat at the spectrum's frequencies (below water's, the usual convention); -1: mirrored, for scanners whose
// phase runs the other way.
SignalModel make_model(const std::vector<double>& echo_times_ms, const FatSpectrum& fat, double field_t, double sign) {
  SignalModel m;
  for (const double te : echo_times_ms) {
    const double t = te * 1e-3;
    Complex c = 0;
    for (std::size_t p = 0; p < fat.ppm.size(); ++p)
      c += fat.relative_amplitude[p] *
           std::polar(1.0, kTwoPi * sign * fat.ppm[p] * 1e-6 * kGyromagneticHzPerT * field_t * t);
    m.t_s.push_back(t);
    m.fat.push_back(c);
  }
  double smallest = 1e9;
  for (std::size_t n = 1; n < m.t_s.size(); ++n) smallest = std::min(smallest, m.t_s[n] - m.t_s[n - 1]);
  bool even = true;
  for (std::size_t n = 1; n < m.t_s.size(); ++n) {
    const double ratio = (m.t_s[n] - m.t_s[n - 1]) / smallest;
    even = even && std::abs(ratio - std::round(ratio)) < 0.01;
  }
  if (even) m.period_hz = 1.0 / smallest;
  m.half_range_hz = std::max(0.5 / smallest, 1.2 * std::abs(fat_main_frequency_hz(fat, field_t)));
  return m;
}

// The normal matrix of the two species for one R2*: G = B^H B with B = [d_n, d_n c_n], and the inverse of Re(G).
struct Decay {
  std::vector<double> d;  // e^{-R2* t_n}
  double g00 = 0, g11 = 0;
  Complex g01;
  double q00 = 0, q01 = 0, q11 = 0;  // Re(G)^-1
};

Decay make_decay(const SignalModel& m, double r2star) {
  Decay k;
  for (std::size_t n = 0; n < m.t_s.size(); ++n) {
    const double d = std::exp(-r2star * m.t_s[n]);
    k.d.push_back(d);
    k.g00 += d * d;
    k.g11 += d * d * std::norm(m.fat[n]);
    k.g01 += d * d * m.fat[n];
  }
  const double r01 = k.g01.real(), real_det = k.g00 * k.g11 - r01 * r01;
  k.q00 = k.g11 / real_det, k.q01 = -r01 / real_det, k.q11 = k.g00 / real_det;
  return k;
}

struct Fit {
  double residual = 0;
  Complex water, fat;
};

// Least-squares real W and F sharing one phase phi (Bydder 2011: the constraint halves the noise that a complex fit
// leaves in the smaller species, so lean muscle's fat fraction is not biased upwards) for echoes already demodulated
// by the field (z_n = S_n e^{-i 2 pi psi t_n}). The best phi has a closed form: the fitted energy is a sinusoid in
// 2 phi; `project` gives that energy, `fit_demodulated` W and F too. `energy` is sum |S_n|^2, so the residual is
// what the model leaves.
struct Projection {
  std::array<double, 2> a, b;     // real and imaginary parts of B^H z
  double aa = 0, bb = 0, ab = 0;  // their quadratic forms in Re(G)^-1
  double fitted = 0;              // the energy the best W, F and phi explain
};

Projection project(const Complex* z, const SignalModel& m, const Decay& k) {
  Complex v0 = 0, v1 = 0;
  for (std::size_t n = 0; n < m.t_s.size(); ++n) {
    v0 += k.d[n] * z[n];
    v1 += k.d[n] * std::conj(m.fat[n]) * z[n];
  }
  Projection p{{v0.real(), v1.real()}, {v0.imag(), v1.imag()}};
  const auto quad = [&](const std::array<double, 2>& x, const std::array<double, 2>& y) {
    return x[0] * (k.q00 * y[0] + k.q01 * y[1]) + x[1] * (k.q01 * y[0] + k.q11 * y[1]);
  };
  p.aa = quad(p.a, p.a), p.bb = quad(p.b, p.b), p.ab = quad(p.a, p.b);
  p.fitted = 0.5 * (p.aa + p.bb) + std::sqrt(0.25 * (p.aa - p.bb) * (p.aa - p.bb) + p.ab * p.ab);
  return p;
}

// The residual alone (the field and R2* searches need no W and F).
double residual_demodulated(const Complex* z, double energy, const SignalModel& m, const Decay& k) {
  return energy - project(z, m, k).fitted;
}

Fit fit_demodulated(const Complex* z, double energy, const SignalModel& m, const Decay& k) {
  const Projection p = project(z, m, k);
  const auto& a = p.a;
  const auto& b = p.b;
  const double aa = p.aa, bb = p.bb, ab = p.ab;
  const double phi = 0.5 * std::atan2(2 * ab, aa - bb);
  const std::array<double, 2> r{a[0] * std::cos(phi) + b[0] * std::sin(phi),
                                a[1] * std::cos(phi) + b[1] * std::sin(phi)};
  const Complex phase = std::polar(1.0, phi);
  Fit f;
  f.water = (k.q00 * r[0] + k.q01 * r[1]) * phase;
  f.fat = (k.q01 * r[0] + k.q11 * r[1]) * phase;
  f.residual = energy - p.fitted;
  return f;
}

Fit fit_at(const Complex* s, double energy, double field_hz, const SignalModel& m, const Decay& k) {
  std::array<Complex, 16> z{};
  for (std::size_t n = 0; n < m.t_s.size(); ++n) z[n] = s[n] * std::polar(1.0, -kTwoPi * field_hz * m.t_s[n]);
  return fit_demodulated(z.data(), energy, m, k);
}

// Field arithmetic on the circle of one period when the echoes are evenly spaced, on the line otherwise.
struct FieldSpace {
  double period = 0;
  [[nodiscard]] double difference(double a, double b) const {
    return period > 0 ? std::remainder(a - b, period) : a - b;
  }
  [[nodiscard]] double wrap(double a) const { return period > 0 ? std::remainder(a, period) : a; }
  // Weighted mean of fields (as phasors on the circle when periodic).
  template <class Visit>
  [[nodiscard]] std::optional<double> mean(const Visit& visit) const {
    double sum = 0, weight = 0;
    Complex phasor = 0;
    visit([&](double field, double w) {
      sum += w * field, weight += w;
      if (period > 0) phasor += w * std::polar(1.0, kTwoPi * field / period);
    });
    if (weight <= 0) return std::nullopt;
    if (period > 0) return std::arg(phasor) / kTwoPi * period;
    return sum / weight;
  }
};

// The blocks: complex echo sums over ~block_mm, with their candidate fields (local minima of the residual).
struct Blocks {
  std::array<std::size_t, 3> step{1, 1, 1}, size{1, 1, 1};
  std::size_t echoes = 0;
  std::vector<Complex> sums;     // block-major, echoes innermost
  std::vector<double> strength;  // mean over echoes of |block sum| / voxels: the reliability of the block
  std::vector<std::uint8_t> tissue;
  std::vector<std::array<float, kMaxCandidates>> candidate, candidate_residual;
  std::vector<std::uint8_t> candidates;
  [[nodiscard]] std::size_t count() const { return size[0] * size[1] * size[2]; }
  [[nodiscard]] std::size_t index(std::size_t x, std::size_t y, std::size_t z) const {
    return x + size[0] * (y + size[1] * z);
  }
  // The 6 face neighbours (`faces`) or all 26 neighbours of a block.
  template <class Visit>
  void neighbours(std::size_t b, bool faces, const Visit& visit) const {
    const auto x = static_cast<long>(b % size[0]), y = static_cast<long>((b / size[0]) % size[1]),
               z = static_cast<long>(b / (size[0] * size[1]));
    for (long dz = -1; dz <= 1; ++dz)
      for (long dy = -1; dy <= 1; ++dy)
        for (long dx = -1; dx <= 1; ++dx) {
          const long steps = std::abs(dx) + std::abs(dy) + std::abs(dz);
          if (steps == 0 || (faces && steps != 1)) continue;
          const long X = x + dx, Y = y + dy, Z = z + dz;
          if (X < 0 || Y < 0 || Z < 0 || X >= static_cast<long>(size[0]) || Y >= static_cast<long>(size[1]) ||
              Z >= static_cast<long>(size[2]))
            continue;
          visit(index(static_cast<std::size_t>(X), static_cast<std::size_t>(Y), static_cast<std::size_t>(Z)));
        }
  }
};

Complex echo_value(const std::vector<core::ImageVolume>& magnitude, const std::vector<core::ImageVolume>& phase,
                   std::size_t n, std::size_t i) {
  return std::polar(static_cast<double>(magnitude[n].voxels[i]), static_cast<double>(phase[n].voxels[i]));
}

// Strength (reliability) and tissue of every block, from its sums: the mean over echoes of |block sum| per voxel;
// blocks below background_fraction of the 99th percentile are background.
void finish_blocks(Blocks& b, const std::vector<double>& voxels, const WaterFatSeparationParams& params) {
  b.strength.assign(b.count(), 0);
  for (std::size_t block = 0; block < b.count(); ++block) {
    double s = 0;
    for (std::size_t n = 0; n < b.echoes; ++n) s += std::abs(b.sums[block * b.echoes + n]);
    b.strength[block] = voxels[block] > 0 ? s / (static_cast<double>(b.echoes) * voxels[block]) : 0;
  }
  std::vector<float> strengths(b.strength.begin(), b.strength.end());
  const double level = params.background_fraction * core::percentile(strengths, 0.99);
  b.tissue.assign(b.count(), 0);
  for (std::size_t block = 0; block < b.count(); ++block) b.tissue[block] = b.strength[block] > level && level > 0;
}

// The echoes summed over blocks of about block_mm (complex sums: the field must not turn much within a block).
Blocks make_blocks(const std::vector<core::ImageVolume>& magnitude, const std::vector<core::ImageVolume>& phase,
                   const WaterFatSeparationParams& params, std::vector<double>& voxels) {
  const auto& g = magnitude.front().geometry;
  Blocks b;
  b.echoes = magnitude.size();
  for (std::size_t a = 0; a < 3; ++a) {
    b.step[a] = static_cast<std::size_t>(std::max(1L, std::lround(params.block_mm / g.spacing_mm[a])));
    b.size[a] = (g.size[a] + b.step[a] - 1) / b.step[a];
  }
  b.sums.assign(b.count() * b.echoes, Complex(0));
  voxels.assign(b.count(), 0);
  // One worker per slab of block rows: each writes only its own blocks.
  core::parallel_for(
      static_cast<int>(b.size[2]),
      [&](int bz) {
        const std::size_t z0 = static_cast<std::size_t>(bz) * b.step[2], z1 = std::min(g.size[2], z0 + b.step[2]);
        for (std::size_t k = z0; k < z1; ++k)
          for (std::size_t j = 0; j < g.size[1]; ++j)
            for (std::size_t i = 0; i < g.size[0]; ++i) {
              const std::size_t v = g.linear_index(i, j, k);
              const std::size_t block = b.index(i / b.step[0], j / b.step[1], static_cast<std::size_t>(bz));
              voxels[block] += 1;
              for (std::size_t n = 0; n < b.echoes; ++n)
                b.sums[block * b.echoes + n] += echo_value(magnitude, phase, n, v);
            }
      },
      params.threads);
  finish_blocks(b, voxels, params);
  return b;
}

// Blocks twice the size (2 x 2 x 2 of `fine`), for choosing the fat frequency's sign cheaply.
Blocks coarser(const Blocks& fine, const std::vector<double>& fine_voxels, const WaterFatSeparationParams& params) {
  Blocks b;
  b.echoes = fine.echoes;
  for (std::size_t a = 0; a < 3; ++a) b.step[a] = 2 * fine.step[a], b.size[a] = (fine.size[a] + 1) / 2;
  b.sums.assign(b.count() * b.echoes, Complex(0));
  std::vector<double> voxels(b.count(), 0);
  for (std::size_t z = 0; z < fine.size[2]; ++z)
    for (std::size_t y = 0; y < fine.size[1]; ++y)
      for (std::size_t x = 0; x < fine.size[0]; ++x) {
        const std::size_t from = fine.index(x, y, z), to = b.index(x / 2, y / 2, z / 2);
        voxels[to] += fine_voxels[from];
        for (std::size_t n = 0; n < b.echoes; ++n) b.sums[to * b.echoes + n] += fine.sums[from * b.echoes + n];
      }
  finish_blocks(b, voxels, params);
  return b;
}

// The fields tried on blocks: one period (or the search range) in equal steps.
std::vector<double> field_grid(const SignalModel& m, double steps_per_period) {
  std::vector<double> fields;
  if (m.period_hz > 0) {
    const auto steps = static_cast<std::size_t>(std::max(8.0, steps_per_period));
    for (std::size_t s = 0; s < steps; ++s)
      fields.push_back(std::remainder(m.period_hz * static_cast<double>(s) / static_cast<double>(steps), m.period_hz));
  } else {
    const auto steps = static_cast<std::size_t>(std::max(8.0, steps_per_period * 2 * m.half_range_hz * m.t_s.back()));
    for (std::size_t s = 0; s < steps; ++s)
      fields.push_back(-m.half_range_hz +
                       2 * m.half_range_hz * static_cast<double>(s) / static_cast<double>(steps - 1));
  }
  return fields;
}

// Candidate fields of every tissue block: the deepest local minima of its residual over the field grid.
void find_candidates(Blocks& b, const SignalModel& m, const Decay& k, const std::vector<double>& fields,
                     unsigned threads) {
  b.candidate.assign(b.count(), {});
  b.candidate_residual.assign(b.count(), {});
  b.candidates.assign(b.count(), 0);
  const std::size_t nf = fields.size();
  // Demodulation phasors per field and echo, shared by all blocks.
  std::vector<Complex> demod(nf * b.echoes);
  for (std::size_t f = 0; f < nf; ++f)
    for (std::size_t n = 0; n < b.echoes; ++n)
      demod[f * b.echoes + n] = std::polar(1.0, -kTwoPi * fields[f] * m.t_s[n]);
  core::parallel_for(
      static_cast<int>(b.count()),
      [&](int index) {
        const auto block = static_cast<std::size_t>(index);
        if (!b.tissue[block]) return;
        const Complex* s = &b.sums[block * b.echoes];
        double energy = 0;
        for (std::size_t n = 0; n < b.echoes; ++n) energy += std::norm(s[n]);
        std::vector<double> residual(nf);
        std::array<Complex, 16> z{};
        for (std::size_t f = 0; f < nf; ++f) {
          for (std::size_t n = 0; n < b.echoes; ++n) z[n] = s[n] * demod[f * b.echoes + n];
          residual[f] = residual_demodulated(z.data(), energy, m, k) / energy;
        }
        std::vector<std::pair<double, std::size_t>> minima;
        for (std::size_t f = 0; f < nf; ++f) {
          const bool periodic = m.period_hz > 0;
          const std::size_t before = f > 0 ? f - 1 : (periodic ? nf - 1 : f),
                            after = f + 1 < nf ? f + 1 : (periodic ? 0 : f);
          if ((before == f || residual[f] <= residual[before]) && (after == f || residual[f] < residual[after]))
            minima.emplace_back(residual[f], f);
        }
        std::sort(minima.begin(), minima.end());
        const std::size_t keep = std::min(kMaxCandidates, minima.size());
        for (std::size_t c = 0; c < keep; ++c) {
          b.candidate[block][c] = static_cast<float>(fields[minima[c].second]);
          b.candidate_residual[block][c] = static_cast<float>(minima[c].first * energy);
        }
        b.candidates[block] = static_cast<std::uint8_t>(keep);
      },
      threads);
}

std::size_t closest_candidate(const Blocks& b, std::size_t block, double field, const FieldSpace& space) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < b.candidates[block]; ++c)
    if (std::abs(space.difference(b.candidate[block][c], field)) <
        std::abs(space.difference(b.candidate[block][best], field)))
      best = c;
  return best;
}

// A block's field while the field map grows: unassigned (NaN), a candidate, or, where no candidate lies near its
// grown neighbours (mixed or noisy blocks), their field itself with a small weight.
struct Grown {
  std::vector<double> field;
  std::vector<double> weight;
  std::vector<double> residual;
  void reset(const std::vector<std::size_t>& blocks) {
    for (const auto b : blocks) field[b] = std::nan(""), weight[b] = 0, residual[b] = 0;
  }
  [[nodiscard]] bool assigned(std::size_t b) const { return !std::isnan(field[b]); }
};

// The weighted mean field of the grown blocks around `block` (26-neighbourhood).
std::optional<double> neighbour_field(const Blocks& b, std::size_t block, const Grown& grown, const FieldSpace& space) {
  return space.mean([&](const auto& add) {
    b.neighbours(block, false, [&](std::size_t o) {
      if (grown.assigned(o)) add(grown.field[o], grown.weight[o]);
    });
  });
}

// The candidate of `block` closest to `reference`; when none lies within `max_jump`, the reference itself (a field
// map does not jump by a sizeable part of fat's frequency from one block to the next).
void assign_near(const Blocks& b, std::size_t block, double reference, double max_jump, const FieldSpace& space,
                 Grown& grown) {
  const std::size_t c = closest_candidate(b, block, reference, space);
  const bool near = std::abs(space.difference(b.candidate[block][c], reference)) <= max_jump;
  grown.field[block] = near ? b.candidate[block][c] : reference;
  grown.weight[block] = near ? b.strength[block] : 0.05 * b.strength[block];
  grown.residual[block] = b.candidate_residual[block][c];
}

// Grows one connected region from its seed with the seed's candidate `seed_choice`: strongest blocks first, each
// taking the candidate closest to its grown neighbours.
void grow_region(const Blocks& b, const std::vector<std::size_t>& region, std::size_t seed, std::size_t seed_choice,
                 double max_jump, const FieldSpace& space, Grown& grown) {
  grown.reset(region);
  std::priority_queue<std::pair<double, std::size_t>> frontier;
  assign_near(b, seed, b.candidate[seed][seed_choice], max_jump, space, grown);
  const auto push_neighbours = [&](std::size_t block) {
    b.neighbours(block, true, [&](std::size_t o) {
      if (b.tissue[o] && b.candidates[o] && !grown.assigned(o)) frontier.emplace(b.strength[o], o);
    });
  };
  push_neighbours(seed);
  while (!frontier.empty()) {
    const std::size_t block = frontier.top().second;
    frontier.pop();
    if (grown.assigned(block)) continue;
    const auto reference = neighbour_field(b, block, grown, space);
    assign_near(b, block, reference.value_or(b.candidate[block][0]), max_jump, space, grown);
    push_neighbours(block);
  }
}

// Connected regions of tissue blocks (6-neighbourhood).
std::vector<std::vector<std::size_t>> tissue_regions(const Blocks& b) {
  std::vector<int> seen(b.count(), 0);
  std::vector<std::vector<std::size_t>> regions;
  for (std::size_t start = 0; start < b.count(); ++start) {
    if (seen[start] || !b.tissue[start] || !b.candidates[start]) continue;
    std::vector<std::size_t> region{start}, stack{start};
    seen[start] = 1;
    while (!stack.empty()) {
      const std::size_t block = stack.back();
      stack.pop_back();
      b.neighbours(block, true, [&](std::size_t o) {
        if (!seen[o] && b.tissue[o] && b.candidates[o]) seen[o] = 1, region.push_back(o), stack.push_back(o);
      });
    }
    regions.push_back(std::move(region));
  }
  return regions;
}

struct BlockField {
  std::vector<double> field_hz;  // per block, every block filled
  std::vector<Complex> phasor;   // e^{i 2 pi field / period} per block (periodic fields), for interpolation
  double total_residual = 0;
  std::size_t regions = 0;
};

// Background blocks take the mean field of their filled neighbours, layer by layer outwards from the tissue.
void fill_background(const Blocks& b, const FieldSpace& space, std::vector<std::uint8_t>& filled,
                     std::vector<double>& field) {
  std::vector<std::size_t> layer;
  for (std::size_t block = 0; block < b.count(); ++block)
    if (filled[block]) layer.push_back(block);
  while (!layer.empty()) {
    std::vector<std::size_t> next;
    for (const auto block : layer)
      b.neighbours(block, true, [&](std::size_t o) {
        if (!filled[o]) filled[o] = 2, next.push_back(o);
      });
    for (const auto block : next) {
      const auto mean = space.mean([&](const auto& add) {
        b.neighbours(block, false, [&](std::size_t o) {
          if (filled[o] == 1) add(field[o], 1.0);
        });
      });
      field[block] = mean.value_or(0.0);
    }
    for (const auto block : next) filled[block] = 1;
    layer = std::move(next);
  }
}

// The block field map: each region grown from its strongest block; of the seed's candidates, the one whose grown
// map lies closest to zero field on average (the scanner's centre frequency is set on water: the others put the
// region's field near fat's frequency); blocks that still disagree with their neighbours take the candidate closest
// to them; background blocks are filled from the tissue outwards.
BlockField block_field(Blocks& b, const SignalModel& m, const WaterFatSeparationParams& params) {
  const FieldSpace space{m.period_hz};
  const Decay no_decay = make_decay(m, 0.0);
  find_candidates(b, m, no_decay, field_grid(m, params.field_steps_per_period), params.threads);
  const double extent = space.period > 0 ? space.period : 2 * m.half_range_hz;
  const double max_jump = 0.2 * extent;
  Grown chosen{std::vector<double>(b.count(), std::nan("")), std::vector<double>(b.count(), 0.0),
               std::vector<double>(b.count(), 0.0)};
  Grown trial = chosen;
  BlockField out;
  const auto regions = tissue_regions(b);
  out.regions = regions.size();
  for (const auto& region : regions) {
    const std::size_t seed = *std::max_element(
        region.begin(), region.end(), [&](std::size_t x, std::size_t y) { return b.strength[x] < b.strength[y]; });
    double best_offset = 0;
    for (std::size_t c = 0; c < b.candidates[seed]; ++c) {
      grow_region(b, region, seed, c, max_jump, space, trial);
      const auto mean = space.mean([&](const auto& add) {
        for (const auto block : region) add(trial.field[block], trial.weight[block]);
      });
      const double offset = std::abs(mean.value_or(0.0));
      if (c == 0 || offset < best_offset) {
        best_offset = offset;
        for (const auto block : region)
          chosen.field[block] = trial.field[block], chosen.weight[block] = trial.weight[block],
          chosen.residual[block] = trial.residual[block];
      }
    }
    trial.reset(region);
  }
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t block = 0; block < b.count(); ++block) {
      if (!chosen.assigned(block)) continue;
      const auto reference = neighbour_field(b, block, chosen, space);
      if (reference && std::abs(space.difference(chosen.field[block], *reference)) > max_jump)
        assign_near(b, block, *reference, max_jump, space, chosen);
    }
  out.field_hz.assign(b.count(), 0.0);
  std::vector<std::uint8_t> filled(b.count(), 0);
  for (std::size_t block = 0; block < b.count(); ++block)
    if (chosen.assigned(block)) {
      out.field_hz[block] = chosen.field[block];
      out.total_residual += chosen.residual[block];
      filled[block] = 1;
    }
  fill_background(b, space, filled, out.field_hz);
  if (space.period > 0)
    for (const double field : out.field_hz) out.phasor.push_back(std::polar(1.0, kTwoPi * field / space.period));
  return out;
}

// The block field at a voxel: trilinear between block centres (on the circle when periodic).
double interpolate_field(const Blocks& b, const BlockField& f, const FieldSpace& space, std::size_t i, std::size_t j,
                         std::size_t k) {
  const std::array<std::size_t, 3> at{i, j, k};
  std::array<std::size_t, 3> lo{};
  std::array<double, 3> w{};
  for (std::size_t a = 0; a < 3; ++a) {
    const double u = (static_cast<double>(at[a]) + 0.5) / static_cast<double>(b.step[a]) - 0.5;
    const double c = std::clamp(u, 0.0, static_cast<double>(b.size[a] - 1));
    lo[a] = std::min(static_cast<std::size_t>(c), b.size[a] > 1 ? b.size[a] - 2 : 0);
    w[a] = b.size[a] > 1 ? c - static_cast<double>(lo[a]) : 0.0;
  }
  Complex phasor = 0;
  double sum = 0;
  for (std::size_t corner = 0; corner < 8; ++corner) {
    std::array<std::size_t, 3> p{};
    double weight = 1;
    for (std::size_t a = 0; a < 3; ++a) {
      const bool up = (corner >> a) & 1U;
      if (up && b.size[a] == 1) weight = 0;
      p[a] = lo[a] + (up ? 1 : 0);
      weight *= up ? w[a] : 1 - w[a];
    }
    if (weight <= 0) continue;
    const std::size_t block = b.index(p[0], p[1], p[2]);
    if (space.period > 0)
      phasor += weight * f.phasor[block];
    else
      sum += weight * f.field_hz[block];
  }
  return space.period > 0 ? std::arg(phasor) / kTwoPi * space.period : sum;
}

// +1 when fat's phase runs as the spectrum says (below water), -1 when the scanner's phase runs the other way: the
// sign whose grown field maps leave the smaller residual on blocks twice the size.
double fat_frequency_sign(Blocks coarse, const std::vector<double>& echo_times_ms,
                          const WaterFatSeparationParams& params) {
  double best_residual = 0, best_sign = 1;
  for (const double sign : {1.0, -1.0}) {
    const double residual =
        block_field(coarse, make_model(echo_times_ms, params.fat, params.field_strength_t, sign), params)
            .total_residual;
    if (sign > 0 || residual < best_residual) best_residual = residual, best_sign = sign;
  }
  return best_sign;
}

// The last step, voxel by voxel: the field refined by a parabola through the residuals at the block field and half a
// window on either side (clamped to the window: B0 is smooth, a wider search would only fit noise), R2* on its grid
// with four or more echoes, then W, F and the fat fraction. Background voxels keep the block field.
struct VoxelFit {
  struct Result {
    Fit fit;
    double field_hz = 0, r2star_per_s = 0, fat_fraction_pct = 0;
  };
  const SignalModel& m;
  bool fit_r2star = false;
  double window = 0, tissue_level = 0, r2star_step = 0;
  std::vector<Decay> decays;
  std::array<Complex, 16> step_phasor{};

  VoxelFit(const SignalModel& model, bool r2star, const core::ImageVolume& first_echo,
           const WaterFatSeparationParams& params)
      : m(model), fit_r2star(r2star), r2star_step(params.r2star_step_per_s) {
    for (double r = 0; r <= (fit_r2star ? params.r2star_max_per_s : 0) + 1e-9; r += params.r2star_step_per_s)
      decays.push_back(make_decay(m, r));
    window = params.refine_window * (m.period_hz > 0 ? m.period_hz : 2 * m.half_range_hz);
    for (std::size_t n = 0; n < m.t_s.size(); ++n) step_phasor[n] = std::polar(1.0, -kTwoPi * (window / 2) * m.t_s[n]);
    std::vector<float> sample;
    for (std::size_t i = 0; i < first_echo.voxels.size(); i += 7) sample.push_back(first_echo.voxels[i]);
    tissue_level = params.background_fraction * core::percentile(sample, 0.99);
  }

  Result operator()(const std::array<Complex, 16>& s, double field) const {
    const std::size_t echoes = m.t_s.size();
    const FieldSpace space{m.period_hz};
    double energy = 0, mean_magnitude = 0;
    for (std::size_t n = 0; n < echoes; ++n)
      energy += std::norm(s[n]), mean_magnitude += std::abs(s[n]) / static_cast<double>(echoes);
    std::size_t decay = 0;
    if (mean_magnitude > tissue_level && energy > 0) {
      std::array<Complex, 16> z{};
      std::array<double, 3> r{};
      for (std::size_t n = 0; n < echoes; ++n) z[n] = s[n] * std::polar(1.0, -kTwoPi * (field - window / 2) * m.t_s[n]);
      for (std::size_t step = 0; step < 3; ++step) {
        r[step] = residual_demodulated(z.data(), energy, m, decays.front());
        for (std::size_t n = 0; n < echoes; ++n) z[n] *= step_phasor[n];
      }
      const double curvature = r[0] - 2 * r[1] + r[2];
      const double offset = curvature > 0 ? std::clamp(0.5 * (r[0] - r[2]) / curvature, -2.0, 2.0) : 0.0;
      field = space.wrap(field + offset * window / 2);
      if (fit_r2star) {
        for (std::size_t n = 0; n < echoes; ++n) z[n] = s[n] * std::polar(1.0, -kTwoPi * field * m.t_s[n]);
        double lowest = 0;
        for (std::size_t d = 0; d < decays.size(); ++d) {
          const double residual = residual_demodulated(z.data(), energy, m, decays[d]);
          if (d == 0 || residual < lowest) lowest = residual, decay = d;
        }
      }
    }
    Result out;
    out.fit = fit_at(s.data(), energy, field, m, decays[decay]);
    out.field_hz = field;
    out.r2star_per_s = static_cast<double>(decay) * r2star_step;
    // Magnitude discrimination (Liu 2007): the larger species' share from the complex sum, so the noise of the
    // smaller one does not bias it upwards.
    const double w = std::abs(out.fit.water), f = std::abs(out.fit.fat), sum = std::abs(out.fit.water + out.fit.fat);
    double ff = w + f > 0 ? f / (w + f) : 0.0;
    if (sum > 0) ff = w >= f ? 1.0 - w / sum : f / sum;
    out.fat_fraction_pct = 100.0 * std::clamp(ff, 0.0, 1.0);
    return out;
  }
};

}  // namespace

FatSpectrum six_peak_fat_spectrum() {
  return {"six-peak (Hamilton 2011)",
          {-3.80, -3.40, -2.60, -1.94, -0.39, 0.60},
          {0.087, 0.693, 0.128, 0.004, 0.039, 0.048}};
}

std::string echo_times_problem(const std::vector<double>& echo_times_ms, double field_strength_t) {
  if (echo_times_ms.size() < 2) return "fewer than two echoes";
  if (echo_times_ms.size() > 16) return "more than 16 echoes";
  if (!(field_strength_t > 0.2)) return "the magnetic field strength is unknown";
  auto sorted = echo_times_ms;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t n = 1; n < sorted.size(); ++n)
    if (sorted[n] - sorted[n - 1] < 1e-3) return fmt::format("two echoes at TE {:g} ms", sorted[n]);
  const auto fat = six_peak_fat_spectrum();
  const double fat_period_ms = 1000.0 / std::abs(fat_main_frequency_hz(fat, field_strength_t));
  double spacing = 1e9;
  for (std::size_t n = 1; n < sorted.size(); ++n) spacing = std::min(spacing, sorted[n] - sorted[n - 1]);
  if (spacing > 1.05 * fat_period_ms)
    return fmt::format(
        "echoes {:.2f} ms apart, more than fat's period of {:.2f} ms at {:g} T: the field could not be "
        "told from fat",
        spacing, fat_period_ms, field_strength_t);
  // Water and fat must not keep one phase relation at every echo: the smallest eigenvalue of their normal matrix
  // (per echo) measures how well the echoes tell them apart (1 for ideal opposed/in-phase pairs, 0 for in-phase only).
  const SignalModel m = make_model(sorted, fat, field_strength_t, 1.0);
  const Decay k = make_decay(m, 0.0);
  const double n = static_cast<double>(sorted.size());
  const double q00 = k.g00, q11 = k.g11, q01 = k.g01.real();
  const double smallest = 0.5 * (q00 + q11 - std::sqrt((q00 - q11) * (q00 - q11) + 4 * q01 * q01));
  if (smallest / n < 0.1)
    return "at these echo times fat keeps nearly one phase relative to water (in-phase echoes only?): water and fat "
           "cannot be told apart";
  return {};
}

WaterFatSeparation separate_water_fat(const std::vector<core::ImageVolume>& magnitude,
                                      const std::vector<core::ImageVolume>& phase_rad,
                                      const std::vector<double>& echo_times_ms,
                                      const WaterFatSeparationParams& params) {
  const auto started = std::chrono::steady_clock::now();
  if (magnitude.size() != echo_times_ms.size() || phase_rad.size() != echo_times_ms.size())
    throw core::MyoError("water-fat separation", "one magnitude and one phase image per echo time are needed");
  if (const auto problem = echo_times_problem(echo_times_ms, params.field_strength_t); !problem.empty())
    throw core::MyoError("water-fat separation", problem);
  if (!(params.r2star_step_per_s > 0) || !(params.block_mm > 0) || !(params.field_steps_per_period >= 1) ||
      params.fat.ppm.empty() || params.fat.ppm.size() != params.fat.relative_amplitude.size())
    throw core::MyoError("water-fat separation", "invalid separation parameters (R2* step, block size, fat spectrum)");
  for (std::size_t n = 1; n < echo_times_ms.size(); ++n)
    if (echo_times_ms[n] <= echo_times_ms[n - 1])
      throw core::MyoError("water-fat separation", "echoes must be in ascending echo time");
  const auto& g = magnitude.front().geometry;
  for (std::size_t n = 0; n < magnitude.size(); ++n)
    if (!magnitude[n].geometry.same_grid(g) || !phase_rad[n].geometry.same_grid(g))
      throw core::MyoError("water-fat separation", "the echo images are not on one grid");

  // The fat frequency's sign depends on the scanner's phase convention: both are tried on blocks twice as large
  // and the one whose field map explains the echoes better is kept; then the block field map with it.
  std::vector<double> block_voxels;
  Blocks blocks = make_blocks(magnitude, phase_rad, params, block_voxels);
  const double chosen_sign = fat_frequency_sign(coarser(blocks, block_voxels, params), echo_times_ms, params);
  const SignalModel m = make_model(echo_times_ms, params.fat, params.field_strength_t, chosen_sign);
  const BlockField coarse = block_field(blocks, m, params);
  const FieldSpace space{m.period_hz};

  // Per voxel: the field refined near the block field, R2* (four or more echoes), then W and F.
  const VoxelFit voxel_fit(m, echo_times_ms.size() >= 4, magnitude.front(), params);
  WaterFatSeparation out;
  out.water = core::ImageVolume(g, 0.0F);
  out.fat = core::ImageVolume(g, 0.0F);
  out.fat_fraction_pct = core::ImageVolume(g, 0.0F);
  out.field_map_hz = core::ImageVolume(g, 0.0F);
  if (voxel_fit.fit_r2star) out.r2star_per_s = core::ImageVolume(g, 0.0F);
  core::parallel_for(
      static_cast<int>(g.size[2]),
      [&](int slice) {
        const auto k = static_cast<std::size_t>(slice);
        std::array<Complex, 16> s{};
        for (std::size_t j = 0; j < g.size[1]; ++j)
          for (std::size_t i = 0; i < g.size[0]; ++i) {
            const std::size_t v = g.linear_index(i, j, k);
            for (std::size_t n = 0; n < echo_times_ms.size(); ++n) s[n] = echo_value(magnitude, phase_rad, n, v);
            const auto r = voxel_fit(s, interpolate_field(blocks, coarse, space, i, j, k));
            out.water.voxels[v] = static_cast<float>(std::abs(r.fit.water));
            out.fat.voxels[v] = static_cast<float>(std::abs(r.fit.fat));
            out.fat_fraction_pct.voxels[v] = static_cast<float>(r.fat_fraction_pct);
            out.field_map_hz.voxels[v] = static_cast<float>(r.field_hz);
            if (out.r2star_per_s) out.r2star_per_s->voxels[v] = static_cast<float>(r.r2star_per_s);
          }
      },
      params.threads);

  auto& method = out.method;
  method.name = "multi_echo_common_phase_fit";
  method.echo_times_ms = echo_times_ms;
  method.field_strength_t = params.field_strength_t;
  method.fat_model = params.fat.name;
  method.r2star_fitted = voxel_fit.fit_r2star;
  method.fat_frequency_sign = chosen_sign > 0 ? "negative" : "positive";
  method.regions = coarse.regions;
  method.block_mm = params.block_mm;
  method.field_map = fmt::format(
      "region growing on {:g} mm blocks from the strongest block of each connected region (each block takes the "
      "candidate field closest to its grown neighbours; each region the seed candidate whose grown field map lies "
      "closest to zero), refined per voxel within +-{:.0f} Hz",
      params.block_mm, voxel_fit.window);
  method.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace myo::quantification
