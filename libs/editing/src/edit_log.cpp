#include "myo/editing/edit_log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <regex>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/muscle_catalog.hpp"

namespace myo::editing {
namespace {

using json = nlohmann::json;

constexpr double kMaxRadiusMm = 500.0;  // larger than any thigh: a bigger radius is a typing error

struct KindName {
  EditKind kind;
  const char* name;
};
constexpr std::array<KindName, 5> kKinds{{{EditKind::brush, "brush"},
                                          {EditKind::erase, "erase"},
                                          {EditKind::reassign, "reassign"},
                                          {EditKind::fill, "fill"},
                                          {EditKind::interpolate, "interpolate"}}};

// Problems inside one edit: the caller adds the file and the edit's index.
struct EditProblem {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw EditProblem{std::move(message)}; }

EditKind kind_of(const std::string& name) {
  for (const auto& k : kKinds)
    if (name == k.name) return k.kind;
  fail("unknown operation \"" + name + "\" (brush, erase, reassign, fill, interpolate)");
}

const json& field(const json& edit, const char* name) {
  if (!edit.contains(name)) fail(std::string("\"") + name + "\" is missing");
  return edit.at(name);
}

core::Vec3 point(const json& edit, const char* name) {
  const auto& value = field(edit, name);
  if (!value.is_array() || value.size() != 3) fail(std::string("\"") + name + "\" must be [x, y, z] in LPS mm");
  core::Vec3 p{};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!value[i].is_number() || !std::isfinite(value[i].get<double>()))
      fail(std::string("\"") + name + "\" must hold three finite numbers (LPS mm)");
    p[i] = value[i].get<double>();
  }
  return p;
}

// A label value the muscle catalogue names (a group or a single muscle, either side); 0 only when `allow_zero`.
int label(const json& edit, const char* name, bool allow_zero) {
  const auto& value = field(edit, name);
  if (!value.is_number_integer()) fail(std::string("\"") + name + "\" must be an integer label value");
  const auto v = value.get<long long>();
  if (v == 0 && allow_zero) return 0;
  const auto& catalog = core::MuscleCatalog::instance();
  const bool named = v > 0 && v <= 65535 &&
                     (catalog.from_label(static_cast<int>(v)) || catalog.muscle_from_label(static_cast<int>(v)));
  if (!named)
    fail(fmt::format("label {} is not a muscle group or muscle of the catalogue", v));
  return static_cast<int>(v);
}

double radius(const json& edit) {
  const auto& value = field(edit, "radius_mm");
  if (!value.is_number() || !(value.get<double>() > 0) || value.get<double>() > kMaxRadiusMm)
    fail(fmt::format("\"radius_mm\" must be a number above 0 and at most {:g} mm", kMaxRadiusMm));
  return value.get<double>();
}

BrushShape shape(const json& edit) {
  if (!edit.contains("shape")) return BrushShape::ball;
  const auto& value = edit.at("shape");
  if (value == "ball") return BrushShape::ball;
  if (value == "disc") return BrushShape::disc;
  fail("\"shape\" must be \"ball\" (3D) or \"disc\" (2D, on the slice through the centre)");
}

std::string optional_text(const json& edit, const char* name) {
  if (!edit.contains(name) || edit.at(name).is_null()) return {};
  if (!edit.at(name).is_string()) fail(std::string("\"") + name + "\" must be text");
  return edit.at(name).get<std::string>();
}

std::string iso_time(const json& edit) {
  static const std::regex iso(R"(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)");
  auto text = optional_text(edit, "time");
  if (!text.empty() && !std::regex_match(text, iso))
    fail("\"time\" must be an ISO 8601 time such as 2026-12-06T08:15:00Z");
  return text;
}

Edit parse_edit(const json& item) {
  if (!item.is_object()) fail("an edit must be a JSON object");
  if (!field(item, "op").is_string()) fail("\"op\" must be text");
  Edit e;
  e.kind = kind_of(item.at("op").get<std::string>());
  e.reader = optional_text(item, "reader");
  e.time_utc = iso_time(item);
  switch (e.kind) {
    case EditKind::brush:
      e.label = label(item, "label", false);
      [[fallthrough]];
    case EditKind::erase:
      e.centre_mm = point(item, "centre_mm");
      e.radius_mm = radius(item);
      e.shape = shape(item);
      break;
    case EditKind::reassign:
      e.from_label = label(item, "from_label", false);
      e.to_label = label(item, "to_label", true);
      if (item.contains("centre_mm")) e.centre_mm = point(item, "centre_mm"), e.radius_mm = radius(item);
      break;
    case EditKind::fill:
      e.label = label(item, "label", false);
      e.centre_mm = point(item, "seed_mm");
      break;
    case EditKind::interpolate:
      e.label = label(item, "label", false);
      e.from_mm = point(item, "from_mm");
      e.to_mm = point(item, "to_mm");
      break;
  }
  return e;
}

json to_json(const Edit& e) {
  json j{{"op", to_string(e.kind)}};
  if (!e.reader.empty()) j["reader"] = e.reader;
  if (!e.time_utc.empty()) j["time"] = e.time_utc;
  const auto vec = [](const core::Vec3& v) { return json::array({v[0], v[1], v[2]}); };
  switch (e.kind) {
    case EditKind::brush:
      j["label"] = e.label;
      [[fallthrough]];
    case EditKind::erase:
      j["centre_mm"] = vec(*e.centre_mm), j["radius_mm"] = e.radius_mm, j["shape"] = to_string(e.shape);
      break;
    case EditKind::reassign:
      j["from_label"] = e.from_label, j["to_label"] = e.to_label;
      if (e.centre_mm) j["centre_mm"] = vec(*e.centre_mm), j["radius_mm"] = e.radius_mm;
      break;
    case EditKind::fill:
      j["label"] = e.label, j["seed_mm"] = vec(*e.centre_mm);
      break;
    case EditKind::interpolate:
      j["label"] = e.label, j["from_mm"] = vec(e.from_mm), j["to_mm"] = vec(e.to_mm);
      break;
  }
  return j;
}

}  // namespace

const char* to_string(EditKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "unknown";
}

const char* to_string(BrushShape shape) { return shape == BrushShape::disc ? "disc" : "ball"; }

EditLog parse_edit_log(const std::string& text, const std::string& subject) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw core::MyoError(subject, std::string("not a JSON edit log: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("edits") || !doc.at("edits").is_array())
    throw core::MyoError(subject, "not an edit log: no \"edits\" list (docs/edit-log.md)");
  EditLog log;
  if (doc.contains("version") && doc.at("version") != kEditLogVersion)
    throw core::MyoError(subject, fmt::format("edit log version {} is not supported (this version reads {})",
                                              doc.at("version").dump(), kEditLogVersion));
  const auto& edits = doc.at("edits");
  for (std::size_t i = 0; i < edits.size(); ++i) {
    try {
      log.edits.push_back(parse_edit(edits[i]));
    } catch (const EditProblem& p) {
      const std::string op = edits[i].is_object() && edits[i].contains("op") && edits[i].at("op").is_string()
                                 ? " (" + edits[i].at("op").get<std::string>() + ")"
                                 : "";
      throw core::MyoError(subject, fmt::format("edit {}{}: {}", i, op, p.message));
    }
  }
  if (log.edits.empty()) throw core::MyoError(subject, "the edit log holds no edit");
  return log;
}

EditLog read_edit_log(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) throw core::MyoError(path.string(), "edit log not found");
  return parse_edit_log(core::read_text_file(path), path.string());
}

std::string to_json_text(const EditLog& log) {
  json edits = json::array();
  for (const auto& e : log.edits) edits.push_back(to_json(e));
  return json{{"format", "myoscope-edit-log"}, {"version", log.version}, {"edits", edits}}.dump(2) + "\n";
}

}  // namespace myo::editing
