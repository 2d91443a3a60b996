#include "myo/editing/edit_session.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>


namespace myo::editing {
namespace {

std::string utc_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text.data();
}

}  // namespace

EditSession::EditSession(core::LabelVolume labels, std::string reader)
    : labels_(std::move(labels)), reader_(std::move(reader)) {
  labels_.check();
}

std::size_t EditSession::apply(Edit edit) {
  edit.reader = reader_;
  edit.time_utc = utc_now();
  std::vector<VoxelChange> changes;
  const std::size_t changed = apply_edit(labels_, edit, "edit", &changes);
  if (!open_) open_new_action();
  auto& action = actions_.back();
  action.edits.push_back(std::move(edit));
  last_changed_.clear();
  for (const auto& c : changes) last_changed_.push_back(c.index);
  action.changes.insert(action.changes.end(), changes.begin(), changes.end());
  return changed;
}

void EditSession::open_new_action() {
  actions_.resize(done_);
  actions_.push_back({});
  ++done_;
}

void EditSession::begin_action() {
  open_ = true;
  open_new_action();  // filled by the dabs; an empty one is dropped by end_action
}

void EditSession::end_action() {
  open_ = false;
  if (done_ > 0 && done_ == actions_.size() && actions_.back().edits.empty()) {
    actions_.pop_back();
    --done_;
  }
}

bool EditSession::undo() {
  if (open_) end_action();
  if (!can_undo()) return false;
  const auto& action = actions_[--done_];
  last_changed_.clear();
  // Later changes of a voxel within the action are undone first, so its first `before` wins.
  for (auto c = action.changes.rbegin(); c != action.changes.rend(); ++c) {
    labels_.voxels[c->index] = c->before;
    last_changed_.push_back(c->index);
  }
  return true;
}

bool EditSession::redo() {
  if (!can_redo()) return false;
  const auto& action = actions_[done_++];
  last_changed_.clear();
  for (const auto& c : action.changes) {
    labels_.voxels[c.index] = c.after;
    last_changed_.push_back(c.index);
  }
  return true;
}

EditLog EditSession::log() const {
  EditLog log;
  for (std::size_t a = 0; a < done_; ++a)
    log.edits.insert(log.edits.end(), actions_[a].edits.begin(), actions_[a].edits.end());
  return log;
}

std::size_t EditSession::edit_count() const {
  std::size_t n = 0;
  for (std::size_t a = 0; a < done_; ++a) n += actions_[a].edits.size();
  return n;
}

void EditSession::commit() {
  actions_.clear();
  done_ = 0;
  open_ = false;
}

std::vector<int> review_order(const core::LabelVolume& labels, const std::vector<LabelConfidence>& confidence) {
  std::vector<bool> present(65536, false);
  for (const auto v : labels.voxels) present[v] = true;
  std::map<int, const LabelConfidence*> by_label;
  for (const auto& c : confidence) by_label[c.label] = &c;
  std::vector<int> order;
  for (int l = 1; l < 65536; ++l)
    if (present[static_cast<std::size_t>(l)]) order.push_back(l);
  // Rank: flagged before not flagged before unknown; within a rank lower confidence first, then label value.
  const auto key = [&](int l) {
    const auto it = by_label.find(l);
    if (it == by_label.end()) return std::pair<int, double>{2, 0.0};
    return std::pair<int, double>{it->second->flagged ? 0 : 1, it->second->confidence};
  };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return key(a) < key(b); });
  return order;
}

std::optional<core::Vec3> worst_slice_point_mm(const core::LabelVolume& labels, int label) {
  const auto& g = labels.geometry;
  const std::size_t n = g.size[0] * g.size[1];
  std::vector<double> area(g.size[2], 0.0);
  std::vector<core::Vec3> sum(g.size[2], core::Vec3{0, 0, 0});
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t q = 0; q < n; ++q)
      if (labels.voxels[q + n * k] == label) {
        area[k] += 1;
        sum[k][0] += static_cast<double>(q % g.size[0]);
        sum[k][1] += static_cast<double>(q / g.size[0]);
      }
  std::optional<std::size_t> worst;
  double worst_jump = -1;
  // Interior slices of the label only: its two end slices always jump (to nothing), and are where it ends.
  for (std::size_t k = 1; k + 1 < g.size[2]; ++k) {
    if (area[k] == 0 || area[k - 1] == 0 || area[k + 1] == 0) continue;
    const double jump = std::abs(area[k] - (area[k - 1] + area[k + 1]) / 2);
    if (jump > worst_jump) worst_jump = jump, worst = k;
  }
  if (!worst) {  // too short for interior slices: its largest slice
    const auto largest = std::max_element(area.begin(), area.end());
    if (*largest > 0) worst = static_cast<std::size_t>(largest - area.begin());
  }
  if (!worst) return std::nullopt;
  const auto k = *worst;
  return g.index_to_physical({sum[k][0] / area[k], sum[k][1] / area[k], static_cast<double>(k)});
}

}  // namespace myo::editing
