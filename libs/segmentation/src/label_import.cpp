#include "myo/segmentation/label_import.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "myo/core/error.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::segmentation {
namespace {

std::string normalise(const std::string& name) {
  std::string out;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(std::isalnum(u) ? static_cast<char>(std::tolower(u)) : ' ');
  }
  return " " + out + " ";
}

bool has_word(const std::string& text, const std::string& word) { return text.find(" " + word + " ") != std::string::npos; }
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

std::vector<LabelTableEntry> read_label_table(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw core::MyoError(path.string(), "cannot open label table");
  std::vector<LabelTableEntry> entries;
  std::map<int, std::pair<std::string, int>> named_at;  // value -> (name, line) of its first entry
  std::vector<std::string> duplicates;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::replace(line.begin(), line.end(), '\t', ' ');
    LabelTableEntry e;
    std::istringstream fields(line);
    if (!(fields >> e.value)) throw core::MyoError(path.string(), "line " + std::to_string(line_number) + ": no label value");
    const auto quote = line.find('"');
    if (quote != std::string::npos) {
      // ITK-SNAP: the name is the quoted last field.
      const auto end = line.find('"', quote + 1);
      e.name = line.substr(quote + 1, end == std::string::npos ? std::string::npos : end - quote - 1);
    } else {
      // Slicer colour table or plain list: the name is the second field.
      fields >> e.name;
    }
    if (e.name.empty()) throw core::MyoError(path.string(), "line " + std::to_string(line_number) + ": no label name");
    if (e.value == 0) continue;  // background
    const auto [earlier, inserted] = named_at.try_emplace(e.value, e.name, line_number);
    if (!inserted && earlier->second.first != e.name)
      duplicates.push_back(fmt::format("{} is '{}' (line {}) and '{}' (line {})", e.value, earlier->second.first,
                                       earlier->second.second, e.name, line_number));
    if (inserted) entries.push_back(std::move(e));
  }
  if (!duplicates.empty())
    throw core::MyoError(path.string(),
                         fmt::format("label table names a value twice: {}", fmt::join(duplicates, "; ")));
  if (entries.empty()) throw core::MyoError(path.string(), "no labels found in the label table");
  return entries;
}

GroupAndSide group_for_structure(const std::string& raw) {
  const std::string n = normalise(raw);
  GroupAndSide result;
  if (has_word(n, "left") || has_word(n, "l") || has_word(n, "lt") || has_word(n, "sin") || has(n, " left"))
    result.side = "left";
  if (has_word(n, "right") || has_word(n, "r") || has_word(n, "rt") || has_word(n, "dx") || has(n, " right"))
    result.side = result.side ? std::nullopt : std::optional<std::string>("right");  // both words: ambiguous
  const std::string c = [&] {  // compact form without spaces: "vastuslateralis", "gluteusmaximus"
    std::string out;
    for (const char ch : n)
      if (ch != ' ') out.push_back(ch);
    return out;
  }();
  if (has(c, "gluteusmaximus") || has(c, "glutmax") || has(c, "gluteusmax")) result.group = "gluteus_maximus";
  else if (has(c, "gluteusmedius") || has(c, "gluteusminimus") || has(c, "glutmed") || has(c, "glutmin")) result.group = "gluteus_medius";
  else if (has(c, "tensorfascia") || has_word(n, "tfl")) result.group = "tensor_fasciae_latae";
  else if (has(c, "iliopsoas") || has(c, "iliacus") || has(c, "psoas")) result.group = "iliopsoas";
  else if (has(c, "rectusfemoris") || has(c, "vastus") || has(c, "quadriceps")) result.group = "quadriceps";
  else if (has(c, "sartorius")) result.group = "sartorius";
  else if (has(c, "gracilis")) result.group = "gracilis";
  else if (has(c, "adductor") || has(c, "pectineus")) result.group = "adductors";
  else if (has(c, "bicepsfemoris") || has(c, "semitendinosus") || has(c, "semimembranosus") || has(c, "hamstring"))
    result.group = "hamstrings";
  else if (const auto* g = core::MuscleCatalog::instance().find(raw)) result.group = g->name;
  return result;
}

ImportedLabels import_labels(const core::LabelVolume& labels, const std::vector<LabelTableEntry>& table,
                             std::optional<double> midline_x_mm) {
  labels.check();
  const auto& g = labels.geometry;
  const auto& catalog = core::MuscleCatalog::instance();
  ImportedLabels result;
  result.group_labels = core::LabelVolume(g, 0);

  // Values present and their voxel counts.
  std::map<int, std::size_t> counts;
  for (const auto v : labels.voxels)
    if (v) ++counts[v];
  std::map<int, std::string> names;
  for (const auto& e : table) names[e.value] = e.name;

  // Midline: the centre of all labelled voxels (both sides are normally labelled).
  double midline = 0;
  if (midline_x_mm) {
    midline = *midline_x_mm;
  } else {
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t k = 0; k < g.size[2]; ++k)
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; i += 2)
          if (labels.at(i, j, k)) {
            sum += g.index_to_physical({double(i), double(j), double(k)})[0];
            ++n;
          }
    midline = n ? sum / static_cast<double>(n) : g.index_to_physical({(g.size[0] - 1) / 2.0, 0, 0})[0];
    result.notes.push_back("midline for labels without a side taken at the centre of the labelled voxels");
  }

  // Per input value: the target group label for the right and the left side (0 = not a catalogue muscle).
  struct Target {
    int right = 0, left = 0;
  };
  std::map<int, Target> targets;
  for (const auto& [value, count] : counts) {
    InputLabel input;
    input.value = value;
    input.voxel_count = count;
    const auto named = names.find(value);
    if (named != names.end()) {
      input.name = named->second;
      const auto gs = group_for_structure(input.name);
      input.group = gs.group;
      input.side = gs.side.value_or("both");
      if (const auto* group = catalog.find(gs.group)) {
        if (!gs.side) targets[value] = {group->label_right, group->label_left};
        else if (*gs.side == "right") targets[value] = {group->label_right, group->label_right};
        else targets[value] = {group->label_left, group->label_left};
      }
    } else if (table.empty() && catalog.from_label(value)) {
      // No table: the map already uses MyoScope's labels (e.g. an earlier labels.nii.gz, edited by hand).
      const auto gs = *catalog.from_label(value);
      input.name = gs.group->name + "_" + core::to_string(gs.side);
      input.group = gs.group->name;
      input.side = core::to_string(gs.side);
      targets[value] = {value, value};
    } else if (const auto ms = table.empty() ? catalog.muscle_from_label(value) : std::nullopt;
               ms && catalog.find(ms->muscle->group)) {
      // No table: single muscles as MyoScope labels them (an earlier muscle_labels.nii.gz), rolled up into groups.
      const int group_label = catalog.find(ms->muscle->group)->label(ms->side);
      input.name = ms->muscle->name + "_" + core::to_string(ms->side);
      input.group = ms->muscle->group;
      input.side = core::to_string(ms->side);
      targets[value] = {group_label, group_label};
    } else {
      input.name = "label " + std::to_string(value);
      result.unknown_values.push_back(value);
    }
    result.input_labels.push_back(std::move(input));
  }

  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const int v = labels.at(i, j, k);
        if (!v) continue;
        const auto t = targets.find(v);
        if (t == targets.end()) continue;
        const double x = g.index_to_physical({double(i), double(j), double(k)})[0];
        result.group_labels.at(i, j, k) =
            static_cast<std::uint16_t>(core::side_of_lps_x(x, midline) == core::Side::right ? t->second.right : t->second.left);
      }
  return result;
}

}  // namespace myo::segmentation
