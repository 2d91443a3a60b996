#include "myo/core/nifti_io.hpp"

#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkNiftiImageIOFactory.h>
#include <itkNrrdImageIOFactory.h>

#include <mutex>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"
#include "myo/core/itk_bridge.hpp"

namespace myo::core {
namespace {

void register_factories() {
  static std::once_flag once;
  std::call_once(once, [] {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::NrrdImageIOFactory::RegisterOneFactory();
  });
}

// The temporary name must keep the real extension: ITK picks the format (and compression) from it.
std::filesystem::path temporary_with_extension(const std::filesystem::path& temporary,
                                               const std::filesystem::path& target) {
  const std::string name = target.filename().string();
  const auto dot = name.find('.');
  const std::string extension = dot == std::string::npos ? "" : name.substr(dot);
  return temporary.string() + extension;
}

template <class T>
void write_volume(const Volume<T>& volume, const std::filesystem::path& path) {
  register_factories();
  write_atomically_with(path, [&](const std::filesystem::path& temporary) {
    const auto with_extension = temporary_with_extension(temporary, path);
    try {
      auto writer = itk::ImageFileWriter<ItkImage3<T>>::New();
      writer->SetInput(to_itk(volume));
      writer->SetFileName(with_extension.string());
      writer->UseCompressionOn();
      writer->Update();
      std::filesystem::rename(with_extension, temporary);
    } catch (const itk::ExceptionObject& e) {
      std::error_code ignored;
      std::filesystem::remove(with_extension, ignored);
      throw MyoError(path.string(), std::string("cannot write image: ") + e.GetDescription());
    }
  });
}

template <class T>
Volume<T> read_volume(const std::filesystem::path& path) {
  register_factories();
  try {
    auto reader = itk::ImageFileReader<ItkImage3<T>>::New();
    reader->SetFileName(path.string());
    reader->Update();
    return from_itk(*reader->GetOutput());
  } catch (const itk::ExceptionObject& e) {
    throw MyoError(path.string(), std::string("cannot read image: ") + e.GetDescription());
  }
}

}  // namespace

void write_image(const ImageVolume& volume, const std::filesystem::path& path) { write_volume(volume, path); }
void write_labels(const LabelVolume& volume, const std::filesystem::path& path) { write_volume(volume, path); }
ImageVolume read_image(const std::filesystem::path& path) { return read_volume<float>(path); }
LabelVolume read_labels(const std::filesystem::path& path) { return read_volume<std::uint16_t>(path); }

}  // namespace myo::core
