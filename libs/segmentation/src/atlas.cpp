#include "myo/segmentation/atlas.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "anatomy.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::segmentation {

// Compiled in from data/hip_thigh_atlas.bin (empty when the build had none).
extern const unsigned char kBuiltinAtlasBytes[];
extern const std::size_t kBuiltinAtlasSize;

namespace {

constexpr const char* kMagic = "MYOATLAS 1\n";

nlohmann::json axis_json(const AtlasAxis& a) { return {{"first", a.first}, {"step", a.step}, {"count", a.count}}; }
AtlasAxis axis_from(const nlohmann::json& j) {
  AtlasAxis a{j.at("first").get<double>(), j.at("step").get<double>(), j.at("count").get<int>()};
  if (a.count <= 0 || a.count > 2000 || !(a.step > 0) || !std::isfinite(a.first))
    throw std::runtime_error("invalid atlas axis");
  return a;
}

// Continuous bin coordinate; returns false outside the axis.
bool locate(const AtlasAxis& a, double x, int& i0, double& f) {
  const double t = (x - a.first) / a.step;
  if (!(t >= 0) || t > a.count - 1) return false;
  i0 = std::min(static_cast<int>(t), a.count - 2);
  if (a.count == 1) i0 = 0;
  f = t - i0;
  return true;
}

// 5 mm level bins: near the pubis the gracilis moves forward by about a tenth of the compartment radius per
// centimetre, and 10 mm bins blurred it over its neighbours (15 tuning studies, gracilis .897 / .903 -> .903 / .909).
// An axis of bins `step` apart whose first and last bins are centred on `first` and `last`.
AtlasAxis spanning(double first, double last, double step) {
  return {first, step, static_cast<int>(std::lround((last - first) / step)) + 1};
}
AtlasAxis default_level() { return spanning(-540.0, 360.0, 5.0); }
AtlasAxis default_plane() { return spanning(-1.2, 1.2, 0.05); }

}  // namespace

SegmentationAtlas::SegmentationAtlas(std::vector<std::string> groups, AtlasAxis level, AtlasAxis u, AtlasAxis v)
    : groups_(std::move(groups)), level_(level), u_(u), v_(v) {
  cells_.assign(static_cast<std::size_t>(level_.count) * static_cast<std::size_t>(u_.count) *
                    static_cast<std::size_t>(v_.count) * class_count(),
                0);
}

std::uint8_t* SegmentationAtlas::cell(int level, int v, int u) {
  return cells_.data() +
         ((static_cast<std::size_t>(level) * static_cast<std::size_t>(v_.count) + static_cast<std::size_t>(v)) *
              static_cast<std::size_t>(u_.count) +
          static_cast<std::size_t>(u)) *
             class_count();
}
const std::uint8_t* SegmentationAtlas::cell(int level, int v, int u) const {
  return const_cast<SegmentationAtlas*>(this)->cell(level, v, u);
}

void SegmentationAtlas::probabilities(double level_mm, double u, double v, std::vector<float>& out) const {
  out.assign(class_count(), 0.0F);
  int il = 0, iu = 0, iv = 0;
  double fl = 0, fu = 0, fv = 0;
  if (!locate(level_, level_mm, il, fl) || !locate(u_, u, iu, fu) || !locate(v_, v, iv, fv)) return;
  for (int dl = 0; dl < 2; ++dl)
    for (int dv = 0; dv < 2; ++dv)
      for (int du = 0; du < 2; ++du) {
        const double w = (dl ? fl : 1 - fl) * (dv ? fv : 1 - fv) * (du ? fu : 1 - fu);
        if (w <= 0) continue;
        const std::uint8_t* c = cell(std::min(il + dl, level_.count - 1), std::min(iv + dv, v_.count - 1),
                                     std::min(iu + du, u_.count - 1));
        for (std::size_t k = 0; k < class_count(); ++k) out[k] += static_cast<float>(w * c[k] / 255.0);
      }
}

SegmentationAtlas SegmentationAtlas::parse(const std::string& bytes, const std::string& origin) {
  try {
    if (bytes.size() < 8) throw std::runtime_error("too short");
    std::uint64_t raw_size = 0;
    for (int b = 7; b >= 0; --b) raw_size = (raw_size << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(b)]);
    if (raw_size > (std::uint64_t{1} << 30)) throw std::runtime_error("absurd size");
    std::string raw(static_cast<std::size_t>(raw_size), '\0');
    uLongf length = static_cast<uLongf>(raw_size);
    if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &length, reinterpret_cast<const Bytef*>(bytes.data() + 8),
                   static_cast<uLong>(bytes.size() - 8)) != Z_OK ||
        length != raw_size)
      throw std::runtime_error("corrupt compressed data");
    if (raw.rfind(kMagic, 0) != 0) throw std::runtime_error("not a MyoScope atlas");
    const std::size_t header_end = raw.find('\n', std::strlen(kMagic));
    if (header_end == std::string::npos) throw std::runtime_error("no header");
    const auto header = nlohmann::json::parse(raw.substr(std::strlen(kMagic), header_end - std::strlen(kMagic)));
    SegmentationAtlas atlas(header.at("groups").get<std::vector<std::string>>(), axis_from(header.at("level_mm")),
                            axis_from(header.at("u")), axis_from(header.at("v")));
    atlas.studies_ = header.value("studies", std::size_t{0});
    if (atlas.groups_.empty() || atlas.groups_.size() > 64) throw std::runtime_error("invalid group list");
    if (raw.size() - header_end - 1 != atlas.cells_.size()) throw std::runtime_error("cell data has the wrong size");
    std::memcpy(atlas.cells_.data(), raw.data() + header_end + 1, atlas.cells_.size());
    return atlas;
  } catch (const std::exception& e) {
    throw core::MyoError(origin, std::string("unreadable segmentation atlas: ") + e.what());
  }
}

const SegmentationAtlas& SegmentationAtlas::builtin() {
  static const SegmentationAtlas atlas = [] {
    if (kBuiltinAtlasSize == 0)
      throw core::MyoError("segmentation", "this build has no built-in atlas (data/hip_thigh_atlas.bin was missing)");
    return parse(std::string(reinterpret_cast<const char*>(kBuiltinAtlasBytes), kBuiltinAtlasSize), "built-in atlas");
  }();
  return atlas;
}

SegmentationAtlas SegmentationAtlas::read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::MyoError(path.string(), "cannot open the atlas file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path.string());
}

void SegmentationAtlas::write(const std::filesystem::path& path) const {
  nlohmann::json header = {{"groups", groups_},         {"level_mm", axis_json(level_)}, {"u", axis_json(u_)},
                           {"v", axis_json(v_)},         {"studies", studies_},
                           {"frame", "level above the perineum (mm); u lateral, v anterior of the femur, in "
                                     "compartment radii; P(group) x 255 per class, class 0 = no group"}};
  std::string raw = kMagic + header.dump() + "\n";
  raw.append(reinterpret_cast<const char*>(cells_.data()), cells_.size());
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::string out(8 + bound, '\0');
  const std::uint64_t size = raw.size();
  for (int b = 0; b < 8; ++b) out[static_cast<std::size_t>(b)] = static_cast<char>((size >> (8 * b)) & 0xFF);
  if (compress2(reinterpret_cast<Bytef*>(out.data() + 8), &bound, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), 9) != Z_OK)
    throw core::MyoError(path.string(), "could not compress the atlas");
  out.resize(8 + bound);
  core::write_file_atomically(path, out);
}

AtlasBuilder::AtlasBuilder() : level_(default_level()), u_(default_plane()), v_(default_plane()) {
  classes_ = core::MuscleCatalog::instance().groups().size() + 1;
  counts_.assign(static_cast<std::size_t>(level_.count) * static_cast<std::size_t>(u_.count) *
                     static_cast<std::size_t>(v_.count) * classes_,
                 0.0F);
}

void AtlasBuilder::add(const SegmentationInput& input, const core::LabelVolume& labels,
                       const SegmentationParams& params) {
  const auto anatomy = detail::analyse_anatomy(input, params);
  if (!labels.geometry.same_grid(anatomy.result.fat_likeness.geometry))
    throw core::MyoError("atlas", "labels are not on the reference series grid");
  const auto& catalog = core::MuscleCatalog::instance();
  const std::size_t per_slice = anatomy.result.fat_likeness.geometry.size[0] * anatomy.result.fat_likeness.geometry.size[1];
  const auto bin = [](const AtlasAxis& a, double x) { return static_cast<int>(std::lround((x - a.first) / a.step)); };
  for (const auto& c : anatomy.candidates) {
    const double level = anatomy.slice_level_mm[c.voxel / per_slice];
    const int il = bin(level_, level), iu = bin(u_, c.u), iv = bin(v_, c.v);
    if (il < 0 || il >= level_.count || iu < 0 || iu >= u_.count || iv < 0 || iv >= v_.count) continue;
    std::size_t cls = 0;
    if (const auto gs = catalog.from_label(labels.voxels[c.voxel]))
      cls = static_cast<std::size_t>(gs->group - catalog.groups().data()) + 1;
    const std::size_t index = ((static_cast<std::size_t>(il) * static_cast<std::size_t>(v_.count) + static_cast<std::size_t>(iv)) *
                                   static_cast<std::size_t>(u_.count) +
                               static_cast<std::size_t>(iu)) *
                              classes_;
    counts_[index + cls] += 1.0F;
  }
  ++studies_;
}

SegmentationAtlas AtlasBuilder::finish() const {
  std::vector<std::string> names;
  for (const auto& g : core::MuscleCatalog::instance().groups()) names.push_back(g.name);
  SegmentationAtlas atlas(names, level_, u_, v_);
  atlas.set_studies(studies_);
  // Smooth the counts (binomial kernel): sparse studies leave holes between bins. Twice in-plane and twice along the
  // level, whose 5 mm bins are thinner than many studies' slices (15 tuning studies: once 0.9392, twice 0.9394,
  // never 0.9386; with 2.5 mm bins 0.9385-0.9387).
  constexpr int kSmoothingPasses = 2;  // along each axis
  std::vector<float> c = counts_;
  const std::array<int, 3> n{level_.count, v_.count, u_.count};
  const std::array<std::size_t, 3> stride{static_cast<std::size_t>(v_.count) * static_cast<std::size_t>(u_.count) * classes_,
                                          static_cast<std::size_t>(u_.count) * classes_, classes_};
  for (int axis = 0; axis < 3; ++axis)
    for (int pass = 0; pass < kSmoothingPasses; ++pass) {
      std::vector<float> next(c.size(), 0.0F);
      for (std::size_t i = 0; i < c.size(); ++i) {
        const int pos = static_cast<int>((i / stride[static_cast<std::size_t>(axis)]) % static_cast<std::size_t>(n[static_cast<std::size_t>(axis)]));
        float v = 0.5F * c[i];
        if (pos > 0) v += 0.25F * c[i - stride[static_cast<std::size_t>(axis)]];
        if (pos + 1 < n[static_cast<std::size_t>(axis)]) v += 0.25F * c[i + stride[static_cast<std::size_t>(axis)]];
        next[i] = v;
      }
      c = std::move(next);
    }
  for (int l = 0; l < level_.count; ++l)
    for (int v = 0; v < v_.count; ++v)
      for (int u = 0; u < u_.count; ++u) {
        const std::size_t base = ((static_cast<std::size_t>(l) * static_cast<std::size_t>(v_.count) + static_cast<std::size_t>(v)) *
                                      static_cast<std::size_t>(u_.count) +
                                  static_cast<std::size_t>(u)) *
                                 classes_;
        double total = 0;
        for (std::size_t k = 0; k < classes_; ++k) total += c[base + k];
        // Too little evidence: leave the cell empty (no group is proposed there).
        if (total < 0.5 * static_cast<double>(std::max<std::size_t>(studies_, 1))) continue;
        std::uint8_t* cell = atlas.cell(l, v, u);
        for (std::size_t k = 0; k < classes_; ++k)
          cell[k] = static_cast<std::uint8_t>(std::lround(255.0 * c[base + k] / total));
      }
  return atlas;
}

}  // namespace myo::segmentation
