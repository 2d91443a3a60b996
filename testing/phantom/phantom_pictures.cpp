// Development aid (not a test): writes axial slices of a label map (catalogue colours) or of an image
// (percentile window) as PPM/PGM, to look at the phantom and compare it with real thigh MRI.
// Usage: phantom_pictures labels|image <file.nii.gz> <out-prefix> <slice-index-or-zmm>...
//        (a value with suffix "mm" selects the slice nearest to that physical z, otherwise it is a slice index)
//        phantom_pictures montage <out.png> <height> <in.pgm|ppm>...   (side by side, scaled to one height)
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <zlib.h>

#include "myo/core/muscle_catalog.hpp"
#include "myo/core/nifti_io.hpp"

namespace {

std::size_t pick_slice(const myo::core::Geometry& g, const std::string& arg) {
  if (arg.size() > 2 && arg.substr(arg.size() - 2) == "mm") {
    const double z = std::stod(arg.substr(0, arg.size() - 2));
    std::size_t best = 0;
    double best_d = 1e30;
    for (std::size_t k = 0; k < g.size[2]; ++k) {
      const double d = std::abs(g.index_to_physical({0, 0, static_cast<double>(k)})[2] - z);
      if (d < best_d) best_d = d, best = k;
    }
    return best;
  }
  return std::min<std::size_t>(std::stoul(arg), g.size[2] - 1);
}

struct Rgb {
  std::size_t w = 0, h = 0;
  std::vector<unsigned char> px;  // rgb
};

Rgb read_pnm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  in >> magic;
  const auto skip = [&] {
    while (in >> std::ws && in.peek() == '#') {
      std::string line;
      std::getline(in, line);
    }
  };
  Rgb img;
  int maxval = 255;
  skip();
  in >> img.w;
  skip();
  in >> img.h;
  skip();
  in >> maxval;
  in.get();
  const bool colour = magic == "P6";
  img.px.resize(img.w * img.h * 3);
  for (std::size_t i = 0; i < img.w * img.h; ++i) {
    unsigned char c[3];
    in.read(reinterpret_cast<char*>(c), colour ? 3 : 1);
    if (!colour) c[1] = c[2] = c[0];
    for (int k = 0; k < 3; ++k) img.px[i * 3 + static_cast<std::size_t>(k)] = c[k];
  }
  return img;
}

void put32(std::string& s, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void chunk(std::ofstream& out, const char* type, const std::string& data) {
  std::string c;
  put32(c, static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  c += body;
  put32(c, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
  out.write(c.data(), static_cast<std::streamsize>(c.size()));
}

void write_png(const std::string& path, const Rgb& img) {
  std::string raw;
  for (std::size_t y = 0; y < img.h; ++y) {
    raw.push_back(0);
    raw.append(reinterpret_cast<const char*>(&img.px[y * img.w * 3]), img.w * 3);
  }
  uLongf len = compressBound(static_cast<uLong>(raw.size()));
  std::string z(len, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &len, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()));
  z.resize(len);
  std::ofstream out(path, std::ios::binary);
  out.write("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put32(ihdr, static_cast<std::uint32_t>(img.w));
  put32(ihdr, static_cast<std::uint32_t>(img.h));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  chunk(out, "IHDR", ihdr);
  chunk(out, "IDAT", z);
  chunk(out, "IEND", "");
}

int montage(int argc, char** argv) {
  const auto height = static_cast<std::size_t>(std::stoul(argv[3]));
  std::vector<Rgb> parts;
  for (int a = 4; a < argc; ++a) {
    const Rgb in = read_pnm(argv[a]);
    if (in.w == 0 || in.h == 0) continue;
    Rgb r;  // nearest-neighbour rescale to the common height
    r.h = height;
    r.w = std::max<std::size_t>(1, in.w * height / in.h);
    r.px.resize(r.w * r.h * 3);
    for (std::size_t y = 0; y < r.h; ++y)
      for (std::size_t x = 0; x < r.w; ++x)
        for (int c = 0; c < 3; ++c)
          r.px[(y * r.w + x) * 3 + static_cast<std::size_t>(c)] =
              in.px[((y * in.h / r.h) * in.w + x * in.w / r.w) * 3 + static_cast<std::size_t>(c)];
    parts.push_back(std::move(r));
  }
  Rgb out;
  out.h = height;
  for (const auto& p : parts) out.w += p.w + 4;
  out.px.assign(out.w * out.h * 3, 40);
  std::size_t x0 = 0;
  for (const auto& p : parts) {
    for (std::size_t y = 0; y < p.h; ++y)
      std::copy_n(&p.px[y * p.w * 3], p.w * 3, &out.px[(y * out.w + x0) * 3]);
    x0 += p.w + 4;
  }
  write_png(argv[2], out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::string(argv[1]) == "montage") return montage(argc, argv);
  if (argc < 5) {
    std::cerr << "usage: phantom_pictures labels|image <file> <out-prefix> <slice|zmm>...\n";
    return 2;
  }
  const std::string kind = argv[1];
  const std::string prefix = argv[3];
  if (kind == "labels") {
    const auto labels = myo::core::read_labels(argv[2]);
    const auto& g = labels.geometry;
    for (int a = 4; a < argc; ++a) {
      const std::size_t k = pick_slice(g, argv[a]);
      std::ofstream out(prefix + "_" + argv[a] + ".ppm", std::ios::binary);
      out << "P6\n" << g.size[0] << ' ' << g.size[1] << "\n255\n";
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i) {
          const auto v = labels.at(i, j, k);
          std::array<int, 3> rgb{0, 0, 0};
          if (const auto gs = myo::core::MuscleCatalog::instance().from_label(v)) rgb = gs->group->color_rgb;
          for (int c = 0; c < 3; ++c) out.put(static_cast<char>(rgb[static_cast<std::size_t>(c)]));
        }
    }
    return 0;
  }
  const auto image = myo::core::read_image(argv[2]);
  const auto& g = image.geometry;
  std::vector<float> sorted(image.voxels);
  std::sort(sorted.begin(), sorted.end());
  const float top = std::max(1e-6F, sorted[static_cast<std::size_t>(0.995 * static_cast<double>(sorted.size() - 1))]);
  for (int a = 4; a < argc; ++a) {
    const std::size_t k = pick_slice(g, argv[a]);
    std::ofstream out(prefix + "_" + argv[a] + ".pgm", std::ios::binary);
    out << "P5\n" << g.size[0] << ' ' << g.size[1] << "\n255\n";
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        out.put(static_cast<char>(static_cast<unsigned char>(std::clamp(image.at(i, j, k) / top * 255.0F, 0.0F, 255.0F))));
  }
  return 0;
}
