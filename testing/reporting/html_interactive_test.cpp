// report.html's interactive parts as assembled text: the 3D scene embedded so that it decodes to the same bytes,
// the scripts inlined (no external resource), and the tables carrying the hooks report.js sorts by. What the scripts
// do in a browser is checked by testing/hardening/html_report_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "myo/reporting/document.hpp"
#include "myo/testing/test_support.hpp"

using namespace myo;

namespace {

reporting::Report small_report() {
  reporting::Report r;
  r.software_name = "MyoScope";
  r.software_version = "0.1.0";
  r.protocol = "dixon";
  for (const auto side : {core::Side::right, core::Side::left}) {
    quantification::GroupMeasurement m;
    m.group = "quadriceps";
    m.side = side;
    m.volume_ml = 1200;
    m.fat_fraction_pct = side == core::Side::right ? 8.5 : 9.5;
    r.muscles.push_back(m);
  }
  return r;
}

// Any bytes stand in for a glTF file here: the report embeds them unread. A NUL, '<' and bytes above 127 included.
std::string fake_glb() {
  std::string bytes("glTF\x02\0\0\0</script>", 17);
  for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(i * 7 % 256));
  return bytes;
}

std::string decode_base64(const std::string& text) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (const char c : text) {
    const auto digit = alphabet.find(c);
    if (digit == std::string::npos) break;  // '=' padding ends the data
    value = (value << 6) | static_cast<unsigned>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xFFU));
    }
  }
  return out;
}

std::string between(const std::string& text, const std::string& start, const std::string& end) {
  const auto a = text.find(start);
  if (a == std::string::npos) return {};
  const auto b = text.find(end, a + start.size());
  return b == std::string::npos ? std::string() : text.substr(a + start.size(), b - a - start.size());
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(HtmlInteractive, SceneIsEmbeddedAndDecodesToTheSameBytes) {
  myo::testing::TempDir dir("myo-html3d");
  const auto glb = dir.path() / "scene.glb";
  std::ofstream(glb, std::ios::binary) << fake_glb();
  reporting::ReportExtras extras;
  extras.scene_glb = glb;
  const std::string html = reporting::to_html_report(small_report(), extras);
  const std::string data = between(html, "<script type=\"application/octet-stream\" id=\"scene-glb\">", "</script>");
  ASSERT_FALSE(data.empty()) << "no embedded scene";
  EXPECT_EQ(decode_base64(data), fake_glb());
  EXPECT_TRUE(html.find("id=\"viewer3d\"") != std::string::npos);
  EXPECT_TRUE(html.find("function parseGlb") != std::string::npos) << "viewer3d.js not inlined";
  // One file: no resource is fetched at view time.
  for (const char* external : {"src=\"http", "href=\"http", "<link", "src=\"//", "import("})
    EXPECT_EQ(html.find(external), std::string::npos) << external;
}

TEST(HtmlInteractive, TablesCarrySortHooksAndScriptsAreInlined) {
  const std::string html = reporting::to_html_report(small_report(), {});
  EXPECT_EQ(count(html, "<table "), count(html, " data-sortable>")) << "every table is sortable";
  EXPECT_GE(count(html, "data-sort-type=\"number\""), 3U) << "numeric columns sort as numbers";
  EXPECT_TRUE(html.find("function setupSortable") != std::string::npos) << "report.js not inlined";
  EXPECT_TRUE(html.find("function setupLightbox") != std::string::npos);
  // Without a scene there is no 3D section and no viewer script.
  EXPECT_EQ(html.find("id=\"viewer3d\""), std::string::npos);
  EXPECT_EQ(html.find("function parseGlb"), std::string::npos);
}

// A scene file that cannot be read leaves the 3D map out with a note; the report is still written.
TEST(HtmlInteractive, UnreadableSceneBecomesANote) {
  reporting::ReportExtras extras;
  extras.scene_glb = "/nonexistent/scene.glb";
  const std::string html = reporting::to_html_report(small_report(), extras);
  EXPECT_NE(html.find("could not be read"), std::string::npos);
  EXPECT_EQ(html.find("id=\"scene-glb\""), std::string::npos);
  EXPECT_EQ(html.find("function parseGlb"), std::string::npos);
}
