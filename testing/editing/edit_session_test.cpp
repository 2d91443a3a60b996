// The viewer's edit session without a display: undo/redo by action, the log it keeps replaying to its labels, the
// review order of flagged muscles and the worst slice of a label.
#include <gtest/gtest.h>

#include <cmath>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/editing/edit_session.hpp"
#include "myo/editing/label_edits.hpp"

namespace core = myo::core;
namespace editing = myo::editing;

namespace {

// 20 x 20 x 10 voxels of 1 x 1 x 2 mm; voxel (i, j, k) at (i, j, 2k) mm; a block of label A in the middle.
const int kA = core::MuscleCatalog::instance().groups().at(0).label_right;
const int kB = core::MuscleCatalog::instance().groups().at(1).label_right;
const int kC = core::MuscleCatalog::instance().groups().at(2).label_right;

core::LabelVolume start() {
  core::Geometry g;
  g.size = {20, 20, 10};
  g.spacing_mm = {1, 1, 2};
  core::LabelVolume v(g, 0);
  for (std::size_t k = 2; k < 8; ++k)
    for (std::size_t j = 5; j < 15; ++j)
      for (std::size_t i = 5; i < 15; ++i) v.at(i, j, k) = static_cast<std::uint16_t>(kA);
  return v;
}

editing::Edit dab(const core::Vec3& centre, double radius, int label) {
  editing::Edit e;
  e.kind = label == 0 ? editing::EditKind::erase : editing::EditKind::brush;
  e.centre_mm = centre, e.radius_mm = radius, e.label = label;
  return e;
}

// What the session's log gives when replayed on the starting map, as `myoscope edit` replays a saved log.
core::LabelVolume replayed(const editing::EditSession& session, core::LabelVolume from) {
  const auto log = session.log();
  if (!log.edits.empty()) editing::apply_edits(from, log, "session");
  return from;
}

}  // namespace

// Every state reached by edits, undo and redo is what the log replays to: the saved log reproduces the labels.
TEST(EditSession, LogReplaysToTheWorkingLabelsThroughUndoAndRedo) {
  const auto original = start();
  editing::EditSession session(original, "Dr Test");
  session.apply(dab({10, 10, 8}, 3, 0));
  session.apply(dab({4, 4, 8}, 2, kB));
  EXPECT_EQ(session.labels().voxels, replayed(session, original).voxels);
  EXPECT_EQ(session.edit_count(), 2u);
  ASSERT_TRUE(session.undo());
  EXPECT_EQ(session.edit_count(), 1u);
  EXPECT_EQ(session.labels().voxels, replayed(session, original).voxels);
  ASSERT_TRUE(session.redo());
  EXPECT_EQ(session.labels().voxels, replayed(session, original).voxels);
  ASSERT_TRUE(session.undo());
  ASSERT_TRUE(session.undo());
  EXPECT_EQ(session.labels().voxels, original.voxels);
  EXPECT_FALSE(session.undo());
  // Each logged edit names the reader and a UTC time that the log parser accepts.
  ASSERT_TRUE(session.redo());
  const auto log = session.log();
  EXPECT_EQ(log.edits.at(0).reader, "Dr Test");
  const auto parsed = editing::parse_edit_log(editing::to_json_text(log), "session.json");
  EXPECT_EQ(parsed.edits.at(0).time_utc, log.edits.at(0).time_utc);
}

// A brush drag is one action of many dabs: one undo takes all of it back; a new action after an undo drops the redo.
TEST(EditSession, ActionsUndoAsOneAndANewActionDropsTheRedo) {
  const auto original = start();
  editing::EditSession session(original);
  session.begin_action();
  for (double x = 2; x <= 8; x += 2) session.apply(dab({x, 3, 2}, 1.5, kB));
  session.end_action();
  EXPECT_EQ(session.edit_count(), 4u);
  ASSERT_TRUE(session.undo());
  EXPECT_EQ(session.labels().voxels, original.voxels);
  EXPECT_EQ(session.last_changed().empty(), false);
  session.apply(dab({10, 10, 10}, 2, kC));
  EXPECT_FALSE(session.can_redo());
  EXPECT_EQ(session.edit_count(), 1u);
  EXPECT_EQ(session.labels().voxels, replayed(session, original).voxels);
}

// A refused edit (outside the map) changes nothing and is not logged; commit makes the labels the new start.
TEST(EditSession, RefusedEditsAreNotLoggedAndCommitClearsTheHistory) {
  editing::EditSession session(start());
  session.apply(dab({10, 10, 8}, 3, 0));
  const auto before = session.labels().voxels;
  EXPECT_THROW(session.apply(dab({500, 10, 8}, 3, kB)), core::MyoError);
  EXPECT_EQ(session.labels().voxels, before);
  EXPECT_EQ(session.edit_count(), 1u);
  session.commit();
  EXPECT_EQ(session.edit_count(), 0u);
  EXPECT_FALSE(session.undo());
  EXPECT_EQ(session.labels().voxels, before);
}

// Flagged labels first, lowest confidence first; then the others by confidence; labels without one last; labels
// absent from the map are not listed.
TEST(EditSession, ReviewOrderListsFlaggedMusclesFirst) {
  auto v = start();
  v.at(1, 1, 1) = static_cast<std::uint16_t>(kB);
  v.at(2, 1, 1) = static_cast<std::uint16_t>(kC);
  const std::vector<editing::LabelConfidence> confidence{
      {kA, 0.9, false}, {kB, 0.7, true}, {kC, 0.6, true}, {999, 0.1, true}};
  EXPECT_EQ(editing::review_order(v, confidence), (std::vector<int>{kC, kB, kA}));
  EXPECT_EQ(editing::review_order(v, {{kA, 0.5, true}}).front(), kA);
  EXPECT_EQ(editing::review_order(v, {{kB, 0.5, true}}), (std::vector<int>{kB, kA, kC}));
}

// The worst slice is the one whose area jumps against its neighbours: a slice of the block half missing.
TEST(EditSession, WorstSliceIsWhereTheAreaJumps) {
  auto v = start();
  for (std::size_t j = 5; j < 15; ++j)
    for (std::size_t i = 5; i < 10; ++i) v.at(i, j, 5) = 0;
  const auto p = editing::worst_slice_point_mm(v, kA);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ((*p)[2], 10.0);  // slice 5 at 2 mm per slice
  EXPECT_NEAR((*p)[0], 12.0, 1e-9);  // centroid of the half that is left (i = 10..14)
  EXPECT_FALSE(editing::worst_slice_point_mm(v, kB));
}
