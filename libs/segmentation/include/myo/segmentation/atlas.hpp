#pragma once
// A probabilistic atlas of the muscle groups in a patient-normalised frame, learned from labelled studies.
//
// The frame is anatomical, so it transfers between patients without image registration of the whole body:
//   level  height above the perineum (the highest level at which the thighs are separate), mm;
//   u, v   position around the femur of that side, lateral (u) and anterior (v), as a fraction of the distance from
//          the femur to that side's muscle compartment boundary (fascia) in the same direction, after undoing the
//          in-plane rotation of the body (femur to femur). The fascia maps onto the unit circle whatever the
//          thigh's shape or size, so superficial muscles stay at the rim and deep ones near the femur.
// Each cell holds P(group | level, u, v) over the candidate muscle voxels of the labelled studies, sides pooled
// (left mirrored onto right). `myoscope atlas-build` makes one from any labelled studies (e.g. expert labels).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "myo/core/volume.hpp"
#include "myo/segmentation/segment.hpp"

namespace myo::segmentation {

struct AtlasAxis {
  double first = 0;  // centre of the first bin
  double step = 1;
  int count = 0;
};

class SegmentationAtlas {
 public:
  SegmentationAtlas() = default;
  SegmentationAtlas(std::vector<std::string> groups, AtlasAxis level, AtlasAxis u, AtlasAxis v);

  // The atlas compiled into the library (data/hip_thigh_atlas.bin). Throws MyoError when none was compiled in.
  [[nodiscard]] static const SegmentationAtlas& builtin();
  [[nodiscard]] static SegmentationAtlas read(const std::filesystem::path& path);  // throws MyoError naming the file
  [[nodiscard]] static SegmentationAtlas parse(const std::string& bytes, const std::string& origin);
  void write(const std::filesystem::path& path) const;  // atomic

  // Class probabilities (index 0 = no group, i = catalogue group i-1) at a point, trilinear; all zero outside.
  void probabilities(double level_mm, double u, double v, std::vector<float>& out) const;

  [[nodiscard]] const std::vector<std::string>& groups() const { return groups_; }
  [[nodiscard]] std::size_t class_count() const { return groups_.size() + 1; }
  [[nodiscard]] const AtlasAxis& level_axis() const { return level_; }
  [[nodiscard]] const AtlasAxis& u_axis() const { return u_; }
  [[nodiscard]] const AtlasAxis& v_axis() const { return v_; }
  [[nodiscard]] std::size_t studies() const { return studies_; }

  // Raw cell access for the builder: probability x 255 per class.
  [[nodiscard]] std::uint8_t* cell(int level, int v, int u);
  [[nodiscard]] const std::uint8_t* cell(int level, int v, int u) const;
  void set_studies(std::size_t count) { studies_ = count; }

 private:
  std::vector<std::string> groups_;  // catalogue group names, in class order 1..n
  AtlasAxis level_, u_, v_;
  std::size_t studies_ = 0;
  std::vector<std::uint8_t> cells_;  // [level][v][u][class]
};

// Accumulates labelled studies into an atlas. Labels use the catalogue values (right 1-9, left 11-19).
class AtlasBuilder {
 public:
  AtlasBuilder();
  void add(const SegmentationInput& input, const core::LabelVolume& labels, const SegmentationParams& params = {});
  [[nodiscard]] SegmentationAtlas finish() const;
  [[nodiscard]] std::size_t studies() const { return studies_; }

 private:
  AtlasAxis level_, u_, v_;
  std::vector<float> counts_;  // [level][v][u][class]
  std::size_t classes_ = 0;
  std::size_t studies_ = 0;
};

}  // namespace myo::segmentation
