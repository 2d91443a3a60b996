#include "myo/testing/test_support.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <system_error>

namespace myo::testing {
namespace fs = std::filesystem;

double mean_dice(const core::LabelVolume& ours, const core::LabelVolume& truth,
                 const std::vector<std::uint16_t>& labels, bool score_unlabelled, double* worst) {
  std::map<std::uint16_t, std::array<double, 3>> counts;  // both, ours, truth
  for (std::size_t i = 0; i < truth.voxels.size(); ++i) {
    if (truth.voxels[i] == 0) {
      if (score_unlabelled) counts[ours.voxels[i]][1] += 1;
      continue;
    }
    counts[truth.voxels[i]][2] += 1;
    counts[ours.voxels[i]][1] += 1;
    if (ours.voxels[i] == truth.voxels[i]) counts[truth.voxels[i]][0] += 1;
  }
  double sum = 0, low = 1;
  for (const auto label : labels) {
    const auto& c = counts[label];
    const double dice = c[1] + c[2] > 0 ? 2 * c[0] / (c[1] + c[2]) : 0.0;
    sum += dice;
    low = std::min(low, dice);
  }
  if (worst) *worst = low;
  return labels.empty() ? 0.0 : sum / static_cast<double>(labels.size());
}

std::vector<std::uint16_t> labels_present(const core::LabelVolume& volume) {
  const std::set<std::uint16_t> present(volume.voxels.begin(), volume.voxels.end());
  std::vector<std::uint16_t> out;
  for (const auto label : present)
    if (label != 0) out.push_back(label);
  return out;
}

fs::path source_dir() {
  const char* env = std::getenv("MYO_SOURCE_DIR");
  return env ? fs::path(env) : fs::current_path();
}

fs::path binary_dir() {
  const char* env = std::getenv("MYO_BINARY_DIR");
  return env ? fs::path(env) : fs::current_path();
}

std::optional<fs::path> shared_data_dir() {
  if (const char* env = std::getenv("MYO_SHARED_DATA")) {
    if (fs::is_directory(env)) return fs::path(env);
    return std::nullopt;
  }
  const fs::path candidate = source_dir().parent_path() / "shared" / "data";
  if (fs::is_directory(candidate)) return candidate;
  return std::nullopt;
}

TempDir::TempDir(const std::string& prefix) {
  std::random_device rd;
  path_ = fs::temp_directory_path() / (prefix + "-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

bool keeping_pictures() {
  const char* keep = std::getenv("MYO_RENDER_PICTURES");
  return keep != nullptr && *keep != '\0';
}

fs::path kept_picture(const fs::path& dir, const std::string& name) {
  if (!keeping_pictures()) return dir / name;
  const fs::path keep = std::getenv("MYO_RENDER_PICTURES");
  fs::create_directories(keep);
  return keep / name;
}

bool have_tool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string command_output(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) out.append(buffer.data(), n);
  return out;
}

std::string pdf_text(const fs::path& pdf) {
  const std::string raw = command_output("pdftotext -enc UTF-8 '" + pdf.string() + "' - 2>/dev/null");
  std::string text;
  for (const char c : raw) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
    if (!space) text += c;
    else if (!text.empty() && text.back() != ' ') text += ' ';
  }
  return text;
}

}  // namespace myo::testing
