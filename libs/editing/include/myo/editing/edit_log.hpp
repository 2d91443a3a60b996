#pragma once
// A reader's corrections of a label map as a replayable record (docs/edit-log.md): who, when, what and where, in
// patient coordinates (LPS mm), so the same log gives the same labels on any copy of the analysis.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "myo/core/geometry.hpp"

namespace myo::editing {

enum class EditKind { brush, erase, reassign, fill, interpolate };
enum class BrushShape { ball, disc };  // disc: 2D, on the label map's slice through the centre

[[nodiscard]] const char* to_string(EditKind kind);
[[nodiscard]] const char* to_string(BrushShape shape);

// One edit. Which fields matter depends on `kind`:
// brush/erase: centre_mm, radius_mm, shape (brush also label; erase sets 0);
// reassign: from_label -> to_label, within the ball (centre_mm, radius_mm) or the whole volume when no centre;
// fill: centre_mm is the seed, label fills the background region enclosed on the seed's slice;
// interpolate: label between the slices through from_mm and to_mm.
struct Edit {
  EditKind kind = EditKind::brush;
  std::string reader;    // who made it (may be empty)
  std::string time_utc;  // when, ISO 8601 (may be empty)
  std::optional<core::Vec3> centre_mm;
  double radius_mm = 0;
  BrushShape shape = BrushShape::ball;
  int label = 0;
  int from_label = 0;
  int to_label = 0;
  core::Vec3 from_mm{};
  core::Vec3 to_mm{};
};

inline constexpr int kEditLogVersion = 1;

struct EditLog {
  int version = kEditLogVersion;
  std::vector<Edit> edits;
};

// Parses and checks an edit log. Every problem is an input error naming `subject` (the file) and the edit's index
// ("edit 2 (brush): ..."): unknown operations or shapes, missing or non-finite coordinates, radii outside
// (0, 500] mm, times that are not ISO 8601, and label values the muscle catalogue does not name.
[[nodiscard]] EditLog parse_edit_log(const std::string& text, const std::string& subject);
[[nodiscard]] EditLog read_edit_log(const std::filesystem::path& path);
// The log as JSON text (what parse_edit_log reads back).
[[nodiscard]] std::string to_json_text(const EditLog& log);

}  // namespace myo::editing
