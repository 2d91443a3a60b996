#include "channel_coverage.hpp"

#include <fmt/format.h>


#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/quantification/coverage.hpp"

namespace myo::pipeline::detail {
namespace {

using Entry = reporting::ChannelCoverageEntry;

// The numbers each channel gives; the T1 of a Dixon study only helps the segmentation.
const char* numbers_of(const std::string& channel) {
  if (channel == "fat") return "fat fraction";
  if (channel == "stir") return "edema";
  if (channel == "scanner_fat_fraction") return "scanner fat fraction";
  if (channel == "t2_map") return "water T2";
  return nullptr;
}

// The labels of one labelling that `covered` misses part of, named from the catalogue.
void add_labels(const core::LabelVolume& labels, const core::MaskVolume& covered, bool muscles, bool gives_numbers,
                double min_covered_pct, Entry& entry) {
  if (labels.voxels.empty()) return;
  const auto& catalog = core::MuscleCatalog::instance();
  for (const auto& c : quantification::label_coverage(labels, covered)) {
    if (c.uncovered_count == 0) continue;
    Entry::Label l;
    l.kind = muscles ? "muscle" : "group";
    if (muscles) {
      const auto m = catalog.muscle_from_label(c.value);
      if (!m) continue;
      l.name = m->muscle->name, l.side = core::to_string(m->side);
    } else {
      const auto g = catalog.from_label(c.value);
      if (!g) continue;
      l.name = g->group->name, l.side = core::to_string(g->side);
    }
    l.uncovered_pct = c.uncovered_pct();
    l.uncovered_z_mm = *c.uncovered_z_mm;
    l.numbers_withheld = gives_numbers && !c.enough(min_covered_pct);
    entry.labels.push_back(std::move(l));
  }
}

// "fat series 'X' (#5) covers 62.5 % of ...: fat fraction withheld (null) for gluteus_medius right (35 % uncovered,
// z 120 to 160 mm), ...". Series descriptions and numbers only: no patient data.
std::string warning_text(const ChannelCoverage& c, const Entry& entry, const StudyChannels& channels) {
  std::string text = fmt::format("{} series {} {}", c.channel, dicom::series_label(*c.series),
                                 dicom::coverage_problem(*channels.reference_series, c.grid));
  const char* numbers = numbers_of(c.channel);
  if (!numbers) return text + " (used for the segmentation only)";
  const auto listed = [&](const char* kind) {
    std::string out;
    for (const auto& l : entry.labels)
      if (l.kind == kind && l.numbers_withheld)
        out += fmt::format("{}{} {} ({:.0f} % uncovered, z {:.0f} to {:.0f} mm)", out.empty() ? "" : ", ", l.name,
                           l.side, l.uncovered_pct, l.uncovered_z_mm[0], l.uncovered_z_mm[1]);
    return out;
  };
  const auto groups = listed("group"), muscles = listed("muscle");
  if (groups.empty() && muscles.empty())
    return text + fmt::format(": every muscle at least {:g} % covered; {} over the covered voxels",
                              entry.min_covered_pct, numbers);
  return text + fmt::format(": {} withheld (null) where less than {:g} % of a muscle is covered: {}{}{}", numbers,
                            entry.min_covered_pct, groups.empty() ? "no group" : groups,
                            muscles.empty() ? "" : "; single muscles: ", muscles);
}

}  // namespace

CoverageReport describe_channel_coverage(const StudyChannels& channels, const core::LabelVolume& group_labels,
                                         const core::LabelVolume& muscle_labels, double min_covered_pct) {
  CoverageReport out;
  for (const auto& c : channels.coverage) {
    if (!c.covered) continue;
    Entry entry;
    entry.channel = c.channel;
    entry.series_instance_uid = c.series->series_instance_uid;
    entry.series_number = c.series->series_number;
    entry.series_description = c.series->description;
    entry.covered_pct = c.grid.covered_pct;
    entry.uncovered_z_mm = c.grid.uncovered_z_mm;
    entry.min_covered_pct = min_covered_pct;
    const bool gives_numbers = numbers_of(c.channel) != nullptr;
    add_labels(group_labels, *c.covered, false, gives_numbers, min_covered_pct, entry);
    add_labels(muscle_labels, *c.covered, true, gives_numbers, min_covered_pct, entry);
    if (entry.labels.empty()) {  // only air or fat beyond the muscles is missing: nothing to say
      log::debug("{} series {} {}; every muscle covered", c.channel, dicom::series_label(*c.series),
                 dicom::coverage_problem(*channels.reference_series, c.grid));
      continue;
    }
    for (const auto& l : entry.labels) out.numbers_withheld = out.numbers_withheld || l.numbers_withheld;
    out.warnings.push_back(log::printable(warning_text(c, entry, channels)));
    out.entries.push_back(std::move(entry));
  }
  return out;
}

}  // namespace myo::pipeline::detail
