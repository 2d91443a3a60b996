#pragma once
// The synthetic hip-and-thigh body: a 3D function from an LPS point to the tissue found there, with muscle-group
// labels, true fat fraction and edema. Private to libs/phantom.
//
// Body frame: l = distance from the midline towards the patient's side (mm), v = posterior (mm, LPS y),
// z = superior (mm) with z = 0 at the femoral head centres. Patient right is -x in LPS, so x = -l on the right.
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "myo/core/geometry.hpp"
#include "myo/phantom/phantom.hpp"

namespace myo::phantom::detail {

enum class Tissue : std::uint8_t {
  air,
  skin,  // skin and other intermediate soft tissue (articular cartilage, joint space)
  subcutaneous_fat,
  intermuscular_fat,  // septa, pelvic and intermuscular fat
  muscle,
  cortex,
  marrow,         // fatty marrow of the femur
  pelvic_marrow,  // mixed red/yellow marrow of the pelvis and sacrum
  bladder,        // urine: water only, long T1/T2
  bowel_wall,
  bowel_fluid,
  vessel,  // flowing blood: flow void on spin echo
  count
};

struct Sample {
  Tissue tissue = Tissue::air;
  std::uint16_t label = 0;  // catalogue label (muscles only)
  float fat_fraction = 0;   // PDFF of the tissue at this point (0..1)
  bool edema = false;       // truth: edema intensity above one half
  float edema_weight = 0;   // 0..1, graded so that edema borders are soft as on real STIR
};

// Disease target for one muscle group on one side.
struct GroupDisease {
  double fat_fraction = 0.04;  // target mean PDFF (0..1)
  double edema_fraction = 0;   // target fraction of the muscle's volume with edema (0..1)
  double proximal_gradient = 0;  // >0: more fat proximally along the limb
  double atrophy = 0;          // 0..0.4: relative loss of cross-section
  bool fascial_edema = false;  // edema favours the muscle periphery (dermatomyositis)
};

// Per group index (catalogue order) and side (0 right, 1 left).
using DiseaseTable = std::vector<std::array<GroupDisease, 2>>;

DiseaseTable make_disease(Scenario scenario, std::mt19937_64& rng);
// The same disease MONTHS later under treatment: in the involved groups (those with edema) edema falls exponentially
// (time constant kEdemaResponseMonths), fat fraction rises by kFatRisePerMonth, atrophy follows the fat.
void apply_disease_course(DiseaseTable& table, double months);
constexpr double kEdemaResponseMonths = 5.0;
constexpr double kFatRisePerMonth = 0.004;  // 0.4 PDFF points a month

// Smooth random field (value noise on an anisotropic lattice, trilinear), values roughly uniform in 0..1.
class NoiseField {
 public:
  NoiseField() = default;
  NoiseField(std::mt19937_64& rng, core::Vec3 cell_mm, core::Vec3 lo_mm, core::Vec3 hi_mm);
  [[nodiscard]] float operator()(double x, double y, double z) const;

 private:
  [[nodiscard]] double interpolate(double x, double y, double z) const;
  std::vector<double> quantiles_;
  std::array<int, 3> n_{0, 0, 0};
  core::Vec3 cell_{1, 1, 1};
  core::Vec3 lo_{0, 0, 0};
  std::vector<float> values_;
};

struct Blob {  // smooth irregular cross-section of one muscle part in one axial plane (side-local l, v)
  double cl = 0, cv = 0, a = 1, b = 1, cos_t = 1, sin_t = 0;
  std::array<double, 6> harmonics{};  // cos2, sin2, cos3, sin3, cos4, sin4 relative radius modulation
  double weight = 0;                  // added to the normalised depth: small muscles hold their own
  double reach = 0;                   // bounding radius for a quick reject
  int group = -1;                     // catalogue group index; -1: vessel; -2: muscle outside the catalogue
  double z_top = 0, z_bottom = 0;     // extent of the muscle along z (for the proximal gradient)
};

struct Outline {  // ellipse with harmonics: the muscle-space boundary, plus subcutaneous fat outside it
  double cx = 0, cy = 0, a = 1, b = 1;
  std::array<double, 6> harmonics{};
  double fat_mm = 10;
  std::array<double, 4> fat_harmonics{};  // cos1, sin1, cos2, sin2 modulation of the fat thickness
  bool active = false;
};

struct Capsule {  // 3D bone primitive in side-local coordinates (l, v, z); radius interpolated along the axis
  core::Vec3 p0{}, p1{};
  double r0 = 0, r1 = 0;
  double cortex_mm = 2;
  Tissue inner = Tissue::pelvic_marrow;
  double z_lo = 0, z_hi = 0;
};

struct SliceModel {
  Outline pelvis;              // body-frame x, y (centred on the midline)
  std::array<Outline, 2> thigh;  // per side, side-local l, v
  std::array<std::vector<Blob>, 2> blobs;
  // femur shaft cross-section (side-local), radius 0 when absent
  std::array<double, 2> femur_l{}, femur_v{}, femur_r{}, femur_cortex{};
  std::array<double, 2> femur_ry{};  // radius along v (condyles are wider than deep)
  // iliac wing as a thick arc around (wing_cl, wing_cv)
  std::array<double, 2> wing_cl{}, wing_cv{}, wing_radius{}, wing_half_thickness{}, wing_phi0{}, wing_phi1{};
  // sacrum / lumbar vertebra ellipse on the midline
  double sacrum_v = 0, sacrum_w = 0, sacrum_d = 0;
  // viscera
  double bowel_v = 0, bowel_w = 0, bowel_d = 0;  // ellipse of the bowel region (body frame)
  double rectum_v = 0, rectum_r = 0;
  // Between the pubic arch and the thigh the two sides' muscles keep this far from the midline, with the ischioanal
  // and perineal fat between them; the thighs are laid out from there (anatomy.cpp, thigh_model_l).
  double perineal_gap_mm = 0;
  std::vector<int> capsules;  // active 3D bone primitives
};

struct BodyParams {
  double body_scale = 1.0;
  double fat_mm = 12;
  double muscle_bulk = 1.0;
  std::array<double, 2> side_bulk{1.0, 1.0};
  double offset_x = 0, offset_y = 0, offset_z = 0, rotation_deg = 0;
  double thigh_contact_mm = 0;  // > 0: thighs whose skin surfaces are closer than this are pressed together
};

class Anatomy {
 public:
  // VISIT > 1: the same patient MONTHS after the first visit (apply_disease_course), repositioned on the table.
  Anatomy(unsigned seed, Scenario scenario, bool touching_thighs = false, int visit = 1, double months = 0);
  [[nodiscard]] Sample sample(const core::Vec3& lps) const;
  [[nodiscard]] const BodyParams& body() const { return body_; }
  [[nodiscard]] const DiseaseTable& disease() const { return disease_; }
  // The lateral edge of the right thigh's muscle space at body level z (mm), in LPS (table offset and rotation applied).
  [[nodiscard]] core::Vec3 right_thigh_lateral_point(double z) const;
  static constexpr double kZBottom = -420.0;  // distal thigh, above the knee joint
  static constexpr double kZTop = 150.0;      // above the iliac crest
  static constexpr double kDz = 0.5;

 private:
  void build(std::mt19937_64& rng);
  void place_bones(std::mt19937_64& rng);  // femoral heads and the 3D bone primitives of both sides
  [[nodiscard]] Sample muscle_sample(const Blob& blob, int side, double x, double y, double z, double q) const;
  // The parts of sample(), in the order they are tried; each returns nothing where its tissues are absent.
  [[nodiscard]] std::optional<Sample> surface_sample(const SliceModel& m, double x, double y) const;
  [[nodiscard]] std::optional<Sample> side_bone_sample(const SliceModel& m, std::size_t sd, double l, double v,
                                                       double z) const;
  [[nodiscard]] std::optional<Sample> acetabulum_sample(std::size_t sd, double l, double v, double z) const;
  [[nodiscard]] std::optional<Sample> midline_sample(const SliceModel& m, double x, double y, double z) const;
  [[nodiscard]] std::optional<Sample> blob_sample(const SliceModel& m, int side, double l, double v, double x,
                                                  double y, double z) const;
  [[nodiscard]] Sample viscera_sample(const SliceModel& m, double x, double y, double z) const;

  BodyParams body_;
  DiseaseTable disease_;
  std::vector<SliceModel> slices_;
  std::array<std::vector<Capsule>, 2> capsules_;
  std::array<core::Vec3, 2> head_{};  // femoral head centres (side-local)
  double head_radius_ = 24;
  core::Vec3 bladder_scale_{1, 1, 1}, bladder_centre_{0, 0, 0};
  NoiseField fat_noise_, edema_noise_, bowel_noise_, bowel_noise2_;
};

}  // namespace myo::phantom::detail
