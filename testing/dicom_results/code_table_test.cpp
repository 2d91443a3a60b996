// The DICOM code table (libs/dicom/src/code_table.*): every catalogue group and single muscle has a row, standard
// rows use the schemes the table cites, private rows say why. Guards issue #22: six of nine groups were coded as
// plain "Skeletal muscle".
#include "code_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "myo/core/muscle_catalog.hpp"

namespace {
using myo::dicom::detail::AnatomyCode;
using myo::dicom::detail::find_anatomy_code;

void expect_well_formed(const AnatomyCode& row) {
  const std::set<std::string> standard{"SCT", "MDC"};
  const std::string scheme(row.structure.scheme);
  EXPECT_TRUE(standard.count(scheme) == 1 || row.structure.is_private()) << row.name << ": scheme " << scheme;
  EXPECT_NE(row.structure.value, "127954009") << row.name << " is coded as plain skeletal muscle";
  EXPECT_LE(row.structure.value.size(), 16U) << row.name << ": CodeValue is SH";
  EXPECT_FALSE(row.structure.meaning.empty()) << row.name;
  EXPECT_FALSE(row.source.empty()) << row.name << ": every row cites its source";
  if (row.structure.is_private()) {
    EXPECT_EQ(row.source.rfind("private: ", 0), 0U) << row.name << ": a private code says why";
  }
  EXPECT_EQ(row.region.scheme, "SCT") << row.name;
}

TEST(CodeTable, EveryCatalogueGroupHasAWellFormedRow) {
  for (const auto& group : myo::core::MuscleCatalog::instance().groups()) {
    const AnatomyCode* row = find_anatomy_code(group.name, true);
    ASSERT_NE(row, nullptr) << "group " << group.name << " has no row";
    expect_well_formed(*row);
  }
}

TEST(CodeTable, EveryCatalogueMuscleHasAWellFormedRow) {
  for (const auto& muscle : myo::core::MuscleCatalog::instance().muscles()) {
    const AnatomyCode* row = find_anatomy_code(muscle.name, false);
    ASSERT_NE(row, nullptr) << "muscle " << muscle.name << " has no row";
    expect_well_formed(*row);
  }
}

// The single muscles the issue named get standard codes (PS3.16 CID 3031), and private codes stay the exception.
TEST(CodeTable, NamedSingleMusclesHaveStandardCodes) {
  for (const char* name : {"sartorius", "gracilis", "tensor_fasciae_latae", "quadriceps"}) {
    const AnatomyCode* row = find_anatomy_code(name, true);
    ASSERT_NE(row, nullptr) << name;
    EXPECT_FALSE(row->structure.is_private()) << name;
  }
  std::size_t private_rows = 0;
  for (const auto& row : myo::dicom::detail::anatomy_codes()) private_rows += row.structure.is_private() ? 1 : 0;
  EXPECT_LE(private_rows, 6U) << "private codes only where no standard one exists";
}

TEST(CodeTable, EveryQuantityHasAConceptAndAUnitOrIsAGrade) {
  using myo::dicom::detail::Quantity;
  for (const auto& row : myo::dicom::detail::quantity_codes()) {
    const bool grade = row.quantity == Quantity::mercuri_grade || row.quantity == Quantity::mercuri_modified_grade ||
                       row.quantity == Quantity::edema_grade;
    EXPECT_EQ(row.unit.has_value(), !grade) << row.concept_name.meaning;
    if (row.unit) {
      EXPECT_EQ(row.unit->scheme, "UCUM") << row.concept_name.meaning;
    }
    EXPECT_FALSE(row.source.empty()) << row.concept_name.meaning;
  }
  EXPECT_EQ(myo::dicom::detail::quantity_code(Quantity::water_t2_median).unit->value, "ms");
  EXPECT_EQ(myo::dicom::detail::quantity_code(Quantity::stir_ratio).unit->value, "{ratio}");
}

}  // namespace
