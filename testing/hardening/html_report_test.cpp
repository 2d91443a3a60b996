// report.html in a real browser (issue #22, item 5): headless Chromium opens the report of the hardening phantom
// study, offline, and must run its scripts without an error, draw the 3D map of the muscle groups (WebGL through
// SwiftShader, no GPU) and set up the sortable tables and the figure lightbox. Skipped where Chromium is absent.
#include <zlib.h>

#include <regex>

#include "hardening_fixture.hpp"

namespace {

// The Chromium executable on PATH ("" when there is none).
std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    FILE* pipe = popen(("command -v " + std::string(name) + " 2>/dev/null").c_str(), "r");
    if (pipe == nullptr) continue;
    std::array<char, 512> line{};
    const bool found = fgets(line.data(), static_cast<int>(line.size()), pipe) != nullptr;
    pclose(pipe);
    if (found) {
      std::string path(line.data());
      while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
      return path;
    }
  }
  return {};
}

struct BrowserRun {
  int exit_code = -1;
  std::string out;  // stdout (the DOM with --dump-dom)
  std::string log;  // stderr: Chromium's log, console messages included
};

// Headless Chromium with software WebGL, a private profile, no network; `what` is "--dump-dom" or
// "--screenshot=FILE --window-size=W,H".
BrowserRun browse(const fs::path& profile, const std::string& what, const std::string& url) {
  const fs::path log = profile / "browser.log";
  const std::string command = chromium() + " --headless --no-sandbox --use-angle=swiftshader --enable-unsafe-swiftshader"
                              " --user-data-dir=" + profile.string() + " --no-first-run --disable-extensions"
                              " --enable-logging=stderr --v=0 --virtual-time-budget=10000 " + what + " '" + url +
                              "' 2>" + log.string();
  BrowserRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 65536> buffer{};
  for (std::size_t n; (n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) run.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.log = read_all(log);
  return run;
}

struct Rgba {
  std::size_t width = 0, height = 0;
  std::vector<unsigned char> pixels;  // 4 bytes a pixel, rows top to bottom
};

std::uint32_t big_endian(const std::string& s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<unsigned char>(s[at + 3]);
}

// PNG filter types 0-4 undone in place on one row (`previous` is the row above, zeros for the first).
void unfilter(int type, unsigned char* row, const unsigned char* previous, std::size_t bytes, std::size_t bpp) {
  for (std::size_t i = 0; i < bytes; ++i) {
    const int a = i >= bpp ? row[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
    int predictor = 0;
    if (type == 1) predictor = a;
    if (type == 2) predictor = b;
    if (type == 3) predictor = (a + b) / 2;
    if (type == 4) {
      const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
      predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    row[i] = static_cast<unsigned char>(row[i] + predictor);
  }
}

// The 8-bit RGB or RGBA, non-interlaced PNGs Chromium writes as screenshots (anything else: empty).
Rgba decode_png(const std::string& png) {
  Rgba image;
  if (png.size() < 33 || png.compare(1, 3, "PNG") != 0) return image;
  std::string idat;
  int colour_type = 0;
  for (std::size_t at = 8; at + 8 <= png.size();) {
    const std::uint32_t length = big_endian(png, at);
    const std::string type = png.substr(at + 4, 4);
    if (type == "IHDR") {
      image.width = big_endian(png, at + 8);
      image.height = big_endian(png, at + 12);
      colour_type = static_cast<unsigned char>(png[at + 17]);
      if (png[at + 16] != 8 || png[at + 20] != 0 || (colour_type != 2 && colour_type != 6)) return {};
    }
    if (type == "IDAT") idat += png.substr(at + 8, length);
    at += 12 + length;
  }
  const std::size_t bpp = colour_type == 6 ? 4 : 3, stride = image.width * bpp;
  std::vector<unsigned char> raw(image.height * (stride + 1));
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK) return {};
  std::vector<unsigned char> above(stride, 0);
  image.pixels.resize(image.width * image.height * 4, 255);
  for (std::size_t y = 0; y < image.height; ++y) {
    unsigned char* row = &raw[y * (stride + 1) + 1];
    unfilter(row[-1], row, above.data(), stride, bpp);
    for (std::size_t x = 0; x < image.width; ++x)
      std::copy_n(row + x * bpp, 3, &image.pixels[(y * image.width + x) * 4]);
    std::copy_n(row, stride, above.begin());
  }
  return image;
}

// Pixels of a colour (not white, grey or black text): the coloured muscle surfaces of the 3D map.
std::size_t coloured_pixels(const Rgba& image) {
  std::size_t count = 0;
  for (std::size_t i = 0; i + 3 < image.pixels.size(); i += 4) {
    const auto [lo, hi] = std::minmax({image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]});
    if (hi - lo > 40) ++count;
  }
  return count;
}

std::string attribute_of(const std::string& dom, const std::string& id, const std::string& attribute) {
  std::smatch m;
  const std::regex tag("<[^>]*id=\"" + id + "\"[^>]*>");
  if (!std::regex_search(dom, m, tag)) return {};
  const std::string element = m.str();
  const std::regex value(attribute + "=\"([^\"]*)\"");
  return std::regex_search(element, m, value) ? m[1].str() : std::string();
}

}  // namespace

// The report of the phantom study, opened offline: the scripts run without an error (none on the page, none in the
// console), the viewer draws its groups (pixels painted, read back in the page), tables get their sort hooks, the
// figures their lightbox, and a screenshot at the 3D map shows the coloured groups. Before report.html had the 3D
// map, the page had no #viewer3d and the screenshot showed plain text.
TEST_F(Hardening, HtmlReportRunsInABrowser) {
  if (chromium().empty()) GTEST_SKIP() << "chromium is not installed (cmake/setup-debian.sh installs it)";
  const auto r = analyze("--no-dicom");
  ASSERT_EQ(r.exit_code, core::kExitOk) << r.err;
  const fs::path html = out() / "report.html";
  ASSERT_TRUE(fs::exists(out() / "scene.glb"));
  EXPECT_LT(fs::file_size(html), 8U << 20U) << "report.html should stay a few MB";

  const fs::path profile = work_.path() / "browser";
  fs::create_directories(profile);
  const auto dom = browse(profile, "--dump-dom", "file://" + html.string());
  ASSERT_EQ(dom.exit_code, 0) << dom.log;
  EXPECT_EQ(attribute_of(dom.out, "viewer3d", "data-status"), "ready") << dom.out.substr(0, 2000);
  EXPECT_GT(std::stoi("0" + attribute_of(dom.out, "viewer3d", "data-meshes")), 0);
  EXPECT_GT(std::stol("0" + attribute_of(dom.out, "viewer3d", "data-painted-pixels")), 5000L);
  EXPECT_FALSE(has(dom.out, "id=\"page-errors\"")) << dom.out.substr(dom.out.find("page-errors"), 2000);
  EXPECT_FALSE(has(dom.log, "Uncaught")) << dom.log;
  EXPECT_TRUE(has(dom.out, "aria-sort=\"none\"")) << "tables have no sort hooks";
  EXPECT_TRUE(has(dom.out, "class=\"lightbox\"")) << "no lightbox";
  for (const char* direction : {"R", "L", "A", "P"})
    EXPECT_TRUE(std::regex_search(dom.out, std::regex(std::string("class=\"direction\"[^>]*>") + direction + "<")))
        << "no orientation label " << direction;
  EXPECT_TRUE(has(dom.out, "Seen from: anterior"));

  const fs::path shot = out() / "report-3d.png";
  // The 3D map follows the summary: a window of 1200 pixels shows it whole (and no chart, whose bars are coloured).
  const auto screenshot = browse(profile, "--screenshot=" + shot.string() + " --window-size=1000,1200", "file://" + html.string());
  ASSERT_EQ(screenshot.exit_code, 0) << screenshot.log;
  const Rgba image = decode_png(read_all(shot));
  ASSERT_EQ(image.width, 1000U) << "screenshot not decoded";
  ASSERT_EQ(image.height, 1200U);
  EXPECT_GT(coloured_pixels(image), 20000U) << "the 3D map is blank in " << shot;
  if (const char* keep = std::getenv("MYO_KEEP_SCREENSHOT")) fs::copy_file(shot, keep, fs::copy_options::overwrite_existing);
}
