// report.html: one self-contained file (inline CSS and scripts, images and the 3D scene as data, no external
// resource, no network at view time). The scripts are our own (libs/reporting/web, compiled in): click-to-enlarge
// figures, sortable tables and the WebGL 3D map. Every text is escaped: series descriptions and other DICOM tags are
// attacker-controlled input.
#include <fmt/format.h>

#include <optional>
#include <string>

#include "document_content.hpp"
#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/text.hpp"
#include "myo/reporting/document.hpp"

namespace myo::reporting {
// libs/reporting/web/*.js, embedded at build time (cmake/MyoEmbedFile.cmake).
extern const unsigned char kReportScriptBytes[];
extern const std::size_t kReportScriptSize;
extern const unsigned char kViewer3dScriptBytes[];
extern const std::size_t kViewer3dScriptSize;

namespace {

using detail::DocumentContent;
using detail::RowStyle;
using detail::Table;


std::string base64(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string png_image(const std::string& png, const std::string& alt, const char* css_class) {
  return fmt::format("<img class=\"{}\" alt=\"{}\" src=\"data:image/png;base64,{}\">", css_class, core::html_escape(alt),
                     base64(png));
}

std::string table_html(const Table& t, const char* css_class) {
  std::string out = fmt::format("<table class=\"{}\" data-sortable>\n<colgroup>", css_class);
  double total = 0;
  for (const double w : t.widths) total += w;
  for (const double w : t.widths) out += fmt::format("<col style=\"width:{:.1f}%\">", 100 * w / total);
  out += "</colgroup>\n<thead><tr>";
  for (std::size_t c = 0; c < t.header.size(); ++c)
    out +=
        fmt::format("<th{}>{}</th>", c < t.numeric.size() && t.numeric[c] ? " class=\"num\" data-sort-type=\"number\"" : "",
                    core::html_escape(t.header[c]));
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    const char* cls = row.style == RowStyle::difference    ? " class=\"diff\""
                      : row.style == RowStyle::group_start ? " class=\"first\""
                                                           : "";
    out += fmt::format("<tr{}>", cls);
    for (std::size_t c = 0; c < row.cells.size(); ++c)
      out += fmt::format("<td{}>{}</td>", c < t.numeric.size() && t.numeric[c] ? " class=\"num\"" : "",
                         core::html_escape(row.cells[c]));
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  for (const auto& note : t.notes) out += "<p class=\"note\">" + core::html_escape(note) + "</p>\n";
  return out;
}

std::string key_values(const std::vector<detail::KeyValue>& items) {
  std::string out = "<dl>\n";
  for (const auto& kv : items) out += "<dt>" + core::html_escape(kv.key) + "</dt><dd>" + core::html_escape(kv.value) + "</dd>\n";
  return out + "</dl>\n";
}

std::string list(const std::vector<std::string>& items) {
  std::string out = "<ul>\n";
  for (const auto& item : items) out += "<li>" + core::html_escape(item) + "</li>\n";
  return out + "</ul>\n";
}

std::string script(const unsigned char* bytes, std::size_t size) {
  return "<script>\n" + std::string(reinterpret_cast<const char*>(bytes), size) + "</script>\n";
}

// The bytes of scene.glb; nullopt when no scene is given or the file cannot be read.
std::optional<std::string> read_scene(const std::filesystem::path& glb) {
  if (glb.empty()) return std::nullopt;
  try {
    return core::read_text_file(glb);
  } catch (const core::MyoError&) {
    return std::nullopt;
  }
}

// The rotatable 3D map: the scene embedded base64 for viewer3d.js; a note instead when it could not be read.
std::string map3d_section(const std::filesystem::path& glb, const std::optional<std::string>& scene) {
  if (!scene)
    return "<h2>3D map</h2>\n<p class=\"note\">The 3D map (" + core::html_escape(glb.filename().string()) +
           ") could not be read and is left out.</p>\n";
  return "<h2 id=\"map3d\">3D map</h2>\n<div id=\"viewer3d\" class=\"viewer3d\" data-status=\"loading\">"
         "<noscript><p class=\"note\">The 3D map needs JavaScript.</p></noscript></div>\n"
         "<p class=\"note\">Muscle groups coloured by the chosen metric, the same colours as the figures. Drag to "
         "rotate, wheel to zoom, double-click to reset; hover over or click a group for its values. The first view is "
         "from the front: the patient's right (R) is on the left of the screen.</p>\n"
         "<script type=\"application/octet-stream\" id=\"scene-glb\">" +
         base64(*scene) + "</script>\n";
}

constexpr const char* kStyle = R"css(
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:14px;color:#1a1a1a;
max-width:60em;margin:1.5em auto;padding:0 1em;line-height:1.4}
h1{font-size:1.5em;margin:0 0 .2em}
h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:2px solid #0072b2;padding-bottom:.15em}
.subtitle{color:#666;margin:0 0 1em}
dl{display:grid;grid-template-columns:max-content auto;gap:.15em 1.2em;margin:.5em 0}
dt{font-weight:bold}
dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:.4em 0}
th,td{border-bottom:1px solid #ddd;padding:.25em .4em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#eef3f7;font-size:.9em}
td.num,th.num{text-align:right}
tr.first td{border-top:1px solid #999}
tr.diff td{color:#555;font-style:italic;background:#f7f7f7;font-size:.92em}
.note{color:#555;font-size:.85em;margin:.2em 0}
.summary{background:#f3f8fb;border-left:4px solid #0072b2;padding:.5em 1em}
.summary p{margin:.3em 0}
.disclaimer{color:#555;font-style:italic;font-size:.9em}
img.chart{width:100%;max-width:50em;display:block;margin:.6em 0}
figure{margin:1em 0}
figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{color:#444;font-size:.9em}
.warning{color:#8a4b00}
img.figure,img.chart{cursor:zoom-in}
.lightbox{position:fixed;inset:0;z-index:10;background:rgba(0,0,0,.85);display:flex;flex-direction:column;
align-items:center;justify-content:center;cursor:zoom-out}
.lightbox[hidden]{display:none}
.lightbox img{max-width:96vw;max-height:88vh;background:#fff}
.lightbox p{color:#fff;margin:.5em}
th[aria-sort]{cursor:pointer}
th[aria-sort=ascending]::after{content:" \25B2"}
th[aria-sort=descending]::after{content:" \25BC"}
table.sorted tr.first td{border-top:1px solid #ddd}
.viewer3d{border:1px solid #ddd;padding:.4em}
.viewer-controls{display:flex;gap:1.2em;align-items:center;margin-bottom:.3em}
.viewer-stage{position:relative}
.viewer-stage canvas{width:100%;height:28em;display:block;cursor:grab;touch-action:none}
.viewer-labels .direction{position:absolute;transform:translate(-50%,-50%);font-weight:bold;color:#0072b2;
pointer-events:none}
.viewer-labels .seen-from{position:absolute;left:.3em;top:.2em;font-size:.85em;color:#444;pointer-events:none}
.viewer-info{min-height:1.4em;font-size:.95em}
.legend-title{font-size:.9em}
.legend-bar{height:.9em;max-width:24em;border:1px solid #999}
.legend-ticks{display:flex;justify-content:space-between;max-width:24em;font-size:.8em;color:#444}
.legend-none{font-size:.8em;color:#444}
.legend-none::before{content:"";display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle;
background:var(--swatch);border:1px solid #999}
footer{margin-top:2em;color:#777;font-size:.85em;border-top:1px solid #ddd;padding-top:.5em}
@media print{body{max-width:none}
h2{page-break-after:avoid}
figure,table{page-break-inside:avoid}
}
)css";

}  // namespace

std::string to_html_report(const Report& report, const ReportExtras& extras) {
  const DocumentContent d = detail::build_content(report, extras);
  constexpr double chart_w = 520, scale = 2.5;
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + core::html_escape(d.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>" + core::html_escape(d.title) + "</h1>\n<p class=\"subtitle\">" + core::html_escape(d.subtitle) + "</p>\n";
  out += key_values(d.header);
  for (const auto& n : d.header_notes) out += "<p class=\"note\">" + core::html_escape(n) + "</p>\n";

  out += "<h2>Summary</h2>\n<div class=\"summary\">\n";
  for (const auto& s : d.summary) out += "<p>" + core::html_escape(s) + "</p>\n";
  out += "<p class=\"disclaimer\">" + core::html_escape(d.summary_disclaimer) + "</p>\n</div>\n";
  // The picture right after the words, before the numbers.
  const auto scene = read_scene(extras.scene_glb);
  if (!extras.scene_glb.empty()) out += map3d_section(extras.scene_glb, scene);

  out += "<h2>Measurements per muscle group and side</h2>\n" + table_html(d.measurements, "measurements");
  if (d.correction) out += "<h2>Labels corrected by the reader</h2>\n" + table_html(*d.correction, "correction");
  if (d.input_labels) out += "<h2>Labels of the supplied segmentation</h2>\n" + table_html(*d.input_labels, "labels");
  if (d.single_muscles) out += "<h2>Single muscles</h2>\n" + table_html(*d.single_muscles, "single-muscles");

  out += "<h2>Charts</h2>\n";
  const auto bar_png = [&](const detail::BarChart& c) {
    return detail::render_png(chart_w, 210, scale, [&](cairo_t* cr) {
      cairo_translate(cr, 4, 4);
      detail::draw_bar_chart(cr, chart_w - 8, 202, c);
    });
  };
  out += png_image(bar_png(d.fat_chart), d.fat_chart.title, "chart") + "\n";
  if (d.edema_chart) out += png_image(bar_png(*d.edema_chart), d.edema_chart->title, "chart") + "\n";
  for (const auto* profile : {&d.fat_profile, &d.edema_profile}) {
    if (!*profile) continue;
    const double h = detail::profile_chart_height(**profile, chart_w - 8);
    const auto png = detail::render_png(chart_w, h + 8, scale, [&](cairo_t* cr) {
      cairo_translate(cr, 4, 4);
      detail::draw_profile_chart(cr, chart_w - 8, h, **profile);
    });
    out += png_image(png, (*profile)->title, "chart") + "\n";
  }

  if (const auto& c = d.change_since_previous) {
    out += "<h2>Change since the previous visit</h2>\n<p>" + core::html_escape(c->intro) + "</p>\n";
    for (const auto& s : c->sentences) out += "<p>" + core::html_escape(s) + "</p>\n";
    out += table_html(c->table, "followup");
  }

  if (!d.figures.empty() || !d.figure_notes.empty()) {
    out += "<h2>Figures</h2>\n";
    for (const auto& f : d.figures)
      out += "<figure>" + png_image(f.png, f.caption.empty() ? f.file_name : f.caption, "figure") + "<figcaption>" +
             core::html_escape(f.caption) + "</figcaption></figure>\n";
    for (const auto& n : d.figure_notes) out += "<p class=\"note\">" + core::html_escape(n) + "</p>\n";
  }

  out += "<h2>Series used and detected</h2>\n" + table_html(d.series, "series");

  out += "<h2>Method, parameters and provenance</h2>\n" + key_values(d.method);
  if (!d.segmentation_notes.empty()) out += "<p><b>Segmentation notes</b></p>\n" + list(d.segmentation_notes);
  if (!d.warnings.empty()) out += "<p class=\"warning\"><b>Warnings</b></p>\n" + list(d.warnings);
  out += "<footer>" + core::html_escape(d.footer) + "</footer>\n";
  out += script(kReportScriptBytes, kReportScriptSize);
  if (scene) out += script(kViewer3dScriptBytes, kViewer3dScriptSize);
  out += "</body>\n</html>\n";
  return out;
}

void write_html_report(const Report& report, const ReportExtras& extras, const std::filesystem::path& path) {
  core::write_file_atomically(path, to_html_report(report, extras));
}

}  // namespace myo::reporting
