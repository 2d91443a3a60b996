// Scene export: glTF 2.0 binary (written here: VTK 9.1's glTF exporter writes only .gltf) and VTP per group/side.
#include "myo/rendering/scene_export.hpp"

#include <fmt/format.h>
#include <vtkCellArray.h>
#include <vtkCellArrayIterator.h>
#include <vtkCellData.h>
#include <vtkDoubleArray.h>
#include <vtkFieldData.h>
#include <vtkFloatArray.h>
#include <vtkIntArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkStringArray.h>
#include <vtkXMLPolyDataWriter.h>

#include <array>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>
#include <limits>
#include <nlohmann/json.hpp>

#include "decimate.hpp"
#include "figures_internal.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/log.hpp"
#include "myo/core/muscle_catalog.hpp"
#include "myo/rendering/levels.hpp"

namespace myo::rendering {
namespace fs = std::filesystem;
namespace {

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

const quantification::GroupMeasurement* measurement_of(const FigureInput& input, int label) {
  const auto& catalog = core::MuscleCatalog::instance();
  for (const auto& m : input.measurements) {
    int l = m.label;
    if (l == 0)
      if (const auto* g = catalog.find(m.group)) l = g->label(m.side);
    if (l == label) return &m;
  }
  return nullptr;
}

// Value of the slab a point lies in (nullopt outside the profile or where the slab has no value).
std::optional<double> slab_value(const LevelProfiles& profiles, int label, double z) {
  if (profiles.slab_low_z_mm.empty()) return std::nullopt;
  const auto s = static_cast<long>(std::floor((z - profiles.slab_low_z_mm.front()) / profiles.slab_mm));
  if (s < 0 || s >= static_cast<long>(profiles.slab_low_z_mm.size())) return std::nullopt;
  for (const auto& row : profiles.rows)
    if (row.label == label) return row.values[static_cast<std::size_t>(s)];
  return std::nullopt;
}

void add_cell_constant(vtkPolyData& mesh, const char* name, double value) {
  vtkNew<vtkDoubleArray> a;
  a->SetName(name);
  a->SetNumberOfTuples(mesh.GetNumberOfCells());
  a->Fill(value);
  mesh.GetCellData()->AddArray(a);
}

void add_point_profile(vtkPolyData& mesh, const char* name, const LevelProfiles& profiles, int label) {
  vtkNew<vtkFloatArray> a;
  a->SetName(name);
  a->SetNumberOfTuples(mesh.GetNumberOfPoints());
  for (vtkIdType p = 0; p < mesh.GetNumberOfPoints(); ++p) {
    double x[3];
    mesh.GetPoint(p, x);
    const auto v = slab_value(profiles, label, x[2]);
    a->SetValue(p, v ? static_cast<float>(*v) : std::numeric_limits<float>::quiet_NaN());
  }
  mesh.GetPointData()->AddArray(a);
}

// A surface's points and triangles as plain arrays (polygons fanned, as triangle_indices does).
detail::TriangleMesh plain_mesh(vtkPolyData& mesh) {
  detail::TriangleMesh out;
  out.points.resize(static_cast<std::size_t>(mesh.GetNumberOfPoints()));
  for (std::size_t p = 0; p < out.points.size(); ++p) mesh.GetPoint(static_cast<vtkIdType>(p), out.points[p].data());
  out.triangles.reserve(static_cast<std::size_t>(mesh.GetNumberOfPolys()));
  const auto cells = vtk::TakeSmartPointer(mesh.GetPolys()->NewIterator());
  for (cells->GoToFirstCell(); !cells->IsDoneWithTraversal(); cells->GoToNextCell()) {
    const vtkIdType* ids = nullptr;
    vtkIdType count = 0;
    cells->GetCurrentCell(count, ids);
    for (vtkIdType t = 1; t + 1 < count; ++t)
      out.triangles.push_back({static_cast<int>(ids[0]), static_cast<int>(ids[t]), static_cast<int>(ids[t + 1])});
  }
  return out;
}

vtkSmartPointer<vtkPolyData> poly_data(const detail::TriangleMesh& mesh) {
  vtkNew<vtkPoints> points;
  points->SetDataTypeToFloat();
  points->SetNumberOfPoints(static_cast<vtkIdType>(mesh.points.size()));
  for (std::size_t p = 0; p < mesh.points.size(); ++p)
    points->SetPoint(static_cast<vtkIdType>(p), mesh.points[p].data());
  vtkNew<vtkCellArray> polys;
  polys->AllocateExact(static_cast<vtkIdType>(mesh.triangles.size()),
                       static_cast<vtkIdType>(mesh.triangles.size()) * 3);
  for (const auto& t : mesh.triangles) polys->InsertNextCell({vtkIdType{t[0]}, vtkIdType{t[1]}, vtkIdType{t[2]}});
  auto out = vtkSmartPointer<vtkPolyData>::New();
  out->SetPoints(points);
  out->SetPolys(polys);
  return out;
}

// The mesh with at most `max_triangles` triangles (quadric edge collapses, fresh point normals); unchanged when it
// has fewer or the budget is 0. Keeps the glTF (and report.html, which embeds it) a few MB on fine grids.
vtkSmartPointer<vtkPolyData> within_triangle_budget(vtkPolyData* mesh, std::size_t max_triangles) {
  const auto triangles = static_cast<std::size_t>(mesh->GetNumberOfPolys());
  if (max_triangles == 0 || triangles <= max_triangles) return mesh;
  return detail::with_point_normals(poly_data(detail::decimate(plain_mesh(*mesh), max_triangles)));
}

// --- GLB -------------------------------------------------------------------------------------------------------

struct GlbBuilder {
  std::string bin;
  nlohmann::json buffer_views = nlohmann::json::array();
  nlohmann::json accessors = nlohmann::json::array();

  int add_view(const void* data, std::size_t bytes, int target) {
    while (bin.size() % 4) bin.push_back('\0');
    const std::size_t offset = bin.size();
    bin.append(static_cast<const char*>(data), bytes);
    buffer_views.push_back({{"buffer", 0}, {"byteOffset", offset}, {"byteLength", bytes}, {"target", target}});
    return static_cast<int>(buffer_views.size()) - 1;
  }
  int add_accessor(int view, int component_type, std::size_t count, const char* type, nlohmann::json min = nullptr,
                   nlohmann::json max = nullptr) {
    nlohmann::json a{{"bufferView", view}, {"componentType", component_type}, {"count", count}, {"type", type}};
    if (!min.is_null()) a["min"] = std::move(min);
    if (!max.is_null()) a["max"] = std::move(max);
    accessors.push_back(std::move(a));
    return static_cast<int>(accessors.size()) - 1;
  }
};

double srgb_to_linear(std::uint8_t c) {
  const double v = c / 255.0;
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

std::string hex_color(detail::Rgb c) { return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b); }

// sRGB colour of a group for a metric, grey (kNoData) when unmeasured: what report.html's 3D map shows.
std::string display_color(Metric metric, const detail::MetricInfo& info, double value) {
  return hex_color(std::isnan(value) ? detail::kNoData : detail::metric_color(metric, info, value));
}

// The colour bar of a metric (range, unit, 11 evenly spaced sRGB stops), so a viewer needs no colour map of its own.
nlohmann::json legend_json(Metric metric, const detail::MetricInfo& info) {
  nlohmann::json stops = nlohmann::json::array();
  for (int i = 0; i <= 10; ++i) stops.push_back(hex_color(detail::colormap(metric, i / 10.0)));
  return {{"title", info.bar_label}, {"unit", "%"}, {"low", info.low}, {"high", info.high}, {"stops", stops},
          {"no_value", hex_color(detail::kNoData)}};
}

// The change metrics' colour bars: diverging over -range..+range, white within the repeatability limits.
nlohmann::json change_legend_json(const std::string& title, double range, const std::string& note) {
  nlohmann::json stops = nlohmann::json::array();
  for (int i = 0; i <= 10; ++i) stops.push_back(hex_color(detail::diverging(i / 5.0 - 1)));
  return {{"title", title},  {"unit", "points"}, {"low", -range}, {"high", range}, {"stops", stops},
          {"no_value", hex_color(detail::kNoData)}, {"neutral", hex_color(detail::kNeutralChange)}, {"note", note}};
}

// A group's change since the previous visit in its glTF extras: the values and the colours of both metrics.
void add_change(nlohmann::json& extras, const ViewerChange& change, const std::string& group, core::Side side) {
  const auto g = std::find_if(change.groups.begin(), change.groups.end(),
                              [&](const ViewerGroupChange& c) { return c.group == group && c.side == side; });
  const auto value = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  const ViewerGroupChange none;
  const auto& c = g != change.groups.end() ? *g : none;
  const auto colour = [&](detail::ChangeMetric metric) {
    return hex_color(detail::group_change_colour(change, c, metric).value_or(detail::kNoData));
  };
  extras["change_fat_points"] = value(c.fat_fraction_points);
  extras["change_edema_points"] = value(c.edema_fraction_points);
  extras["display_colors"]["change_fat"] = colour(detail::ChangeMetric::fat);
  extras["display_colors"]["change_edema"] = colour(detail::ChangeMetric::edema);
}

void append_u32(std::string& out, std::uint32_t v) {
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xFFU));
}

// One group and side of the label surfaces, with its numbers (plain doubles, NaN when unmeasured: GCC 12 reports
// optional<double> copies as maybe-uninitialized here).
struct GroupSurface {
  int label = 0;
  std::optional<core::GroupSide> gs;
  std::string group, side, name;  // name: "<group>_<side>", safe as a file name
  vtkSmartPointer<vtkPolyData> mesh;
  const quantification::GroupMeasurement* measurement = nullptr;
  double ff = 0, edema = 0;
};

GroupSurface group_surface(const FigureInput& input, const detail::LabelSurfaces& surfaces, int label) {
  GroupSurface g;
  g.label = label;
  g.gs = core::MuscleCatalog::instance().from_label(label);
  g.group = g.gs ? g.gs->group->name : fmt::format("label_{}", label);
  g.side = g.gs ? core::to_string(g.gs->side) : "unknown";
  g.name = core::sanitize_path_component(g.group + "_" + g.side);
  g.mesh = detail::extract_label(*surfaces.mesh, label);
  g.measurement = measurement_of(input, label);
  const auto* m = g.measurement;
  g.ff = (m && m->fat_fraction_pct) ? *m->fat_fraction_pct : nan();
  g.edema = (m && m->edema_fraction_pct) ? *m->edema_fraction_pct : nan();
  return g;
}

void create_folder(const fs::path& dir) {
  try {
    fs::create_directories(dir);
  } catch (const fs::filesystem_error& e) {
    throw core::MyoError(dir.string(), std::string("cannot create folder: ") + e.code().message(),
                         core::ErrorKind::output);
  }
}

// The local fat fraction and edema profiles painted on the VTP surfaces, when the maps are there.
struct Profiles {
  std::optional<LevelProfiles> ff, edema;
};

// A group's surface as VTP with every triangle: its label, numbers and local profiles as data arrays.
fs::path write_group_vtp(const GroupSurface& g, const Profiles& profiles, const fs::path& vtp_dir) {
  vtkNew<vtkPolyData> out;
  out->ShallowCopy(g.mesh);
  vtkNew<vtkIntArray> label_cells;
  label_cells->SetName("label");
  label_cells->SetNumberOfTuples(out->GetNumberOfCells());
  label_cells->Fill(g.label);
  out->GetCellData()->AddArray(label_cells);
  add_cell_constant(*out, "fat_fraction_pct", g.ff);
  add_cell_constant(*out, "edema_fraction_pct", g.edema);
  if (profiles.ff) add_point_profile(*out, "fat_fraction_local_pct", *profiles.ff, g.label);
  if (profiles.edema) add_point_profile(*out, "edema_local_pct", *profiles.edema, g.label);
  vtkNew<vtkStringArray> meta;
  meta->SetName("group_side");
  meta->InsertNextValue(g.group + "_" + g.side);
  out->GetFieldData()->AddArray(meta);
  const fs::path path = vtp_dir / (g.name + ".vtp");
  core::write_atomically_with(path, [&](const fs::path& temporary) {
    vtkNew<vtkXMLPolyDataWriter> writer;
    writer->SetInputData(out);
    writer->SetFileName(temporary.string().c_str());
    writer->SetDataModeToBinary();
    if (writer->Write() != 1) throw core::MyoError(path.string(), "cannot write VTP", core::ErrorKind::output);
  });
  return path;
}

// Points and unit normals in glTF axes: LPS mm -> metres, X = patient left (x), Y = superior (z), Z = anterior (-y),
// a proper rotation; with the points' bounds (glTF requires them on positions).
struct GltfVertices {
  std::vector<float> positions, normals;  // no normals when the mesh has none
  std::array<float, 3> lo{std::numeric_limits<float>::max(), std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::max()};
  std::array<float, 3> hi{std::numeric_limits<float>::lowest(), std::numeric_limits<float>::lowest(),
                          std::numeric_limits<float>::lowest()};
};

GltfVertices gltf_vertices(vtkPolyData& mesh) {
  GltfVertices out;
  const vtkIdType np = mesh.GetNumberOfPoints();
  out.positions.resize(static_cast<std::size_t>(np) * 3);
  auto* n = mesh.GetPointData()->GetNormals();
  if (n) out.normals.resize(out.positions.size());
  for (vtkIdType p = 0; p < np; ++p) {
    double x[3];
    mesh.GetPoint(p, x);
    const std::array<float, 3> g{static_cast<float>(x[0] / 1000), static_cast<float>(x[2] / 1000),
                                 static_cast<float>(-x[1] / 1000)};
    for (std::size_t a = 0; a < 3; ++a) {
      out.positions[static_cast<std::size_t>(p) * 3 + a] = g[a];
      out.lo[a] = std::min(out.lo[a], g[a]);
      out.hi[a] = std::max(out.hi[a], g[a]);
    }
    if (n) {
      double v[3];
      n->GetTuple(p, v);
      const double len = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
      const double s = len > 0 ? 1 / len : 0;
      out.normals[static_cast<std::size_t>(p) * 3] = static_cast<float>(v[0] * s);
      out.normals[static_cast<std::size_t>(p) * 3 + 1] = static_cast<float>(v[2] * s);
      out.normals[static_cast<std::size_t>(p) * 3 + 2] = static_cast<float>(-v[1] * s);
    }
  }
  return out;
}

std::vector<std::uint32_t> triangle_indices(vtkPolyData& mesh) {
  std::vector<std::uint32_t> indices;
  const vtkIdType* ids = nullptr;
  vtkIdType count = 0;
  auto* polys = mesh.GetPolys();
  polys->InitTraversal();
  while (polys->GetNextCell(count, ids))
    for (vtkIdType t = 1; t + 1 < count; ++t)  // fan (the surfaces are triangles already)
      for (const vtkIdType id : {ids[0], ids[t], ids[t + 1]}) indices.push_back(static_cast<std::uint32_t>(id));
  return indices;
}

// A group's glTF primitive: its vertex and index data appended to the binary chunk.
nlohmann::json add_primitive(GlbBuilder& glb, vtkPolyData& mesh, std::size_t material) {
  const auto vertices = gltf_vertices(mesh);
  const auto indices = triangle_indices(mesh);
  const auto np = static_cast<std::size_t>(mesh.GetNumberOfPoints());
  constexpr int kArrayBuffer = 34962, kElementArrayBuffer = 34963, kFloat = 5126, kUnsignedInt = 5125;
  nlohmann::json attributes;
  attributes["POSITION"] = glb.add_accessor(
      glb.add_view(vertices.positions.data(), vertices.positions.size() * sizeof(float), kArrayBuffer), kFloat, np,
      "VEC3", vertices.lo, vertices.hi);
  if (!vertices.normals.empty())
    attributes["NORMAL"] = glb.add_accessor(
        glb.add_view(vertices.normals.data(), vertices.normals.size() * sizeof(float), kArrayBuffer), kFloat, np,
        "VEC3");
  const int index_accessor =
      glb.add_accessor(glb.add_view(indices.data(), indices.size() * sizeof(std::uint32_t), kElementArrayBuffer),
                       kUnsignedInt, indices.size(), "SCALAR");
  return {{"attributes", attributes}, {"indices", index_accessor}, {"mode", 4}, {"material", material}};
}

struct SceneColours {
  detail::MetricInfo ff, edema;
};

nlohmann::json group_material(const GroupSurface& g, const SceneColours& colours) {
  const detail::Rgb c =
      std::isnan(g.ff) ? detail::kNoData : detail::metric_color(Metric::fat_fraction, colours.ff, g.ff);
  return {{"name", g.name},
          {"pbrMetallicRoughness",
           {{"baseColorFactor", {srgb_to_linear(c.r), srgb_to_linear(c.g), srgb_to_linear(c.b), 1.0}},
            {"metallicFactor", 0.0},
            {"roughnessFactor", 0.8}}},
          {"doubleSided", true}};
}

// A group's numbers and display colours in its glTF extras, for viewers that colour by another metric.
nlohmann::json group_extras(const GroupSurface& g, const SceneColours& colours, const ViewerChange* change) {
  const auto* m = g.measurement;
  nlohmann::json extras{{"group", g.group}, {"side", g.side}, {"label", g.label}};
  extras["volume_ml"] = m ? nlohmann::json(m->volume_ml) : nlohmann::json(nullptr);
  extras["fat_fraction_pct"] = std::isnan(g.ff) ? nlohmann::json(nullptr) : nlohmann::json(g.ff);
  extras["edema_fraction_pct"] = std::isnan(g.edema) ? nlohmann::json(nullptr) : nlohmann::json(g.edema);
  extras["display_colors"] = {{"fat_fraction", display_color(Metric::fat_fraction, colours.ff, g.ff)},
                              {"edema_fraction", display_color(Metric::edema_fraction, colours.edema, g.edema)}};
  if (change && g.gs) add_change(extras, *change, g.group, g.gs->side);
  return extras;
}

// The glTF document's parts, filled group by group.
struct GltfScene {
  GlbBuilder glb;
  nlohmann::json meshes = nlohmann::json::array(), nodes = nlohmann::json::array(),
                 materials = nlohmann::json::array();
};

void add_group(GltfScene& scene, const GroupSurface& g, const SceneColours& colours, const SceneExportParams& params,
               const ViewerChange* change) {
  const auto mesh = within_triangle_budget(g.mesh, params.glb_max_triangles_per_group);  // the VTP kept all
  scene.materials.push_back(group_material(g, colours));
  const auto primitive = add_primitive(scene.glb, *mesh, scene.materials.size() - 1);
  scene.meshes.push_back({{"name", g.name},
                         {"primitives", nlohmann::json::array({primitive})},
                         {"extras", group_extras(g, colours, change)}});
  scene.nodes.push_back({{"name", g.name}, {"mesh", scene.meshes.size() - 1}});
}

nlohmann::json gltf_document(const GltfScene& scene, const SceneColours& colours, const ViewerChange* change) {
  nlohmann::json doc;
  doc["asset"] = {{"version", "2.0"}, {"generator", "MyoScope rendering"}};
  doc["extras"] = {{"coordinates", "metres; +X patient left, +Y superior, +Z anterior (from LPS mm)"},
                   {"legends",
                    {{"fat_fraction", legend_json(Metric::fat_fraction, colours.ff)},
                     {"edema_fraction", legend_json(Metric::edema_fraction, colours.edema)}}}};
  if (change) {
    doc["extras"]["legends"]["change_fat"] =
        change_legend_json("Fat fraction change (points)", change->fat_fraction_range_points, change->legend);
    doc["extras"]["legends"]["change_edema"] =
        change_legend_json("Edema change (points)", change->edema_fraction_range_points, change->legend);
  }
  nlohmann::json scene_nodes = nlohmann::json::array();
  for (std::size_t i = 0; i < scene.nodes.size(); ++i) scene_nodes.push_back(i);
  doc["scene"] = 0;
  doc["scenes"] = {{{"name", "muscle groups"}, {"nodes", scene_nodes}}};
  doc["nodes"] = scene.nodes;
  doc["meshes"] = scene.meshes;
  doc["materials"] = scene.materials;
  doc["accessors"] = scene.glb.accessors;
  doc["bufferViews"] = scene.glb.buffer_views;
  doc["buffers"] = {{{"byteLength", scene.glb.bin.size()}}};
  if (scene.nodes.empty()) {  // an empty but valid file
    for (const char* key : {"meshes", "materials", "accessors", "bufferViews", "buffers", "nodes"}) doc.erase(key);
    doc["scenes"] = {{{"name", "muscle groups"}}};
  }
  return doc;
}

// The GLB container: header, the JSON chunk (space-padded), the binary chunk when there is geometry.
std::string glb_bytes(const nlohmann::json& doc, const std::string& bin, bool has_geometry) {
  std::string json = doc.dump();
  while (json.size() % 4) json.push_back(' ');
  std::string file;
  file.append("glTF");
  append_u32(file, 2);
  const bool with_bin = !bin.empty() && has_geometry;
  const std::size_t total = 12 + 8 + json.size() + (with_bin ? 8 + bin.size() : 0);
  append_u32(file, static_cast<std::uint32_t>(total));
  append_u32(file, static_cast<std::uint32_t>(json.size()));
  append_u32(file, 0x4E4F534AU);  // "JSON"
  file += json;
  if (with_bin) {
    append_u32(file, static_cast<std::uint32_t>(bin.size()));
    append_u32(file, 0x004E4942U);  // "BIN\0"
    file += bin;
  }
  return file;
}

}  // namespace

SceneExport export_scene(const FigureInput& input, const fs::path& glb_path, const fs::path& vtp_dir,
                         const SceneExportParams& params) {
  if (!input.labels) throw core::MyoError("scene export", "no label volume given");
  route_vtk_output();
  SceneExport result;
  const auto surfaces = detail::label_surfaces(input, params.smoothing_iterations, params.smoothing_pass_band,
                                               params.surface_max_voxels);
  Profiles profiles;  // painted on the VTP files only
  if (input.fat_fraction_pct && !vtp_dir.empty())
    profiles.ff = fat_fraction_profiles(*input.labels, *input.fat_fraction_pct);
  if (input.edema_mask && !vtp_dir.empty()) profiles.edema = edema_profiles(*input.labels, *input.edema_mask);
  FigureParams colour_params;
  colour_params.fat_fraction_range_pct = params.fat_fraction_range_pct;
  const SceneColours colours{detail::metric_info(Metric::fat_fraction, colour_params),
                             detail::metric_info(Metric::edema_fraction, colour_params)};
  if (!vtp_dir.empty()) create_folder(vtp_dir);
  GltfScene scene;
  for (const int label : surfaces.labels) {
    const auto g = group_surface(input, surfaces, label);
    if (g.mesh->GetNumberOfPolys() == 0) continue;
    if (!vtp_dir.empty()) result.vtp_files.push_back(write_group_vtp(g, profiles, vtp_dir));
    if (!glb_path.empty()) add_group(scene, g, colours, params, input.change);
  }
  if (!glb_path.empty()) {
    while (scene.glb.bin.size() % 4) scene.glb.bin.push_back('\0');
    const auto doc = gltf_document(scene, colours, input.change);
    core::write_file_atomically(glb_path, glb_bytes(doc, scene.glb.bin, !scene.nodes.empty()));
    result.glb = glb_path;
  }
  log::debug("scene export: {} group surfaces", surfaces.labels.size());
  return result;
}

}  // namespace myo::rendering
