// The synthetic body. Everything is a smooth 3D function so that any plane (axial, coronal, sagittal) can be
// sampled; per 0.5 mm of height a SliceModel caches the cross-section parameters so that a sample costs a few
// hundred nanoseconds. Anatomical numbers are typical adult values (mm) before the seed's body scale.
#include "anatomy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "myo/core/muscle_catalog.hpp"

namespace myo::phantom::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

double lerp(double a, double b, double t) { return a + (b - a) * t; }

double smoothstep(double e0, double e1, double x) {
  const double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

// Piecewise-linear table lookup: points sorted by ascending x; clamps at the ends.
double table(const std::vector<std::pair<double, double>>& points, double x) {
  if (x <= points.front().first) return points.front().second;
  if (x >= points.back().first) return points.back().second;
  for (std::size_t i = 1; i < points.size(); ++i)
    if (x <= points[i].first) {
      const auto& [x0, y0] = points[i - 1];
      const auto& [x1, y1] = points[i];
      return lerp(y0, y1, (x - x0) / (x1 - x0));
    }
  return points.back().second;
}

// Radius modulation from the unit direction (c, s) = (cos phi, sin phi) without trigonometric calls.
double modulation(const std::array<double, 6>& h, double c, double s) {
  const double c2 = c * c - s * s, s2 = 2 * c * s;
  const double c3 = c2 * c - s2 * s, s3 = s2 * c + c2 * s;
  const double c4 = c2 * c2 - s2 * s2, s4 = 2 * c2 * s2;
  return 1.0 + h[0] * c2 + h[1] * s2 + h[2] * c3 + h[3] * s3 + h[4] * c4 + h[5] * s4;
}

// Radius in direction (c, s) of an ellipse with half-axes a (along c = 1) and b, modulated by its harmonics: the
// outline of every muscle cross-section and of the fascia.
double outline_radius(double a, double b, const std::array<double, 6>& harmonics, double c, double s) {
  return a * b / std::sqrt(b * b * c * c + a * a * s * s) * modulation(harmonics, c, s);
}

// Boundary radius of an outline in direction (c, s) and the depth (mm, positive inside) of a point.
struct Depth {
  double muscle = -1e9;  // depth below the muscle-space boundary (fascia)
  double outer = -1e9;   // depth below the skin surface
};

Depth outline_depth(const Outline& o, double x, double y) {
  Depth d;
  if (!o.active) return d;
  const double dx = x - o.cx, dy = y - o.cy;
  const double rho = std::sqrt(dx * dx + dy * dy);
  const double c = rho > 1e-9 ? dx / rho : 1.0, s = rho > 1e-9 ? dy / rho : 0.0;
  const double r = outline_radius(o.a, o.b, o.harmonics, c, s);
  const double fat = o.fat_mm * (1.0 + o.fat_harmonics[0] * c + o.fat_harmonics[1] * s +
                                 o.fat_harmonics[2] * (c * c - s * s) + o.fat_harmonics[3] * 2 * c * s);
  d.muscle = r - rho;
  d.outer = r + std::max(fat, 1.0) - rho;
  return d;
}

// Below the pubic symphysis the gracilis and adductors arise from the ischiopubic rami beside the perineum: between
// the two sides lie the ischioanal fossae and the perineum, fat and small structures, not muscle. The gap opens below
// the symphysis (this fraction of it), is held past the perineum and closes down the thigh, where the thighs part
// anyway.
double perineum_open(double z) { return smoothstep(-48, -72, z) * (1.0 - smoothstep(-140, -230, z)); }
constexpr double kPerinealGapMm = 15.0;    // the two sides' muscles keep this far from the midline (x body scale) ...
constexpr double kPerinealMovedMm = 30.0;  // ... what lies within this of the midline moves out by the gap whole ...
constexpr double kPerinealReachMm = 95.0;  // ... and what lies from there to this is narrowed to make room.

// Side-local distance from the midline -> where the thigh's model lays it out: near the perineum the thigh (fascia,
// muscles, vessels) is moved out by the perineal gap. Bones stay where they are.
double thigh_model_l(double gap, double body_scale, double l) {
  const double moved = kPerinealMovedMm * body_scale, reach = kPerinealReachMm * body_scale;
  if (gap <= 0 || l >= reach) return l;
  if (l < moved + gap) return l - gap;
  return moved + (l - moved - gap) * (reach - moved) / (reach - moved - gap);
}

struct Key {
  double z, l, v, a, b, angle_deg;
  bool thigh_relative = false;  // placed at a fraction of the thigh's muscle radius from its centre
};

struct MuscleDef {
  int group;  // catalogue index, -1 for a vessel
  double weight;
  std::vector<Key> keys;  // any order; sorted on use
};

// Thigh frame (unscaled): femur shaft axis, muscle-space radius and thigh centre along z.
double femur_t(double z) { return std::clamp((-45.0 - z) / 345.0, 0.0, 1.15); }
double femur_l(double z) { return 122.0 - 30.0 * femur_t(z); }
double femur_v(double z) { return 5.0 - 7.0 * femur_t(z); }
double muscle_radius(double z) {
  return table({{-420, 42}, {-300, 58}, {-200, 70}, {-120, 78}, {-60, 80}}, z);
}
double thigh_cl(double z) { return femur_l(z) + table({{-400, -8}, {-250, -14}, {-150, -22}, {-60, -33}}, z); }
double thigh_cv(double z) { return femur_v(z) + 11.0; }

}  // namespace

NoiseField::NoiseField(std::mt19937_64& rng, core::Vec3 cell_mm, core::Vec3 lo_mm, core::Vec3 hi_mm)
    : cell_(cell_mm), lo_(lo_mm) {
  for (int a = 0; a < 3; ++a) n_[static_cast<std::size_t>(a)] =
      static_cast<int>(std::ceil((hi_mm[static_cast<std::size_t>(a)] - lo_mm[static_cast<std::size_t>(a)]) /
                                 cell_mm[static_cast<std::size_t>(a)])) + 2;
  values_.resize(static_cast<std::size_t>(n_[0]) * static_cast<std::size_t>(n_[1]) * static_cast<std::size_t>(n_[2]));
  std::uniform_real_distribution<float> u(0.0F, 1.0F);
  for (auto& v : values_) v = u(rng);
  // Interpolation concentrates values around 0.5. Map through the empirical distribution of interpolated values
  // so that thresholds act as quantiles: "n > 1 - p" then covers a fraction p of the volume.
  std::vector<double> raw;
  for (int i = 0; i < 20000; ++i)
    raw.push_back(interpolate(lo_mm[0] + u(rng) * (hi_mm[0] - lo_mm[0]), lo_mm[1] + u(rng) * (hi_mm[1] - lo_mm[1]),
                              lo_mm[2] + u(rng) * (hi_mm[2] - lo_mm[2])));
  std::sort(raw.begin(), raw.end());
  quantiles_.resize(257);
  for (std::size_t q = 0; q < quantiles_.size(); ++q)
    quantiles_[q] = raw[std::min(raw.size() - 1, q * (raw.size() - 1) / 256)];
}

float NoiseField::operator()(double x, double y, double z) const {
  const double v = interpolate(x, y, z);
  const auto it = std::upper_bound(quantiles_.begin(), quantiles_.end(), v);
  if (it == quantiles_.begin()) return 0.0F;
  if (it == quantiles_.end()) return 1.0F;
  const auto hi = static_cast<std::size_t>(it - quantiles_.begin());
  const double q0 = quantiles_[hi - 1], q1 = quantiles_[hi];
  const double f = q1 > q0 ? (v - q0) / (q1 - q0) : 0.5;
  return static_cast<float>((static_cast<double>(hi - 1) + f) / 256.0);
}

double NoiseField::interpolate(double x, double y, double z) const {
  const double p[3] = {(x - lo_[0]) / cell_[0], (y - lo_[1]) / cell_[1], (z - lo_[2]) / cell_[2]};
  int i[3];
  double f[3];
  for (int a = 0; a < 3; ++a) {
    const double c = std::clamp(p[a], 0.0, static_cast<double>(n_[static_cast<std::size_t>(a)] - 2) - 1e-6);
    i[a] = static_cast<int>(c);
    const double t = c - i[a];
    f[a] = t * t * (3 - 2 * t);  // smooth interpolation avoids lattice-aligned creases
  }
  const auto at = [&](int di, int dj, int dk) {
    return static_cast<double>(values_[static_cast<std::size_t>(i[0] + di) +
                                       static_cast<std::size_t>(n_[0]) *
                                           (static_cast<std::size_t>(i[1] + dj) +
                                            static_cast<std::size_t>(n_[1]) * static_cast<std::size_t>(i[2] + dk))]);
  };
  const double x00 = lerp(at(0, 0, 0), at(1, 0, 0), f[0]), x10 = lerp(at(0, 1, 0), at(1, 1, 0), f[0]);
  const double x01 = lerp(at(0, 0, 1), at(1, 0, 1), f[0]), x11 = lerp(at(0, 1, 1), at(1, 1, 1), f[0]);
  return lerp(lerp(x00, x10, f[1]), lerp(x01, x11, f[1]), f[2]);
}

Anatomy::Anatomy(unsigned seed, Scenario scenario, bool touching_thighs, int visit, double months) {
  std::mt19937_64 rng(0x5eed0000ULL + seed);
  // Habitus: thin to obese subcutaneous fat, body size, muscle bulk, position on the table.
  const double habitus = uniform(rng, 0.0, 1.0);
  body_.fat_mm = habitus < 0.2 ? uniform(rng, 4, 8) : habitus < 0.75 ? uniform(rng, 9, 18) : uniform(rng, 20, 34);
  body_.body_scale = uniform(rng, 0.92, 1.07);
  body_.muscle_bulk = uniform(rng, 0.9, 1.08);
  body_.side_bulk = {uniform(rng, 0.975, 1.025), uniform(rng, 0.975, 1.025)};
  body_.offset_x = uniform(rng, -25, 25);
  body_.offset_y = uniform(rng, -10, 12);
  body_.offset_z = uniform(rng, -15, 15);
  body_.rotation_deg = uniform(rng, -4, 4);
  // After every random draw, so that a study with touching thighs differs from the same seed's only by the contact.
  if (touching_thighs) body_.thigh_contact_mm = 12.0 + body_.fat_mm;
  disease_ = make_disease(scenario, rng);
  if (visit > 1) {
    // A later visit: its own draws, so that the first visit's anatomy (the main stream below) stays the same.
    std::mt19937_64 visit_rng(0x715170000ULL + seed * 7919ULL + static_cast<unsigned>(visit));
    body_.offset_x += uniform(visit_rng, -10, 10);
    body_.offset_y += uniform(visit_rng, -6, 6);  // table height
    body_.offset_z += uniform(visit_rng, -12, 12);
    body_.rotation_deg += uniform(visit_rng, -2, 2);
    apply_disease_course(disease_, months);
  }
  const core::Vec3 lo{-280, -240, kZBottom - 30}, hi{280, 240, kZTop + 30};
  fat_noise_ = NoiseField(rng, {3.5, 3.5, 16}, lo, hi);
  edema_noise_ = NoiseField(rng, {9, 9, 30}, lo, hi);
  bowel_noise_ = NoiseField(rng, {7, 7, 7}, lo, hi);
  bowel_noise2_ = NoiseField(rng, {15, 15, 15}, lo, hi);
  build(rng);
}

void Anatomy::build(std::mt19937_64& rng) {
  const double s = body_.body_scale;
  const auto& catalog = core::MuscleCatalog::instance();
  const auto gi = [&](const char* name) {
    const auto* g = catalog.find(name);
    if (g == nullptr) throw std::logic_error(std::string("muscle catalogue lacks ") + name);
    return static_cast<int>(g - catalog.groups().data());
  };
  const int g_gmax = gi("gluteus_maximus"), g_gmed = gi("gluteus_medius"), g_tfl = gi("tensor_fasciae_latae");
  const int g_ilio = gi("iliopsoas"), g_quad = gi("quadriceps"), g_sart = gi("sartorius");
  const int g_grac = gi("gracilis"), g_add = gi("adductors"), g_ham = gi("hamstrings");

  for (int side = 0; side < 2; ++side) {
    const auto sd = static_cast<std::size_t>(side);
    head_[sd] = {88 * s + uniform(rng, -2, 2), uniform(rng, -2, 2), 0.0};
    // Bone primitives (side-local l, v, z). Femoral parts hold fatty marrow, the pelvis mixed marrow.
    const auto cap = [&](core::Vec3 p0, core::Vec3 p1, double r0, double r1, double cortex, Tissue inner) {
      Capsule c;
      for (int a = 0; a < 2; ++a) {
        p0[static_cast<std::size_t>(a)] *= s;
        p1[static_cast<std::size_t>(a)] *= s;
      }
      c.p0 = p0;
      c.p1 = p1;
      c.r0 = r0 * s;
      c.r1 = r1 * s;
      c.cortex_mm = cortex;
      c.inner = inner;
      c.z_lo = std::min(p0[2] - c.r0, p1[2] - c.r1);
      c.z_hi = std::max(p0[2] + c.r0, p1[2] + c.r1);
      capsules_[sd].push_back(c);
    };
    const core::Vec3 h{head_[sd][0] / s, head_[sd][1], 0};
    cap(h, h, 24, 24, 1.5, Tissue::marrow);                                         // femoral head
    cap(h, {122, 8, -38}, 15, 17, 2.0, Tissue::marrow);                             // neck
    cap({128, 10, -18}, {132, 12, -55}, 20, 19, 1.5, Tissue::marrow);               // greater trochanter
    cap({112, 15, -60}, {106, 18, -66}, 9, 7, 1.5, Tissue::marrow);                 // lesser trochanter
    cap({70, -25, 25}, {45, -45, -15}, 10, 9, 2.0, Tissue::pelvic_marrow);          // anterior column
    cap({66, 28, 28}, {60, 40, -30}, 13, 14, 2.0, Tissue::pelvic_marrow);           // posterior column / ischium
    cap({60, 40, -30}, {58, 48, -60}, 14, 12, 2.0, Tissue::pelvic_marrow);          // ischial tuberosity
    cap({65, -30, -5}, {14, -60, -25}, 9, 9, 2.0, Tissue::pelvic_marrow);           // superior pubic ramus
    cap({12, -60, -18}, {12, -52, -52}, 11, 10, 2.0, Tissue::pelvic_marrow);        // pubic body
    cap({14, -52, -52}, {50, 30, -62}, 7, 8, 2.0, Tissue::pelvic_marrow);           // inferior ramus
  }

  // Muscles and vessels: keyframes in absolute (A) or thigh-relative (T) form, per side with its own jitter.
  const auto T = [](double z, double phi_deg, double rho, double a, double b) {
    const double rm = muscle_radius(z);
    return Key{z, thigh_cl(z) + rho * rm * std::cos(phi_deg * kDeg), thigh_cv(z) + rho * rm * std::sin(phi_deg * kDeg),
               a * rm, b * rm, phi_deg + 90.0, true};
  };
  const auto A = [](double z, double l, double v, double a, double b, double angle) {
    return Key{z, l, v, a, b, angle};
  };
  std::vector<MuscleDef> defs;
  // Quadriceps: vastus lateralis, intermedius, rectus femoris, vastus medialis around the femur.
  defs.push_back({g_quad, 0.0, {A(-35, 144, -12, 20, 13, 90), T(-85, -20, 0.56, 0.42, 0.3), T(-150, -15, 0.58, 0.5, 0.34),
                                T(-250, -15, 0.58, 0.48, 0.34), T(-330, -22, 0.56, 0.38, 0.3), T(-415, -40, 0.56, 0.24, 0.2)}});
  defs.push_back({g_quad, 0.0, {A(-55, 128, -32, 20, 14, 0), T(-100, -72, 0.42, 0.45, 0.34), T(-200, -80, 0.42, 0.5, 0.38),
                                T(-320, -85, 0.42, 0.5, 0.38), T(-415, -90, 0.48, 0.42, 0.3)}});
  defs.push_back({g_quad, 0.1, {A(22, 108, -48, 7, 5, 0), A(-20, 110, -64, 13, 10, 0), T(-80, -88, 0.74, 0.28, 0.2),
                                T(-200, -92, 0.74, 0.3, 0.22), T(-330, -95, 0.78, 0.2, 0.15), T(-395, -95, 0.82, 0.08, 0.06)}});
  defs.push_back({g_quad, 0.0, {T(-110, -128, 0.6, 0.18, 0.16), T(-220, -140, 0.55, 0.32, 0.3), T(-320, -150, 0.5, 0.45, 0.4),
                                T(-415, -150, 0.48, 0.5, 0.42)}});
  // Hamstrings from the ischial tuberosity, splitting distally into biceps (lateral) and semimembranosus (medial).
  defs.push_back({g_ham, 0.0, {A(-55, 62, 64, 14, 10, 0), A(-80, 72, 60, 28, 20, 20), T(-130, 95, 0.55, 0.4, 0.3),
                               T(-220, 88, 0.56, 0.45, 0.36), T(-300, 88, 0.56, 0.42, 0.36), T(-360, 90, 0.6, 0.25, 0.2)}});
  defs.push_back({g_ham, 0.0, {T(-270, 48, 0.55, 0.28, 0.26), T(-415, 42, 0.62, 0.32, 0.3)}});
  defs.push_back({g_ham, 0.0, {T(-270, 125, 0.55, 0.28, 0.28), T(-415, 122, 0.6, 0.34, 0.32)}});
  // Adductors: large proximally (magnus, longus, brevis), small distally.
  defs.push_back({g_add, 0.0, {A(-25, 32, -34, 12, 9, 0), A(-50, 48, -18, 32, 24, 30), T(-90, 165, 0.45, 0.5, 0.45),
                               T(-150, 155, 0.45, 0.55, 0.45), T(-230, 150, 0.45, 0.45, 0.38), T(-300, 145, 0.45, 0.3, 0.25),
                               T(-360, 140, 0.45, 0.15, 0.12), T(-388, 140, 0.45, 0.05, 0.04)}});
  defs.push_back({g_add, 0.0, {A(-38, 26, -46, 11, 9, 0), T(-90, -170, 0.56, 0.3, 0.22), T(-180, -172, 0.5, 0.22, 0.18),
                               T(-245, -165, 0.45, 0.08, 0.06)}});
  defs.push_back({g_add, 0.0, {A(-58, 52, 36, 18, 13, 0), T(-100, 130, 0.45, 0.35, 0.3), T(-200, 125, 0.42, 0.3, 0.28),
                               T(-300, 128, 0.4, 0.2, 0.2), T(-340, 130, 0.4, 0.08, 0.08)}});
  // Sartorius: from the ASIS, spiralling from anterolateral at the hip to medial at the knee; superficial.
  defs.push_back({g_sart, 0.3, {A(72, 126, -36, 7, 5, 90), A(30, 121, -54, 10, 6, 80), A(-20, 118, -60, 12, 6, 20),
                                T(-70, -62, 0.88, 0.2, 0.09), T(-130, -95, 0.88, 0.21, 0.1), T(-220, -140, 0.87, 0.2, 0.11),
                                T(-320, -178, 0.85, 0.18, 0.12), T(-415, -205, 0.82, 0.17, 0.13)}});
  // Gracilis: medial and superficial along the whole thigh.
  defs.push_back({g_grac, 0.3, {A(-42, 16, -36, 8, 5, 90), A(-70, 24, -28, 13, 6, 100), T(-110, 178, 0.88, 0.2, 0.08),
                                T(-250, 168, 0.86, 0.13, 0.09), T(-415, 150, 0.82, 0.1, 0.1)}});
  // Tensor fasciae latae: anterolateral, from the iliac crest/ASIS to the upper thigh.
  defs.push_back({g_tfl, 0.2, {A(85, 128, -24, 8, 5, 100), A(45, 140, -32, 15, 9, 110), A(0, 150, -30, 17, 10, 115),
                               A(-40, 150, -22, 15, 9, 120), T(-90, -25, 0.9, 0.15, 0.08), T(-150, -20, 0.93, 0.07, 0.04)}});
  // Iliopsoas: psoas from the lumbar spine and iliacus from the iliac fossa, joining in front of the hip and
  // inserting on the lesser trochanter.
  defs.push_back({g_ilio, 0.0, {A(150, 36, 30, 17, 16, 60), A(110, 52, 12, 22, 19, 60), A(70, 64, -5, 23, 20, 60),
                                A(30, 76, -28, 23, 18, 40), A(-10, 84, -42, 21, 16, 20), A(-45, 100, -20, 16, 12, 60),
                                A(-62, 106, 6, 10, 8, 60), A(-70, 108, 12, 4, 3, 60)}});
  defs.push_back({g_ilio, 0.0, {A(128, 92, 28, 28, 9, 125), A(100, 95, 24, 36, 12, 125), A(70, 94, 18, 36, 13, 125),
                                A(45, 92, 0, 30, 15, 110), A(20, 88, -25, 23, 16, 80), A(-5, 86, -38, 17, 13, 60),
                                A(-25, 88, -40, 7, 5, 60)}});
  // Gluteus medius and minimus on the outer surface of the iliac wing, down to the greater trochanter.
  defs.push_back({g_gmed, 0.0, {A(134, 112, 48, 30, 10, 125), A(110, 118, 50, 48, 22, 125), A(80, 126, 42, 52, 27, 120),
                                A(50, 134, 28, 48, 28, 110), A(25, 140, 18, 40, 25, 100), A(5, 143, 12, 30, 20, 100),
                                A(-15, 146, 10, 18, 12, 100), A(-28, 148, 10, 7, 5, 100)}});
  // Gluteus maximus: posterior and superficial, from sacrum/ilium to the gluteal fold.
  defs.push_back({g_gmax, 0.0, {A(120, 55, 98, 26, 11, -20), A(90, 72, 100, 44, 22, -25), A(60, 90, 98, 60, 30, -30),
                                A(20, 104, 92, 70, 36, -35), A(-20, 114, 80, 70, 38, -45), A(-60, 114, 72, 62, 36, -40),
                                A(-100, 108, 66, 46, 26, -35), A(-130, 104, 62, 24, 12, -30), A(-145, 102, 60, 7, 4, -30)}});
  // Muscles outside the catalogue (label 0): they fill the pelvis as in real images and border the labelled groups.
  constexpr int kOther = -2;
  defs.push_back({kOther, 0.0, {A(-22, 14, -70, 12, 6, 0), A(40, 30, -80, 30, 8, 0), A(150, 42, -78, 40, 10, -5)}});
  defs.push_back({kOther, 0.0, {A(92, 128, -30, 30, 8, 65), A(150, 128, -25, 50, 11, 75)}});  // obliques
  defs.push_back({kOther, 0.0, {A(105, 28, 102, 20, 14, 0), A(150, 34, 86, 30, 24, 0)}});     // erector spinae
  defs.push_back({kOther, 0.0, {A(62, 38, 88, 14, 8, -20), A(30, 80, 68, 36, 13, -30), A(5, 112, 38, 26, 10, -40),
                                A(-5, 120, 30, 12, 6, -40)}});  // piriformis
  defs.push_back({kOther, 0.0, {A(25, 47, 8, 26, 8, 90), A(-10, 46, 10, 32, 10, 90), A(-38, 48, 16, 20, 8, 90)}});  // obturator int.
  defs.push_back({kOther, 0.0, {A(12, 92, 36, 18, 9, 0), A(-10, 98, 40, 28, 12, 0), A(-30, 100, 42, 24, 10, 0),
                                A(-40, 100, 42, 8, 4, 0)}});  // gemelli and obturator internus tendon
  defs.push_back({kOther, 0.0, {A(-35, 88, 36, 22, 10, 0), A(-62, 88, 40, 20, 9, 0), A(-70, 88, 40, 8, 4, 0)}});  // quadratus fem.
  defs.push_back({kOther, 0.0, {A(-28, 45, -44, 14, 9, 30), A(-60, 62, -40, 18, 12, 40), A(-95, 76, -32, 7, 5, 40)}});  // pectineus
  defs.push_back({kOther, 0.0, {A(-28, 72, 2, 20, 9, 10), A(-52, 80, 14, 22, 11, 10), A(-62, 84, 18, 8, 4, 10)}});  // obturator ext.
  defs.push_back({kOther, 0.0, {A(-20, 22, 40, 20, 7, 100), A(-55, 18, 35, 22, 8, 100), A(-70, 14, 30, 10, 5, 100)}});  // levator ani
  // Femoral artery and vein (flow voids on spin echo): external iliac -> femoral triangle -> adductor canal.
  for (double offset : {0.0, 1.0}) {
    const double dl = -8.0 * offset, dv = 3.0 * offset, r = 4.0 + offset;
    defs.push_back({-1, 0.0, {A(100, 30 + dl, 0 + dv, r, r, 0), A(40, 48 + dl, -32 + dv, r, r, 0),
                              A(0, 62 + dl, -62 + dv, r, r, 0), A(-60, 80 + dl, -64 + dv, r, r, 0),
                              Key{T(-130, -140, 0.55, 0, 0).z, T(-130, -140, 0.55, 0, 0).l + dl, T(-130, -140, 0.55, 0, 0).v + dv, r, r, 0},
                              Key{-260, T(-260, -165, 0.45, 0, 0).l + dl, T(-260, -165, 0.45, 0, 0).v + dv, r, r, 0},
                              Key{-350, T(-350, 160, 0.35, 0, 0).l + dl, T(-350, 160, 0.35, 0, 0).v + dv, r, r, 0},
                              Key{-420, T(-420, 110, 0.32, 0, 0).l + dl, T(-420, 110, 0.32, 0, 0).v + dv, r, r, 0}}});
  }

  struct SideMuscle {
    int group;
    double weight;
    std::vector<Key> keys;
    std::vector<std::array<double, 6>> harmonics;
    double z_top, z_bottom;
  };
  std::array<std::vector<SideMuscle>, 2> side_muscles;
  for (int side = 0; side < 2; ++side) {
    const auto sd = static_cast<std::size_t>(side);
    for (const auto& def : defs) {
      SideMuscle m;
      m.group = def.group;
      m.weight = def.weight;
      m.keys = def.keys;
      std::sort(m.keys.begin(), m.keys.end(), [](const Key& a, const Key& b) { return a.z < b.z; });
      const bool vessel = def.group == -1;
      const double atrophy = def.group >= 0 ? disease_[static_cast<std::size_t>(def.group)][sd].atrophy : 0.0;
      const double bulk = vessel ? 1.0 : body_.muscle_bulk * body_.side_bulk[sd] * (1.0 - atrophy);
      const double jl = uniform(rng, -2.5, 2.5), jv = uniform(rng, -2.5, 2.5);
      // Large muscles overlap generously so that together they fill the fascial compartment; the deepest wins.
      // Thin superficial muscles (weight > 0: sartorius, gracilis, TFL) sized to adult volumes (Handsfield et al.,
      // J Biomech 2014: sartorius ~190 ml, gracilis ~100 ml, TFL ~60 ml over their whole length).
      const double fill = vessel ? 1.0 : def.weight > 0 ? 1.4 : def.group == -2 ? 1.1 : 1.28;
      const double js = uniform(rng, 0.95, 1.05) * fill;  // left/right differences of a few percent
      const double jr = uniform(rng, -5, 5);
      // The thigh's fascia scales with its muscle bulk (below); a muscle placed relative to the thigh moves out with
      // it, so that a superficial strap stays under the fascia in a bulky thigh instead of being buried in its
      // neighbour, and is not pushed out of a slight one.
      const double thigh_bulk = body_.muscle_bulk * body_.side_bulk[sd];
      for (auto& k : m.keys) {
        if (k.thigh_relative) {  // vessel keys are absolute
          const double cl = thigh_cl(k.z), cv = thigh_cv(k.z);
          k.l = cl + (k.l - cl) * thigh_bulk;
          k.v = cv + (k.v - cv) * thigh_bulk;
        }
        k.l = k.l * s + (vessel ? 0 : jl);
        k.v = k.v * s + (vessel ? 0 : jv);
        k.a *= s * bulk * (vessel ? 1.0 : js);
        k.b *= s * bulk * (vessel ? 1.0 : js);
        k.angle_deg += vessel ? 0 : jr;
        std::array<double, 6> h{};
        if (!vessel) {
          const double amp[6] = {0.08, 0.08, 0.06, 0.06, 0.035, 0.035};
          for (int i = 0; i < 6; ++i) h[static_cast<std::size_t>(i)] = uniform(rng, -amp[i], amp[i]);
        }
        m.harmonics.push_back(h);
      }
      m.z_bottom = m.keys.front().z;
      m.z_top = m.keys.back().z;
      side_muscles[sd].push_back(std::move(m));
    }
  }

  // Outline harmonics vary slowly along z: random values at 60 mm knots, interpolated.
  const auto knots = [&](double amp_lo, double amp_hi) {
    std::vector<std::array<double, 6>> k(static_cast<std::size_t>((kZTop - kZBottom) / 60.0) + 3);
    for (auto& h : k)
      for (std::size_t i = 0; i < 6; ++i) h[i] = uniform(rng, -1, 1) * (i < 2 ? amp_lo : amp_hi);
    return k;
  };
  const auto at_knot = [&](const std::vector<std::array<double, 6>>& k, double z) {
    const double t = (z - kZBottom) / 60.0;
    const auto i = static_cast<std::size_t>(std::clamp(t, 0.0, static_cast<double>(k.size() - 2)));
    const double f = std::clamp(t - static_cast<double>(i), 0.0, 1.0);
    std::array<double, 6> h{};
    for (std::size_t c = 0; c < 6; ++c) h[c] = lerp(k[i][c], k[i + 1][c], f);
    return h;
  };
  const auto pelvis_knots = knots(0.04, 0.025);
  const std::array<std::vector<std::array<double, 6>>, 2> thigh_knots{knots(0.035, 0.02), knots(0.035, 0.02)};
  const double fat_posterior = uniform(rng, -0.1, 0.3);
  const std::array<double, 2> thigh_fat{uniform(rng, 0.9, 1.1), uniform(rng, 0.9, 1.1)};
  const double bladder_fill = uniform(rng, 0.6, 1.15);
  bladder_scale_ = {48 * s * bladder_fill, 36 * s * bladder_fill, 33 * s * bladder_fill};
  bladder_centre_ = {0, -35 * s, 5 + 33 * s * (bladder_fill - 1.0)};

  const auto n = static_cast<std::size_t>((kZTop - kZBottom) / kDz) + 1;
  slices_.resize(n);
  for (std::size_t iz = 0; iz < n; ++iz) {
    const double z = kZBottom + static_cast<double>(iz) * kDz;
    SliceModel& m = slices_[iz];
    m.perineal_gap_mm = kPerinealGapMm * s * perineum_open(z);
    // Pelvis/trunk outline on the midline; below the perineum the thighs carry the body.
    const double w = table({{-132, 0}, {-125, 35}, {-100, 90}, {-70, 135}, {-40, 158}, {-10, 165}, {30, 160},
                            {80, 150}, {120, 140}, {150, 135}}, z);
    const double d = table({{-132, 0}, {-125, 40}, {-100, 70}, {-70, 92}, {-40, 102}, {-10, 106}, {30, 105},
                            {80, 100}, {120, 95}, {150, 92}}, z);
    if (w > 1) {
      m.pelvis.active = true;
      m.pelvis.cx = 0;
      m.pelvis.cy = 18 * s;
      m.pelvis.a = w * s;
      m.pelvis.b = d * s;
      m.pelvis.harmonics = at_knot(pelvis_knots, z);
      // Bodies are nearly left-right symmetric: terms odd under x -> -x (sin 2phi, cos 3phi, sin 4phi) stay small.
      m.pelvis.harmonics[1] *= 0.2;
      m.pelvis.harmonics[2] *= 0.3;
      m.pelvis.harmonics[5] *= 0.3;
      m.pelvis.harmonics[4] += 0.05;  // squarer than an ellipse: flanks and buttocks
      m.pelvis.fat_mm = body_.fat_mm * 1.15;
      m.pelvis.fat_harmonics = {0, fat_posterior, 0.15, 0};
    }
    for (int side = 0; side < 2; ++side) {
      const auto sd = static_cast<std::size_t>(side);
      if (z < -20) {
        const double ramp = std::clamp((-20.0 - z) / 50.0, 0.3, 1.0);
        Outline& t = m.thigh[sd];
        t.active = true;
        t.cx = thigh_cl(z) * s;
        t.cy = thigh_cv(z) * s;
        const double rm = muscle_radius(z) * s * body_.muscle_bulk * body_.side_bulk[sd] * ramp;
        t.a = rm * 1.07;  // thighs are wider than deep
        t.b = rm * 0.93;
        t.harmonics = at_knot(thigh_knots[sd], z);
        t.fat_mm = body_.fat_mm * thigh_fat[sd] * table({{-420, 0.75}, {-250, 0.9}, {-100, 1.0}}, z);
        t.fat_harmonics = {-0.08, 0.12, 0.05, 0};
      }
      // Femur shaft below the trochanters; metaphysis widening towards the knee.
      if (z < -40) {
        m.femur_l[sd] = femur_l(z) * s;
        m.femur_v[sd] = femur_v(z) * s;
        m.femur_r[sd] = table({{-420, 30}, {-400, 27}, {-360, 18}, {-330, 14}, {-100, 14}, {-75, 17}, {-40, 17}}, z) * s;
        m.femur_ry[sd] = table({{-420, 22}, {-400, 20}, {-360, 16}, {-330, 14}, {-100, 14}, {-75, 17}, {-40, 17}}, z) * s;
        m.femur_cortex[sd] = table({{-420, 1.5}, {-360, 2.5}, {-320, 5}, {-110, 5}, {-80, 3}}, z);
      }
      // Iliac wing: a thick arc concave towards the iliac fossa.
      if (z > 8 && z < 132) {
        m.wing_cl[sd] = 40 * s;
        m.wing_cv[sd] = -10 * s;
        m.wing_radius[sd] = table({{8, 66}, {25, 70}, {40, 74}, {60, 78}, {80, 80}, {132, 78}}, z) * s;
        m.wing_half_thickness[sd] = table({{8, 9}, {25, 12}, {40, 8}, {60, 5}, {80, 4}, {110, 4}, {125, 6}, {132, 3}}, z);
        m.wing_phi0[sd] = table({{8, 30}, {25, 20}, {40, 10}, {60, -5}, {80, -15}, {110, -12}, {132, 0}}, z) * kDeg;
        m.wing_phi1[sd] = table({{8, 80}, {25, 85}, {40, 88}, {132, 86}}, z) * kDeg;
      }
      for (std::size_t mi = 0; mi < side_muscles[sd].size(); ++mi) {
        const SideMuscle& sm = side_muscles[sd][mi];
        if (z < sm.keys.front().z || z > sm.keys.back().z) continue;
        std::size_t k = 1;
        while (k < sm.keys.size() - 1 && sm.keys[k].z < z) ++k;
        const Key& k0 = sm.keys[k - 1];
        const Key& k1 = sm.keys[k];
        const double f = k1.z > k0.z ? (z - k0.z) / (k1.z - k0.z) : 0.0;
        Blob b;
        b.cl = lerp(k0.l, k1.l, f);
        b.cv = lerp(k0.v, k1.v, f);
        // Around the hip the muscles pack tightly (real images show little fat between them): more overlap there.
        const double hip = sm.group == -1 ? 1.0 : 1.0 + (sm.weight > 0 ? 0.08 : 0.22) * smoothstep(-110, -50, z);
        b.a = std::max(0.5, lerp(k0.a, k1.a, f) * hip);
        b.b = std::max(0.5, lerp(k0.b, k1.b, f) * hip);
        const double angle = lerp(k0.angle_deg, k1.angle_deg, f) * kDeg;
        b.cos_t = std::cos(angle);
        b.sin_t = std::sin(angle);
        for (std::size_t c = 0; c < 6; ++c) b.harmonics[c] = lerp(sm.harmonics[k - 1][c], sm.harmonics[k][c], f);
        // Superficial straps (sartorius, gracilis, TFL) lie directly under the fascia. Their keys sit at a fraction of
        // a round thigh's radius, but the fascia is an ellipse with harmonics, so up to several millimetres of a
        // neighbour could lie outside the strap (a quarter to a half of the gracilis's slices in some patients).
        // Along the thigh each strap is moved along its direction from the thigh's centre until its outer edge lies
        // half a millimetre under the fascia (not past it: near the perineum the trunk's muscle space would keep what
        // pokes out, a bulge outside the thigh); around the hip, where it arises deep, it stays.
        const Outline& fascia = m.thigh[sd];
        const double under_fascia = 1.0 - smoothstep(-100, -60, z);
        // Above that, between the pubis and the thigh, the gracilis is the most medial muscle: it lies on the
        // adductors' medial surface, against the perineal fat (its medial edge half a millimetre from where the
        // perineal gap begins), not inside the adductors.
        const double on_perineum = (1.0 - under_fascia) * perineum_open(z);
        if (sm.group == g_grac && on_perineum > 0) {
          const double r_medial = outline_radius(b.a, b.b, b.harmonics, -b.cos_t, b.sin_t);  // towards -l, own axes
          b.cl += on_perineum * (0.5 + r_medial - b.cl);
        }
        if (sm.weight > 0 && fascia.active && under_fascia > 0) {
          const double dx = b.cl - fascia.cx, dy = b.cv - fascia.cy, rho = std::hypot(dx, dy);
          if (rho > 1e-6) {
            const double c = dx / rho, sn = dy / rho;
            const double r_fascia = outline_radius(fascia.a, fascia.b, fascia.harmonics, c, sn);
            const double r_strap = outline_radius(b.a, b.b, b.harmonics, c * b.cos_t + sn * b.sin_t,
                                                  -c * b.sin_t + sn * b.cos_t);  // in the strap's own axes
            const double shift = under_fascia * (r_fascia - 0.5 - (rho + r_strap));
            b.cl += shift * c;
            b.cv += shift * sn;
          }
        }
        b.weight = sm.weight;
        b.reach = std::max(b.a, b.b) * 1.35;
        b.group = sm.group;
        b.z_top = sm.z_top;
        b.z_bottom = sm.z_bottom;
        // Vessels first so that they win over the muscles they run between.
        if (b.group == -1)
          m.blobs[sd].insert(m.blobs[sd].begin(), b);
        else
          m.blobs[sd].push_back(b);
      }
    }
    // Sacrum (and the L5 vertebral body at the top) on the midline.
    if (z > -35) {
      m.sacrum_v = table({{-35, 95}, {-25, 95}, {10, 92}, {50, 82}, {90, 68}, {125, 55}, {135, 50}, {150, 45}}, z) * s;
      m.sacrum_w = table({{-35, 3}, {-25, 10}, {10, 22}, {50, 36}, {90, 46}, {125, 50}, {130, 26}, {150, 24}}, z) * s;
      m.sacrum_d = table({{-35, 3}, {-25, 7}, {10, 10}, {50, 14}, {90, 18}, {125, 22}, {130, 18}, {150, 18}}, z) * s;
    }
    if (z > 20) {
      m.bowel_v = table({{20, -10}, {60, -15}, {100, -20}, {150, -25}}, z) * s;
      m.bowel_w = table({{20, 40}, {60, 70}, {100, 85}, {150, 95}}, z) * s;
      m.bowel_d = table({{20, 30}, {60, 50}, {100, 60}, {150, 65}}, z) * s;
    }
    // Rectum, narrowing into the anal canal that opens between the buttocks below the ischial tuberosities.
    if (z > -88 && z < 60) {
      m.rectum_v = table({{-88, 62}, {-45, 55}, {0, 62}, {60, 66}}, z) * s;
      m.rectum_r = table({{-88, 7}, {-70, 9}, {-45, 15}}, z) * s;
    }
    for (int side = 0; side < 2; ++side)
      for (std::size_t c = 0; c < capsules_[static_cast<std::size_t>(side)].size(); ++c) {
        const Capsule& cap = capsules_[static_cast<std::size_t>(side)][c];
        if (z >= cap.z_lo && z <= cap.z_hi) m.capsules.push_back(side * 1000 + static_cast<int>(c));
      }
  }
}

Sample Anatomy::muscle_sample(const Blob& blob, int side, double x, double y, double z, double q) const {
  if (blob.group < 0) {  // unlabelled muscle: healthy texture
    Sample other;
    other.tissue = Tissue::muscle;
    other.fat_fraction = static_cast<float>(0.045 + 0.02 * (fat_noise_(x, y, z) - 0.5));
    return other;
  }
  const GroupDisease& d = disease_[static_cast<std::size_t>(blob.group)][static_cast<std::size_t>(side)];
  Sample out;
  out.tissue = Tissue::muscle;
  const auto* group = &core::MuscleCatalog::instance().groups()[static_cast<std::size_t>(blob.group)];
  out.label = static_cast<std::uint16_t>(group->label(side == 0 ? core::Side::right : core::Side::left));
  const double base = std::min(d.fat_fraction, 0.04);
  const double along = blob.z_top > blob.z_bottom ? (z - blob.z_bottom) / (blob.z_top - blob.z_bottom) : 0.5;
  const double gradient = std::max(0.0, 1.0 + d.proximal_gradient * (2.0 * along - 1.0));
  const double excess = std::max(0.0, d.fat_fraction - base) * gradient;
  const double n = fat_noise_(x, y, z);
  // Fatty replacement: a diffuse part plus moth-eaten streaks (the noise lattice is elongated along the fibres).
  const double diffuse = 0.35 * excess;
  const double patchy = std::clamp(0.65 * excess / (0.88 - base), 0.0, 1.0);
  const double fatty = patchy > 0 ? smoothstep(1.0 - patchy - 0.07, 1.0 - patchy + 0.07, n) : 0.0;
  double ff = base + diffuse + (0.88 - base - diffuse) * fatty + 0.012 * (n - 0.5);
  if (d.edema_fraction > 0) {
    double e = edema_noise_(x, y, z);
    if (d.fascial_edema) e += 0.35 * std::max(0.0, 1.0 - q / 0.3);  // edema along the fascia
    const double threshold = 1.0 - d.edema_fraction;
    const double weight = smoothstep(threshold - 0.1, threshold + 0.1, e);
    out.edema_weight = static_cast<float>(weight);
    out.edema = weight > 0.5;
    ff *= 1.0 - 0.15 * weight;  // edematous muscle holds more water
  }
  out.fat_fraction = static_cast<float>(std::clamp(ff, 0.005, 0.95));
  return out;
}

core::Vec3 Anatomy::right_thigh_lateral_point(double z) const {
  const double zc = std::clamp(z, kZBottom, kZTop);
  const Outline& o = slices_[static_cast<std::size_t>(std::lround((zc - kZBottom) / kDz))].thigh[0];
  const double x = -(o.cx + o.a), y = o.cy;  // body frame: the right thigh lies at negative x
  const double rot = -body_.rotation_deg * kDeg;  // sample() maps LPS to body with this rotation; invert it
  const double px = x * std::cos(rot) + y * std::sin(rot), py = -x * std::sin(rot) + y * std::cos(rot);
  return {px + body_.offset_x, py + body_.offset_y, zc + body_.offset_z};
}

Sample Anatomy::sample(const core::Vec3& lps) const {
  // Patient frame -> body frame: undo the table offset and the in-plane rotation.
  const double px = lps[0] - body_.offset_x, py = lps[1] - body_.offset_y, z = lps[2] - body_.offset_z;
  const double rot = -body_.rotation_deg * kDeg;
  const double x = px * std::cos(rot) - py * std::sin(rot);
  const double y = px * std::sin(rot) + py * std::cos(rot);
  Sample out;
  if (z < kZBottom || z > kZTop) return out;
  const SliceModel& m = slices_[static_cast<std::size_t>(std::lround((z - kZBottom) / kDz))];
  const int side = x < 0 ? 0 : 1;
  const auto sd = static_cast<std::size_t>(side);
  const double l = std::abs(x), v = y;

  // Skin, subcutaneous fat and the muscle space (union of the trunk and both thighs).
  // The thigh's side-local distance from the midline as its model lays it out (perineal gap).
  const auto thigh_l = [&](double side_l) { return thigh_model_l(m.perineal_gap_mm, body_.body_scale, side_l); };
  const Depth pelvis = outline_depth(m.pelvis, x, y);
  Depth depth = pelvis;
  std::array<Depth, 2> thigh;  // per thigh (0 right, 1 left)
  for (std::size_t t = 0; t < 2; ++t) {
    thigh[t] = outline_depth(m.thigh[t], thigh_l(t == 0 ? -x : x), y);
    depth.muscle = std::max(depth.muscle, thigh[t].muscle);
    depth.outer = std::max(depth.outer, thigh[t].outer);
  }
  // Touching thighs: outside the trunk, where the skin surfaces of the two thighs come within the contact distance
  // or their subcutaneous fat overlaps, the thighs are pressed together: their fat meets at a thin skin line halfway
  // between them (as on real images: skin always separates two thighs), and the bridge filling the gap has skin on
  // its free surface (the notches in front of and behind the contact).
  if (body_.thigh_contact_mm > 0 && depth.muscle <= 0 && m.thigh[0].active && m.thigh[1].active &&
      x > -m.thigh[0].cx && x < m.thigh[1].cx && pelvis.outer <= 0) {
    const double right = thigh[0].outer, left = thigh[1].outer;
    const double gap = -(right + left);  // skin to skin across this point, mm (negative where the fat overlaps)
    const bool overlap = right > 0 && left > 0;
    const double contact_mm = body_.thigh_contact_mm + 2 * m.perineal_gap_mm;  // the gap moved the thighs apart
    if (overlap || (right < 1.6 && left < 1.6 && gap < contact_mm)) {
      const bool line = std::abs(right - left) < 1.6;
      const bool surface = !overlap && gap > contact_mm - 1.6;
      out.tissue = line || surface ? Tissue::skin : Tissue::subcutaneous_fat;
      out.fat_fraction = out.tissue == Tissue::skin ? 0.1F : 0.93F;
      return out;
    }
  }
  if (depth.outer <= 0) return out;
  if (depth.outer < 1.6) {
    out.tissue = Tissue::skin;
    out.fat_fraction = 0.1F;
    return out;
  }
  if (depth.muscle <= 0) {
    out.tissue = Tissue::subcutaneous_fat;
    out.fat_fraction = 0.93F;
    return out;
  }
  const auto bone = [&](double depth_mm, double cortex, Tissue inner) {
    out.tissue = depth_mm < cortex ? Tissue::cortex : inner;
    out.fat_fraction = out.tissue == Tissue::marrow ? 0.85F : out.tissue == Tissue::pelvic_marrow ? 0.6F : 0.1F;
    return out;
  };
  // Femoral shaft.
  if (m.femur_r[sd] > 0) {
    const double dl = (l - m.femur_l[sd]) / m.femur_r[sd], dv = (v - m.femur_v[sd]) / m.femur_ry[sd];
    const double rr = std::sqrt(dl * dl + dv * dv);
    if (rr < 1.0) return bone((1.0 - rr) * std::min(m.femur_r[sd], m.femur_ry[sd]), m.femur_cortex[sd], Tissue::marrow);
  }
  // 3D bone primitives of this side.
  for (const int id : m.capsules) {
    if (id / 1000 != side) continue;
    const Capsule& c = capsules_[sd][static_cast<std::size_t>(id % 1000)];
    const core::Vec3 ab{c.p1[0] - c.p0[0], c.p1[1] - c.p0[1], c.p1[2] - c.p0[2]};
    const core::Vec3 ap{l - c.p0[0], v - c.p0[1], z - c.p0[2]};
    const double len2 = core::dot(ab, ab);
    const double t = len2 > 0 ? std::clamp(core::dot(ap, ab) / len2, 0.0, 1.0) : 0.0;
    const double dx = ap[0] - t * ab[0], dy = ap[1] - t * ab[1], dz = ap[2] - t * ab[2];
    const double dist = std::sqrt(dx * dx + dy * dy + dz * dz);
    const double r = lerp(c.r0, c.r1, t);
    if (dist < r) return bone(r - dist, c.cortex_mm, c.inner);
  }
  // Acetabulum: a bony cup around the femoral head, open laterally and inferiorly; joint space between.
  {
    const core::Vec3 h = head_[sd];
    const double dx = l - h[0], dy = v - h[1], dz = z - h[2];
    const double dist = std::sqrt(dx * dx + dy * dy + dz * dz);
    const double r = head_radius_ * body_.body_scale;
    if (dist < r + 12 && dist > r) {
      const double open = (dx * 0.8 - dz * 0.6);  // projection on the cup's opening direction
      if (open < 6.0) {
        if (dist < r + 1.8) {
          out.tissue = Tissue::skin;  // articular cartilage and joint space: intermediate soft tissue
          out.fat_fraction = 0.02F;
          return out;
        }
        return bone(std::min(dist - r - 1.8, r + 12 - dist), 1.8, Tissue::pelvic_marrow);
      }
    }
  }
  // Iliac wing.
  if (m.wing_radius[sd] > 0) {
    const double dx = l - m.wing_cl[sd], dy = v - m.wing_cv[sd];
    const double rho = std::sqrt(dx * dx + dy * dy);
    const double phi = std::atan2(dy, dx);
    const double off = std::abs(rho - m.wing_radius[sd]);
    const double ht = m.wing_half_thickness[sd] * body_.body_scale;
    if (off < ht && phi > m.wing_phi0[sd] && phi < m.wing_phi1[sd]) return bone(ht - off, 1.8, Tissue::pelvic_marrow);
  }
  // Sacrum / L5 on the midline.
  if (m.sacrum_w > 0) {
    const double dx = x / m.sacrum_w, dy = (y - m.sacrum_v) / m.sacrum_d;
    const double rr = std::sqrt(dx * dx + dy * dy);
    if (rr < 1.0) return bone((1.0 - rr) * std::min(m.sacrum_w, m.sacrum_d), 2.0, Tissue::pelvic_marrow);
  }
  // Bladder: urine inside a thin muscular wall.
  {
    const double dx = x / bladder_scale_[0], dy = (y - bladder_centre_[1]) / bladder_scale_[1],
                 dz = (z - bladder_centre_[2]) / bladder_scale_[2];
    const double rr = std::sqrt(dx * dx + dy * dy + dz * dz);
    if (rr < 1.0) {
      out.tissue = (1.0 - rr) * bladder_scale_[2] < 2.5 ? Tissue::bowel_wall : Tissue::bladder;
      out.fat_fraction = 0.0F;
      return out;
    }
  }
  // Muscles (and vessels): the deepest blob in normalised depth wins; thin fat septa between groups. Within the
  // perineal gap there are none.
  const double blob_l = l <= m.perineal_gap_mm ? -1e9 : thigh_l(l);
  const Blob* best = nullptr;
  const Blob* second = nullptr;
  double q_best = 0, q_second = -1e9, r_best = 1, r_second = 1;
  for (const Blob& b : m.blobs[sd]) {
    const double dx = blob_l - b.cl, dy = v - b.cv;
    if (std::abs(dx) > b.reach || std::abs(dy) > b.reach) continue;
    const double u = dx * b.cos_t + dy * b.sin_t, w = -dx * b.sin_t + dy * b.cos_t;
    const double rho = std::sqrt(u * u + w * w);
    const double c = rho > 1e-9 ? u / rho : 1.0, sn = rho > 1e-9 ? w / rho : 0.0;
    const double r = outline_radius(b.a, b.b, b.harmonics, c, sn);
    if (rho >= r) continue;
    if (b.group == -1) {
      out.tissue = Tissue::vessel;
      return out;
    }
    const double q = 1.0 - rho / r + b.weight;
    if (best == nullptr || q > q_best) {
      if (best != nullptr && best->group != b.group) {
        second = best;
        q_second = q_best;
        r_second = r_best;
      }
      best = &b;
      q_best = q;
      r_best = r;
    } else if (b.group != best->group && q > q_second) {
      second = &b;
      q_second = q;
      r_second = r;
    }
  }
  if (best != nullptr) {
    if (second != nullptr && second->group != best->group) {
      // Distance to the shared boundary ~ difference of normalised depths over their gradients (1/r).
      const double gap_mm = (q_best - q_second) / (1.0 / r_best + 1.0 / r_second);
      if (gap_mm < 0.7) {
        out.tissue = Tissue::intermuscular_fat;
        out.fat_fraction = 0.9F;
        return out;
      }
    }
    return muscle_sample(*best, side, x, y, z, q_best - best->weight);
  }
  // Rectum and bowel loops in the pelvis; everything else is pelvic/intermuscular fat.
  const auto bowel = [&](double contents) {
    // Two scales of noise break up the lattice: loops of wall around fluid/gas lumens in mesenteric fat.
    const double n = 0.65 * bowel_noise_(x, y, z) + 0.35 * contents;
    if (std::abs(n - 0.5) < 0.045) {
      out.tissue = Tissue::bowel_wall;
      out.fat_fraction = 0.05F;
    } else if (n < 0.5) {
      out.tissue = contents > 0.45 ? Tissue::bowel_fluid : Tissue::air;
      out.fat_fraction = 0.0F;
    } else {
      out.tissue = Tissue::intermuscular_fat;  // mesenteric fat
      out.fat_fraction = 0.9F;
    }
    return out;
  };
  if (m.rectum_r > 0) {
    const double dy = y - m.rectum_v;
    const double rr = std::sqrt(x * x + dy * dy);
    if (rr < m.rectum_r) {
      if (rr > m.rectum_r - 3) {
        out.tissue = Tissue::bowel_wall;
        out.fat_fraction = 0.05F;
        return out;
      }
      out.tissue = bowel_noise2_(x, y, z) > 0.5 ? Tissue::bowel_fluid : Tissue::air;
      return out;
    }
  }
  if (m.bowel_w > 0) {
    const double dx = x / m.bowel_w, dy = (y - m.bowel_v) / m.bowel_d;
    if (dx * dx + dy * dy < 1.0) return bowel(bowel_noise2_(x, y, z));
  }
  out.tissue = Tissue::intermuscular_fat;
  out.fat_fraction = 0.9F;
  return out;
}

}  // namespace myo::phantom::detail
