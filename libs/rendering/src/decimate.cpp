#include "decimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <queue>
#include <utility>

namespace myo::rendering::detail {
namespace {

using Vec = std::array<double, 3>;

Vec minus(const Vec& a, const Vec& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec cross(const Vec& a, const Vec& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Vec& a, const Vec& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
double distance2(const Vec& a, const Vec& b) { return dot(minus(a, b), minus(a, b)); }

// Sum of weighted squared distances to planes n.x + d = 0: the upper triangle of a symmetric 4x4 matrix.
struct Quadric {
  std::array<double, 10> m{};  // xx xy xz xd yy yz yd zz zd dd

  void add_plane(const Vec& n, double d, double weight) {
    const std::array<double, 4> p{n[0], n[1], n[2], d};
    std::size_t k = 0;
    for (std::size_t r = 0; r < 4; ++r)
      for (std::size_t c = r; c < 4; ++c) m[k++] += weight * p[r] * p[c];
  }
  [[nodiscard]] Quadric plus(const Quadric& other) const {
    Quadric q = *this;
    for (std::size_t k = 0; k < m.size(); ++k) q.m[k] += other.m[k];
    return q;
  }
  [[nodiscard]] double error(const Vec& p) const {
    const double x = p[0], y = p[1], z = p[2];
    return m[0] * x * x + 2 * m[1] * x * y + 2 * m[2] * x * z + 2 * m[3] * x + m[4] * y * y + 2 * m[5] * y * z +
           2 * m[6] * y + m[7] * z * z + 2 * m[8] * z + m[9];
  }
  // The point of least error (the 3x3 system by its adjugate); none when the system is nearly singular, as on a flat
  // or cylindrical patch.
  [[nodiscard]] std::optional<Vec> minimum() const {
    const double a = m[0], b = m[1], c = m[2], e = m[4], f = m[5], i = m[7];
    const double c00 = e * i - f * f, c01 = c * f - b * i, c02 = b * f - c * e;
    const double c11 = a * i - c * c, c12 = b * c - a * f, c22 = a * e - b * b;
    const double det = a * c00 + b * c01 + c * c02, trace = a + e + i;
    if (!(std::abs(det) > 1e-9 * trace * trace * trace)) return std::nullopt;
    const Vec r{-m[3], -m[6], -m[8]};
    return Vec{(c00 * r[0] + c01 * r[1] + c02 * r[2]) / det, (c01 * r[0] + c11 * r[1] + c12 * r[2]) / det,
               (c02 * r[0] + c12 * r[1] + c22 * r[2]) / det};
  }
};

// A triangle's normal must turn by less than about 78 degrees in a collapse: folds and slivers are refused.
constexpr double kMinNormalCosine = 0.2;

class Collapser {
 public:
  explicit Collapser(const TriangleMesh& mesh);
  void run(std::size_t max_triangles);
  [[nodiscard]] TriangleMesh result() const;

 private:
  // 16 bytes, for a heap that stays in cache. Stamps only grow, so an unchanged sum means both ends are unchanged.
  struct Candidate {
    float cost;
    int u, v;
    std::uint32_t stamps;  // stamp of u + stamp of v when the cost was computed
  };
  struct Costlier {
    bool operator()(const Candidate& a, const Candidate& b) const { return a.cost > b.cost; }
  };
  [[nodiscard]] std::uint32_t stamps(int u, int v) const {
    return stamp_[static_cast<std::size_t>(u)] + stamp_[static_cast<std::size_t>(v)];
  }

  void add_triangle_planes();
  void lock_open_edges();
  [[nodiscard]] std::pair<Vec, double> placement(int u, int v) const;
  void push(int u, int v);
  void push_all_edges();
  void push_edges_of(int u);
  [[nodiscard]] bool links_allow(int u, int v);
  [[nodiscard]] bool keeps_orientation(int moved, int other, const Vec& p) const;
  void unlink(int t, int vertex);
  void collapse(int u, int v, const Vec& p);

  std::vector<Vec> points_;
  std::vector<std::array<int, 3>> triangles_;
  std::vector<char> live_;                // per triangle
  std::vector<std::vector<int>> around_;  // per point: its live triangles
  std::vector<Quadric> quadrics_;
  std::vector<std::uint32_t> stamp_;  // bumped whenever a point moves or goes
  std::vector<char> locked_;          // on an open or non-manifold edge: never moved
  std::vector<std::uint32_t> mark_;   // scratch for neighbour sets
  std::uint32_t generation_ = 0;
  std::priority_queue<Candidate, std::vector<Candidate>, Costlier> heap_;
  std::size_t live_count_ = 0;
  Vec centre_{};  // subtracted from the points while decimating, for the quadrics' precision
};

Collapser::Collapser(const TriangleMesh& mesh)
    : points_(mesh.points),
      around_(mesh.points.size()),
      quadrics_(mesh.points.size()),
      stamp_(mesh.points.size(), 0),
      locked_(mesh.points.size(), 0),
      mark_(mesh.points.size(), 0) {
  Vec lo{HUGE_VAL, HUGE_VAL, HUGE_VAL}, hi{-HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
  for (const auto& p : points_)
    for (std::size_t a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], p[a]);
      hi[a] = std::max(hi[a], p[a]);
    }
  if (!points_.empty())
    for (std::size_t a = 0; a < 3; ++a) centre_[a] = (lo[a] + hi[a]) / 2;
  for (auto& p : points_) p = minus(p, centre_);
  for (const auto& t : mesh.triangles)
    if (t[0] != t[1] && t[1] != t[2] && t[0] != t[2]) triangles_.push_back(t);
  live_.assign(triangles_.size(), 1);
  live_count_ = triangles_.size();
  for (std::size_t t = 0; t < triangles_.size(); ++t)
    for (const int p : triangles_[t]) around_[static_cast<std::size_t>(p)].push_back(static_cast<int>(t));
  add_triangle_planes();
  lock_open_edges();
}

// Each point's quadric: the planes of the triangles around it, weighted by their area.
void Collapser::add_triangle_planes() {
  for (const auto& t : triangles_) {
    const Vec& p0 = points_[static_cast<std::size_t>(t[0])];
    const Vec n =
        cross(minus(points_[static_cast<std::size_t>(t[1])], p0), minus(points_[static_cast<std::size_t>(t[2])], p0));
    const double length = std::sqrt(dot(n, n));
    if (!(length > 0)) continue;
    const Vec unit{n[0] / length, n[1] / length, n[2] / length};
    for (const int p : t) quadrics_[static_cast<std::size_t>(p)].add_plane(unit, -dot(unit, p0), length / 2);
  }
}

// Points on an edge that has not exactly two triangles keep their place: holes and seams stay as they are. The
// triangles of each edge are counted from its lower end.
void Collapser::lock_open_edges() {
  std::vector<int> count(points_.size(), 0), ends;
  for (std::size_t u = 0; u < around_.size(); ++u) {
    ++generation_;
    ends.clear();
    for (const int t : around_[u])
      for (const int w : triangles_[static_cast<std::size_t>(t)]) {
        if (static_cast<std::size_t>(w) <= u) continue;
        auto& mark = mark_[static_cast<std::size_t>(w)];
        if (mark != generation_) {
          mark = generation_;
          count[static_cast<std::size_t>(w)] = 0;
          ends.push_back(w);
        }
        ++count[static_cast<std::size_t>(w)];
      }
    for (const int w : ends)
      if (count[static_cast<std::size_t>(w)] != 2) locked_[u] = locked_[static_cast<std::size_t>(w)] = 1;
  }
}

// Where the merged point goes and the error there: the quadric's minimum when it is well defined and near the edge,
// else the best of the two ends and the midpoint; a locked end stays put.
std::pair<Vec, double> Collapser::placement(int u, int v) const {
  const Quadric q = quadrics_[static_cast<std::size_t>(u)].plus(quadrics_[static_cast<std::size_t>(v)]);
  const Vec& a = points_[static_cast<std::size_t>(u)];
  const Vec& b = points_[static_cast<std::size_t>(v)];
  const auto at = [&](const Vec& p) { return std::make_pair(p, std::max(0.0, q.error(p))); };
  if (locked_[static_cast<std::size_t>(u)]) return at(a);
  if (locked_[static_cast<std::size_t>(v)]) return at(b);
  const Vec mid{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2};
  if (const auto best = q.minimum(); best && distance2(*best, mid) <= distance2(a, b)) return at(*best);
  auto choice = at(mid);
  for (const Vec* end : {&a, &b})
    if (const auto e = at(*end); e.second < choice.second) choice = e;
  return choice;
}

void Collapser::push(int u, int v) {
  if (u > v) std::swap(u, v);
  if (locked_[static_cast<std::size_t>(u)] && locked_[static_cast<std::size_t>(v)]) return;
  heap_.push({static_cast<float>(placement(u, v).second), u, v, stamps(u, v)});
}

// Every edge at `u` once.
void Collapser::push_edges_of(int u) {
  ++generation_;
  mark_[static_cast<std::size_t>(u)] = generation_;
  for (const int t : around_[static_cast<std::size_t>(u)])
    for (const int w : triangles_[static_cast<std::size_t>(t)]) {
      if (mark_[static_cast<std::size_t>(w)] == generation_) continue;
      mark_[static_cast<std::size_t>(w)] = generation_;
      push(u, w);
    }
}

void Collapser::push_all_edges() {
  heap_ = {};
  for (std::size_t u = 0; u < around_.size(); ++u) {
    ++generation_;
    for (const int t : around_[u])
      for (const int w : triangles_[static_cast<std::size_t>(t)]) {
        if (static_cast<std::size_t>(w) <= u || mark_[static_cast<std::size_t>(w)] == generation_) continue;
        mark_[static_cast<std::size_t>(w)] = generation_;
        push(static_cast<int>(u), w);
      }
  }
}

// The link condition: u and v share exactly the two neighbours opposite their edge, and each of those keeps at
// least three triangles (no edge of three triangles, no piece thinner than a tetrahedron).
bool Collapser::links_allow(int u, int v) {
  ++generation_;
  for (const int t : around_[static_cast<std::size_t>(u)])
    for (const int w : triangles_[static_cast<std::size_t>(t)]) mark_[static_cast<std::size_t>(w)] = generation_;
  const std::uint32_t counted = ++generation_;
  std::array<int, 2> common{};
  std::size_t shared = 0;
  for (const int t : around_[static_cast<std::size_t>(v)])
    for (const int w : triangles_[static_cast<std::size_t>(t)]) {
      auto& mark = mark_[static_cast<std::size_t>(w)];
      if (w == u || w == v || mark != counted - 1) continue;
      if (shared == common.size()) return false;
      common[shared++] = w;
      mark = counted;
    }
  return shared == 2 && around_[static_cast<std::size_t>(common[0])].size() > 3 &&
         around_[static_cast<std::size_t>(common[1])].size() > 3;
}

// Moving `moved` to p turns no triangle around it (other than those on the collapsing edge) too far.
bool Collapser::keeps_orientation(int moved, int other, const Vec& p) const {
  for (const int t : around_[static_cast<std::size_t>(moved)]) {
    const auto& tri = triangles_[static_cast<std::size_t>(t)];
    if (std::find(tri.begin(), tri.end(), other) != tri.end()) continue;
    std::array<Vec, 3> q{};
    for (std::size_t k = 0; k < 3; ++k) q[k] = tri[k] == moved ? p : points_[static_cast<std::size_t>(tri[k])];
    const Vec before =
        cross(minus(points_[static_cast<std::size_t>(tri[1])], points_[static_cast<std::size_t>(tri[0])]),
              minus(points_[static_cast<std::size_t>(tri[2])], points_[static_cast<std::size_t>(tri[0])]));
    const Vec after = cross(minus(q[1], q[0]), minus(q[2], q[0]));
    if (!(dot(before, after) > kMinNormalCosine * std::sqrt(dot(before, before) * dot(after, after)))) return false;
  }
  return true;
}

void Collapser::unlink(int t, int vertex) {
  auto& list = around_[static_cast<std::size_t>(vertex)];
  list.erase(std::find(list.begin(), list.end(), t));
}

// v merges into u, which moves to p: the two triangles on the edge go, v's others take u in v's place.
void Collapser::collapse(int u, int v, const Vec& p) {
  for (const int t : around_[static_cast<std::size_t>(v)]) {
    auto& tri = triangles_[static_cast<std::size_t>(t)];
    if (std::find(tri.begin(), tri.end(), u) != tri.end()) {
      live_[static_cast<std::size_t>(t)] = 0;
      --live_count_;
      for (const int w : tri)
        if (w != v) unlink(t, w);
      continue;
    }
    std::replace(tri.begin(), tri.end(), v, u);
    around_[static_cast<std::size_t>(u)].push_back(t);
  }
  around_[static_cast<std::size_t>(v)].clear();
  points_[static_cast<std::size_t>(u)] = p;
  quadrics_[static_cast<std::size_t>(u)] =
      quadrics_[static_cast<std::size_t>(u)].plus(quadrics_[static_cast<std::size_t>(v)]);
  ++stamp_[static_cast<std::size_t>(u)];
  ++stamp_[static_cast<std::size_t>(v)];
  push_edges_of(u);
}

// Cheapest collapse first until the budget is met. A refused collapse may become allowed once its neighbourhood has
// changed, so the edges are queued afresh while that still gains triangles.
void Collapser::run(std::size_t max_triangles) {
  for (int round = 0; round < 8 && live_count_ > max_triangles; ++round) {
    const std::size_t before = live_count_;
    push_all_edges();
    while (live_count_ > max_triangles && !heap_.empty()) {
      const Candidate c = heap_.top();
      heap_.pop();
      if (stamps(c.u, c.v) != c.stamps) continue;  // an end has moved since: queued again with its new cost
      const Vec p = placement(c.u, c.v).first;
      if (!links_allow(c.u, c.v) || !keeps_orientation(c.u, c.v, p) || !keeps_orientation(c.v, c.u, p)) continue;
      if (locked_[static_cast<std::size_t>(c.v)])
        collapse(c.v, c.u, p);  // the locked end stays
      else
        collapse(c.u, c.v, p);
    }
    if (live_count_ == before) break;
  }
  heap_ = {};
}

TriangleMesh Collapser::result() const {
  TriangleMesh out;
  std::vector<int> index(points_.size(), -1);
  for (std::size_t t = 0; t < triangles_.size(); ++t) {
    if (!live_[t]) continue;
    std::array<int, 3> tri{};
    for (std::size_t k = 0; k < 3; ++k) {
      auto& i = index[static_cast<std::size_t>(triangles_[t][k])];
      if (i < 0) {
        i = static_cast<int>(out.points.size());
        const Vec& p = points_[static_cast<std::size_t>(triangles_[t][k])];
        out.points.push_back({p[0] + centre_[0], p[1] + centre_[1], p[2] + centre_[2]});
      }
      tri[k] = i;
    }
    out.triangles.push_back(tri);
  }
  return out;
}

}  // namespace

TriangleMesh decimate(const TriangleMesh& mesh, std::size_t max_triangles) {
  Collapser collapser(mesh);
  collapser.run(max_triangles);
  return collapser.result();
}

}  // namespace myo::rendering::detail
