// The edit log's JSON: what it accepts, what it refuses (naming the file and the edit's index), round trips.
#include <gtest/gtest.h>

#include <string>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/editing/edit_log.hpp"

namespace core = myo::core;
namespace editing = myo::editing;

namespace {

std::string label() { return std::to_string(core::MuscleCatalog::instance().groups().front().label_right); }

std::string log_with(const std::string& second_edit) {
  return R"({"version": 1, "edits": [{"op": "erase", "centre_mm": [1, 2, 3], "radius_mm": 4}, )" + second_edit + "]}";
}

// The message of the error parsing `text` raises (empty when it parses).
std::string problem(const std::string& text) {
  try {
    static_cast<void>(editing::parse_edit_log(text, "/data/EDITS.json"));
  } catch (const core::MyoError& e) {
    EXPECT_EQ(e.error().subject, "/data/EDITS.json");
    EXPECT_EQ(e.kind(), core::ErrorKind::input);
    return e.error().message;
  }
  return {};
}

}  // namespace

TEST(EditLog, ReadsEveryOperation) {
  const auto log = editing::parse_edit_log(R"({"edits": [
      {"op": "brush", "reader": "Dr A", "time": "2026-12-06T08:15:00Z", "centre_mm": [1, 2, 3], "radius_mm": 5,
       "shape": "disc", "label": )" + label() + R"(},
      {"op": "erase", "centre_mm": [1, 2, 3], "radius_mm": 2.5},
      {"op": "reassign", "from_label": )" + label() + R"(, "to_label": 0},
      {"op": "fill", "seed_mm": [4, 5, 6], "label": )" + label() + R"(},
      {"op": "interpolate", "label": )" + label() + R"(, "from_mm": [0, 0, -10], "to_mm": [0, 0, 20]}]})",
                                           "EDITS.json");
  ASSERT_EQ(log.edits.size(), 5U);
  EXPECT_EQ(log.edits[0].shape, editing::BrushShape::disc);
  EXPECT_EQ(log.edits[0].reader, "Dr A");
  EXPECT_EQ(log.edits[1].shape, editing::BrushShape::ball);
  EXPECT_FALSE(log.edits[2].centre_mm.has_value());  // the whole volume
  EXPECT_EQ((*log.edits[3].centre_mm)[2], 6);
  EXPECT_EQ(log.edits[4].to_mm[2], 20);
  // Written and read back: the same log.
  const auto again = editing::parse_edit_log(editing::to_json_text(log), "again.json");
  EXPECT_EQ(editing::to_json_text(again), editing::to_json_text(log));
}

TEST(EditLog, RefusesBadEditsNamingTheirIndex) {
  EXPECT_NE(problem(log_with(R"({"op": "paint", "centre_mm": [0, 0, 0]})")).find("edit 1 (paint): unknown operation"),
            std::string::npos);
  EXPECT_NE(problem(log_with(R"({"op": "brush", "centre_mm": [0, 0, 0], "radius_mm": 3, "label": 9999})"))
                .find("edit 1 (brush): label 9999 is not"),
            std::string::npos);
  EXPECT_NE(problem(log_with(R"({"op": "erase", "centre_mm": [0, 0], "radius_mm": 3})")).find("edit 1"),
            std::string::npos);
  EXPECT_NE(problem(log_with(R"({"op": "erase", "centre_mm": [0, 0, 0], "radius_mm": -1})")).find("radius_mm"),
            std::string::npos);
  EXPECT_NE(problem(log_with(R"({"op": "erase", "centre_mm": [0, 0, 0], "radius_mm": 1, "shape": "cube"})"))
                .find("shape"),
            std::string::npos);
  EXPECT_NE(problem(log_with(R"({"op": "erase", "centre_mm": [0, 0, 0], "radius_mm": 1, "time": "yesterday"})"))
                .find("ISO 8601"),
            std::string::npos);
  EXPECT_NE(problem(log_with(R"({"op": "fill", "seed_mm": [0, 0, 0], "label": 0})")).find("label 0"),
            std::string::npos);
}

TEST(EditLog, RefusesWhatIsNoEditLog) {
  EXPECT_NE(problem("{not json").find("not a JSON edit log"), std::string::npos);
  EXPECT_NE(problem(R"({"edits": {}})").find("no \"edits\" list"), std::string::npos);
  EXPECT_NE(problem(R"({"edits": []})").find("no edit"), std::string::npos);
  EXPECT_NE(problem(R"({"version": 7, "edits": []})").find("version 7"), std::string::npos);
  EXPECT_THROW(static_cast<void>(editing::read_edit_log("/nonexistent/edits.json")), core::MyoError);
}
