#include "myo/segmentation/segment.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "anatomy.hpp"
#include "myo/core/error.hpp"
#include "myo/core/itk_bridge.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/statistics.hpp"
#include "myo/segmentation/atlas.hpp"
#include "myo/segmentation/refine.hpp"
#include "slice_ops.hpp"
#include "borders.hpp"

namespace myo::segmentation {
namespace {

constexpr double kPi = 3.14159265358979323846;
using slice::Grid;
using slice::Mask;

double percentile(std::vector<float> values, double q) { return core::percentile(values, q); }
using core::otsu_threshold;

// The receive coil's sensitivity falls off towards the ends of the coverage: on a T1 series in an obese patient the
// subcutaneous fat of the top slices gave 70 % of the signal it gives at mid-thigh, and against references taken from
// the whole volume the pelvic fat there read as fatty muscle (generated seed 996: 650 ml of left iliopsoas where the
// truth has 445). Per slice, the fat reference of that slice gives the gain against the volume's; gains are the median
// over five slices, and a slice with none of the five telling (too little muscle or fat) takes the gain of the
// nearest slice below it that has one, or above it at the bottom of the coverage.
std::vector<float> slice_gains(const std::vector<float>& signal, int per_slice, int nz, double body_threshold,
                               double high, double fat_reference) {
  constexpr std::size_t kMinPerClass = 400;
  std::vector<double> raw(static_cast<std::size_t>(nz), 0.0);
  for (int k = 0; k < nz; ++k) {
    std::vector<float> tissue;
    const auto begin = signal.begin() + static_cast<std::ptrdiff_t>(k) * per_slice;
    for (auto it = begin; it != begin + per_slice; ++it)
      if (*it > body_threshold && *it <= high) tissue.push_back(*it);
    if (const auto ref = tissue_references_if_both(std::move(tissue), body_threshold, high, FatSignal::bright,
                                                   kMinPerClass))
      raw[static_cast<std::size_t>(k)] = ref->fat / fat_reference;
  }
  std::vector<float> gain(static_cast<std::size_t>(nz), 1.0F);
  std::vector<bool> known(static_cast<std::size_t>(nz), false);
  for (int k = 0; k < nz; ++k) {
    std::vector<float> near;
    for (int d = -2; d <= 2; ++d)
      if (k + d >= 0 && k + d < nz && raw[static_cast<std::size_t>(k + d)] > 0)
        near.push_back(static_cast<float>(raw[static_cast<std::size_t>(k + d)]));
    if (near.empty()) continue;
    gain[static_cast<std::size_t>(k)] = std::clamp(static_cast<float>(percentile(near, 0.5)), 0.3F, 3.0F);
    known[static_cast<std::size_t>(k)] = true;
  }
  for (int k = 1; k < nz; ++k)  // the nearest known slice below ...
    if (!known[static_cast<std::size_t>(k)] && known[static_cast<std::size_t>(k - 1)]) {
      gain[static_cast<std::size_t>(k)] = gain[static_cast<std::size_t>(k - 1)];
      known[static_cast<std::size_t>(k)] = true;
    }
  for (int k = nz - 2; k >= 0; --k)  // ... or above
    if (!known[static_cast<std::size_t>(k)] && known[static_cast<std::size_t>(k + 1)]) {
      gain[static_cast<std::size_t>(k)] = gain[static_cast<std::size_t>(k + 1)];
      known[static_cast<std::size_t>(k)] = true;
    }
  return gain;
}

std::vector<float> sample(const std::vector<float>& values, std::size_t max_count,
                          const std::function<bool(float)>& keep) {
  return core::sample_values(values, max_count, keep);
}

void parallel_for(int count, const std::function<void(int)>& body) {
  const int workers = std::max(1, std::min<int>(static_cast<int>(std::thread::hardware_concurrency()), 8));
  std::vector<std::thread> threads;
  std::atomic<int> next{0};
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) body(i);
    });
  for (auto& t : threads) t.join();
}

struct SideState {
  Mask compartment;  // muscle compartment of this side (inside the fascia), including septa and bone
  double radius_mm = 0;
  std::optional<std::array<double, 2>> femur_px;  // femur centre in pixel units
  std::array<double, 2> compartment_centre_px{0, 0};
};

struct SliceState {
  double z_mm = 0;
  Mask body;
  Mask muscle;
  double body_centroid_x_mm = 0;
  double body_area_mm2 = 0;
  bool legs_separate = false;
  double midline_body_ratio = 0;
  SideState side[2];  // 0 = patient right, 1 = patient left
};

}  // namespace

constexpr double kSkinMarginMm = 4.0;  // muscle never lies this close to the skin
// Touching thighs: the skin line where they meet lies within kContactSearchMm of the midline, is at most
// kContactSkinMaxMm wide and has subcutaneous fat on both sides over at least kContactFatMinMm...
constexpr double kContactSearchMm = 10.0;
constexpr double kContactSkinMaxMm = 4.5;
constexpr double kContactFatMinMm = 3.0;
constexpr double kContactMinMm = 6.0;  // ... and runs on along the midline over at least this length

// A part of the bone mask is exported as bone when at least this fraction of it is fatty marrow (a femoral shaft
// with its 1.5 mm rim: about 0.35).
constexpr double kBoneMarrowFraction = 0.15;
constexpr double kLevelFitStepMm = 2.0;  // the level offsets tried when the atlas is fitted (step 9)
// Without a perineum in the images its level is a guess: whole labellings at these offsets are compared first.
constexpr double kAssumedPerineumSearchMm = 60.0;
constexpr double kAssumedPerineumStepMm = 10.0;

namespace detail {

Anatomy analyse_anatomy(const SegmentationInput& input, const SegmentationParams& params) {
  Anatomy anatomy;
  SegmentationResult& result = anatomy.result;
  const bool dixon = input.water && input.fat;
  const core::ImageVolume* reference = dixon ? input.water : input.t1;
  if (!reference) throw core::MyoError("segmentation", "needs Dixon water and fat images, or a T1-weighted series");
  const core::Geometry& g = reference->geometry;
  for (const auto* channel : {input.water, input.fat, input.t1, input.stir})
    if (channel && !channel->geometry.same_grid(g))
      throw core::MyoError("segmentation", "input channels are not on one grid (resample them first)");
  // Slices must be axial: the third image axis must run along the patient's head-foot axis.
  if (std::abs(g.direction[8]) < 0.8)
    throw core::MyoError("segmentation",
                         "the reference series is not axial; automatic segmentation needs axial slices");

  const std::size_t n = g.voxel_count();
  const Grid grid{static_cast<int>(g.size[0]), static_cast<int>(g.size[1]), g.spacing_mm[0], g.spacing_mm[1]};
  const int nz = static_cast<int>(g.size[2]);
  const int per_slice = grid.count();

  // 1. Signal and fat-likeness.
  std::vector<float> signal(n);
  for (std::size_t i = 0; i < n; ++i)
    signal[i] = dixon ? input.water->voxels[i] + input.fat->voxels[i] : input.t1->voxels[i];
  auto values = sample(signal, 400000, [](float v) { return v > 0; });
  const double high = percentile(values, 0.995);
  // Air against tissue: on a log scale, so that T1's three classes (air, dark muscle, bright fat) split at air.
  double body_threshold = 0;
  {
    for (auto& v : values) v = std::log1p(v);
    body_threshold = std::expm1(otsu_threshold(values, 0.0, std::log1p(high)));
  }
  result.fat_likeness = core::ImageVolume(g, 0.0F);
  auto& fat_like = result.fat_likeness.voxels;
  if (dixon) {
    for (std::size_t i = 0; i < n; ++i)
      if (signal[i] > body_threshold * 0.5)
        fat_like[i] = std::clamp(input.fat->voxels[i] / std::max(signal[i], 1e-6F), 0.0F, 1.0F);
  } else {
    // T1: fat bright, muscle intermediate. Normalise between the two tissue classes of this patient.
    const auto references = tissue_references(sample(signal, 400000, [&](float v) { return v > body_threshold; }),
                                               body_threshold, high, FatSignal::bright);
    result.notes.push_back("no Dixon: tissue classes from T1 normalised between muscle and fat references");
    const auto gain = slice_gains(signal, per_slice, nz, body_threshold, high, references.fat);
    for (std::size_t i = 0; i < n; ++i)
      if (signal[i] > body_threshold * 0.5)
        fat_like[i] = fat_likeness(signal[i] / gain[i / static_cast<std::size_t>(per_slice)], references);
  }
  // Fluid (bladder, joint effusion, cysts) is very bright on STIR and never muscle.
  double stir_muscle_ref = 0;
  if (input.stir) {
    std::vector<float> muscle_stir;
    for (std::size_t i = 0; i < n; i += 7)
      if (signal[i] > body_threshold && fat_like[i] < params.muscle_fat_likeness_limit)
        muscle_stir.push_back(input.stir->voxels[i]);
    stir_muscle_ref = percentile(muscle_stir, 0.5);
  }

  // 2. Per slice: body, muscle tissue, whether the thighs are separate.
  std::vector<SliceState> slices(static_cast<std::size_t>(nz));
  parallel_for(nz, [&](int k) {
    auto& s = slices[static_cast<std::size_t>(k)];
    s.z_mm = g.index_to_physical({0, 0, static_cast<double>(k)})[2];
    s.body.assign(static_cast<std::size_t>(per_slice), 0);
    s.muscle.assign(static_cast<std::size_t>(per_slice), 0);
    const std::size_t offset = static_cast<std::size_t>(k) * static_cast<std::size_t>(per_slice);
    for (int p = 0; p < per_slice; ++p) {
      const std::size_t i = offset + static_cast<std::size_t>(p);
      if (signal[i] <= body_threshold) continue;
      s.body[static_cast<std::size_t>(p)] = 1;
      const bool fluid = input.stir && input.stir->voxels[i] > params.fluid_stir_ratio * stir_muscle_ref;
      if (fat_like[i] < params.muscle_fat_likeness_limit && !fluid) s.muscle[static_cast<std::size_t>(p)] = 1;
    }
    slice::fill_holes(grid, s.body);
    // Keep the large parts of the body (drop coil markers, arms at the edge of the field of view).
    auto parts = slice::components(grid, s.body);
    double largest = 0;
    for (const auto& c : parts) largest = std::max(largest, c.area_mm2);
    std::fill(s.body.begin(), s.body.end(), 0);
    double sx = 0;
    double count = 0;
    for (const auto& c : parts) {
      if (c.area_mm2 < std::max(1500.0, 0.15 * largest)) continue;
      for (const int p : c.pixels) {
        s.body[static_cast<std::size_t>(p)] = 1;
        sx += p % grid.nx;
        count += 1;
      }
    }
    // Skin is water-rich and would pass for muscle; with a thin subcutaneous layer the compartment closing would
    // then bridge skin and muscle and swallow the fat between them. Muscle never lies within 4 mm of the surface.
    const Mask below_skin = slice::erode(grid, s.body, kSkinMarginMm);
    for (int p = 0; p < per_slice; ++p)
      s.muscle[static_cast<std::size_t>(p)] &= below_skin[static_cast<std::size_t>(p)];
    s.body_area_mm2 = count * grid.sx_mm * grid.sy_mm;
    if (count > 0) s.body_centroid_x_mm = g.index_to_physical({sx / count, 0, static_cast<double>(k)})[0];
  });

  // Midline: the median body centre; robust to a few slices with arms or markers.
  {
    std::vector<float> centres;
    for (const auto& s : slices)
      if (s.body_area_mm2 > 5000) centres.push_back(static_cast<float>(s.body_centroid_x_mm));
    if (centres.empty()) throw core::MyoError("segmentation", "no body found in the images");
    result.landmarks.midline_x_mm = percentile(centres, 0.5);
  }
  const double midline_x = result.landmarks.midline_x_mm;
  // Pixel column of the midline on each slice (axial slices: x index maps to LPS x through direction[0]).
  const auto midline_px = [&](int k) {
    return g.physical_to_index(
        {midline_x, g.index_to_physical({0, 0, double(k)})[1], g.index_to_physical({0, 0, double(k)})[2]})[0];
  };
  const auto side_of_px = [&](int k, double px) {
    const double x = g.index_to_physical({px, 0, static_cast<double>(k)})[0];
    return x < midline_x ? 0 : 1;  // LPS: patient right is -x
  };

  parallel_for(nz, [&](int k) {
    auto& s = slices[static_cast<std::size_t>(k)];
    // Below the perineum the midline runs between the thighs: outside the body, or along a short line where the
    // skin of the two thighs touches. Above it the midline crosses the whole pelvis, front to back.
    // Thighs that touch (heavy thighs, obese patients) meet over a long contact: there the midline runs through
    // their subcutaneous fat, split by one thin line of skin. Such rows are contact, not pelvis.
    const auto mid = static_cast<int>(std::lround(midline_px(k)));
    if (mid < 0 || mid >= grid.nx) return;
    const std::size_t offset = static_cast<std::size_t>(k) * static_cast<std::size_t>(per_slice);
    const int reach = static_cast<int>(std::lround(kContactSearchMm / grid.sx_mm));
    const int max_line = std::max(1, static_cast<int>(std::lround(kContactSkinMaxMm / grid.sx_mm)));
    const int min_fat = std::max(2, static_cast<int>(std::lround(kContactFatMinMm / grid.sx_mm)));
    // Skin line on row y: a run of non-fat body at most kContactSkinMaxMm wide with fat on both sides, within
    // kContactSearchMm of the midline.
    struct SkinLine {
      int x = -1;  // first column, -1: none
      int width = 0;
    };
    const auto contact_line = [&](int y) -> SkinLine {
      const auto fatty = [&](int x) {
        if (x < 0 || x >= grid.nx) return false;
        const auto p = static_cast<std::size_t>(y * grid.nx + x);
        return s.body[p] && fat_like[offset + p] >= params.muscle_fat_likeness_limit;
      };
      const auto skin = [&](int x) {
        if (x < 0 || x >= grid.nx) return false;
        const auto p = static_cast<std::size_t>(y * grid.nx + x);
        return s.body[p] && fat_like[offset + p] < params.muscle_fat_likeness_limit;
      };
      for (int x0 = std::max(1, mid - reach); x0 <= std::min(grid.nx - 2, mid + reach); ++x0) {
        if (!skin(x0) || skin(x0 - 1)) continue;
        int width = 1;
        while (width <= max_line && skin(x0 + width)) ++width;
        if (width > max_line) continue;
        bool fat_both_sides = true;
        for (int d = 1; d <= min_fat; ++d) fat_both_sides &= fatty(x0 - d) && fatty(x0 + width - 1 + d);
        if (fat_both_sides) return {x0, width};
      }
      return {};
    };
    std::vector<SkinLine> line(static_cast<std::size_t>(grid.ny));
    int midline_run = 0;
    int first = grid.ny, last = -1;
    for (int y = 0; y < grid.ny; ++y) {
      bool any = false;
      for (int x = 0; x < grid.nx; ++x) any |= s.body[static_cast<std::size_t>(y * grid.nx + x)] != 0;
      if (any) {
        first = std::min(first, y);
        last = std::max(last, y);
      }
      const bool on_body = s.body[static_cast<std::size_t>(y * grid.nx + mid)] != 0;
      midline_run += on_body;
      if (on_body) line[static_cast<std::size_t>(y)] = contact_line(y);
    }
    // A skin line is continuous from row to row (a noisy voxel in fat is not): count the rows of lines that run on
    // over at least kContactMinMm, each row's line within one pixel of the previous row's.
    const auto line_at = [&](int y) { return line[static_cast<std::size_t>(y)].x; };
    int contact_rows = 0;
    for (int y = 0; y < grid.ny;) {
      int end = y;
      while (line_at(end) >= 0 && end + 1 < grid.ny && line_at(end + 1) >= 0 &&
             std::abs(line_at(end + 1) - line_at(end)) <= 1)
        ++end;
      const int rows = line_at(y) >= 0 ? end - y + 1 : 0;
      if (rows * grid.sy_mm >= kContactMinMm) {
        contact_rows += rows;
        // Two skins meet there, and muscle never lies within kSkinMarginMm of the skin: otherwise the compartment
        // closes over the medial subcutaneous fat onto the skin line, the frame's fascia moves out to the contact,
        // and the straps' prior with it (seed 122: the gracilis was put on the skin line over 10 slices).
        const int margin = static_cast<int>(std::lround(kSkinMarginMm / grid.sx_mm));
        for (int r = y; r <= end; ++r) {
          const SkinLine& skin = line[static_cast<std::size_t>(r)];
          for (int x = std::max(0, skin.x - margin); x <= std::min(grid.nx - 1, skin.x + skin.width - 1 + margin); ++x)
            s.muscle[static_cast<std::size_t>(r * grid.nx + x)] = 0;
        }
      }
      y = end + 1;
    }
    midline_run -= contact_rows;
    const int depth = last - first + 1;
    s.midline_body_ratio = depth > 0 ? static_cast<double>(midline_run) / depth : 0.0;
    s.legs_separate = s.midline_body_ratio <= 0.85;
  });

  // Crotch: the top of the lowest run of slices where the thighs are separate.
  std::vector<int> order(static_cast<std::size_t>(nz));
  for (int k = 0; k < nz; ++k) order[static_cast<std::size_t>(k)] = k;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return slices[static_cast<std::size_t>(a)].z_mm < slices[static_cast<std::size_t>(b)].z_mm;
  });
  const double z_min = slices[static_cast<std::size_t>(order.front())].z_mm;
  const double z_max = slices[static_cast<std::size_t>(order.back())].z_mm;
  {
    int separated_below = 0;
    std::optional<double> crotch;
    for (std::size_t idx = 0; idx < order.size(); ++idx) {
      const auto& s = slices[static_cast<std::size_t>(order[idx])];
      if (s.legs_separate) {
        ++separated_below;
        continue;
      }
      // Require the join to persist over ~15 mm so a single noisy slice does not move the landmark.
      bool persists = true;
      for (std::size_t j = idx; j < order.size() && slices[static_cast<std::size_t>(order[j])].z_mm < s.z_mm + 15; ++j)
        persists &= !slices[static_cast<std::size_t>(order[j])].legs_separate;
      if (persists && separated_below >= 2) {
        crotch = s.z_mm;
        break;
      }
    }
    if (crotch) {
      result.landmarks.crotch_z_mm = crotch;
    } else if (separated_below > static_cast<int>(order.size()) / 2) {
      crotch = z_max + 60.0;
      anatomy.perineum_assumed = true;
      result.notes.push_back("thighs separate on every slice: coverage assumed to stop below the hips");
    } else {
      crotch = z_min - 30.0;
      anatomy.perineum_assumed = true;
      result.notes.push_back("thighs never separate: coverage assumed to be the hips and pelvis only");
      // Every group's level is counted from the perineum; without it the level is searched for (step 9) but stays
      // doubtful (studies cut 60 mm above the perineum: mean Dice 0.59-0.77 against 0.90-0.93 whole).
      result.warnings.push_back(
          "the perineum is not in the images (hips and pelvis only): the muscle groups were placed at the level that "
          "fits the atlas best and may be wrong; review the labels or analyse with --labels");
    }
    result.landmarks.crotch_z_mm = crotch;
  }
  const double crotch_z = *result.landmarks.crotch_z_mm;

  // This patient's adipose tissue: the outer body layer (2-5 mm under the skin) is subcutaneous fat. Fatty muscle is
  // clearly less fat-like than that; noise makes single voxels straddle, so keep a margin.
  double adipose_limit = params.adipose_fat_likeness;
  {
    std::vector<float> outer;
    for (int k = 0; k < nz; k += 3) {
      const auto& s = slices[static_cast<std::size_t>(k)];
      const Mask ring_outer = slice::erode(grid, s.body, 2.0);
      const Mask ring_inner = slice::erode(grid, s.body, 5.0);
      const std::size_t offset = static_cast<std::size_t>(k) * static_cast<std::size_t>(per_slice);
      for (int p = 0; p < per_slice; p += 2)
        if (ring_outer[static_cast<std::size_t>(p)] && !ring_inner[static_cast<std::size_t>(p)])
          outer.push_back(fat_like[offset + static_cast<std::size_t>(p)]);
    }
    if (outer.size() > 200) {
      const double subcutaneous = percentile(outer, 0.5);
      adipose_limit = std::clamp(subcutaneous - 0.15, 0.55, params.adipose_fat_likeness);
    }
  }

  // 3. Per slice and side: the muscle compartment and the femur.
  std::vector<std::uint8_t> result_notes_fatty(static_cast<std::size_t>(nz), 0);
  parallel_for(nz, [&](int k) {
    auto& s = slices[static_cast<std::size_t>(k)];
    for (int side = 0; side < 2; ++side) {
      auto& st = s.side[side];
      Mask muscle_side = s.muscle;
      Mask body_side = s.body;
      for (int p = 0; p < per_slice; ++p) {
        const bool is_side = side_of_px(k, p % grid.nx) == side;
        if (!is_side) {
          muscle_side[static_cast<std::size_t>(p)] = 0;
          body_side[static_cast<std::size_t>(p)] = 0;
        }
      }
      Mask compartment = slice::close(grid, muscle_side, params.compartment_closing_mm);
      for (int p = 0; p < per_slice; ++p)
        compartment[static_cast<std::size_t>(p)] &= s.body[static_cast<std::size_t>(p)];
      slice::fill_holes(grid, compartment);
      // Keep the compartment parts that are large (small islands of muscle-like signal are vessels or noise).
      const auto parts = slice::components(grid, compartment);
      std::fill(compartment.begin(), compartment.end(), 0);
      double area = 0;
      double cx = 0;
      double cy = 0;
      for (const auto& c : parts) {
        if (c.area_mm2 < 600) continue;
        for (const int p : c.pixels) compartment[static_cast<std::size_t>(p)] = 1;
        area += c.area_mm2;
        cx += c.cx * c.area_mm2;
        cy += c.cy * c.area_mm2;
      }
      // A thigh whose muscles are fat throughout (end-stage disease) has almost no muscle-like tissue: take the
      // region inside the subcutaneous layer that is less fat-like than pure adipose tissue instead.
      double body_area = 0;
      for (const auto v : body_side) body_area += v;
      body_area *= grid.sx_mm * grid.sy_mm;
      if (body_area > 2000 && area < 0.20 * body_area) {
        const Mask inner = slice::erode(grid, body_side, 6.0);
        Mask fatty_muscle(static_cast<std::size_t>(per_slice), 0);
        const std::size_t offset = static_cast<std::size_t>(k) * static_cast<std::size_t>(per_slice);
        for (int p = 0; p < per_slice; ++p)
          fatty_muscle[static_cast<std::size_t>(p)] =
              inner[static_cast<std::size_t>(p)] && fat_like[offset + static_cast<std::size_t>(p)] < adipose_limit;
        Mask fallback = slice::close(grid, fatty_muscle, params.compartment_closing_mm);
        slice::fill_holes(grid, fallback);
        area = 0;
        cx = 0;
        cy = 0;
        for (const auto& c : slice::components(grid, fallback)) {
          if (c.area_mm2 < 600) continue;
          for (const int p : c.pixels) compartment[static_cast<std::size_t>(p)] = 1;
          area += c.area_mm2;
          cx += c.cx * c.area_mm2;
          cy += c.cy * c.area_mm2;
        }
        if (area > 0) result_notes_fatty[static_cast<std::size_t>(k)] = 1;
      }
      if (area <= 0) continue;
      st.compartment_centre_px = {cx / area, cy / area};
      st.radius_mm = std::sqrt(area / kPi);
      // Fatty-replaced muscle can touch the subcutaneous fat: add the region deeper than the subcutaneous layer, whose
      // thickness is the depth below the skin from which the body is (90 %) compartment. One depth map serves all
      // candidate depths.
      {
        const auto body_depth = slice::depth_inside_mm(grid, body_side);
        for (double depth = 2.0; depth <= 40.0; depth += 2.0) {
          std::size_t inside = 0, total = 0;
          for (int p = 0; p < per_slice; ++p) {
            if (body_depth[static_cast<std::size_t>(p)] <= depth) continue;
            ++total;
            inside += compartment[static_cast<std::size_t>(p)];
          }
          if (total > 0 && static_cast<double>(inside) / static_cast<double>(total) > 0.9) {
            for (int p = 0; p < per_slice; ++p)
              if (body_depth[static_cast<std::size_t>(p)] > depth + 2.0) compartment[static_cast<std::size_t>(p)] = 1;
            break;
          }
        }
      }
      st.compartment = std::move(compartment);
      // Femur: a round ring of cortex (signal-void on every sequence) closed over its marrow, enclosed by the
      // compartment. Fatty-replaced muscle beside the bone is bright, never void, so it cannot widen the blob.
      Mask non_muscle(static_cast<std::size_t>(per_slice), 0);
      {
        const std::size_t offset = static_cast<std::size_t>(k) * static_cast<std::size_t>(per_slice);
        for (int p = 0; p < per_slice; ++p)
          non_muscle[static_cast<std::size_t>(p)] = st.compartment[static_cast<std::size_t>(p)] &&
                                                    signal[offset + static_cast<std::size_t>(p)] <= body_threshold;
        non_muscle = slice::close(grid, non_muscle, 3.0);
        slice::fill_holes(grid, non_muscle);
        non_muscle = slice::open(grid, non_muscle, 2.5);
      }
      double best = 1e30;
      for (const auto& c : slice::components(grid, non_muscle)) {
        if (c.area_mm2 < 150 || c.area_mm2 > 2800) continue;
        // Roundness: area relative to the disc reaching the farthest pixel.
        double r2max = 0;
        for (const int p : c.pixels) {
          const double dx = (p % grid.nx - c.cx) * grid.sx_mm;
          const double dy = (p / grid.nx - c.cy) * grid.sy_mm;
          r2max = std::max(r2max, dx * dx + dy * dy);
        }
        const double roundness = c.area_mm2 / (kPi * std::max(r2max, 1.0));
        if (roundness < 0.45) continue;
        const double dx = (c.cx - st.compartment_centre_px[0]) * grid.sx_mm;
        const double dy = (c.cy - st.compartment_centre_px[1]) * grid.sy_mm;
        const double score = std::sqrt(dx * dx + dy * dy) / st.radius_mm - roundness;
        if (score < best) {
          best = score;
          st.femur_px = std::array<double, 2>{c.cx, c.cy};
        }
      }
    }
  });

  if (std::count(result_notes_fatty.begin(), result_notes_fatty.end(), 1) > 0)
    result.notes.push_back("little muscle-like tissue on some slices: compartment taken inside the subcutaneous fat");

  // Femur track per side: a straight line fitted to the shaft detections of the thigh (outliers rejected), because
  // the shaft is straight and single-slice detections near the hip are ambiguous. Above the upper thigh the track
  // bends medially towards the hip joint: the femoral neck carries the head ~30 mm medial of the shaft axis.
  for (int side = 0; side < 2; ++side) {
    struct Point {
      double z, x, y;
    };
    std::vector<Point> points;
    for (const auto& s : slices) {
      if (s.z_mm >= crotch_z - 10 || !s.side[side].femur_px) continue;
      // A femoral shaft lies 40-200 mm from the midline on its own side; anything else is a vessel or a septum.
      const auto p = g.index_to_physical({(*s.side[side].femur_px)[0], (*s.side[side].femur_px)[1], 0});
      const double lateral = (p[0] - midline_x) * (side == 1 ? 1.0 : -1.0);
      if (lateral < 40.0 || lateral > 200.0) continue;
      points.push_back({s.z_mm, (*s.side[side].femur_px)[0], (*s.side[side].femur_px)[1]});
    }
    std::array<double, 4> fit{0, 0, 0, 0};  // x = fit[0] + fit[1] z, y = fit[2] + fit[3] z (pixels)
    bool have_fit = false;
    // Start from a Theil-Sen line (median of pairwise slopes): robust to a third of wrong detections.
    if (points.size() >= 3) {
      std::vector<float> slopes_x, slopes_y, intercepts_x, intercepts_y;
      const std::size_t step = std::max<std::size_t>(1, points.size() / 60);
      for (std::size_t a = 0; a < points.size(); a += step)
        for (std::size_t b = a + 1; b < points.size(); b += step) {
          const double dz = points[b].z - points[a].z;
          if (std::abs(dz) < 1e-6) continue;
          slopes_x.push_back(static_cast<float>((points[b].x - points[a].x) / dz));
          slopes_y.push_back(static_cast<float>((points[b].y - points[a].y) / dz));
        }
      if (!slopes_x.empty()) {
        fit[1] = percentile(slopes_x, 0.5);
        fit[3] = percentile(slopes_y, 0.5);
        for (const auto& q : points) {
          intercepts_x.push_back(static_cast<float>(q.x - fit[1] * q.z));
          intercepts_y.push_back(static_cast<float>(q.y - fit[3] * q.z));
        }
        fit[0] = percentile(intercepts_x, 0.5);
        fit[2] = percentile(intercepts_y, 0.5);
        have_fit = true;
      }
    }
    // Then least squares on the detections within 12 mm of the line.
    for (int iteration = 0; iteration < 3 && have_fit; ++iteration) {
      std::vector<Point> kept;
      for (const auto& q : points) {
        const double dx = (q.x - (fit[0] + fit[1] * q.z)) * grid.sx_mm;
        const double dy = (q.y - (fit[2] + fit[3] * q.z)) * grid.sy_mm;
        if (dx * dx + dy * dy < 12.0 * 12.0) kept.push_back(q);
      }
      if (kept.size() < 3) break;
      double sz = 0, sx = 0, sy = 0, szz = 0, szx = 0, szy = 0;
      const double m = static_cast<double>(kept.size());
      for (const auto& q : kept) {
        sz += q.z;
        sx += q.x;
        sy += q.y;
        szz += q.z * q.z;
        szx += q.z * q.x;
        szy += q.z * q.y;
      }
      const double den = m * szz - sz * sz;
      if (std::abs(den) < 1e-9) break;
      fit[1] = (m * szx - sz * sx) / den;
      fit[0] = (sx - fit[1] * sz) / m;
      fit[3] = (m * szy - sz * sy) / den;
      fit[2] = (sy - fit[3] * sz) / m;
      if (kept.size() == points.size()) break;
      points = std::move(kept);
    }
    const double top_of_shaft = crotch_z - 10;
    for (auto& s : slices) {
      auto& st = s.side[side];
      if (!have_fit) {
        st.femur_px = st.compartment_centre_px;
        continue;
      }
      const double z = std::min(s.z_mm, top_of_shaft);
      std::array<double, 2> centre{fit[0] + fit[1] * z, fit[2] + fit[3] * z};
      // Medial shift towards the hip joint above the shaft, reaching 30 mm at the femoral-head level (~85 mm higher).
      const double t = std::clamp((s.z_mm - top_of_shaft) / 85.0, 0.0, 1.0);
      const double medial_px = 30.0 * t / grid.sx_mm;
      const double centre_x_mm = g.index_to_physical({centre[0], centre[1], 0})[0];
      centre[0] += (centre_x_mm < midline_x ? 1.0 : -1.0) * medial_px * (g.direction[0] >= 0 ? 1.0 : -1.0);
      // Keep a close detection on the shaft (real femora bow a little), else the fitted line.
      if (st.femur_px && s.z_mm < top_of_shaft) {
        const double dx = ((*st.femur_px)[0] - centre[0]) * grid.sx_mm;
        const double dy = ((*st.femur_px)[1] - centre[1]) * grid.sy_mm;
        if (dx * dx + dy * dy < 12.0 * 12.0) continue;
      }
      st.femur_px = centre;
    }
  }

  // In-plane rotation of the body on the table: the line from the right to the left femoral shaft is transverse.
  double rotation = 0;
  {
    std::vector<float> angles;
    for (const auto& s : slices) {
      const double level = s.z_mm - crotch_z;
      if (level > -40 || level < -350 || !s.side[0].femur_px || !s.side[1].femur_px) continue;
      const auto r = g.index_to_physical({(*s.side[0].femur_px)[0], (*s.side[0].femur_px)[1], 0});
      const auto l = g.index_to_physical({(*s.side[1].femur_px)[0], (*s.side[1].femur_px)[1], 0});
      angles.push_back(static_cast<float>(std::atan2(l[1] - r[1], l[0] - r[0])));
    }
    if (angles.size() >= 5) rotation = std::clamp(percentile(angles, 0.5), -0.35, 0.35);
  }
  anatomy.rotation_rad = rotation;
  // 4. Candidate voxels: muscle, or fat inside the compartment that is not a septum, pad or marrow; and their
  // coordinates in the atlas frame.
  std::vector<std::vector<Candidate>> per_slice_candidates(static_cast<std::size_t>(nz));
  result.bone = core::MaskVolume(g, 0);  // each slice writes only its own voxels below
  const double cos_r = std::cos(rotation), sin_r = std::sin(rotation);
  parallel_for(nz, [&](int k) {
    auto& s = slices[static_cast<std::size_t>(k)];
    const double level = s.z_mm - crotch_z;
    const std::size_t offset = static_cast<std::size_t>(k) * static_cast<std::size_t>(per_slice);
    auto& out = per_slice_candidates[static_cast<std::size_t>(k)];
    for (int side = 0; side < 2; ++side) {
      const auto& st = s.side[side];
      if (st.compartment.empty() || st.radius_mm <= 0) continue;
      // Thick fat inside the compartment is fatty-replaced muscle; thin fat is a septum.
      Mask fat_inside(static_cast<std::size_t>(per_slice), 0);
      for (int p = 0; p < per_slice; ++p) {
        const std::size_t i = offset + static_cast<std::size_t>(p);
        fat_inside[static_cast<std::size_t>(p)] = st.compartment[static_cast<std::size_t>(p)] &&
                                                  signal[i] > body_threshold &&
                                                  fat_like[i] >= params.muscle_fat_likeness_limit;
      }
      // Fat inside the compartment is muscle (moth-eaten streaks, fatty replacement) unless it is a large pad of pure
      // adipose tissue or marrow. Septa stay labelled: the watershed puts group borders on them, and fat fractions are
      // measured on each muscle's interior.
      // Bone: dark cortex closed over its marrow (femoral head and neck, iliac wing, pubis, ischium). Its marrow is
      // fat and must never be taken for fatty muscle.
      Mask cortex(static_cast<std::size_t>(per_slice), 0);
      for (int p = 0; p < per_slice; ++p)
        cortex[static_cast<std::size_t>(p)] = st.compartment[static_cast<std::size_t>(p)] &&
                                              signal[offset + static_cast<std::size_t>(p)] <= body_threshold;
      Mask bone = slice::close(grid, cortex, 4.0);
      slice::fill_holes(grid, bone);
      bone = slice::dilate(grid, bone, 1.5);
      // Exported for display: only parts with fatty marrow inside. In the pelvis the mask also closes over bowel gas
      // and its content (no fat), which would show as a lumpy mass; the candidates below still use the whole mask.
      for (const auto& part : slice::components(grid, bone)) {
        std::size_t marrow = 0;
        for (const int p : part.pixels) {
          const std::size_t i = offset + static_cast<std::size_t>(p);
          marrow += signal[i] > body_threshold && fat_like[i] >= params.muscle_fat_likeness_limit ? 1 : 0;
        }
        if (static_cast<double>(marrow) < kBoneMarrowFraction * static_cast<double>(part.pixels.size())) continue;
        for (const int p : part.pixels) result.bone.voxels[offset + static_cast<std::size_t>(p)] = 1;
      }
      Mask thick_fat(static_cast<std::size_t>(per_slice), 0);
      Mask adipose(static_cast<std::size_t>(per_slice), 0);
      for (int p = 0; p < per_slice; ++p)
        adipose[static_cast<std::size_t>(p)] =
            fat_inside[static_cast<std::size_t>(p)] && fat_like[offset + static_cast<std::size_t>(p)] > adipose_limit;
      const Mask pads = slice::open(grid, adipose, 3.0);
      for (int p = 0; p < per_slice; ++p)
        thick_fat[static_cast<std::size_t>(p)] = fat_inside[static_cast<std::size_t>(p)] &&
                                                 !pads[static_cast<std::size_t>(p)] && !bone[static_cast<std::size_t>(p)];
      Mask femur(static_cast<std::size_t>(per_slice), 0);
      const double fx = (*st.femur_px)[0];
      const double fy = (*st.femur_px)[1];
      for (int p = 0; p < per_slice; ++p) {
        const double dx = (p % grid.nx - fx) * grid.sx_mm;
        const double dy = (p / grid.nx - fy) * grid.sy_mm;
        if (dx * dx + dy * dy < 14.0 * 14.0) femur[static_cast<std::size_t>(p)] = 1;
      }
      // Muscle, or fat inside the compartment that is neither a pad of pure adipose tissue nor marrow.
      const auto tissue_candidate = [&](int p) {
        const auto q = static_cast<std::size_t>(p);
        if (!st.compartment[q]) return false;
        if (thick_fat[q]) return !femur[q];
        return s.muscle[q] != 0;
      };
      // Distance from the femur to the compartment boundary in each body-frame direction (1 degree steps): the
      // fascia maps onto the unit circle whatever the thigh's shape, so superficial muscles stay superficial. A pad of
      // pure fat that the compartment took in (the thick medial fat where heavy thighs are pressed together) is not
      // inside the fascia.
      std::array<float, 360> boundary_mm{};
      {
        const core::Vec3 origin = g.index_to_physical({(*st.femur_px)[0], (*st.femur_px)[1], static_cast<double>(k)});
        const core::Vec3 origin_px = g.physical_to_index(origin);
        std::array<float, 360> raw{};
        for (int a = 0; a < 360; ++a) {
          const double phi = a * kPi / 180.0 + rotation;
          const core::Vec3 step_px =
              g.physical_to_index({origin[0] + std::cos(phi), origin[1] + std::sin(phi), origin[2]});
          const double sx = step_px[0] - origin_px[0], sy = step_px[1] - origin_px[1];
          double last = 10.0;
          for (double t = 0; t < 320.0; t += 0.7) {
            const auto x = static_cast<int>(std::lround(origin_px[0] + t * sx));
            const auto y = static_cast<int>(std::lround(origin_px[1] + t * sy));
            if (x < 0 || y < 0 || x >= grid.nx || y >= grid.ny) break;
            const auto q = static_cast<std::size_t>(y * grid.nx + x);
            if (st.compartment[q] && !pads[q]) last = std::max(last, t);
          }
          raw[static_cast<std::size_t>(a)] = static_cast<float>(last);
        }
        for (int a = 0; a < 360; ++a) {
          float sum = 0;
          for (int d = -4; d <= 4; ++d) sum += raw[static_cast<std::size_t>((a + d + 360) % 360)];
          boundary_mm[static_cast<std::size_t>(a)] = sum / 9.0F;
        }
      }
      const double mid_px = midline_px(k);
      for (int p = 0; p < per_slice; ++p) {
        if (!tissue_candidate(p)) continue;
        const std::size_t i = offset + static_cast<std::size_t>(p);
        const double x_px = p % grid.nx;
        const double y_px = p / grid.nx;
        if (level > params.pelvic_midline_exclusion_level_mm &&
            std::abs((x_px - mid_px) * grid.sx_mm) < params.pelvic_midline_exclusion_mm)
          continue;
        // Frame: around the femur, body rotation undone, lateral positive on both sides, anterior = -y in LPS.
        const core::Vec3 here = g.index_to_physical({x_px, y_px, static_cast<double>(k)});
        const core::Vec3 centre = g.index_to_physical({fx, fy, static_cast<double>(k)});
        const double dx = here[0] - centre[0], dy = here[1] - centre[1];
        const double x_body = dx * cos_r + dy * sin_r, y_body = -dx * sin_r + dy * cos_r;
        Candidate c;
        c.voxel = static_cast<std::uint32_t>(i);
        c.side = static_cast<std::uint8_t>(side);
        double deg = std::atan2(y_body, x_body) * 180.0 / kPi;
        if (deg < 0) deg += 360.0;
        const auto a0 = static_cast<std::size_t>(deg) % 360;
        const double f = deg - std::floor(deg);
        const double scale = (1 - f) * boundary_mm[a0] + f * boundary_mm[(a0 + 1) % 360];
        c.u = static_cast<float>(x_body * (side == 1 ? 1.0 : -1.0) / scale);
        c.v = static_cast<float>(-y_body / scale);
        out.push_back(c);
      }
    }
  });
  for (int k = 0; k < nz; ++k) {
    const auto& list = per_slice_candidates[static_cast<std::size_t>(k)];
    anatomy.candidates.insert(anatomy.candidates.end(), list.begin(), list.end());
  }
  anatomy.slice_level_mm.resize(static_cast<std::size_t>(nz));
  for (int k = 0; k < nz; ++k)
    anatomy.slice_level_mm[static_cast<std::size_t>(k)] = slices[static_cast<std::size_t>(k)].z_mm - crotch_z;

  result.body = core::MaskVolume(g, 0);
  for (int k = 0; k < nz; ++k) {
    const auto& s = slices[static_cast<std::size_t>(k)];
    std::copy(s.body.begin(), s.body.end(), result.body.voxels.begin() + static_cast<std::ptrdiff_t>(k) * per_slice);
    SliceLandmarks lm;
    lm.z_mm = s.z_mm;
    lm.legs_separate = s.legs_separate;
    const auto to_mm = [&](const std::array<double, 2>& px) {
      const auto p = g.index_to_physical({px[0], px[1], static_cast<double>(k)});
      return std::array<double, 2>{p[0], p[1]};
    };
    if (s.side[0].femur_px) lm.femur_right_xy_mm = to_mm(*s.side[0].femur_px);
    if (s.side[1].femur_px) lm.femur_left_xy_mm = to_mm(*s.side[1].femur_px);
    result.landmarks.slices.push_back(lm);
  }
  log::debug("segmentation: midline x {:.1f} mm, crotch z {:.1f} mm", midline_x, crotch_z);
  for (const auto& lm : result.landmarks.slices) {
    if (!lm.femur_right_xy_mm || !lm.femur_left_xy_mm) continue;
    log::debug("segmentation: z {:7.1f} separate {} femur R ({:6.1f},{:6.1f}) L ({:6.1f},{:6.1f})", lm.z_mm,
               lm.legs_separate, (*lm.femur_right_xy_mm)[0], (*lm.femur_right_xy_mm)[1], (*lm.femur_left_xy_mm)[0],
               (*lm.femur_left_xy_mm)[1]);
  }
  return anatomy;
}

}  // namespace detail

namespace {

// Steps 5-9: the candidates labelled from the atlas, read at each slice's level plus an offset fitted to the patient.
class AtlasLabelling {
 public:
  AtlasLabelling(const detail::Anatomy& anatomy, const SegmentationAtlas& atlas, const SegmentationParams& params)
      : anatomy_(anatomy), atlas_(atlas), params_(params), class_label_(atlas.class_count(), {0, 0}) {
    const auto& catalog = core::MuscleCatalog::instance();
    // Atlas classes -> catalogue labels per side (an atlas group this catalogue lacks proposes nothing).
    for (std::size_t c = 1; c < atlas.class_count(); ++c)
      if (const auto* group = catalog.find(atlas.groups()[c - 1]))
        class_label_[c] = {static_cast<std::uint16_t>(group->label(core::Side::right)),
                           static_cast<std::uint16_t>(group->label(core::Side::left))};
    // The gracilis is the thinnest strap: its atlas probability rarely reaches the marker level, and the adductors'
    // markers would flood it; it seeds at its own, lower level.
    class_marker_probability_.assign(atlas.class_count(), params.atlas_marker_probability);
    for (std::size_t c = 1; c < atlas.class_count(); ++c) {
      const auto& name = atlas.groups()[c - 1];
      if (name == "gracilis") class_marker_probability_[c] = params.gracilis_marker_probability;
      if ((name == "sartorius" || name == "gracilis" || name == "tensor_fasciae_latae") && class_label_[c][0] != 0) {
        // The TFL is a belly rather than a band: patchy fatty replacement reaches its edge, and judged by its median
        // that fat was peeled as rim (generated IMNM seed 1010: 83 % of the TFL voxels peeled were the TFL's own).
        const double own_quantile = name == "tensor_fasciae_latae" ? params.belly_rim_own_quantile : 0.5;
        for (const auto label : class_label_[c]) strap_rims_.push_back({label, own_quantile});
      }
    }
  }

  struct Labelling {
    core::LabelVolume labels;
    core::LabelVolume markers;  // non-zero where the atlas seeded the watershed (background seeds included)
  };
  [[nodiscard]] Labelling label(double level_offset_mm) const {
    const core::ImageVolume& fat_likeness = anatomy_.result.fat_likeness;
    const core::Geometry& g = fat_likeness.geometry;
    constexpr std::uint16_t kBackgroundMarker = 1000;
    core::LabelVolume labels(g, 0);
    core::LabelVolume markers(g, kBackgroundMarker);
    core::MaskVolume candidate(g, 0);
    // 5. Atlas probabilities per candidate: the most probable group, and confident markers for the watershed.
    for_each_candidate([&](const detail::Candidate& c, std::vector<float>& p) {
      read_atlas(c, level_offset_mm, p);
      const auto best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
      if (p[best] <= 0.0F) return;  // outside the atlas: never labelled
      candidate.voxels[c.voxel] = 1;
      const std::uint16_t label = class_label_[best][c.side];
      labels.voxels[c.voxel] = label;
      markers.voxels[c.voxel] =
          p[best] >= class_marker_probability_[best] ? (label == 0 ? kBackgroundMarker : label) : 0;
    });
    // 6. Watershed from the confident markers over the fat-likeness relief: group borders settle on the fat septa
    // seen in this patient's image rather than where the atlas averages put them.
    if (params_.watershed_refinement) {
      // Outside the candidates is seeded as background: it competes for the candidates' edge.
      RefinementParams refinement;
      refinement.relief_smoothing_mm = params_.relief_smoothing_mm;
      refinement.muscle_fat_likeness_limit = params_.muscle_fat_likeness_limit;  // one definition of muscle tissue
      const auto refined = refine_markers_over_septa(fat_likeness, candidate, markers, refinement);
      // The flood may not carry a group where the atlas gives it (almost) no chance.
      for_each_candidate([&](const detail::Candidate& c, std::vector<float>& p) {
        if (!candidate.voxels[c.voxel]) return;
        std::uint16_t v = refined.voxels[c.voxel];
        if (v == kBackgroundMarker) v = 0;
        if (v == labels.voxels[c.voxel]) return;
        read_atlas(c, level_offset_mm, p);
        if (p[class_of(v, c.side)] >= params_.atlas_min_probability) labels.voxels[c.voxel] = v;
      });
    }
    // 7. The straps are bands a few voxels thick: the fat of their septum and under the fascia, which the flood takes
    // into them, is a large part of their volume and is taken off again.
    if (params_.strap_rim_passes > 0)
      detail::peel_strap_rims(labels, fat_likeness, strap_rims_, params_.strap_rim_fat_likeness,
                              params_.strap_rim_fat_margin, params_.strap_rim_passes);
    // 8. Expert labels leave the septum between two muscles out of both (the QMRITools legs: 870 unlabelled voxels
    // between different muscles, 5 touching pairs); it is fat and would count against either group.
    if (params_.septum_lines_unlabelled) detail::clear_septum_lines(labels, fat_likeness);
    return {std::move(labels), std::move(markers)};
  }

  // The level offset (a multiple of the step, within +-range) at which the atlas best explains the labels: mean log
  // probability of each candidate's label, over the candidates from 120 mm below to 60 mm above the perineum that
  // the watershed labelled. Seeds are left out: the atlas put them there at the offset it was read at, so they
  // would hold the fit where it started.
  [[nodiscard]] double best_level_offset(const Labelling& labelling, double range_mm, double step_mm) const {
    const auto samples = fit_samples(labelling);
    if (samples.empty()) return 0.0;
    const int offsets = static_cast<int>(std::floor(2 * range_mm / step_mm + 1e-9)) + 1;
    std::vector<double> score(static_cast<std::size_t>(offsets), 0.0);
    parallel_for(offsets, [&](int i) {
      score[static_cast<std::size_t>(i)] = log_likelihood(samples, -range_mm + i * step_mm);
    });
    const auto best = std::max_element(score.begin(), score.end()) - score.begin();  // the first of equals
    return -range_mm + static_cast<double>(best) * step_mm;
  }

  // How well the atlas read at `offset_mm` explains the labels it gave there: the criterion above per candidate,
  // averaged over every candidate (seeds too), so that a reading that leaves much of the study unexplained or outside
  // the atlas scores low rather than on the few voxels it did label; plus the same average over the candidates the
  // watershed labelled, where the image rather than the atlas decided (alone, the first is nearly flat over +-10 mm:
  // thighs-only seeds 3 and 6 were read at +30 to +35 mm from the guess where +40 was right).
  [[nodiscard]] double agreement(const Labelling& labelling, double offset_mm) const {
    const auto mean_log_likelihood = [&](const std::vector<Sample>& samples) {
      return log_likelihood(samples, offset_mm) / static_cast<double>(samples.size());
    };
    const auto every = fit_samples(labelling, true);
    if (every.empty()) return -1e300;
    const auto flooded = fit_samples(labelling);
    return mean_log_likelihood(every) + (flooded.empty() ? 0.0 : mean_log_likelihood(flooded));
  }

  // 9. The labelling at the atlas level offset that fits this patient, and that offset.
  [[nodiscard]] std::pair<Labelling, double> fit_level() const {
    double offset = 0;
    if (anatomy_.perineum_assumed && params_.atlas_level_fit_passes > 0) {
      // No perineum in the images (thighs or hips only): its level is a guess, tens of millimetres off, and the fit
      // below, led by labels made at the guess, stops halfway. Whole labellings are compared instead, every 10 mm and
      // then 5 mm either side of the best: the one whose labels the atlas read there explains best.
      std::optional<Labelling> best;
      double best_agreement = -1e300;
      const auto consider = [&](double candidate_offset) {
        auto candidate = label(candidate_offset);
        const double a = agreement(candidate, candidate_offset);
        if (a > best_agreement + 1e-12) {
          best_agreement = a;
          offset = candidate_offset;
          best = std::move(candidate);
        }
      };
      for (double start = -kAssumedPerineumSearchMm; start <= kAssumedPerineumSearchMm + 1e-9;
           start += kAssumedPerineumStepMm)
        consider(start);
      const double coarse = offset;
      consider(coarse - kAssumedPerineumStepMm / 2);
      consider(coarse + kAssumedPerineumStepMm / 2);
      if (!best) best = label(offset);  // nothing the watershed labelled to compare by
      return {std::move(*best), offset};
    }
    // Every level is counted from the perineum, which moves with the patient's fat (103-114 mm below the femoral
    // head in 15 generated studies), while the muscles stay with the bones. The atlas is read again at the level
    // offset that best explains the watershed's labels, until that offset settles (segmentation README, step 8).
    auto labelled = label(offset);
    for (int pass = 0; pass < params_.atlas_level_fit_passes; ++pass) {
      const double next = best_level_offset(labelled, params_.atlas_level_fit_range_mm, kLevelFitStepMm);
      if (next == offset) break;
      offset = next;
      labelled = label(offset);
    }
    return {std::move(labelled), offset};
  }

 private:
  static constexpr std::size_t kFitSampleStride = 7;
  static constexpr std::array<double, 2> kFitLevelsMm{-120.0, 60.0};
  static constexpr double kFitProbabilityFloor = 0.02;

  struct Sample {
    double level_mm;
    float u, v;
    std::size_t cls;
  };
  [[nodiscard]] std::vector<Sample> fit_samples(const Labelling& labelling, bool with_seeds = false) const {
    std::vector<Sample> samples;
    for (std::size_t j = 0; j < anatomy_.candidates.size(); j += kFitSampleStride) {
      const auto& c = anatomy_.candidates[j];
      if (!with_seeds && labelling.markers.voxels[c.voxel] != 0) continue;
      const double level = anatomy_.slice_level_mm[c.voxel / per_slice()];
      // Around the perineum, where its level matters most; everywhere when the perineum is only a guess.
      if (!anatomy_.perineum_assumed && (level < kFitLevelsMm[0] || level > kFitLevelsMm[1])) continue;
      samples.push_back({level, c.u, c.v, class_of(labelling.labels.voxels[c.voxel], c.side)});
    }
    return samples;
  }
  [[nodiscard]] double log_likelihood(const std::vector<Sample>& samples, double offset_mm) const {
    std::vector<float> p;
    double sum = 0;
    for (const auto& sample : samples) {
      atlas_.probabilities(sample.level_mm + offset_mm, sample.u, sample.v, p);
      sum += std::log(p[sample.cls] + kFitProbabilityFloor);
    }
    return sum;
  }
  [[nodiscard]] std::size_t per_slice() const {
    const auto& g = anatomy_.result.fat_likeness.geometry;
    return g.size[0] * g.size[1];
  }
  [[nodiscard]] std::size_t class_of(std::uint16_t label, std::uint8_t side) const {
    if (label == 0) return 0;
    for (std::size_t k = 1; k < class_label_.size(); ++k)
      if (class_label_[k][side] == label) return k;
    return 0;
  }
  // The atlas's class probabilities at a candidate, read at its slice's level plus the offset.
  void read_atlas(const detail::Candidate& c, double level_offset_mm, std::vector<float>& p) const {
    atlas_.probabilities(anatomy_.slice_level_mm[c.voxel / per_slice()] + level_offset_mm, c.u, c.v, p);
  }
  // Runs body(candidate, scratch vector) over every candidate, in parallel chunks.
  template <typename Body>
  void for_each_candidate(const Body& body) const {
    constexpr int kChunks = 64;
    const auto& candidates = anatomy_.candidates;
    parallel_for(kChunks, [&](int chunk) {
      std::vector<float> p;
      const std::size_t begin = candidates.size() * static_cast<std::size_t>(chunk) / kChunks;
      const std::size_t end = candidates.size() * static_cast<std::size_t>(chunk + 1) / kChunks;
      for (std::size_t j = begin; j < end; ++j) body(candidates[j], p);
    });
  }

  const detail::Anatomy& anatomy_;
  const SegmentationAtlas& atlas_;
  const SegmentationParams& params_;
  std::vector<std::array<std::uint16_t, 2>> class_label_;
  std::vector<double> class_marker_probability_;
  std::vector<detail::StrapRim> strap_rims_;
};

}  // namespace

SegmentationResult segment_muscle_groups(const SegmentationInput& input, const SegmentationParams& params) {
  const SegmentationAtlas& atlas = params.atlas != nullptr ? *params.atlas : SegmentationAtlas::builtin();
  auto anatomy = detail::analyse_anatomy(input, params);
  const AtlasLabelling labelling(anatomy, atlas, params);
  auto [labelled, offset] = labelling.fit_level();
  SegmentationResult result = std::move(anatomy.result);
  if (offset != 0)
    result.notes.push_back(fmt::format("atlas fitted to this patient's muscles: read {:.0f} mm {} the level counted "
                                       "from the perineum",
                                       std::abs(offset), offset > 0 ? "above" : "below"));
  result.labels = std::move(labelled.labels);
  result.landmarks.atlas_level_offset_mm = offset;
  return result;
}

}  // namespace myo::segmentation
