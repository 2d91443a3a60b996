#pragma once
// Colour maps and the text that goes with each metric (titles, units). Pure functions: no VTK.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "myo/rendering/figures.hpp"
#include "rounding.hpp"

namespace myo::rendering::detail {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

inline constexpr Rgb kWhite{255, 255, 255};
inline constexpr Rgb kBlack{0, 0, 0};
inline constexpr Rgb kText{30, 30, 30};
inline constexpr Rgb kNoData{190, 190, 190};  // groups or levels without a value
inline constexpr Rgb kEdemaColour{236, 40, 20};  // edema voxels over a slice

struct MetricInfo {
  std::string key;        // "fat_fraction"
  std::string title;      // "Fat fraction"
  std::string bar_label;  // "Fat fraction (%)"
  double low = 0, high = 100;
};

[[nodiscard]] MetricInfo metric_info(Metric metric, const FigureParams& params);
// t in [0,1] (clamped). Fat fraction: viridis; edema: yellow-orange-red (ColorBrewer YlOrRd).
[[nodiscard]] Rgb colormap(Metric metric, double t);
// Colour of a value given the metric's range.
[[nodiscard]] Rgb metric_color(Metric metric, const MetricInfo& info, double value);
[[nodiscard]] Rgb mix(Rgb a, Rgb b, double alpha);  // alpha of b over a
// mix() at one alpha for per-pixel loops: the same two products per channel, looked up, and the same sum and rounding.
class MixTable {
 public:
  explicit MixTable(double alpha) {
    for (int x = 0; x < 256; ++x) {
      under_[static_cast<std::size_t>(x)] = x * (1.0 - alpha);
      over_[static_cast<std::size_t>(x)] = x * alpha;
    }
  }
  [[nodiscard]] Rgb operator()(Rgb a, Rgb b) const { return {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)}; }

 private:
  [[nodiscard]] std::uint8_t channel(std::uint8_t x, std::uint8_t y) const {
    return static_cast<std::uint8_t>(round_half_away(under_[x] + over_[y]));
  }
  std::array<double, 256> under_{}, over_{};
};

// Change since a previous visit: a diverging map centred on 0 (ColorBrewer RdBu: blue decrease, red increase) over
// -range..+range. A change within the repeatability limits takes the colour of 0 (kNeutralChange).
inline constexpr Rgb kNeutralChange{247, 247, 247};
[[nodiscard]] Rgb diverging(double t);  // t in [-1, 1] (clamped)
[[nodiscard]] Rgb change_colour(double change, double range, bool beyond_limits);
// A group's change in fat fraction or edema on its metric's scale (the viewer's surfaces and overlay, scene.glb);
// none when the change is unknown.
enum class ChangeMetric { fat, edema };
[[nodiscard]] std::optional<Rgb> group_change_colour(const ViewerChange& change, const ViewerGroupChange& group,
                                                     ChangeMetric metric);

}  // namespace myo::rendering::detail
