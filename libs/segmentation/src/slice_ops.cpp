#include "slice_ops.hpp"

#include <cmath>
#include <utility>

namespace myo::segmentation::slice {
namespace {

// Distance-transform based morphology: exact discs, cost independent of the radius.
// Two-pass squared Euclidean distance (Felzenszwalb & Huttenlocher) in anisotropic pixel units.
std::vector<double> squared_distance_to(const Grid& g, const Mask& mask, bool to_foreground) {
  const double inf = 1e20;
  std::vector<double> d(static_cast<std::size_t>(g.count()));
  for (int p = 0; p < g.count(); ++p) d[static_cast<std::size_t>(p)] = ((mask[static_cast<std::size_t>(p)] != 0) == to_foreground) ? 0.0 : inf;
  const auto pass = [](std::vector<double>& f, int n, double spacing) {
    std::vector<double> out(static_cast<std::size_t>(n));
    std::vector<int> v(static_cast<std::size_t>(n));
    std::vector<double> z(static_cast<std::size_t>(n) + 1);
    const double s2 = spacing * spacing;
    int k = 0;
    v[0] = 0;
    z[0] = -1e30;
    z[1] = 1e30;
    for (int q = 1; q < n; ++q) {
      double s = 0;
      while (true) {
        const int r = v[static_cast<std::size_t>(k)];
        s = ((f[static_cast<std::size_t>(q)] + s2 * q * q) - (f[static_cast<std::size_t>(r)] + s2 * r * r)) / (2.0 * s2 * (q - r));
        if (s <= z[static_cast<std::size_t>(k)] && k > 0) {
          --k;
          continue;
        }
        if (s <= z[static_cast<std::size_t>(k)]) {
          // k == 0: replace
          v[0] = q;
          z[1] = 1e30;
          break;
        }
        ++k;
        v[static_cast<std::size_t>(k)] = q;
        z[static_cast<std::size_t>(k)] = s;
        z[static_cast<std::size_t>(k) + 1] = 1e30;
        break;
      }
    }
    k = 0;
    for (int q = 0; q < n; ++q) {
      while (z[static_cast<std::size_t>(k) + 1] < q) ++k;
      const int r = v[static_cast<std::size_t>(k)];
      out[static_cast<std::size_t>(q)] = s2 * (q - r) * (q - r) + f[static_cast<std::size_t>(r)];
    }
    f = std::move(out);
  };
  std::vector<double> line;
  for (int y = 0; y < g.ny; ++y) {
    line.assign(d.begin() + y * g.nx, d.begin() + (y + 1) * g.nx);
    pass(line, g.nx, g.sx_mm);
    std::copy(line.begin(), line.end(), d.begin() + y * g.nx);
  }
  line.resize(static_cast<std::size_t>(g.ny));
  for (int x = 0; x < g.nx; ++x) {
    for (int y = 0; y < g.ny; ++y) line[static_cast<std::size_t>(y)] = d[static_cast<std::size_t>(y * g.nx + x)];
    pass(line, g.ny, g.sy_mm);
    for (int y = 0; y < g.ny; ++y) d[static_cast<std::size_t>(y * g.nx + x)] = line[static_cast<std::size_t>(y)];
  }
  return d;
}

}  // namespace

void fill_holes(const Grid& g, Mask& mask) {
  // Background reachable from the border stays background; everything else is filled.
  Mask outside(mask.size(), 0);
  std::vector<int> stack;
  const auto push = [&](int x, int y) {
    const int p = y * g.nx + x;
    if (mask[static_cast<std::size_t>(p)] == 0 && outside[static_cast<std::size_t>(p)] == 0) {
      outside[static_cast<std::size_t>(p)] = 1;
      stack.push_back(p);
    }
  };
  for (int x = 0; x < g.nx; ++x) {
    push(x, 0);
    push(x, g.ny - 1);
  }
  for (int y = 0; y < g.ny; ++y) {
    push(0, y);
    push(g.nx - 1, y);
  }
  while (!stack.empty()) {
    const int p = stack.back();
    stack.pop_back();
    const int x = p % g.nx;
    const int y = p / g.nx;
    if (x > 0) push(x - 1, y);
    if (x + 1 < g.nx) push(x + 1, y);
    if (y > 0) push(x, y - 1);
    if (y + 1 < g.ny) push(x, y + 1);
  }
  for (std::size_t p = 0; p < mask.size(); ++p) mask[p] = outside[p] ? 0 : 1;
}

std::vector<Component> components(const Grid& g, const Mask& mask) {
  std::vector<int> label(mask.size(), -1);
  std::vector<Component> result;
  std::vector<int> stack;
  for (int start = 0; start < g.count(); ++start) {
    if (!mask[static_cast<std::size_t>(start)] || label[static_cast<std::size_t>(start)] >= 0) continue;
    Component c;
    const int id = static_cast<int>(result.size());
    stack.push_back(start);
    label[static_cast<std::size_t>(start)] = id;
    while (!stack.empty()) {
      const int p = stack.back();
      stack.pop_back();
      c.pixels.push_back(p);
      const int x = p % g.nx;
      const int y = p / g.nx;
      c.cx += x;
      c.cy += y;
      if (x == 0 || y == 0 || x == g.nx - 1 || y == g.ny - 1) c.touches_border = true;
      const int neighbours[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
      for (const auto& n : neighbours) {
        if (n[0] < 0 || n[1] < 0 || n[0] >= g.nx || n[1] >= g.ny) continue;
        const int q = n[1] * g.nx + n[0];
        if (mask[static_cast<std::size_t>(q)] && label[static_cast<std::size_t>(q)] < 0) {
          label[static_cast<std::size_t>(q)] = id;
          stack.push_back(q);
        }
      }
    }
    const double n = static_cast<double>(c.pixels.size());
    c.cx /= n;
    c.cy /= n;
    c.area_mm2 = n * g.sx_mm * g.sy_mm;
    result.push_back(std::move(c));
  }
  return result;
}

Mask dilate(const Grid& g, const Mask& mask, double radius_mm) {
  const auto d = squared_distance_to(g, mask, true);
  Mask out(mask.size());
  const double r2 = radius_mm * radius_mm;
  for (std::size_t p = 0; p < out.size(); ++p) out[p] = d[p] <= r2 ? 1 : 0;
  return out;
}

Mask erode(const Grid& g, const Mask& mask, double radius_mm) {
  const auto d = squared_distance_to(g, mask, false);
  Mask out(mask.size());
  const double r2 = radius_mm * radius_mm;
  for (std::size_t p = 0; p < out.size(); ++p) out[p] = (mask[p] && d[p] > r2) ? 1 : 0;
  return out;
}

std::vector<float> depth_inside_mm(const Grid& g, const Mask& mask) {
  const auto d = squared_distance_to(g, mask, false);
  std::vector<float> out(mask.size(), 0.0F);
  for (std::size_t p = 0; p < out.size(); ++p) out[p] = mask[p] ? static_cast<float>(std::sqrt(d[p])) : 0.0F;
  return out;
}

Mask close(const Grid& g, const Mask& mask, double radius_mm) { return erode(g, dilate(g, mask, radius_mm), radius_mm); }
Mask open(const Grid& g, const Mask& mask, double radius_mm) { return dilate(g, erode(g, mask, radius_mm), radius_mm); }

}  // namespace myo::segmentation::slice
