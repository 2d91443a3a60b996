#pragma once
// Quadric edge-collapse decimation (Garland and Heckbert 1997) of the muscle-group surfaces for the glTF scene, on
// plain arrays: several times cheaper than vtkQuadricDecimation on these meshes, and it keeps closed surfaces closed
// and manifold (docs/experiments.md, rendering).
#include <array>
#include <cstddef>
#include <vector>

namespace myo::rendering::detail {

struct TriangleMesh {
  std::vector<std::array<double, 3>> points;
  std::vector<std::array<int, 3>> triangles;  // indices into points, counter-clockwise seen from outside
};

// The mesh with at most max_triangles triangles (more only when no allowed collapse is left), its unused points
// dropped. Each step collapses the edge whose merged point, placed where the summed squared distances to the planes
// of the original triangles around both ends are least, moves the surface least. A collapse is refused when it would
// turn a triangle by more than about 78 degrees (a fold or a sliver), make an edge shared by more than two
// triangles, or shrink a closed piece below a tetrahedron; points on open or non-manifold edges stay where they are.
// Deterministic.
[[nodiscard]] TriangleMesh decimate(const TriangleMesh& mesh, std::size_t max_triangles);

}  // namespace myo::rendering::detail
