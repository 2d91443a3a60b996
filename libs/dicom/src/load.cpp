// Volume assembly. Never a silently wrong volume: every inconsistency becomes an error naming the series, or a
// warning when the volume is still trustworthy (small spacing jitter).
#include "myo/dicom/load.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <exception>
#include <memory>
#include <cmath>
#include <numeric>
#include <tuple>

#include <fmt/format.h>

#include "dicom_io.hpp"
#include "header.hpp"
#include "myo/core/log.hpp"
#include "myo/core/numbers.hpp"
#include "myo/core/parallel.hpp"
#include "pixels.hpp"
#include "stack.hpp"

namespace myo::dicom {
namespace fs = std::filesystem;

namespace {

std::string series_subject(const SeriesInfo& s) {
  std::string subject = "series " + s.series_instance_uid;
  if (!s.split_key.empty()) subject += " [" + s.split_key + "]";
  if (!s.description.empty()) subject += " ('" + s.description + "')";
  return subject;
}

// One file of the series, read and parsed. Its pixel data stays in the file until it is decoded (DCMTK loads large
// values on first access), straight into the volume once the slice order is known.
struct OpenedFile {
  std::unique_ptr<DcmFileFormat> file;
  detail::FileHeader header;
  std::vector<std::size_t> selected;  // its frames that belong to this series (indices into header.frames)
};

OpenedFile open_file(const fs::path& path, const SeriesInfo& series) {
  const auto kind = detail::sniff_file(path);
  if (kind == detail::FileKind::not_dicom) throw core::MyoError(path.string(), "no longer a readable DICOM file");
  OpenedFile out;
  out.file = detail::read_dicom(path, kind, /*header_only=*/false);
  out.header = detail::parse_header(*out.file->getDataset(), path);
  if (out.header.series_uid != series.series_instance_uid) {
    throw core::MyoError(path.string(), "belongs to another series than " + series.series_instance_uid);
  }
  for (std::size_t i = 0; i < out.header.frames.size(); ++i) {
    if (series.split_key.empty() || detail::frame_signature(out.header.frames[i]) == series.split_key) out.selected.push_back(i);
  }
  return out;
}

// Runs work(i) for every file on `threads` threads (0: the process-wide count); decompression and rescaling dominate,
// so files are shared out one at a time. The first error in index order is rethrown, whatever the thread timing.
template <class Work>
void for_each_file(std::size_t count, unsigned threads, const Work& work) {
  core::parallel_for(static_cast<int>(count), [&](int i) { work(static_cast<std::size_t>(i)); }, threads);
}

struct Slice {
  std::size_t file = 0;
  std::size_t frame = 0;  // index into the file's header.frames
};

// Acquisition order of the slices (indices into `slices`): decides which volume a repeated position's slice belongs to.
std::vector<std::size_t> acquisition_rank(const std::vector<OpenedFile>& opened, const std::vector<Slice>& slices) {
  std::vector<detail::AcquisitionKey> keys;
  keys.reserve(slices.size());
  for (const auto& s : slices) keys.push_back(detail::acquisition_key(opened[s.file].header, s.frame, s.file));
  return detail::acquisition_rank(keys);
}

// The rescale shared by every slice whose stored samples have at most 16 bits; nullopt when slices differ in rescale
// or samples are wider (the values are then written as floats).
std::optional<core::IntegerScaling> shared_rescale(const std::vector<OpenedFile>& opened, const std::vector<Slice>& slices,
                                                   bool philips_float_scaling) {
  std::optional<std::pair<double, double>> shared;
  for (const auto& s : slices) {
    const auto& h = opened[s.file].header;
    if (h.bits_allocated > 16 || h.bits_stored > 16) return std::nullopt;
    const auto rescale = detail::applied_rescale(h, s.frame, philips_float_scaling);
    if (shared && *shared != rescale) return std::nullopt;
    shared = rescale;
  }
  if (!shared) return std::nullopt;
  return core::IntegerScaling{shared->first, shared->second};
}

// One stack plan per volume (indices into `geometry`); all volumes must share one grid.
std::vector<detail::StackPlan> plan_volumes(const std::vector<detail::SliceGeometry>& geometry,
                                            const std::vector<std::vector<std::size_t>>& volumes,
                                            const detail::StackOptions& stack_options, const std::string& subject) {
  std::vector<detail::StackPlan> plans;
  for (const auto& members : volumes) {
    std::vector<detail::SliceGeometry> part;
    for (const auto i : members) part.push_back(geometry[i]);
    auto plan = detail::plan_stack(part, stack_options);
    if (!plan.errors.empty()) {
      std::string message = volumes.size() > 1 ? fmt::format("volume {} of {}: ", plans.size() + 1, volumes.size()) : "";
      for (std::size_t e = 0; e < plan.errors.size(); ++e) message += (e == 0 ? "" : "; ") + plan.errors[e];
      throw core::MyoError(subject, message);
    }
    if (!plans.empty() && !plan.geometry.same_grid(plans.front().geometry, 0.05)) {
      throw core::MyoError(subject, fmt::format("volume {} lies on another grid ({}) than the first ({})", plans.size() + 1,
                                                plan.geometry.describe(), plans.front().geometry.describe()));
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

// Decodes every file's selected slices straight into `destination` (one pointer per slice), files in parallel;
// each file's dataset is freed when done.
void decode_slices(std::vector<OpenedFile>& opened, const std::vector<float*>& destination, std::size_t slice_size,
                   const LoadOptions& options) {
  std::vector<std::size_t> first_slice(opened.size() + 1, 0);  // the file's first entry in `destination`
  for (std::size_t i = 0; i < opened.size(); ++i) first_slice[i + 1] = first_slice[i] + opened[i].selected.size();
  for_each_file(opened.size(), options.threads, [&](std::size_t i) {
    auto& o = opened[i];
    if (o.selected.empty()) return;
    const auto& h = o.header;
    if (static_cast<std::size_t>(h.frame_rows) * static_cast<std::size_t>(h.frame_columns) != slice_size) {
      throw core::MyoError(h.path.string(), "image size differs from the series'");
    }
    std::vector<float*> targets(destination.begin() + static_cast<std::ptrdiff_t>(first_slice[i]),
                                destination.begin() + static_cast<std::ptrdiff_t>(first_slice[i + 1]));
    DcmDataset& dataset = *o.file->getDataset();
    if (h.mosaic_tiles_per_row > 0) {
      // One stored image; its tiles are the slices.
      const auto whole = detail::decode_frames(dataset, h, {0}, options.philips_float_scaling).front();
      const auto tr = static_cast<std::size_t>(h.frame_rows);
      const auto tc = static_cast<std::size_t>(h.frame_columns);
      const auto columns = static_cast<std::size_t>(h.columns);
      const auto per_row = static_cast<std::size_t>(h.mosaic_tiles_per_row);
      for (std::size_t n = 0; n < o.selected.size(); ++n) {
        const auto t = o.selected[n];
        const std::size_t r0 = (t / per_row) * tr;
        const std::size_t c0 = (t % per_row) * tc;
        for (std::size_t r = 0; r < tr; ++r) {
          std::copy_n(whole.begin() + static_cast<std::ptrdiff_t>((r0 + r) * columns + c0), tc, targets[n] + r * tc);
        }
      }
    } else {
      detail::decode_frames_into(dataset, h, o.selected, options.philips_float_scaling, targets);
    }
    o.file.reset();
  });
}

// Loads a series as one volume, or (with `several_volumes`) as every volume its repeated positions hold. Without
// it, repeated positions are plan_stack's "duplicated slice positions" error.
LoadedVolumes load_impl(const SeriesInfo& series, const LoadOptions& options, bool several_volumes) {
  const std::string subject = series_subject(series);
  if (series.files.empty()) throw core::MyoError(subject, "no files");
  detail::register_codecs();
  // 1. Headers of every file, in parallel.
  std::vector<OpenedFile> opened(series.files.size());
  for_each_file(opened.size(), options.threads, [&](std::size_t i) { opened[i] = open_file(series.files[i], series); });

  // 2. The slices (frames, or mosaic tiles) in file order, split into volumes, each sorted along the normal.
  std::vector<Slice> slices;
  std::vector<detail::SliceGeometry> geometry;
  for (std::size_t i = 0; i < opened.size(); ++i) {
    const auto& h = opened[i].header;
    for (const auto t : opened[i].selected) {
      slices.push_back({i, t});
      const auto& f = h.frames[t];
      geometry.push_back({f.position, f.orientation, f.pixel_spacing, h.frame_rows, h.frame_columns});
    }
  }
  if (slices.empty()) throw core::MyoError(subject, "no images of this series were found in its files");
  const auto& first = opened.front().header;
  detail::StackOptions stack_options;
  stack_options.fallback_spacing_mm =
      first.spacing_between_slices_mm ? first.spacing_between_slices_mm : first.frames.front().slice_thickness_mm;
  std::vector<std::vector<std::size_t>> members{{}};
  for (std::size_t i = 0; i < slices.size(); ++i) members.front().push_back(i);
  if (several_volumes) {
    auto split = detail::split_into_volumes(geometry, acquisition_rank(opened, slices));
    if (!split.error.empty()) throw core::MyoError(subject, split.error);
    members = std::move(split.volumes);
  }
  const auto plans = plan_volumes(geometry, members, stack_options, subject);

  LoadedVolumes loaded;
  loaded.info = series;
  loaded.info.slice_count = members.front().size();
  loaded.warnings = plans.front().warnings;
  loaded.flip_angle_deg = first.flip_angle_deg;
  loaded.in_plane_phase_encoding = first.in_plane_phase_encoding;
  loaded.phase_encoding_positive = first.phase_encoding_positive;
  loaded.shared_rescale = shared_rescale(opened, slices, options.philips_float_scaling);
  const auto& grid = plans.front().geometry;
  const std::size_t slice_size = grid.size[0] * grid.size[1];
  // DICOM pixel order is row by row with the column index fastest: exactly ITK's x-fastest order.
  std::vector<float*> destination(slices.size(), nullptr);
  for (std::size_t v = 0; v < members.size(); ++v) {
    auto& volume = loaded.volumes.emplace_back();
    volume.geometry = grid;
    volume.voxels.resize(grid.voxel_count());
    const auto& order = plans[v].order;
    for (std::size_t k = 0; k < order.size(); ++k) destination.at(members[v][order[k]]) = volume.voxels.data() + k * slice_size;
    const auto& f = opened[slices[members[v].front()].file].header.frames[slices[members[v].front()].frame];
    loaded.echo_times_ms.push_back(f.echo_time_ms);
    loaded.temporal_positions.push_back(f.temporal_index);
  }
  if (std::count(destination.begin(), destination.end(), nullptr) != 0) {
    throw core::MyoError(subject, "slice plan does not cover every slice");
  }

  // 3. Pixels of every file, in parallel, straight into their slices.
  decode_slices(opened, destination, slice_size, options);
  for (const auto& w : loaded.warnings) log::warn("{}: {}", subject, w);
  return loaded;
}

// Errors keep the series in the subject so the user knows which volume failed, even when a file caused it.
template <class Load>
auto with_series_subject(const SeriesInfo& series, const Load& load) -> core::Result<decltype(load())> {
  try {
    return load();
  } catch (const core::MyoError& e) {
    if (e.error().subject.rfind("series ", 0) == 0) return e.error();
    return core::Error{series_subject(series), e.error().what()};
  } catch (const std::exception& e) {
    return core::Error{series_subject(series), std::string("unexpected failure: ") + e.what()};
  }
}

}  // namespace

core::Result<LoadedSeries> load_series(const SeriesInfo& series) { return load_series(series, LoadOptions{}); }

core::Result<LoadedSeries> load_series(const SeriesInfo& series, const LoadOptions& options) {
  return with_series_subject(series, [&] {
    auto all = load_impl(series, options, false);
    return LoadedSeries{std::move(all.info), std::move(all.volumes.front()), std::move(all.warnings)};
  });
}

core::Result<LoadedVolumes> load_series_volumes(const SeriesInfo& series, const LoadOptions& options) {
  return with_series_subject(series, [&] { return load_impl(series, options, true); });
}

core::Result<EchoTrain> load_echo_train(const std::vector<SeriesInfo>& echoes, const LoadOptions& options) {
  if (echoes.empty()) return core::Error{"echo train", "no echoes given"};
  std::vector<const SeriesInfo*> sorted;
  for (const auto& e : echoes) {
    if (!e.echo_time_ms) return core::Error{series_subject(e), "echo of a multi-echo train without EchoTime (0018,0081)"};
    sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const SeriesInfo* a, const SeriesInfo* b) { return *a->echo_time_ms < *b->echo_time_ms; });
  const auto train_subject = [&] {
    const auto& f = *sorted.front();
    std::string subject = fmt::format("echo train of series {}", f.series_instance_uid);
    if (!f.description.empty()) subject += " ('" + f.description + "')";
    return subject;
  };
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (std::abs(*sorted[i]->echo_time_ms - *sorted[i - 1]->echo_time_ms) < 1e-3)
      return core::Error{train_subject(), fmt::format("two echoes with TE {:g} ms", *sorted[i]->echo_time_ms)};
  // Unequal slice counts: an echo is missing at some slice (an incomplete export or transfer).
  std::size_t most = 0;
  for (const auto* e : sorted) most = std::max(most, e->slice_count);
  for (const auto* e : sorted) {
    if (e->slice_count != most)
      return core::Error{train_subject(),
                         fmt::format("inconsistent echo train: the echo at TE {:g} ms has {} slices where another has "
                                     "{} (an echo is missing at some slice position)",
                                     *e->echo_time_ms, e->slice_count, most)};
  }
  EchoTrain train;
  for (const auto* e : sorted) {
    auto loaded = load_series(*e, options);
    if (!loaded) return loaded.error();
    auto& l = loaded.value();
    if (!train.echoes.empty() && !l.volume.geometry.same_grid(train.echoes.front().geometry, 0.05)) {
      return core::Error{train_subject(),
                         fmt::format("inconsistent echo train: the echo at TE {:g} ms lies on another grid ({}) than "
                                     "the echo at TE {:g} ms ({}): its slices are at other positions",
                                     *e->echo_time_ms, l.volume.geometry.describe(), train.echo_times_ms.front(),
                                     train.echoes.front().geometry.describe())};
    }
    for (const auto& w : l.warnings) train.warnings.push_back(fmt::format("TE {:g} ms: {}", *e->echo_time_ms, w));
    train.echo_times_ms.push_back(*e->echo_time_ms);
    if (train.echoes.empty()) train.description = l.info.description;
    train.echoes.push_back(std::move(l.volume));
  }
  return train;
}

namespace {

// Radians from a phase volume's stored scale (see load_dixon_echoes): returns the factor and offset, and how.
struct PhaseScale {
  double factor = 1, offset = 0;
  std::string how;
};

std::optional<PhaseScale> phase_scale(const core::ImageVolume& phase, Vendor vendor) {
  const auto [lo, hi] = std::minmax_element(phase.voxels.begin(), phase.voxels.end());
  const double span = static_cast<double>(*hi) - static_cast<double>(*lo);
  if (span <= 2 * core::kPi * 1.1) return PhaseScale{1, 0, "radians"};
  if (vendor == Vendor::ge) return PhaseScale{1e-3, 0, "milliradians (GE)"};
  if (span <= 4096 * 1.05) return PhaseScale{2 * core::kPi / 4096, -core::kPi, "4096 units per cycle (stored 0..4095, no rescale)"};
  if (span <= 8192 * 1.05) return PhaseScale{2 * core::kPi / 8192, 0, "8192 units per cycle (Siemens: rescaled -4096..4094)"};
  return std::nullopt;
}

}  // namespace

core::Result<DixonEchoes> load_dixon_echoes(const std::vector<SeriesInfo>& parts, const LoadOptions& options) {
  if (parts.empty()) return core::Error{"Dixon echoes", "no echoes given"};
  std::map<double, std::pair<const SeriesInfo*, const SeriesInfo*>> by_te;  // magnitude, phase
  for (const auto& p : parts) {
    if (!p.echo_time_ms) return core::Error{series_subject(p), "raw Dixon echo without EchoTime (0018,0081)"};
    auto& [magnitude, phase] = by_te[std::round(*p.echo_time_ms * 1000.0) / 1000.0];
    auto& slot = is_phase_part(p) ? phase : magnitude;
    if (slot) return core::Error{series_subject(p), fmt::format("two {} images at TE {:g} ms", is_phase_part(p) ? "phase" : "magnitude", *p.echo_time_ms)};
    slot = &p;
  }
  DixonEchoes out;
  for (const auto& [te, pair] : by_te) {
    const auto* any = pair.first ? pair.first : pair.second;
    if (!pair.first || !pair.second)
      return core::Error{series_subject(*any), fmt::format("the echo at TE {:g} ms has no {} image", te, pair.first ? "phase" : "magnitude")};
    auto magnitude = load_series(*pair.first, options);
    if (!magnitude) return magnitude.error();
    auto phase = load_series(*pair.second, options);
    if (!phase) return phase.error();
    const auto& grid = out.magnitude.empty() ? magnitude.value().volume.geometry : out.magnitude.front().geometry;
    for (const auto* loaded : {&magnitude.value(), &phase.value()})
      if (!loaded->volume.geometry.same_grid(grid, 0.05))
        return core::Error{series_subject(loaded->info),
                           fmt::format("lies on another grid ({}) than the first echo ({})", loaded->volume.geometry.describe(), grid.describe())};
    const auto scale = phase_scale(phase.value().volume, pair.second->vendor);
    if (!scale)
      return core::Error{series_subject(*pair.second), "phase values of no known scale (radians, milliradians, 4096 or 8192 units per cycle)"};
    auto radians = std::move(phase.value().volume);
    radians.geometry = grid;
    for (auto& v : radians.voxels) v = static_cast<float>(v * scale->factor + scale->offset);
    if (out.phase_scale.empty()) out.phase_scale = scale->how;
    for (const auto* loaded : {&magnitude.value(), &phase.value()})
      for (const auto& w : loaded->warnings) out.warnings.push_back(fmt::format("TE {:g} ms: {}", te, w));
    if (out.description.empty()) out.description = pair.first->description;
    out.magnetic_field_strength_t = pair.first->magnetic_field_strength_t;
    out.echo_times_ms.push_back(te);
    auto mag = std::move(magnitude.value().volume);
    mag.geometry = grid;
    out.magnitude.push_back(std::move(mag));
    out.phase_rad.push_back(std::move(radians));
  }
  return out;
}

core::Result<LoadedSeries> stitch_series(const std::vector<LoadedSeries>& stations, const StitchOptions& options) {
  if (stations.empty()) return core::Error{"stitch", "no stations given"};
  if (stations.size() == 1) return stations.front();
  const auto name = [](const LoadedSeries& s) { return series_subject(s.info); };
  const auto& g0 = stations.front().volume.geometry;
  const core::Vec3 normal = g0.axis(2);
  // Order stations along the common normal by the position of their first slice.
  std::vector<const LoadedSeries*> ordered;
  for (const auto& s : stations) ordered.push_back(&s);
  std::sort(ordered.begin(), ordered.end(), [&](const LoadedSeries* a, const LoadedSeries* b) {
    return core::dot(a->volume.geometry.origin_mm, normal) < core::dot(b->volume.geometry.origin_mm, normal);
  });
  const double dz = g0.spacing_mm[2];
  for (const auto* s : ordered) {
    const auto& g = s->volume.geometry;
    if (s->info.role != stations.front().info.role) {
      return core::Error{name(*s), fmt::format("role {} differs from {} of the first station", to_string(s->info.role),
                                                to_string(stations.front().info.role))};
    }
    for (std::size_t i = 0; i < 9; ++i) {
      if (std::abs(g.direction[i] - g0.direction[i]) > 1e-3) return core::Error{name(*s), "orientation differs between stations"};
    }
    if (g.size[0] != g0.size[0] || g.size[1] != g0.size[1] || std::abs(g.spacing_mm[0] - g0.spacing_mm[0]) > 1e-3 ||
        std::abs(g.spacing_mm[1] - g0.spacing_mm[1]) > 1e-3) {
      return core::Error{name(*s), "in-plane size or pixel spacing differs between stations"};
    }
    if (std::abs(g.spacing_mm[2] - dz) > 1e-2) return core::Error{name(*s), "slice spacing differs between stations"};
    const core::Vec3 d{g.origin_mm[0] - g0.origin_mm[0], g.origin_mm[1] - g0.origin_mm[1], g.origin_mm[2] - g0.origin_mm[2]};
    const double in_plane = std::hypot(core::dot(d, g0.axis(0)), core::dot(d, g0.axis(1)));
    if (in_plane > options.max_overlap_mismatch_mm) {
      return core::Error{name(*s), fmt::format("in-plane position differs by {:.2f} mm from the first station", in_plane)};
    }
  }
  const auto& first = ordered.front()->volume.geometry;
  const double start = core::dot(first.origin_mm, normal);
  const auto& last = ordered.back()->volume.geometry;
  const double end = core::dot(last.origin_mm, normal) + dz * static_cast<double>(last.size[2] - 1);
  // Consecutive stations must touch or overlap, and their slices must fall on one common grid.
  for (std::size_t n = 1; n < ordered.size(); ++n) {
    const auto& prev = ordered[n - 1]->volume.geometry;
    const auto& cur = ordered[n]->volume.geometry;
    const double prev_end = core::dot(prev.origin_mm, normal) + dz * static_cast<double>(prev.size[2] - 1);
    const double cur_start = core::dot(cur.origin_mm, normal);
    if (cur_start - prev_end > dz * 1.5) {
      return core::Error{name(*ordered[n]), fmt::format("gap of {:.1f} mm to the previous station", cur_start - prev_end - dz)};
    }
    const double offset = (cur_start - start) / dz;
    if (std::abs(offset - std::round(offset)) > 0.05) {
      return core::Error{name(*ordered[n]), "slices do not fall on the grid of the first station (no resampling is done)"};
    }
  }
  LoadedSeries out;
  out.info = ordered.front()->info;
  out.info.description += " (stitched)";
  out.volume.geometry = first;
  out.volume.geometry.size[2] = static_cast<std::size_t>(std::lround((end - start) / dz)) + 1;
  out.volume.voxels.assign(out.volume.geometry.voxel_count(), 0.0F);
  std::vector<float> weight(out.volume.geometry.size[2], 0.0F);
  const std::size_t slice = first.size[0] * first.size[1];
  for (const auto* s : ordered) {
    const auto& g = s->volume.geometry;
    const auto k0 = static_cast<std::size_t>(std::lround((core::dot(g.origin_mm, normal) - start) / dz));
    for (std::size_t k = 0; k < g.size[2]; ++k) {
      const std::size_t target = k0 + k;
      float* dst = out.volume.voxels.data() + target * slice;
      const float* src = s->volume.voxels.data() + k * slice;
      for (std::size_t p = 0; p < slice; ++p) dst[p] += src[p];
      weight[target] += 1.0F;
    }
    out.info.files.insert(out.info.files.end(), s->info.files.begin(), s->info.files.end());
    for (const auto& w : s->warnings) out.warnings.push_back(w);
  }
  for (std::size_t k = 0; k < weight.size(); ++k) {
    if (weight[k] > 1.0F) {
      for (std::size_t p = 0; p < slice; ++p) out.volume.voxels[k * slice + p] /= weight[k];
    }
  }
  out.info.slice_count = out.volume.geometry.size[2];
  return out;
}

}  // namespace myo::dicom
