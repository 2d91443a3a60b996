#pragma once
// Image geometry in the DICOM/ITK patient coordinate system (LPS, millimetres).
// Geometry travels with every image: nothing in MyoScope resamples or reorients implicitly.
#include <array>
#include <cstddef>
#include <string>

namespace myo::core {

using Vec3 = std::array<double, 3>;
using Mat3 = std::array<double, 9>;  // row-major; column j is the direction of image axis j in LPS

struct Geometry {
  std::array<std::size_t, 3> size{0, 0, 0};
  Vec3 spacing_mm{1.0, 1.0, 1.0};
  Vec3 origin_mm{0.0, 0.0, 0.0};  // centre of voxel (0,0,0)
  Mat3 direction{1, 0, 0, 0, 1, 0, 0, 0, 1};

  [[nodiscard]] std::size_t voxel_count() const { return size[0] * size[1] * size[2]; }
  [[nodiscard]] double voxel_volume_ml() const { return spacing_mm[0] * spacing_mm[1] * spacing_mm[2] / 1000.0; }
  [[nodiscard]] std::size_t linear_index(std::size_t i, std::size_t j, std::size_t k) const {
    return i + size[0] * (j + size[1] * k);
  }
  [[nodiscard]] Vec3 axis(int j) const { return {direction[0 + j], direction[3 + j], direction[6 + j]}; }
  // Physical (LPS mm) position of a continuous index.
  [[nodiscard]] Vec3 index_to_physical(const Vec3& index) const;
  // Continuous index of a physical point (inverse of index_to_physical).
  [[nodiscard]] Vec3 physical_to_index(const Vec3& point_mm) const;
  [[nodiscard]] bool same_grid(const Geometry& other, double tolerance_mm = 1e-3) const;
  // The same grid up to what headers written in float32 (NIfTI from nibabel, ITK-SNAP, ...) lose: equal sizes,
  // origins within `voxel_fraction` of a voxel along each axis, spacings that drift apart by less than that over the
  // whole grid, direction cosines within `direction_tolerance`.
  [[nodiscard]] bool same_grid_within_voxels(const Geometry& other, double voxel_fraction = 1e-3,
                                             double direction_tolerance = 1e-4) const;
  [[nodiscard]] std::string describe() const;
};

[[nodiscard]] Mat3 identity_direction();
[[nodiscard]] Vec3 cross(const Vec3& a, const Vec3& b);
[[nodiscard]] double dot(const Vec3& a, const Vec3& b);
[[nodiscard]] Vec3 normalized(const Vec3& v);
// Direction matrix whose columns are row, column and slice-normal cosines (as DICOM ImageOrientationPatient gives them).
[[nodiscard]] Mat3 direction_from_cosines(const Vec3& row, const Vec3& column);

// Patient side convention: LPS +x points to the patient's LEFT. Radiological display shows patient right on image left.
enum class Side { right, left };
[[nodiscard]] const char* to_string(Side side);
[[nodiscard]] Side side_of_lps_x(double x_mm, double midline_x_mm);

}  // namespace myo::core
