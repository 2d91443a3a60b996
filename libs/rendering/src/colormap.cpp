#include "colormap.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "rounding.hpp"

namespace myo::rendering {

const char* to_string(Metric metric) {
  switch (metric) {
    case Metric::fat_fraction:
      return "fat_fraction";
    case Metric::edema_fraction:
      return "edema_fraction";
    case Metric::mercuri_grade:
      return "mercuri_grade";
  }
  return "unknown";
}

std::optional<Metric> metric_from_string(const std::string& text) {
  if (text == "fat_fraction" || text == "fat") return Metric::fat_fraction;
  if (text == "edema_fraction" || text == "edema") return Metric::edema_fraction;
  if (text == "mercuri_grade" || text == "grade" || text == "mercuri") return Metric::mercuri_grade;
  return std::nullopt;
}

namespace detail {
namespace {

using Stops = std::array<Rgb, 9>;
constexpr Stops kViridis{{{68, 1, 84},
                          {71, 44, 122},
                          {59, 81, 139},
                          {44, 113, 142},
                          {33, 144, 141},
                          {39, 173, 129},
                          {92, 200, 99},
                          {170, 220, 50},
                          {253, 231, 37}}};
// Mercuri grade 1 (normal) .. 4 (end stage): categorical, from green to red (the viewer uses the same).
constexpr std::array<Rgb, 4> kGrades{{{44, 162, 95}, {254, 224, 139}, {253, 141, 60}, {215, 48, 39}}};
constexpr Stops kYlOrRd{{{255, 255, 204},
                         {255, 237, 160},
                         {254, 217, 118},
                         {254, 178, 76},
                         {253, 141, 60},
                         {252, 78, 42},
                         {227, 26, 28},
                         {189, 0, 38},
                         {128, 0, 38}}};

constexpr Stops kRdBu{{{33, 102, 172},
                       {67, 147, 195},
                       {146, 197, 222},
                       {209, 229, 240},
                       {247, 247, 247},
                       {253, 219, 199},
                       {244, 165, 130},
                       {214, 96, 77},
                       {178, 24, 43}}};

std::uint8_t lerp(std::uint8_t a, std::uint8_t b, double t) {
  return static_cast<std::uint8_t>(round_half_away(a + (b - a) * t));
}

// t in [0, 1] along nine stops.
Rgb along(const Stops& stops, double t) {
  if (!std::isfinite(t)) return kNoData;
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(stops.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(t), stops.size() - 2);
  const double f = t - static_cast<double>(i);
  return {lerp(stops[i].r, stops[i + 1].r, f), lerp(stops[i].g, stops[i + 1].g, f),
          lerp(stops[i].b, stops[i + 1].b, f)};
}

}  // namespace

MetricInfo metric_info(Metric metric, const FigureParams& params) {
  switch (metric) {
    case Metric::fat_fraction:
      return {"fat_fraction", "Fat fraction", "Fat fraction (%)", params.fat_fraction_range_pct[0],
              params.fat_fraction_range_pct[1]};
    case Metric::edema_fraction:
      return {"edema_fraction", "Edema", "Edema (% of muscle volume)", params.edema_fraction_range_pct[0],
              params.edema_fraction_range_pct[1]};
    case Metric::mercuri_grade:
      return {"mercuri_grade", "Mercuri grade", "Mercuri grade (fatty replacement)", 0.5, 4.5};
  }
  return {};
}

Rgb colormap(Metric metric, double t) {
  if (metric == Metric::mercuri_grade) {
    if (!std::isfinite(t)) return kNoData;
    return kGrades[std::min<std::size_t>(3, static_cast<std::size_t>(std::clamp(t, 0.0, 1.0) * 4))];
  }
  return along(metric == Metric::fat_fraction ? kViridis : kYlOrRd, t);
}

Rgb diverging(double t) { return along(kRdBu, (std::clamp(t, -1.0, 1.0) + 1) / 2); }

Rgb change_colour(double change, double range, bool beyond_limits) {
  if (!beyond_limits) return kNeutralChange;
  return diverging(range > 0 ? change / range : 0.0);
}

std::optional<Rgb> group_change_colour(const ViewerChange& change, const ViewerGroupChange& group,
                                       ChangeMetric metric) {
  const bool fat = metric == ChangeMetric::fat;
  const auto& value = fat ? group.fat_fraction_points : group.edema_fraction_points;
  if (!value) return std::nullopt;
  return change_colour(*value, fat ? change.fat_fraction_range_points : change.edema_fraction_range_points,
                       fat ? group.fat_fraction_beyond_limits : group.edema_fraction_beyond_limits);
}

Rgb metric_color(Metric metric, const MetricInfo& info, double value) {
  const double span = info.high - info.low;
  return colormap(metric, span > 0 ? (value - info.low) / span : 0.0);
}

Rgb mix(Rgb a, Rgb b, double alpha) {
  const auto m = [alpha](std::uint8_t x, std::uint8_t y) {
    return static_cast<std::uint8_t>(round_half_away(x * (1.0 - alpha) + y * alpha));
  };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

}  // namespace detail
}  // namespace myo::rendering
