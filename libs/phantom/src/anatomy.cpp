// The synthetic body. Everything is a smooth 3D function so that any plane (axial, coronal, sagittal) can be
// sampled; per 0.5 mm of height a SliceModel caches the cross-section parameters so that a sample costs a few
// hundred nanoseconds. Anatomical numbers are typical adult values (mm) before the seed's body scale.
#include "anatomy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>

#include "anatomy_table.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/numbers.hpp"

namespace myo::phantom::detail {
namespace {

constexpr double kDeg = core::kPi / 180.0;

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

// A keyframe placed relative to the thigh: centre at angle phi and radius fraction rho from the thigh's centre,
// size as fractions of its muscle radius, long axis tangential.
Key thigh_key(double z, double phi_deg, double rho, double a, double b) {
  const double rm = muscle_radius(z);
  return Key{z, thigh_cl(z) + rho * rm * std::cos(phi_deg * kDeg), thigh_cv(z) + rho * rm * std::sin(phi_deg * kDeg),
             a * rm, b * rm, phi_deg + 90.0, true};
}

Key key_of(const KeyframeRow& k) {
  if (k.form == KeyForm::thigh) return thigh_key(k.z, k.l_or_phi, k.v_or_rho, k.a, k.b);
  return Key{k.z, k.l_or_phi, k.v_or_rho, k.a, k.b, k.angle_deg};
}

// A vessel's key: on the shared centreline, moved by the vessel's offset, round; never thigh-relative.
Key vessel_key(const CentrelineRow& c, const VesselRow& vessel) {
  const double r = vessel.radius_mm;
  if (c.form == KeyForm::absolute) return Key{c.z, c.l_or_phi + vessel.dl_mm, c.v_or_rho + vessel.dv_mm, r, r, 0};
  const Key on_thigh = thigh_key(c.z, c.l_or_phi, c.v_or_rho, 0, 0);
  return Key{on_thigh.z, on_thigh.l + vessel.dl_mm, on_thigh.v + vessel.dv_mm, r, r, 0};
}

int group_index(std::string_view name) {
  constexpr int kOther = -2;  // a muscle outside the catalogue (label 0)
  if (name.empty()) return kOther;
  const auto& catalog = core::MuscleCatalog::instance();
  const auto* g = catalog.find(name);
  if (g == nullptr) throw std::logic_error("muscle catalogue lacks " + std::string(name));
  return static_cast<int>(g - catalog.groups().data());
}

// Muscles and vessels from the anatomy table (anatomy_table.cpp), in table order.
std::vector<MuscleDef> muscle_defs() {
  std::vector<MuscleDef> defs;
  for (const MuscleRow& m : muscle_rows()) {
    MuscleDef def{group_index(m.group), m.weight, {}};
    for (const KeyframeRow& k : keyframe_rows())
      if (k.muscle == m.name) def.keys.push_back(key_of(k));
    defs.push_back(std::move(def));
  }
  for (const VesselRow& vessel : femoral_vessel_rows()) {
    MuscleDef def{-1, 0.0, {}};
    for (const CentrelineRow& c : femoral_centreline_rows()) def.keys.push_back(vessel_key(c, vessel));
    defs.push_back(std::move(def));
  }
  return defs;
}

// One muscle of one side: its keys scaled, jittered and given outline harmonics.
struct SideMuscle {
  int group;
  double weight;
  std::vector<Key> keys;
  std::vector<std::array<double, 6>> harmonics;
  double z_top, z_bottom;
};
using SideMuscles = std::array<std::vector<SideMuscle>, 2>;

// Draws one side's version of a muscle: position, size and orientation jitter, outline harmonics per key.
SideMuscle side_muscle(const MuscleDef& def, const BodyParams& body, const DiseaseTable& disease, std::size_t sd,
                       std::mt19937_64& rng) {
  const double s = body.body_scale;
  SideMuscle m;
  m.group = def.group;
  m.weight = def.weight;
  m.keys = def.keys;
  std::sort(m.keys.begin(), m.keys.end(), [](const Key& a, const Key& b) { return a.z < b.z; });
  const bool vessel = def.group == -1;
  const double atrophy = def.group >= 0 ? disease[static_cast<std::size_t>(def.group)][sd].atrophy : 0.0;
  const double bulk = vessel ? 1.0 : body.muscle_bulk * body.side_bulk[sd] * (1.0 - atrophy);
  const double jl = uniform(rng, -2.5, 2.5), jv = uniform(rng, -2.5, 2.5);
  // Large muscles overlap generously so that together they fill the fascial compartment; the deepest wins.
  // Thin superficial muscles (weight > 0: sartorius, gracilis, TFL) sized to adult volumes (Handsfield et al.,
  // J Biomech 2014: sartorius ~190 ml, gracilis ~100 ml, TFL ~60 ml over their whole length).
  const double fill = vessel ? 1.0 : def.weight > 0 ? 1.4 : def.group == -2 ? 1.1 : 1.28;
  const double js = uniform(rng, 0.95, 1.05) * fill;  // left/right differences of a few percent
  const double jr = uniform(rng, -5, 5);
  // The thigh's fascia scales with its muscle bulk; a muscle placed relative to the thigh moves out with it, so that
  // a superficial strap stays under the fascia in a bulky thigh instead of being buried in its neighbour, and is
  // not pushed out of a slight one.
  const double thigh_bulk = body.muscle_bulk * body.side_bulk[sd];
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
  return m;
}

// Outline harmonics vary slowly along z: random values at 60 mm knots, interpolated.
using Knots = std::vector<std::array<double, 6>>;

Knots draw_knots(std::mt19937_64& rng, double amp_lo, double amp_hi) {
  Knots k(static_cast<std::size_t>((Anatomy::kZTop - Anatomy::kZBottom) / 60.0) + 3);
  for (auto& h : k)
    for (std::size_t i = 0; i < 6; ++i) h[i] = uniform(rng, -1, 1) * (i < 2 ? amp_lo : amp_hi);
  return k;
}

std::array<double, 6> at_knot(const Knots& k, double z) {
  const double t = (z - Anatomy::kZBottom) / 60.0;
  const auto i = static_cast<std::size_t>(std::clamp(t, 0.0, static_cast<double>(k.size() - 2)));
  const double f = std::clamp(t - static_cast<double>(i), 0.0, 1.0);
  std::array<double, 6> h{};
  for (std::size_t c = 0; c < 6; ++c) h[c] = lerp(k[i][c], k[i + 1][c], f);
  return h;
}

// The seed's body outline: harmonics of the trunk and each thigh, fat distribution.
struct BodyShape {
  Knots pelvis_knots;
  std::array<Knots, 2> thigh_knots;
  double fat_posterior = 0;
  std::array<double, 2> thigh_fat{};
};

BodyShape draw_body_shape(std::mt19937_64& rng) {
  BodyShape shape;
  shape.pelvis_knots = draw_knots(rng, 0.04, 0.025);
  shape.thigh_knots[0] = draw_knots(rng, 0.035, 0.02);
  shape.thigh_knots[1] = draw_knots(rng, 0.035, 0.02);
  shape.fat_posterior = uniform(rng, -0.1, 0.3);
  shape.thigh_fat[0] = uniform(rng, 0.9, 1.1);
  shape.thigh_fat[1] = uniform(rng, 0.9, 1.1);
  return shape;
}

// Everything a slice model is built from.
struct SliceInputs {
  const BodyParams& body;
  const BodyShape& shape;
  const SideMuscles& muscles;
  int gracilis;  // catalogue index: laid against the perineal fat near the pubis
};

// Pelvis/trunk outline on the midline; below the perineum the thighs carry the body.
Outline pelvis_outline(double z, const SliceInputs& in) {
  const double s = in.body.body_scale;
  const double w = table({{-132, 0}, {-125, 35}, {-100, 90}, {-70, 135}, {-40, 158}, {-10, 165}, {30, 160},
                          {80, 150}, {120, 140}, {150, 135}}, z);
  const double d = table({{-132, 0}, {-125, 40}, {-100, 70}, {-70, 92}, {-40, 102}, {-10, 106}, {30, 105},
                          {80, 100}, {120, 95}, {150, 92}}, z);
  Outline p;
  if (w <= 1) return p;
  p.active = true;
  p.cx = 0;
  p.cy = 18 * s;
  p.a = w * s;
  p.b = d * s;
  p.harmonics = at_knot(in.shape.pelvis_knots, z);
  // Bodies are nearly left-right symmetric: terms odd under x -> -x (sin 2phi, cos 3phi, sin 4phi) stay small.
  p.harmonics[1] *= 0.2;
  p.harmonics[2] *= 0.3;
  p.harmonics[5] *= 0.3;
  p.harmonics[4] += 0.05;  // squarer than an ellipse: flanks and buttocks
  p.fat_mm = in.body.fat_mm * 1.15;
  p.fat_harmonics = {0, in.shape.fat_posterior, 0.15, 0};
  return p;
}

Outline thigh_outline(double z, std::size_t sd, const SliceInputs& in) {
  const double s = in.body.body_scale;
  Outline t;
  if (z >= -20) return t;
  const double ramp = std::clamp((-20.0 - z) / 50.0, 0.3, 1.0);
  t.active = true;
  t.cx = thigh_cl(z) * s;
  t.cy = thigh_cv(z) * s;
  const double rm = muscle_radius(z) * s * in.body.muscle_bulk * in.body.side_bulk[sd] * ramp;
  t.a = rm * 1.07;  // thighs are wider than deep
  t.b = rm * 0.93;
  t.harmonics = at_knot(in.shape.thigh_knots[sd], z);
  t.fat_mm = in.body.fat_mm * in.shape.thigh_fat[sd] * table({{-420, 0.75}, {-250, 0.9}, {-100, 1.0}}, z);
  t.fat_harmonics = {-0.08, 0.12, 0.05, 0};
  return t;
}

// Femur shaft below the trochanters (metaphysis widening towards the knee) and the iliac wing, a thick arc concave
// towards the iliac fossa.
void place_side_bones(SliceModel& m, double z, std::size_t sd, double s) {
  if (z < -40) {
    m.femur_l[sd] = femur_l(z) * s;
    m.femur_v[sd] = femur_v(z) * s;
    m.femur_r[sd] = table({{-420, 30}, {-400, 27}, {-360, 18}, {-330, 14}, {-100, 14}, {-75, 17}, {-40, 17}}, z) * s;
    m.femur_ry[sd] = table({{-420, 22}, {-400, 20}, {-360, 16}, {-330, 14}, {-100, 14}, {-75, 17}, {-40, 17}}, z) * s;
    m.femur_cortex[sd] = table({{-420, 1.5}, {-360, 2.5}, {-320, 5}, {-110, 5}, {-80, 3}}, z);
  }
  if (z > 8 && z < 132) {
    m.wing_cl[sd] = 40 * s;
    m.wing_cv[sd] = -10 * s;
    m.wing_radius[sd] = table({{8, 66}, {25, 70}, {40, 74}, {60, 78}, {80, 80}, {132, 78}}, z) * s;
    m.wing_half_thickness[sd] = table({{8, 9}, {25, 12}, {40, 8}, {60, 5}, {80, 4}, {110, 4}, {125, 6}, {132, 3}}, z);
    m.wing_phi0[sd] = table({{8, 30}, {25, 20}, {40, 10}, {60, -5}, {80, -15}, {110, -12}, {132, 0}}, z) * kDeg;
    m.wing_phi1[sd] = table({{8, 80}, {25, 85}, {40, 88}, {132, 86}}, z) * kDeg;
  }
}

// The muscle's cross-section at z, interpolated between its keys (inside its z extent).
Blob interpolated_blob(const SideMuscle& sm, double z) {
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
  b.weight = sm.weight;
  b.group = sm.group;
  b.z_top = sm.z_top;
  b.z_bottom = sm.z_bottom;
  return b;
}

// Superficial straps (sartorius, gracilis, TFL) lie directly under the fascia. Their keys sit at a fraction of a
// round thigh's radius, but the fascia is an ellipse with harmonics, so up to several millimetres of a neighbour
// could lie outside the strap (a quarter to a half of the gracilis's slices in some patients). Along the thigh each
// strap is moved along its direction from the thigh's centre until its outer edge lies half a millimetre under the
// fascia (not past it: near the perineum the trunk's muscle space would keep what pokes out, a bulge outside the
// thigh); around the hip, where it arises deep, it stays. Above that, between the pubis and the thigh, the gracilis
// is the most medial muscle: it lies on the adductors' medial surface, against the perineal fat (its medial edge
// half a millimetre from where the perineal gap begins), not inside the adductors.
void place_strap(Blob& b, double z, const Outline& fascia, int gracilis) {
  const double under_fascia = 1.0 - smoothstep(-100, -60, z);
  const double on_perineum = (1.0 - under_fascia) * perineum_open(z);
  if (b.group == gracilis && on_perineum > 0) {
    const double r_medial = outline_radius(b.a, b.b, b.harmonics, -b.cos_t, b.sin_t);  // towards -l, own axes
    b.cl += on_perineum * (0.5 + r_medial - b.cl);
  }
  if (b.weight > 0 && fascia.active && under_fascia > 0) {
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
}

std::vector<Blob> side_blobs(double z, std::size_t sd, const Outline& fascia, const SliceInputs& in) {
  std::vector<Blob> blobs;
  for (const SideMuscle& sm : in.muscles[sd]) {
    if (z < sm.keys.front().z || z > sm.keys.back().z) continue;
    Blob b = interpolated_blob(sm, z);
    place_strap(b, z, fascia, in.gracilis);
    b.reach = std::max(b.a, b.b) * 1.35;
    // Vessels first so that they win over the muscles they run between.
    if (b.group == -1)
      blobs.insert(blobs.begin(), b);
    else
      blobs.push_back(b);
  }
  return blobs;
}

// Sacrum (and the L5 vertebral body at the top) on the midline, bowel loops, and the rectum narrowing into the anal
// canal that opens between the buttocks below the ischial tuberosities.
void place_midline(SliceModel& m, double z, double s) {
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
  if (z > -88 && z < 60) {
    m.rectum_v = table({{-88, 62}, {-45, 55}, {0, 62}, {60, 66}}, z) * s;
    m.rectum_r = table({{-88, 7}, {-70, 9}, {-45, 15}}, z) * s;
  }
}

SliceModel slice_model(double z, const SliceInputs& in, const std::array<std::vector<Capsule>, 2>& capsules) {
  const double s = in.body.body_scale;
  SliceModel m;
  m.perineal_gap_mm = kPerinealGapMm * s * perineum_open(z);
  m.pelvis = pelvis_outline(z, in);
  for (std::size_t sd = 0; sd < 2; ++sd) {
    m.thigh[sd] = thigh_outline(z, sd, in);
    place_side_bones(m, z, sd, s);
    m.blobs[sd] = side_blobs(z, sd, m.thigh[sd], in);
  }
  place_midline(m, z, s);
  for (int side = 0; side < 2; ++side)
    for (std::size_t c = 0; c < capsules[static_cast<std::size_t>(side)].size(); ++c) {
      const Capsule& cap = capsules[static_cast<std::size_t>(side)][c];
      if (z >= cap.z_lo && z <= cap.z_hi) m.capsules.push_back(side * 1000 + static_cast<int>(c));
    }
  return m;
}

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

void Anatomy::place_bones(std::mt19937_64& rng) {
  const double s = body_.body_scale;
  for (std::size_t sd = 0; sd < 2; ++sd) {
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
}

void Anatomy::build(std::mt19937_64& rng) {
  place_bones(rng);
  const std::vector<MuscleDef> defs = muscle_defs();
  SideMuscles muscles;
  for (std::size_t sd = 0; sd < 2; ++sd)
    for (const auto& def : defs) muscles[sd].push_back(side_muscle(def, body_, disease_, sd, rng));
  const BodyShape shape = draw_body_shape(rng);
  const double s = body_.body_scale;
  const double bladder_fill = uniform(rng, 0.6, 1.15);
  bladder_scale_ = {48 * s * bladder_fill, 36 * s * bladder_fill, 33 * s * bladder_fill};
  bladder_centre_ = {0, -35 * s, 5 + 33 * s * (bladder_fill - 1.0)};

  const SliceInputs inputs{body_, shape, muscles, group_index("gracilis")};
  const auto n = static_cast<std::size_t>((kZTop - kZBottom) / kDz) + 1;
  slices_.resize(n);
  for (std::size_t iz = 0; iz < n; ++iz)
    slices_[iz] = slice_model(kZBottom + static_cast<double>(iz) * kDz, inputs, capsules_);
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

namespace {

Sample tissue_sample(Tissue tissue, float fat_fraction) {
  Sample out;
  out.tissue = tissue;
  out.fat_fraction = fat_fraction;
  return out;
}

Sample bone_sample(double depth_mm, double cortex, Tissue inner) {
  const Tissue t = depth_mm < cortex ? Tissue::cortex : inner;
  return tissue_sample(t, t == Tissue::marrow ? 0.85F : t == Tissue::pelvic_marrow ? 0.6F : 0.1F);
}

}  // namespace

// Skin, subcutaneous fat and air: everything outside the muscle space (the union of the trunk and both thighs).
std::optional<Sample> Anatomy::surface_sample(const SliceModel& m, double x, double y) const {
  // The thigh's side-local distance from the midline as its model lays it out (perineal gap).
  const Depth pelvis = outline_depth(m.pelvis, x, y);
  Depth depth = pelvis;
  std::array<Depth, 2> thigh;  // per thigh (0 right, 1 left)
  for (std::size_t t = 0; t < 2; ++t) {
    thigh[t] = outline_depth(m.thigh[t], thigh_model_l(m.perineal_gap_mm, body_.body_scale, t == 0 ? -x : x), y);
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
      return line || surface ? tissue_sample(Tissue::skin, 0.1F) : tissue_sample(Tissue::subcutaneous_fat, 0.93F);
    }
  }
  if (depth.outer <= 0) return Sample{};
  if (depth.outer < 1.6) return tissue_sample(Tissue::skin, 0.1F);
  if (depth.muscle <= 0) return tissue_sample(Tissue::subcutaneous_fat, 0.93F);
  return std::nullopt;
}

// Femoral shaft, the 3D bone primitives, the acetabulum and the iliac wing of one side (side-local l, v).
std::optional<Sample> Anatomy::side_bone_sample(const SliceModel& m, std::size_t sd, double l, double v,
                                                double z) const {
  if (m.femur_r[sd] > 0) {
    const double dl = (l - m.femur_l[sd]) / m.femur_r[sd], dv = (v - m.femur_v[sd]) / m.femur_ry[sd];
    const double rr = std::sqrt(dl * dl + dv * dv);
    if (rr < 1.0) return bone_sample((1.0 - rr) * std::min(m.femur_r[sd], m.femur_ry[sd]), m.femur_cortex[sd], Tissue::marrow);
  }
  for (const int id : m.capsules) {
    if (id / 1000 != static_cast<int>(sd)) continue;
    const Capsule& c = capsules_[sd][static_cast<std::size_t>(id % 1000)];
    const core::Vec3 ab{c.p1[0] - c.p0[0], c.p1[1] - c.p0[1], c.p1[2] - c.p0[2]};
    const core::Vec3 ap{l - c.p0[0], v - c.p0[1], z - c.p0[2]};
    const double len2 = core::dot(ab, ab);
    const double t = len2 > 0 ? std::clamp(core::dot(ap, ab) / len2, 0.0, 1.0) : 0.0;
    const double dx = ap[0] - t * ab[0], dy = ap[1] - t * ab[1], dz = ap[2] - t * ab[2];
    const double dist = std::sqrt(dx * dx + dy * dy + dz * dz);
    const double r = lerp(c.r0, c.r1, t);
    if (dist < r) return bone_sample(r - dist, c.cortex_mm, c.inner);
  }
  if (auto acetabulum = acetabulum_sample(sd, l, v, z)) return acetabulum;
  if (m.wing_radius[sd] > 0) {
    const double dx = l - m.wing_cl[sd], dy = v - m.wing_cv[sd];
    const double rho = std::sqrt(dx * dx + dy * dy);
    const double phi = std::atan2(dy, dx);
    const double off = std::abs(rho - m.wing_radius[sd]);
    const double ht = m.wing_half_thickness[sd] * body_.body_scale;
    if (off < ht && phi > m.wing_phi0[sd] && phi < m.wing_phi1[sd]) return bone_sample(ht - off, 1.8, Tissue::pelvic_marrow);
  }
  return std::nullopt;
}

// Acetabulum: a bony cup around the femoral head, open laterally and inferiorly; joint space between.
std::optional<Sample> Anatomy::acetabulum_sample(std::size_t sd, double l, double v, double z) const {
  const core::Vec3 h = head_[sd];
  const double dx = l - h[0], dy = v - h[1], dz = z - h[2];
  const double dist = std::sqrt(dx * dx + dy * dy + dz * dz);
  const double r = head_radius_ * body_.body_scale;
  if (dist >= r + 12 || dist <= r) return std::nullopt;
  const double open = (dx * 0.8 - dz * 0.6);  // projection on the cup's opening direction
  if (open >= 6.0) return std::nullopt;
  // Articular cartilage and joint space: intermediate soft tissue.
  if (dist < r + 1.8) return tissue_sample(Tissue::skin, 0.02F);
  return bone_sample(std::min(dist - r - 1.8, r + 12 - dist), 1.8, Tissue::pelvic_marrow);
}

// Sacrum / L5 on the midline and the bladder (urine inside a thin muscular wall), body frame.
std::optional<Sample> Anatomy::midline_sample(const SliceModel& m, double x, double y, double z) const {
  if (m.sacrum_w > 0) {
    const double dx = x / m.sacrum_w, dy = (y - m.sacrum_v) / m.sacrum_d;
    const double rr = std::sqrt(dx * dx + dy * dy);
    if (rr < 1.0) return bone_sample((1.0 - rr) * std::min(m.sacrum_w, m.sacrum_d), 2.0, Tissue::pelvic_marrow);
  }
  const double dx = x / bladder_scale_[0], dy = (y - bladder_centre_[1]) / bladder_scale_[1],
               dz = (z - bladder_centre_[2]) / bladder_scale_[2];
  const double rr = std::sqrt(dx * dx + dy * dy + dz * dz);
  if (rr < 1.0)
    return tissue_sample((1.0 - rr) * bladder_scale_[2] < 2.5 ? Tissue::bowel_wall : Tissue::bladder, 0.0F);
  return std::nullopt;
}

// Muscles (and vessels): the deepest blob in normalised depth wins; thin fat septa between groups. Within the
// perineal gap there are none.
std::optional<Sample> Anatomy::blob_sample(const SliceModel& m, int side, double l, double v, double x, double y,
                                           double z) const {
  const double blob_l = l <= m.perineal_gap_mm ? -1e9 : thigh_model_l(m.perineal_gap_mm, body_.body_scale, l);
  const Blob* best = nullptr;
  const Blob* second = nullptr;
  double q_best = 0, q_second = -1e9, r_best = 1, r_second = 1;
  for (const Blob& b : m.blobs[static_cast<std::size_t>(side)]) {
    const double dx = blob_l - b.cl, dy = v - b.cv;
    if (std::abs(dx) > b.reach || std::abs(dy) > b.reach) continue;
    const double u = dx * b.cos_t + dy * b.sin_t, w = -dx * b.sin_t + dy * b.cos_t;
    const double rho = std::sqrt(u * u + w * w);
    const double c = rho > 1e-9 ? u / rho : 1.0, sn = rho > 1e-9 ? w / rho : 0.0;
    const double r = outline_radius(b.a, b.b, b.harmonics, c, sn);
    if (rho >= r) continue;
    if (b.group == -1) return tissue_sample(Tissue::vessel, 0.0F);
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
  if (best == nullptr) return std::nullopt;
  if (second != nullptr && second->group != best->group) {
    // Distance to the shared boundary ~ difference of normalised depths over their gradients (1/r).
    const double gap_mm = (q_best - q_second) / (1.0 / r_best + 1.0 / r_second);
    if (gap_mm < 0.7) return tissue_sample(Tissue::intermuscular_fat, 0.9F);
  }
  return muscle_sample(*best, side, x, y, z, q_best - best->weight);
}

// Rectum and bowel loops in the pelvis; everything else is pelvic/intermuscular fat.
Sample Anatomy::viscera_sample(const SliceModel& m, double x, double y, double z) const {
  if (m.rectum_r > 0) {
    const double dy = y - m.rectum_v;
    const double rr = std::sqrt(x * x + dy * dy);
    if (rr < m.rectum_r) {
      if (rr > m.rectum_r - 3) return tissue_sample(Tissue::bowel_wall, 0.05F);
      return tissue_sample(bowel_noise2_(x, y, z) > 0.5 ? Tissue::bowel_fluid : Tissue::air, 0.0F);
    }
  }
  if (m.bowel_w > 0) {
    const double dx = x / m.bowel_w, dy = (y - m.bowel_v) / m.bowel_d;
    if (dx * dx + dy * dy < 1.0) {
      // Two scales of noise break up the lattice: loops of wall around fluid/gas lumens in mesenteric fat.
      const double contents = bowel_noise2_(x, y, z);
      const double n = 0.65 * bowel_noise_(x, y, z) + 0.35 * contents;
      if (std::abs(n - 0.5) < 0.045) return tissue_sample(Tissue::bowel_wall, 0.05F);
      if (n < 0.5) return tissue_sample(contents > 0.45 ? Tissue::bowel_fluid : Tissue::air, 0.0F);
      return tissue_sample(Tissue::intermuscular_fat, 0.9F);  // mesenteric fat
    }
  }
  return tissue_sample(Tissue::intermuscular_fat, 0.9F);
}

Sample Anatomy::sample(const core::Vec3& lps) const {
  // Patient frame -> body frame: undo the table offset and the in-plane rotation.
  const double px = lps[0] - body_.offset_x, py = lps[1] - body_.offset_y, z = lps[2] - body_.offset_z;
  const double rot = -body_.rotation_deg * kDeg;
  const double x = px * std::cos(rot) - py * std::sin(rot);
  const double y = px * std::sin(rot) + py * std::cos(rot);
  if (z < kZBottom || z > kZTop) return Sample{};
  const SliceModel& m = slices_[static_cast<std::size_t>(std::lround((z - kZBottom) / kDz))];
  const int side = x < 0 ? 0 : 1;
  const double l = std::abs(x), v = y;
  if (auto s = surface_sample(m, x, y)) return *s;
  if (auto s = side_bone_sample(m, static_cast<std::size_t>(side), l, v, z)) return *s;
  if (auto s = midline_sample(m, x, y, z)) return *s;
  if (auto s = blob_sample(m, side, l, v, x, y, z)) return *s;
  return viscera_sample(m, x, y, z);
}

}  // namespace myo::phantom::detail
