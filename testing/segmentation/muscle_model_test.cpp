#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "myo/core/error.hpp"
#include "myo/segmentation/muscle_model.hpp"
#include "myo/testing/test_support.hpp"
#include "unet.hpp"

using namespace myo;

namespace {

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

// The shipped weights, run by the C++ runtime, give what PyTorch gave for them at export: a wrong tensor order, a
// transposed kernel or a broken half-float conversion shows here first.
TEST(MuscleModel, ShippedWeightsReproduceTheExportCheck) {
  const auto& model = segmentation::MuscleModel::builtin();
  const auto [h, w] = model.check_size();
  ASSERT_GT(h, 0);
  const auto means = model.run_check();
  const auto classes = model.classes().size();
  ASSERT_EQ(means.size(), classes);
  ASSERT_EQ(model.check_class_means().size(), classes);
  for (std::size_t c = 0; c < classes; ++c) EXPECT_NEAR(means[c], model.check_class_means()[c], 2e-3) << model.classes()[c];
}

TEST(MuscleModel, ClassesAreCatalogueMuscles) {
  const auto& model = segmentation::MuscleModel::builtin();
  EXPECT_EQ(model.classes().front(), "background");
  EXPECT_GE(model.classes().size(), 18U);
  EXPECT_GT(model.pixel_mm(), 0.5);
  EXPECT_EQ(model.alignment() & (model.alignment() - 1), 0);  // a power of two
}

TEST(MuscleModel, BrokenFilesGiveAnErrorNamingThem) {
  myo::testing::TempDir dir;
  const auto bytes = read_bytes(myo::testing::source_dir() / "data" / "muscle_model.bin");
  ASSERT_GT(bytes.size(), 1000U);
  for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
           {"truncated.bin", bytes.substr(0, bytes.size() / 2)},
           {"not_a_model.bin", std::string("hello world, this is not a model file at all")},
           {"trailing.bin", bytes + "xx"}}) {
    const auto file = dir.path() / name;
    std::ofstream(file, std::ios::binary) << content;
    try {
      (void)segmentation::MuscleModel::read(file);
      ADD_FAILURE() << name << " was accepted";
    } catch (const core::MyoError& e) {
      EXPECT_EQ(e.error().subject, file.string());
    }
  }
  EXPECT_THROW((void)segmentation::MuscleModel::read(dir.path() / "missing.bin"), core::MyoError);
}

// A one-level net (two 3x3 convolutions and a 1x1 head) computed by hand: the convolution's orientation, padding
// and bias, and the softmax.
TEST(UNetRuntime, ConvolutionsMatchAHandComputation) {
  std::vector<std::vector<float>> tensors;
  std::vector<std::vector<int>> shapes;
  // conv0: 1 -> 1, kernel picks the right-hand neighbour (x + 1), bias 0.5.
  std::vector<float> k0(9, 0.0F);
  k0[1 * 3 + 2] = 1.0F;
  tensors = {k0, {0.5F}, std::vector<float>(9, 0.0F), {0.0F}, {1.0F, -1.0F}, {0.0F, 0.0F}};
  tensors[2][4] = 1.0F;  // conv1: identity
  shapes = {{1, 1, 3, 3}, {1}, {1, 1, 3, 3}, {1}, {2, 1, 1, 1}, {2}};
  const segmentation::detail::UNet net({1}, 2, tensors, shapes, "hand-made");
  const std::vector<float> image{0, 1, 2, 3};  // one row of four
  std::vector<float> p;
  net.predict(image.data(), 1, 4, p);
  ASSERT_EQ(p.size(), 8U);
  const std::vector<float> feature{1.5F, 2.5F, 3.5F, 0.5F};  // x + 1, zero beyond the edge, plus bias
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(p[static_cast<std::size_t>(i)], 1.0 / (1.0 + std::exp(-2.0 * feature[i])), 1e-5);
}

TEST(UNetRuntime, WrongShapesAreRefused) {
  const std::vector<std::vector<float>> tensors{std::vector<float>(9), {0.0F}};
  EXPECT_THROW(segmentation::detail::UNet({1}, 2, tensors, {{1, 1, 3, 3}, {1}}, "short"), core::MyoError);
  EXPECT_THROW(segmentation::detail::UNet({2}, 2, tensors, {{1, 1, 3, 3}, {1}}, "shape"), core::MyoError);
}
