#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "myo/core/nifti_io.hpp"
#include "myo/segmentation/refine.hpp"
#include "myo/testing/test_support.hpp"
#include "borders.hpp"

using namespace myo;

// The refinement stage scored on real expert labels. The QMRITools lower-leg set (../shared/data; skipped with a
// reason when absent) has a water image (`twoLegs`: muscle bright, subcutaneous fat, septa and marrow dark) and expert
// labels of 7 muscles per leg. The hip/thigh groups do not exist on a leg, but the refinement does not care which
// muscles it separates: seed each expert muscle from a prior, flood with the product's refinement over the product's
// fat-likeness relief of this image, and compare with the expert. The control is the same flood over a flat relief
// (the image ignored: each voxel goes to the geodesically nearest marker), so the difference is what the septa do.
namespace {

using Labels = core::LabelVolume;
using myo::testing::mean_dice;

struct Slice2d {
  int nx = 0, ny = 0, nz = 0;
};

Slice2d dims(const core::Geometry& g) {
  return {static_cast<int>(g.size[0]), static_cast<int>(g.size[1]), static_cast<int>(g.size[2])};
}

// Body: signal above a tenth of the bright tissue, holes (dark fat and marrow inside the skin) filled per slice.
core::MaskVolume body_mask(const core::ImageVolume& image) {
  std::vector<float> values;
  for (const float v : image.voxels)
    if (v > 0) values.push_back(v);
  std::sort(values.begin(), values.end());
  const float threshold = 0.1F * values[values.size() * 99 / 100];
  const auto d = dims(image.geometry);
  core::MaskVolume body(image.geometry, 0);
  for (int k = 0; k < d.nz; ++k) {
    const std::size_t off = static_cast<std::size_t>(k) * static_cast<std::size_t>(d.nx * d.ny);
    std::vector<std::uint8_t> outside(static_cast<std::size_t>(d.nx * d.ny), 0);
    std::deque<int> queue;
    const auto push = [&](int x, int y) {
      if (x < 0 || y < 0 || x >= d.nx || y >= d.ny) return;
      const int p = y * d.nx + x;
      if (outside[static_cast<std::size_t>(p)] || image.voxels[off + static_cast<std::size_t>(p)] > threshold) return;
      outside[static_cast<std::size_t>(p)] = 1;
      queue.push_back(p);
    };
    for (int x = 0; x < d.nx; ++x) push(x, 0), push(x, d.ny - 1);
    for (int y = 0; y < d.ny; ++y) push(0, y), push(d.nx - 1, y);
    while (!queue.empty()) {
      const int p = queue.front();
      queue.pop_front();
      push(p % d.nx - 1, p / d.nx), push(p % d.nx + 1, p / d.nx), push(p % d.nx, p / d.nx - 1),
          push(p % d.nx, p / d.nx + 1);
    }
    for (int p = 0; p < d.nx * d.ny; ++p) body.voxels[off + static_cast<std::size_t>(p)] = !outside[static_cast<std::size_t>(p)];
  }
  return body;
}

// In-plane Gaussian blur (sigma in voxels) of one indicator volume.
std::vector<float> blur2d(const Slice2d& d, std::vector<float> v, double sigma) {
  const int r = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> w(static_cast<std::size_t>(2 * r + 1));
  double sum = 0;
  for (int i = -r; i <= r; ++i) sum += w[static_cast<std::size_t>(i + r)] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (auto& x : w) x /= sum;
  std::vector<float> tmp(v.size());
  for (int pass = 0; pass < 2; ++pass) {
    for (int k = 0; k < d.nz; ++k)
      for (int y = 0; y < d.ny; ++y)
        for (int x = 0; x < d.nx; ++x) {
          double acc = 0;
          for (int i = -r; i <= r; ++i) {
            const int xx = pass == 0 ? std::clamp(x + i, 0, d.nx - 1) : x;
            const int yy = pass == 1 ? std::clamp(y + i, 0, d.ny - 1) : y;
            acc += w[static_cast<std::size_t>(i + r)] * v[(static_cast<std::size_t>(k) * d.ny + yy) * d.nx + xx];
          }
          tmp[(static_cast<std::size_t>(k) * d.ny + y) * d.nx + x] = static_cast<float>(acc);
        }
    std::swap(v, tmp);
  }
  return v;
}

// An atlas stand-in: each expert muscle shifted in-plane by (dx, dy) voxels and blurred, as a registration that is
// off by a few millimetres and averages shapes. Returns the prior's most probable label and the markers (voxels
// whose most probable label has probability >= 0.7, as segmentation seeds the watershed).
struct Prior {
  Labels best;
  Labels markers;
};

Prior shifted_prior(const Labels& expert, const core::MaskVolume& region, const std::vector<std::uint16_t>& muscles,
                    int dx, int dy, double sigma_vox) {
  const auto d = dims(expert.geometry);
  Prior prior{Labels(expert.geometry, 0), Labels(expert.geometry, 0)};
  std::vector<float> best_p(expert.voxels.size(), 0.0F);
  for (const auto label : muscles) {
    std::vector<float> indicator(expert.voxels.size(), 0.0F);
    for (int k = 0; k < d.nz; ++k)
      for (int y = 0; y < d.ny; ++y)
        for (int x = 0; x < d.nx; ++x) {
          const int sx = x - dx, sy = y - dy;
          if (sx < 0 || sy < 0 || sx >= d.nx || sy >= d.ny) continue;
          indicator[(static_cast<std::size_t>(k) * d.ny + y) * d.nx + x] =
              expert.voxels[(static_cast<std::size_t>(k) * d.ny + sy) * d.nx + sx] == label ? 1.0F : 0.0F;
        }
    const auto p = blur2d(d, std::move(indicator), sigma_vox);
    for (std::size_t i = 0; i < p.size(); ++i)
      if (region.voxels[i] && p[i] > best_p[i]) {
        best_p[i] = p[i];
        prior.best.voxels[i] = label;
      }
  }
  for (std::size_t i = 0; i < best_p.size(); ++i)
    if (best_p[i] >= 0.7F) prior.markers.voxels[i] = prior.best.voxels[i];
  return prior;
}

// A minimal PNG writer (8-bit RGB, one IDAT) for the review pictures.
void write_png(const std::filesystem::path& path, int width, int height, const std::vector<std::uint8_t>& rgb) {
  std::vector<std::uint8_t> raw;
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), rgb.begin() + static_cast<std::ptrdiff_t>(y) * width * 3,
               rgb.begin() + static_cast<std::ptrdiff_t>(y + 1) * width * 3);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> packed(packed_size);
  ASSERT_EQ(compress(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size())), Z_OK);
  packed.resize(packed_size);
  std::ofstream out(path, std::ios::binary);
  const auto be32 = [&](std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
    out.write(b, 4);
  };
  const auto chunk = [&](const char* type, const std::vector<std::uint8_t>& data) {
    be32(static_cast<std::uint32_t>(data.size()));
    std::vector<std::uint8_t> body(type, type + 4);
    body.insert(body.end(), data.begin(), data.end());
    out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
    be32(static_cast<std::uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size()))));
  };
  out.write("\x89PNG\r\n\x1a\n", 8);
  std::vector<std::uint8_t> header(13, 0);
  for (int i = 0; i < 4; ++i) {
    header[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(width >> (24 - 8 * i));
    header[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(height >> (24 - 8 * i));
  }
  header[8] = 8;  // bit depth
  header[9] = 2;  // RGB
  chunk("IHDR", header);
  chunk("IDAT", packed);
  chunk("IEND", {});
}

// Panels per slice: image | expert | ours | flat flood; rows are slices. Labels are drawn over the image, with
// the image's own grey levels kept underneath so the septa stay visible.
void write_review(const std::filesystem::path& path, const core::ImageVolume& image, const std::vector<int>& slices,
                  const std::vector<const Labels*>& overlays, int x0, int y0, int w, int h, int zoom) {
  const auto d = dims(image.geometry);
  std::vector<float> sorted(image.voxels);
  std::sort(sorted.begin(), sorted.end());
  const float top = sorted[sorted.size() * 998 / 1000];
  const int panels = 1 + static_cast<int>(overlays.size());
  const int width = panels * w * zoom, height = static_cast<int>(slices.size()) * h * zoom;
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3, 0);
  const auto colour = [](std::uint16_t label) {
    static const std::array<std::array<int, 3>, 7> palette{{{230, 25, 75},
                                                             {60, 180, 75},
                                                             {255, 225, 25},
                                                             {0, 130, 200},
                                                             {245, 130, 48},
                                                             {145, 30, 180},
                                                             {70, 240, 240}}};
    return palette[static_cast<std::size_t>(label % 7)];
  };
  for (std::size_t row = 0; row < slices.size(); ++row)
    for (int panel = 0; panel < panels; ++panel)
      for (int y = 0; y < h * zoom; ++y)
        for (int x = 0; x < w * zoom; ++x) {
          const int ix = x0 + x / zoom;
          const int iy = y0 + (h - 1 - y / zoom);  // last image row at the top: anterior (tibia) up
          if (ix < 0 || iy < 0 || ix >= d.nx || iy >= d.ny) continue;
          const std::size_t i = (static_cast<std::size_t>(slices[row]) * d.ny + iy) * d.nx + ix;
          const double grey = std::clamp(image.voxels[i] / top, 0.0F, 1.0F) * 255.0;
          std::array<double, 3> c{grey, grey, grey};
          if (panel > 0) {
            const auto label = overlays[static_cast<std::size_t>(panel - 1)]->voxels[i];
            if (label) {
              const auto col = colour(label);
              for (int a = 0; a < 3; ++a) c[static_cast<std::size_t>(a)] = 0.45 * grey + 0.55 * col[static_cast<std::size_t>(a)];
            }
          }
          const std::size_t o = ((row * static_cast<std::size_t>(h * zoom) + static_cast<std::size_t>(y)) * width +
                                 static_cast<std::size_t>(panel * w * zoom + x)) * 3;
          for (int a = 0; a < 3; ++a) rgb[o + static_cast<std::size_t>(a)] = static_cast<std::uint8_t>(c[static_cast<std::size_t>(a)]);
        }
  write_png(path, width, height, rgb);
}

// The expert-labelled real leg: water image, expert labels, the expert's muscles (sorted), the body and the product's
// single-contrast fat-likeness of the image (twoLegs is a water image: fat is dark).
struct RealLeg {
  core::ImageVolume image;
  Labels expert;
  std::vector<std::uint16_t> muscles;
  core::MaskVolume body;
  core::ImageVolume fat_likeness;
};
RealLeg read_real_leg(const std::filesystem::path& data) {
  const auto base = data / "muscle-mri" / "qmritools-demo";
  RealLeg leg{core::read_image(base / "twoLegs.nii.gz"), core::read_labels(base / "labels.nii.gz"), {}, {}, {}};
  for (const auto v : leg.expert.voxels)
    if (v && std::find(leg.muscles.begin(), leg.muscles.end(), v) == leg.muscles.end()) leg.muscles.push_back(v);
  std::sort(leg.muscles.begin(), leg.muscles.end());
  leg.body = body_mask(leg.image);
  leg.fat_likeness = segmentation::fat_likeness_single_contrast(leg.image, leg.body, segmentation::FatSignal::dark);
  return leg;
}

}  // namespace

TEST(RefinementData, RealLegRefinementScoredAgainstExpertLabels) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto leg = read_real_leg(data);
  const auto& [image, expert, muscles, body, fat_likeness] = leg;
  ASSERT_TRUE(image.geometry.same_grid(expert.geometry));
  ASSERT_EQ(muscles.size(), 14U);  // 7 muscles per leg, labels 13-26

  // The relief is the product's single-contrast fat-likeness with fat dark (subcutaneous, septa, marrow), inside the
  // body.
  // Sanity of the relief: the expert's muscles are muscle-like, the body outside them mostly not.
  double in_muscle = 0, n_muscle = 0;
  for (std::size_t i = 0; i < image.voxels.size(); ++i)
    if (expert.voxels[i]) in_muscle += fat_likeness.voxels[i], n_muscle += 1;
  EXPECT_LT(in_muscle / n_muscle, 0.2);

  // Region to flood: the expert muscles grown by one voxel in-plane (so the septa the expert left open, and the
  // muscle edge, are flooded by both methods), inside the body.
  const auto d = dims(image.geometry);
  core::MaskVolume region(image.geometry, 0);
  for (int k = 0; k < d.nz; ++k)
    for (int y = 0; y < d.ny; ++y)
      for (int x = 0; x < d.nx; ++x) {
        bool near = false;
        for (int j = -1; j <= 1 && !near; ++j)
          for (int i = -1; i <= 1 && !near; ++i) {
            const int xx = x + i, yy = y + j;
            near = xx >= 0 && yy >= 0 && xx < d.nx && yy < d.ny &&
                   expert.voxels[(static_cast<std::size_t>(k) * d.ny + yy) * d.nx + xx] != 0;
          }
        const std::size_t p = (static_cast<std::size_t>(k) * d.ny + y) * d.nx + x;
        region.voxels[p] = near && body.voxels[p];
      }

  const core::ImageVolume flat(image.geometry, 0.0F);
  // Priors off by 0 to 2 voxels (0 to 8.5 mm) in the four diagonal directions, blurred like an atlas (sigma 1 voxel,
  // 3 mm). Markers outside the region are not seeds: the outside is flooded only after the region.
  struct Row {
    int shift;
    double prior, flat, ours, flat_worst, ours_worst;
  };
  std::vector<Row> rows;
  Labels review_ours, review_flat;
  for (const int shift : {0, 1, 2}) {
    Row row{shift, 0, 0, 0, 1, 1};
    const std::vector<std::array<int, 2>> directions =
        shift == 0 ? std::vector<std::array<int, 2>>{{0, 0}}
                   : std::vector<std::array<int, 2>>{{shift, shift}, {-shift, shift}, {shift, -shift}, {-shift, -shift}};
    for (const auto& dir : directions) {
      const auto prior = shifted_prior(expert, region, muscles, dir[0], dir[1], 1.0);
      auto ours = segmentation::refine_markers_over_septa(fat_likeness, region, prior.markers);
      auto by_distance = segmentation::refine_markers_over_septa(flat, region, prior.markers, {0.0});
      for (std::size_t i = 0; i < ours.voxels.size(); ++i)
        if (!region.voxels[i]) ours.voxels[i] = by_distance.voxels[i] = 0;
      double worst = 1;
      row.prior += mean_dice(prior.best, expert, muscles) / static_cast<double>(directions.size());
      row.flat += mean_dice(by_distance, expert, muscles, false, &worst) / static_cast<double>(directions.size());
      row.flat_worst = std::min(row.flat_worst, worst);
      row.ours += mean_dice(ours, expert, muscles, false, &worst) / static_cast<double>(directions.size());
      row.ours_worst = std::min(row.ours_worst, worst);
      if (shift == 2 && dir == directions.front()) {
        review_ours = ours;
        review_flat = by_distance;
      }
    }
    std::printf("real leg, prior off by %d voxel(s) diagonally: mean Dice prior alone %.3f, nearest marker %.3f "
                "(worst muscle %.3f), refinement over septa %.3f (worst muscle %.3f)\n",
                shift, row.prior, row.flat, row.flat_worst, row.ours, row.ours_worst);
    rows.push_back(row);
  }
  // Measured (2 cores, Release): mean Dice prior alone 1.000 / 0.970 / 0.840 for the prior off by 0 / 1 / 2 voxels;
  // nearest marker 0.992 / 0.955 / 0.838; refinement over the fat-likeness 0.985 / 0.941 / 0.811 (worst muscle 0.93 /
  // 0.69 / 0.25). With ITK's marker watershed, which queues a voxel at the level it was reached from, the refinement
  // gave 0.920 / 0.887 / 0.786 (worst 0.67 / 0.47 / 0.19): these floors keep the flood in relief order. On this 3 mm
  // water image the septa are one partial-volume voxel wide and the relief carries coil shading, so the image does
  // not yet beat the nearest marker; the comparison is printed and kept within a bound.
  EXPECT_GT(rows[0].flat, 0.97);  // the scoring itself: near-complete markers give near-perfect labels
  EXPECT_GT(rows[0].ours, 0.96);
  EXPECT_GT(rows[1].ours, 0.92);
  EXPECT_GT(rows[2].ours, 0.80);
  for (const auto& row : rows) EXPECT_GT(row.ours, row.flat - 0.05) << "prior off by " << row.shift;

  // Pictures for looking: build/real-review/refine_twolegs.png (rows: three slices; panels: image | expert |
  // refinement | nearest marker, prior off by 2 voxels).
  const auto review_dir = myo::testing::binary_dir() / "real-review";
  std::filesystem::create_directories(review_dir);
  write_review(review_dir / "refine_twolegs.png", image, {4, 12, 20}, {&expert, &review_ours, &review_flat}, 15, 35,
               130, 90, 3);
  core::write_image(fat_likeness, review_dir / "twolegs_fat_likeness.nii.gz");
  core::write_labels(review_ours, review_dir / "twolegs_refined_shift2.nii.gz");
}

// The septum lines (src/borders.hpp) against the same expert: the expert leaves a voxel open between two muscles.
// Close those gaps (each goes to a neighbouring muscle, as a flood would), then let the product choose the septum
// line again from the image alone: it should find the expert's gaps, and the labels should move towards the expert's.
TEST(RefinementData, SeptumLinesFindTheGapsTheExpertLeftBetweenMuscles) {
  MYO_REQUIRE_SHARED_DATA(data);
  const auto leg = read_real_leg(data);
  const auto& [image, expert, muscles, body, fat_likeness] = leg;
  ASSERT_TRUE(image.geometry.same_grid(expert.geometry));

  const auto d = dims(image.geometry);
  static constexpr std::array<std::array<int, 2>, 8> kEightNeighbours{
      {{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-1, -1}, {1, -1}, {-1, 1}, {1, 1}}};
  Labels touching = expert;
  std::size_t gaps = 0;
  for (int k = 0; k < d.nz; ++k)
    for (int y = 1; y + 1 < d.ny; ++y)
      for (int x = 1; x + 1 < d.nx; ++x) {
        const std::size_t p = (static_cast<std::size_t>(k) * d.ny + y) * d.nx + x;
        if (expert.voxels[p]) continue;
        std::uint16_t first = 0;
        bool two = false;
        for (const auto& [i, j] : kEightNeighbours) {
          const auto v = expert.voxels[(static_cast<std::size_t>(k) * d.ny + (y + j)) * d.nx + (x + i)];
          if (v == 0) continue;
          if (first == 0) first = v;
          two = two || v != first;
        }
        if (two) touching.voxels[p] = first, ++gaps;
      }
  auto lined = touching;
  segmentation::detail::clear_septum_lines(lined, fat_likeness);
  std::size_t cleared = 0, cleared_in_gaps = 0;
  for (std::size_t i = 0; i < lined.voxels.size(); ++i)
    if (lined.voxels[i] != touching.voxels[i]) ++cleared, cleared_in_gaps += expert.voxels[i] == 0 ? 1 : 0;
  // Dice on every voxel this time: a label on the expert's gap counts against it.
  const double before = mean_dice(touching, expert, muscles, true),
               after = mean_dice(lined, expert, muscles, true);
  std::printf("real leg: %zu gap voxels closed; septum lines cleared %zu voxels, %zu of them the expert's gaps; "
              "mean Dice against the expert %.4f -> %.4f\n", gaps, cleared, cleared_in_gaps, before, after);
  // Measured: 2457 gaps closed; 1504 cleared, 1279 (85 %) in the expert's gaps; mean Dice 0.9505 -> 0.9678.
  EXPECT_GT(static_cast<double>(cleared_in_gaps), 0.7 * static_cast<double>(cleared));
  EXPECT_GT(after, before + 0.01);
  // Pictures for looking: build/real-review/septum_lines_twolegs.png (rows: three slices; panels: image | expert |
  // gaps closed | septum lines found again).
  const auto review_dir = myo::testing::binary_dir() / "real-review";
  std::filesystem::create_directories(review_dir);
  write_review(review_dir / "septum_lines_twolegs.png", image, {4, 12, 20}, {&expert, &touching, &lined}, 15, 35, 130,
               90, 3);
}
