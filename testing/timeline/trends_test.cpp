// Trend arithmetic: changes between consecutive visits and first to last, flagged only beyond the repeatability
// limits `compare` uses, and the descriptive sentences built from them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "myo/timeline/trends.hpp"

namespace myo::timeline {
namespace {

using ::testing::HasSubstr;

Visit visit_on(core::Date date, double adductor_ff, std::optional<double> adductor_edema, double quad_ff = 5.0) {
  Visit v;
  v.study_date = date;
  v.measures = {{"quadriceps", "right", 900, quad_ff, 3.0}, {"adductors", "left", 500, adductor_ff + 1, adductor_edema},
                {"adductors", "right", 500, adductor_ff, adductor_edema}};
  return v;
}

Patient three_visits() {
  Patient p;
  p.key = "hmac-sha256:abc";
  p.visits = {visit_on({2026, 1, 10}, 22, 40), visit_on({2026, 4, 10}, 23.5, 25),
              visit_on({2026, 10, 10}, 27, 12, 5.5)};
  return p;
}

const GroupTrend& find(const std::vector<GroupTrend>& trends, const std::string& group, const std::string& side) {
  for (const auto& t : trends)
    if (t.group == group && t.side == side) return t;
  throw std::runtime_error("no trend for " + group + " " + side);
}

TEST(Trends, StepsAndOverallChangeAreDifferencesInPoints) {
  const auto trends = group_trends(three_visits(), {});
  const auto& add = find(trends, "adductors", "right");
  ASSERT_EQ(add.fat_fraction.steps.size(), 2U);
  EXPECT_DOUBLE_EQ(add.fat_fraction.steps[0].change_points, 1.5);
  EXPECT_FALSE(add.fat_fraction.steps[0].beyond_limit);  // 1.5 < 2 points
  EXPECT_DOUBLE_EQ(add.fat_fraction.steps[1].change_points, 3.5);
  EXPECT_TRUE(add.fat_fraction.steps[1].beyond_limit);
  ASSERT_TRUE(add.fat_fraction.overall);
  EXPECT_DOUBLE_EQ(add.fat_fraction.overall->change_points, 5.0);
  EXPECT_NEAR(add.fat_fraction.overall->months, 9.0, 0.1);
  ASSERT_TRUE(add.edema.overall);
  EXPECT_DOUBLE_EQ(add.edema.overall->change_points, -28.0);
  EXPECT_TRUE(add.edema.steps[0].beyond_limit);  // -15 > 5 points
  const auto& quad = find(trends, "quadriceps", "right");
  EXPECT_FALSE(quad.fat_fraction.overall->beyond_limit);
}

TEST(Trends, LimitsComeFromTheCaller) {
  core::RepeatabilityLimits loose;
  loose.fat_fraction_points = 6;
  loose.edema_fraction_points = 30;
  const auto trends = group_trends(three_visits(), loose);
  const auto& add = find(trends, "adductors", "right");
  EXPECT_FALSE(add.fat_fraction.overall->beyond_limit);
  EXPECT_FALSE(add.edema.overall->beyond_limit);
}

TEST(Trends, AVisitWithoutAMeasureIsSkippedNotZero) {
  auto p = three_visits();
  p.visits[1] = visit_on({2026, 4, 10}, 23.5, std::nullopt);
  const auto trends = group_trends(p, {});
  const auto& edema = find(trends, "adductors", "right").edema;
  EXPECT_FALSE(edema.values_pct[1]);
  ASSERT_EQ(edema.steps.size(), 1U);
  EXPECT_EQ(edema.steps[0].from_visit, 0U);
  EXPECT_EQ(edema.steps[0].to_visit, 2U);
}

TEST(Trends, OrderIsCatalogueThenRightBeforeLeft) {
  const auto trends = group_trends(three_visits(), {});
  ASSERT_EQ(trends.size(), 3U);
  const auto adductor_right = std::find_if(trends.begin(), trends.end(), [](const auto& t) {
    return t.group == "adductors" && t.side == "right";
  });
  ASSERT_NE(adductor_right + 1, trends.end());
  EXPECT_EQ((adductor_right + 1)->side, "left");
}

TEST(Trends, SentencesDescribeChangesBeyondTheLimits) {
  auto p = three_visits();
  p.visits[2].measures[1].edema_fraction_pct = 38;  // left adductors: edema within the limit, fat fraction rose
  const auto sentences = describe_trends(group_trends(p, {}));
  ASSERT_EQ(sentences.size(), 2U);  // adductors right and left; the quadriceps stayed within the limits
  EXPECT_EQ(sentences[0], "Edema in the adductors (right) fell from 40 % to 12 % over 9 months while their fat fraction "
                          "rose from 22 % to 27 %.");
  EXPECT_EQ(sentences[1], "Fat fraction in the adductors (left) rose from 23 % to 28 % over 9 months.");
  for (const auto& s : sentences) EXPECT_THAT(s, ::testing::Not(HasSubstr("myositis")));
}

// Both sides changing the same way make one sentence that keeps each side's numbers (a shorter page).
TEST(Trends, SidesThatChangedAlikeShareOneSentence) {
  const auto sentences = describe_trends(group_trends(three_visits(), {}));
  ASSERT_EQ(sentences.size(), 1U);
  EXPECT_EQ(sentences[0], "Edema in the adductors fell from 40 % to 12 % (right) and 40 % to 12 % (left) over 9 months "
                          "while their fat fraction rose from 22 % to 27 % (right) and 23 % to 28 % (left).");
}

TEST(Trends, SidesThatMovedOppositeWaysKeepTheirOwnSentences) {
  auto p = three_visits();
  p.visits[2].measures[1].edema_fraction_pct = 52;  // left adductors: edema rose while the right fell
  const auto sentences = describe_trends(group_trends(p, {}));
  ASSERT_EQ(sentences.size(), 2U);
  EXPECT_THAT(sentences[0], HasSubstr("adductors (right) fell from 40 % to 12 %"));
  EXPECT_THAT(sentences[1], HasSubstr("adductors (left) rose from 40 % to 52 %"));
}

TEST(Trends, NoChangeIsSaidOnce) {
  Patient p;
  p.visits = {visit_on({2026, 1, 10}, 22, 40), visit_on({2026, 1, 30}, 22.5, 41)};
  const auto sentences = describe_trends(group_trends(p, {}));
  ASSERT_EQ(sentences.size(), 1U);
  EXPECT_THAT(sentences[0], HasSubstr("No change"));
}

TEST(Trends, OneVisitHasNothingToCompare) {
  Patient p;
  p.visits = {visit_on({2026, 1, 10}, 22, 40)};
  const auto sentences = describe_trends(group_trends(p, {}));
  ASSERT_EQ(sentences.size(), 1U);
  EXPECT_EQ(sentences[0], "One MRI visit only: no change to describe yet.");
}

TEST(Trends, IntervalsInWords) {
  EXPECT_EQ(interval_words({2026, 1, 1}, {2026, 1, 13}), "12 days");
  EXPECT_EQ(interval_words({2026, 1, 1}, {2026, 2, 20}), "2 months");
  EXPECT_EQ(interval_words({2026, 1, 1}, {2027, 1, 1}), "12 months");
}

}  // namespace
}  // namespace myo::timeline
