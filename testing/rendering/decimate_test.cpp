// The glTF scene's decimation (the library's private decimate.hpp) on meshes built here: the triangle budget, closed
// surfaces that stay closed, manifold, oriented and of the same topology, the shape and volume kept, open edges left
// in place. No VTK, no display.
#include "decimate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <utility>

namespace {

using myo::rendering::detail::decimate;
using myo::rendering::detail::TriangleMesh;
using Vec = std::array<double, 3>;

constexpr double kPi = 3.14159265358979323846;

// A grid of points p(i, j), wrapped in i and/or j, as two triangles per cell, counter-clockwise for d/di x d/dj.
template <class Point>
TriangleMesh grid_mesh(int ni, int nj, bool wrap_i, bool wrap_j, Point point) {
  TriangleMesh mesh;
  const int pi = wrap_i ? ni : ni + 1, pj = wrap_j ? nj : nj + 1;
  for (int j = 0; j < pj; ++j)
    for (int i = 0; i < pi; ++i) mesh.points.push_back(point(i, j));
  const auto id = [&](int i, int j) { return (j % pj) * pi + (i % pi); };
  for (int j = 0; j < nj; ++j)
    for (int i = 0; i < ni; ++i) {
      mesh.triangles.push_back({id(i, j), id(i + 1, j), id(i + 1, j + 1)});
      mesh.triangles.push_back({id(i, j), id(i + 1, j + 1), id(i, j + 1)});
    }
  return mesh;
}

// 100 x 40 cells, 8000 triangles, tube radius 15 mm around a circle of 40 mm, normals outwards.
TriangleMesh torus() {
  return grid_mesh(100, 40, true, true, [](int i, int j) {
    const double u = 2 * kPi * i / 100, v = 2 * kPi * j / 40, a = 40 + 15 * std::cos(v);
    return Vec{a * std::cos(u), a * std::sin(u), 15 * std::sin(v)};
  });
}

double torus_distance(const Vec& p) {
  const double q = std::hypot(p[0], p[1]) - 40;
  return std::abs(std::hypot(q, p[2]) - 15);
}

// Triangles facing into the torus' tube: a collapse folded the surface over.
int inward_triangles(const TriangleMesh& mesh) {
  int inward = 0;
  for (const auto& t : mesh.triangles) {
    const Vec &a = mesh.points[static_cast<std::size_t>(t[0])], &b = mesh.points[static_cast<std::size_t>(t[1])],
              &c = mesh.points[static_cast<std::size_t>(t[2])];
    const Vec e{b[0] - a[0], b[1] - a[1], b[2] - a[2]}, f{c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    const Vec n{e[1] * f[2] - e[2] * f[1], e[2] * f[0] - e[0] * f[2], e[0] * f[1] - e[1] * f[0]};
    const Vec m{(a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3, (a[2] + b[2] + c[2]) / 3};
    const double r = std::hypot(m[0], m[1]);  // outwards: from the tube's centre line to the centroid
    const Vec out{m[0] - 40 * m[0] / r, m[1] - 40 * m[1] / r, m[2]};
    inward += n[0] * out[0] + n[1] * out[1] + n[2] * out[2] <= 0;
  }
  return inward;
}

// Each directed edge once and its reverse once: closed, manifold and consistently oriented.
bool closed_and_oriented(const TriangleMesh& mesh) {
  std::map<std::pair<int, int>, int> directed;
  for (const auto& t : mesh.triangles)
    for (std::size_t k = 0; k < 3; ++k) ++directed[{t[k], t[(k + 1) % 3]}];
  for (const auto& [edge, count] : directed) {
    const auto reverse = directed.find({edge.second, edge.first});
    if (count != 1 || reverse == directed.end() || reverse->second != 1) return false;
  }
  return true;
}

int euler_characteristic(const TriangleMesh& mesh) {
  std::set<std::pair<int, int>> edges;
  std::set<int> points;
  for (const auto& t : mesh.triangles)
    for (std::size_t k = 0; k < 3; ++k) {
      edges.insert(std::minmax(t[k], t[(k + 1) % 3]));
      points.insert(t[k]);
    }
  return static_cast<int>(points.size()) - static_cast<int>(edges.size()) + static_cast<int>(mesh.triangles.size());
}

double volume(const TriangleMesh& mesh) {
  double v = 0;
  for (const auto& t : mesh.triangles) {
    const Vec &a = mesh.points[static_cast<std::size_t>(t[0])], &b = mesh.points[static_cast<std::size_t>(t[1])],
              &c = mesh.points[static_cast<std::size_t>(t[2])];
    v +=
        (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])) /
        6;
  }
  return v;
}

}  // namespace

TEST(Decimate, ClosedSurfaceMeetsTheBudgetAndStaysClosedOrientedAndOfItsTopology) {
  const auto original = torus();
  ASSERT_TRUE(closed_and_oriented(original));
  ASSERT_EQ(euler_characteristic(original), 0);
  const auto reduced = decimate(original, 500);
  EXPECT_LE(reduced.triangles.size(), 500U);
  EXPECT_GE(reduced.triangles.size(), 499U) << "stopped short of the budget";
  EXPECT_TRUE(closed_and_oriented(reduced)) << "an edge lost its pair, gained a third triangle or flipped";
  EXPECT_EQ(inward_triangles(reduced), 0);
  EXPECT_EQ(euler_characteristic(reduced), 0) << "the torus changed topology";
  EXPECT_EQ(decimate(original, 500).points, reduced.points) << "not deterministic";
}

TEST(Decimate, ShapeAndVolumeAreKept) {
  const auto original = torus();
  const auto reduced = decimate(original, 500);
  double worst = 0;
  for (const auto& p : reduced.points) worst = std::max(worst, torus_distance(p));
  EXPECT_LT(worst, 0.6) << "a point left the torus by " << worst << " mm (tube radius 15 mm)";
  EXPECT_NEAR(volume(reduced) / volume(original), 1.0, 0.02);
  EXPECT_EQ(reduced.points.size(), 250U) << "unused points kept, or points missing (a torus has V = F / 2)";
}

TEST(Decimate, PointsOnOpenEdgesStayWhereTheyAre) {
  // A wavy 40 x 40 sheet: its border is an open edge.
  const auto sheet = grid_mesh(40, 40, false, false, [](int i, int j) {
    return Vec{2.0 * i, 2.0 * j, 3 * std::sin(i / 6.0) * std::cos(j / 7.0)};
  });
  std::set<Vec> border;
  for (const auto& p : sheet.points)
    if (p[0] == 0 || p[1] == 0 || p[0] == 80 || p[1] == 80) border.insert(p);
  const auto reduced = decimate(sheet, 400);
  EXPECT_LE(reduced.triangles.size(), 400U);
  std::set<Vec> kept(reduced.points.begin(), reduced.points.end());
  for (const auto& p : border) EXPECT_TRUE(kept.count(p)) << "border point " << p[0] << ", " << p[1] << " moved";
}

TEST(Decimate, AClosedPieceStopsAtATetrahedron) {
  const auto cube = grid_mesh(4, 1, true, false, [](int i, int j) {
    const double corner[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    return Vec{corner[i][0], corner[i][1], static_cast<double>(j)};
  });
  TriangleMesh closed = cube;  // the side walls, closed by a bottom (4 points at z = 0) and a top (z = 1)
  closed.triangles.push_back({0, 2, 1});
  closed.triangles.push_back({0, 3, 2});
  closed.triangles.push_back({4, 5, 6});
  closed.triangles.push_back({4, 6, 7});
  ASSERT_TRUE(closed_and_oriented(closed));
  const auto reduced = decimate(closed, 0);
  EXPECT_EQ(reduced.triangles.size(), 4U);
  EXPECT_TRUE(closed_and_oriented(reduced));
  EXPECT_GT(volume(reduced), 0) << "the tetrahedron is flat or inside out";
}
