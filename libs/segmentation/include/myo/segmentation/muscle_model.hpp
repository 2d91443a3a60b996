#pragma once
// The learned muscle model: a 2D network that labels the single muscles of the hip and thigh on one axial slice of
// any contrast. Trained on images synthesised from real label maps (training/segmentation/, model card there).
#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace myo::segmentation {

namespace detail {
class UNet;
}

// The network's last layer, a 1x1 convolution from the last decoder block's features to the class logits: what
// model tuning (model_tuning.hpp) retrains on a site's corrected studies.
struct ModelHead {
  int inputs = 0;              // feature channels
  int classes = 0;
  std::vector<float> weight;   // [class][input]
  std::vector<float> bias;     // [class]
};

class MuscleModel {
 public:
  // The model compiled into the library (data/muscle_model.bin). Throws MyoError when none was compiled in.
  [[nodiscard]] static const MuscleModel& builtin();
  [[nodiscard]] static MuscleModel read(const std::filesystem::path& path);  // throws MyoError naming the file
  [[nodiscard]] static MuscleModel parse(const std::string& bytes, const std::string& origin);

  // Class probabilities [class][row][column] of one prepared slice: `rows` x `columns` pixels of pixel_mm() on an
  // LPS-aligned grid (columns to the patient's left, rows posterior), scaled by scale_for_network; both sizes
  // multiples of alignment().
  void predict(const float* image, int rows, int columns, std::vector<float>& probabilities) const;

  // The head's input features [channel][row][column] of one prepared slice (as predict takes it).
  void head_features(const float* image, int rows, int columns, std::vector<float>& features) const;
  [[nodiscard]] ModelHead head() const;
  // This model with `head` in place of its own and `tuning` (a JSON object: what it was tuned on) recorded in the
  // file's header; as read() would read it back. Throws MyoError when the head's shape does not fit.
  [[nodiscard]] MuscleModel with_head(const ModelHead& head, const std::string& tuning_json) const;
  // The model file's bytes (data/muscle_model.bin format, training/segmentation/export.py).
  [[nodiscard]] const std::string& file_bytes() const { return *bytes_; }

  // Class names: index 0 is "background", then catalogue muscle names (data/muscle_catalog.json "muscles").
  [[nodiscard]] const std::vector<std::string>& classes() const { return classes_; }
  [[nodiscard]] double pixel_mm() const { return pixel_mm_; }
  [[nodiscard]] int alignment() const;
  [[nodiscard]] const std::string& origin() const { return origin_; }
  [[nodiscard]] const std::string& description() const { return description_; }  // architecture and training
  // The export's own output on its check pattern (training/segmentation/export.py): mean probability per class.
  [[nodiscard]] const std::vector<double>& check_class_means() const { return check_class_means_; }
  [[nodiscard]] std::array<int, 2> check_size() const { return check_size_; }
  // This runtime's mean probability per class on the export's check pattern (check_size(), export.py
  // check_pattern): equal to check_class_means() within rounding when the file is read right.
  [[nodiscard]] std::vector<double> run_check() const;

 private:
  MuscleModel() = default;  // made by builtin, read and parse only
  // The file's bytes with `header_text` as its header and `head` as its last two tensors.
  [[nodiscard]] std::string file_with(const std::string& header_text, const ModelHead& head) const;

  std::shared_ptr<const detail::UNet> net_;
  std::shared_ptr<const std::string> bytes_;  // the whole file
  std::size_t header_begin_ = 0, header_end_ = 0, head_offset_ = 0;  // byte ranges: header JSON, head tensors
  std::vector<std::string> classes_;
  double pixel_mm_ = 2.0;
  std::string origin_;
  std::string description_;
  std::vector<double> check_class_means_;
  std::array<int, 2> check_size_{0, 0};
};

// Scales a slice in place as the network was trained (export.py "input"): the 99th percentile of the pixels
// brighter than the slice's mean becomes 1; values are clamped to [0, 3].
void scale_for_network(std::vector<float>& pixels);

}  // namespace myo::segmentation
