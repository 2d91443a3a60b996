#pragma once
// The generator's muscles and femoral vessels as data (anatomy_table.cpp): cross-section keyframes by level, read by
// Anatomy::build. Private to libs/phantom.
#include <cstddef>
#include <string_view>

namespace myo::phantom::detail {

// How a keyframe places its cross-section: in side-local millimetres before the body scale, or relative to the
// thigh (angle and fraction of the thigh's muscle radius around the thigh's centre; size as fractions of it).
enum class KeyForm { absolute, thigh };

// A muscle (or part of one) and the catalogue group whose label it carries ("" for muscles outside the catalogue).
// Weight is added to the normalised depth so that thin superficial straps hold their own against big neighbours.
struct MuscleRow {
  std::string_view name;
  std::string_view group;
  double weight;
};

// One elliptical cross-section at level z (mm above the femoral head centres).
// absolute: centre (l, v), half-axes a and b (mm), long axis at angle_deg from +l towards +v.
// thigh: centre at angle phi (deg, 0 lateral, 90 posterior) and radius fraction rho from the thigh's centre,
// half-axes a and b as fractions of the thigh's muscle radius, long axis tangential (angle_deg unused).
struct KeyframeRow {
  std::string_view muscle;
  KeyForm form;
  double z, l_or_phi, v_or_rho, a, b, angle_deg;
};

// A point on the femoral vessels' centreline, in either form (a, b and angle unused).
struct CentrelineRow {
  KeyForm form;
  double z, l_or_phi, v_or_rho;
};

// One femoral vessel: its radius and its offset from the shared centreline (mm).
struct VesselRow {
  std::string_view name;
  double radius_mm, dl_mm, dv_mm;
};

template <class Row>
struct Rows {
  const Row* first;
  std::size_t count;
  [[nodiscard]] const Row* begin() const { return first; }
  [[nodiscard]] const Row* end() const { return first + count; }
};

// In the order the generator draws their random variation: changing the order changes every study.
[[nodiscard]] Rows<MuscleRow> muscle_rows();
[[nodiscard]] Rows<KeyframeRow> keyframe_rows();  // grouped by muscle, any order within one
[[nodiscard]] Rows<CentrelineRow> femoral_centreline_rows();
[[nodiscard]] Rows<VesselRow> femoral_vessel_rows();

}  // namespace myo::phantom::detail
