# All third-party dependencies, found once, with explicit components. Installed by cmake/setup-debian.sh.
find_package(ITK 5.2 REQUIRED COMPONENTS
  ITKCommon ITKIOImageBase ITKIONIFTI ITKIONRRD ITKImageFilterBase ITKImageIntensity ITKImageGrid
  ITKThresholding ITKMathematicalMorphology ITKBinaryMathematicalMorphology ITKConnectedComponents
  ITKLabelMap ITKSmoothing ITKDistanceMap ITKImageStatistics ITKBiasCorrection ITKRegistrationCommon
  ITKOptimizersv4 ITKRegistrationMethodsv4 ITKTransform ITKImageFunction ITKImageLabel ITKRegionGrowing)
find_package(DCMTK REQUIRED CONFIG)
find_package(VTK 9.1 REQUIRED COMPONENTS
  CommonCore CommonDataModel CommonExecutionModel FiltersCore FiltersGeneral FiltersGeometry FiltersModeling
  FiltersSources ImagingCore ImagingGeneral IOImage IOXML IOGeometry RenderingCore RenderingOpenGL2
  RenderingAnnotation RenderingFreeType InteractionStyle RenderingUI)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
# The muscle model's matrix products (OpenBLAS picks the fastest kernels of the CPU it runs on).
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
if(MYO_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(MYO_BUILD_BENCHMARKS)
  find_package(benchmark QUIET)
endif()

# ITK as one interface target: its config gives variables, not targets, so wrap them once here.
add_library(myo_itk INTERFACE)
target_include_directories(myo_itk SYSTEM INTERFACE ${ITK_INCLUDE_DIRS})
target_link_libraries(myo_itk INTERFACE ${ITK_LIBRARIES})
