#include "myo/segmentation/muscle_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/core/statistics.hpp"
#include "unet.hpp"

namespace myo::segmentation {

// Compiled in from data/muscle_model.bin (empty when the build had none).
extern const unsigned char kBuiltinModelBytes[];
extern const std::size_t kBuiltinModelSize;

namespace {

constexpr const char* kMagic = "MYOSEGNET\n";
constexpr std::size_t kMaxHeaderBytes = 1U << 20;
constexpr std::size_t kMaxParameters = 50'000'000;

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000U) << 16U;
  std::uint32_t exponent = (h >> 10U) & 0x1FU;
  std::uint32_t mantissa = h & 0x3FFU;
  std::uint32_t bits = 0;
  if (exponent == 0) {
    if (mantissa != 0) {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400U) == 0) mantissa <<= 1U, --exponent;
      bits = sign | (exponent << 23U) | ((mantissa & 0x3FFU) << 13U);
    } else {
      bits = sign;
    }
  } else if (exponent == 31) {
    bits = sign | 0x7F800000U | (mantissa << 13U);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23U) | (mantissa << 13U);
  }
  float f = 0;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Nearest half-precision value (ties to even); the model file stores its tensors so.
std::uint16_t float_to_half(float f) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &f, sizeof bits);
  const auto sign = static_cast<std::uint16_t>((bits >> 16U) & 0x8000U);
  const int exponent = static_cast<int>((bits >> 23U) & 0xFFU) - 127 + 15;
  std::uint32_t mantissa = bits & 0x7FFFFFU;
  if (((bits >> 23U) & 0xFFU) == 0xFFU) return static_cast<std::uint16_t>(sign | 0x7C00U | (mantissa ? 0x200U : 0));
  if (exponent >= 31) return static_cast<std::uint16_t>(sign | 0x7C00U);
  if (exponent <= 0) {  // subnormal half, or zero
    if (exponent < -10) return sign;
    mantissa |= 0x800000U;
    const auto shift = static_cast<std::uint32_t>(14 - exponent);
    std::uint32_t half = mantissa >> shift;
    const std::uint32_t rest = mantissa & ((1U << shift) - 1U), halfway = 1U << (shift - 1U);
    if (rest > halfway || (rest == halfway && (half & 1U))) ++half;
    return static_cast<std::uint16_t>(sign | half);
  }
  std::uint32_t half = (static_cast<std::uint32_t>(exponent) << 10U) | (mantissa >> 13U);
  const std::uint32_t rest = mantissa & 0x1FFFU;
  if (rest > 0x1000U || (rest == 0x1000U && (half & 1U))) ++half;  // may carry into the exponent, as it should
  return static_cast<std::uint16_t>(sign | half);
}

void append_halves(std::string& out, const std::vector<float>& values) {
  for (const float v : values) {
    const std::uint16_t h = float_to_half(v);
    out.push_back(static_cast<char>(h & 0xFFU));
    out.push_back(static_cast<char>(h >> 8U));
  }
}

std::string describe(const nlohmann::json& header, std::size_t parameters) {
  const auto& training = header.at("training");
  auto text = fmt::format(
      "2D U-Net ({} levels, {} parameters), trained {} iterations (seed {}) on images synthesised "
      "from real label maps",
      header.at("architecture").at("channels").size(), parameters, training.value("iterations", 0),
      training.value("seed", 0));
  if (header.contains("tuning") && header["tuning"].is_object())
    text += fmt::format("; head tuned on {} corrected site studies (myoscope model-tune, seed {})",
                        header["tuning"].value("tuned_studies", 0), header["tuning"].value("seed", 0));
  return text;
}

}  // namespace

MuscleModel MuscleModel::parse(const std::string& bytes, const std::string& origin) {
  try {
    const std::size_t magic = std::strlen(kMagic);
    if (bytes.size() < magic + 4 || bytes.compare(0, magic, kMagic) != 0)
      throw std::runtime_error("not a MyoScope muscle model");
    std::uint32_t header_size = 0;
    for (int i = 3; i >= 0; --i)
      header_size = (header_size << 8U) | static_cast<unsigned char>(bytes[magic + static_cast<std::size_t>(i)]);
    if (header_size > kMaxHeaderBytes || magic + 4 + header_size > bytes.size())
      throw std::runtime_error("header size out of range");
    const auto header = nlohmann::json::parse(bytes.substr(magic + 4, header_size));
    if (header.at("format") != "myoscope-unet2d" || header.at("version") != 1)
      throw std::runtime_error("unsupported model format");
    MuscleModel model;
    model.origin_ = origin;
    model.classes_ = header.at("classes").get<std::vector<std::string>>();
    model.pixel_mm_ = header.at("pixel_mm").get<double>();
    if (model.classes_.size() < 2 || model.classes_.size() > 255 || model.classes_.front() != "background" ||
        !(model.pixel_mm_ > 0.1))
      throw std::runtime_error("invalid class list or pixel size");
    for (std::size_t c = 1; c < model.classes_.size(); ++c)
      if (core::MuscleCatalog::instance().find_muscle(model.classes_[c]) == nullptr)
        throw std::runtime_error("class '" + model.classes_[c] + "' is not a muscle of the catalogue");
    std::vector<std::vector<int>> shapes;
    std::vector<std::vector<float>> tensors;
    std::size_t offset = magic + 4 + header_size, parameters = 0;
    model.header_begin_ = magic + 4, model.header_end_ = offset;
    const std::size_t tensor_count = header.at("tensors").size();
    for (const auto& t : header.at("tensors")) {
      if (tensors.size() + 2 == tensor_count) model.head_offset_ = offset;
      shapes.push_back(t.at("shape").get<std::vector<int>>());
      std::size_t count = 1;
      for (const int d : shapes.back()) {
        if (d <= 0 || d > 4096) throw std::runtime_error("tensor dimension out of range");
        count *= static_cast<std::size_t>(d);
      }
      parameters += count;
      if (parameters > kMaxParameters || offset + 2 * count > bytes.size())
        throw std::runtime_error("tensor data truncated");
      std::vector<float> values(count);
      for (std::size_t i = 0; i < count; ++i, offset += 2)
        values[i] = half_to_float(static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[offset]) |
                                                             (static_cast<unsigned char>(bytes[offset + 1]) << 8U)));
      tensors.push_back(std::move(values));
    }
    if (offset != bytes.size()) throw std::runtime_error("trailing bytes after the tensors");
    const auto channels = header.at("architecture").at("channels").get<std::vector<int>>();
    if (channels.empty() || channels.size() > 8) throw std::runtime_error("invalid architecture");
    model.net_ = std::make_shared<const detail::UNet>(channels, static_cast<int>(model.classes_.size()),
                                                      std::move(tensors), shapes, origin);
    model.description_ = describe(header, parameters);
    model.bytes_ = std::make_shared<const std::string>(bytes);
    const auto& check = header.at("check");
    model.check_class_means_ = check.at("class_means").get<std::vector<double>>();
    model.check_size_ = {check.at("height").get<int>(), check.at("width").get<int>()};
    return model;
  } catch (const core::MyoError&) {
    throw;
  } catch (const std::exception& e) {
    throw core::MyoError(origin, std::string("unreadable muscle model: ") + e.what());
  }
}

const MuscleModel& MuscleModel::builtin() {
  static const MuscleModel model = [] {
    if (kBuiltinModelSize == 0)
      throw core::MyoError("segmentation",
                           "this build has no built-in muscle model (data/muscle_model.bin was missing)");
    return parse(std::string(reinterpret_cast<const char*>(kBuiltinModelBytes), kBuiltinModelSize), "built-in model");
  }();
  return model;
}

MuscleModel MuscleModel::read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::MyoError(path.string(), "cannot open the muscle model file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path.string());
}

void MuscleModel::predict(const float* image, int rows, int columns, std::vector<float>& probabilities) const {
  detail::single_threaded_blas();
  net_->predict(image, rows, columns, probabilities);
}

void MuscleModel::head_features(const float* image, int rows, int columns, std::vector<float>& features) const {
  detail::single_threaded_blas();
  net_->head_features(image, rows, columns, features);
}

ModelHead MuscleModel::head() const {
  const auto& h = net_->head();
  return {h.in_channels, h.out_channels, h.weight, h.bias};
}

namespace {

// The export's check pattern (training/segmentation/export.py check_pattern), an input every copy of a model file
// must turn into the class means its header records.
std::vector<float> check_pattern(int h, int w) {
  std::vector<float> out(static_cast<std::size_t>(h) * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      out[static_cast<std::size_t>(y) * w + x] = static_cast<float>(
          0.6 + 0.5 * std::sin(0.31 * x) * std::cos(0.23 * y) + 0.1 * std::sin(0.05 * x * y / 8.0));
  return out;
}

}  // namespace

std::string MuscleModel::file_with(const std::string& header_text, const ModelHead& head) const {
  std::string out = kMagic;
  for (unsigned i = 0; i < 4; ++i) out.push_back(static_cast<char>((header_text.size() >> (8U * i)) & 0xFFU));
  out += header_text;
  out.append(*bytes_, header_end_, head_offset_ - header_end_);
  append_halves(out, head.weight);
  append_halves(out, head.bias);
  return out;
}

MuscleModel MuscleModel::with_head(const ModelHead& head, const std::string& tuning_json) const {
  const auto own = this->head();
  if (head.inputs != own.inputs || head.classes != own.classes || head.weight.size() != own.weight.size() ||
      head.bias.size() != own.bias.size())
    throw core::MyoError(origin_, "a tuned head does not fit the model's shape", core::ErrorKind::internal);
  auto header = nlohmann::json::parse(bytes_->substr(header_begin_, header_end_ - header_begin_));
  header["tuning"] = nlohmann::json::parse(tuning_json);
  // Parsed once: the check output is the tuned model's own, so the file's self-check holds for it too. Recording it
  // changes only the header text; the tensors between header and head move with it.
  auto tuned = parse(file_with(header.dump(), head), origin_);
  tuned.check_class_means_ = tuned.run_check();
  header["check"]["class_means"] = tuned.check_class_means_;
  const std::string header_text = header.dump();
  tuned.bytes_ = std::make_shared<const std::string>(file_with(header_text, head));
  tuned.header_end_ = tuned.header_begin_ + header_text.size();
  tuned.head_offset_ = tuned.header_end_ + (head_offset_ - header_end_);
  return tuned;
}

std::vector<double> MuscleModel::run_check() const {
  const auto [h, w] = check_size_;
  std::vector<float> probabilities;
  predict(check_pattern(h, w).data(), h, w, probabilities);
  const auto plane = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  std::vector<double> means(classes_.size(), 0.0);
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    for (std::size_t p = 0; p < plane; ++p) means[c] += probabilities[c * plane + p];
    means[c] /= static_cast<double>(plane);
  }
  return means;
}

int MuscleModel::alignment() const { return net_->alignment(); }

void scale_for_network(std::vector<float>& pixels) {
  if (pixels.empty()) return;
  double sum = 0;
  for (const float v : pixels) sum += v;
  const auto mean = static_cast<float>(sum / static_cast<double>(pixels.size()));
  std::vector<float> bright;
  for (const float v : pixels)
    if (v > mean) bright.push_back(v);
  float scale = bright.size() > 16 ? static_cast<float>(core::percentile(bright, 0.99))
                                   : *std::max_element(pixels.begin(), pixels.end());
  scale = std::max(scale, 1e-6F);
  for (float& v : pixels) v = std::clamp(v / scale, 0.0F, 3.0F);
}

}  // namespace myo::segmentation
