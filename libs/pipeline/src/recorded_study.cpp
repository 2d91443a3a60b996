#include "recorded_study.hpp"

#include <nlohmann/json.hpp>

#include "myo/core/error.hpp"
#include "myo/core/files.hpp"

namespace myo::pipeline::detail {

RecordedStudy recorded_study(const std::filesystem::path& report_file) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(core::read_text_file(report_file));
  } catch (const nlohmann::json::exception& e) {
    throw core::MyoError(report_file.string(), std::string("not a readable report: ") + e.what());
  }
  const auto text = [&doc](const char* object, const char* key) {
    if (!doc.contains(object) || !doc[object].is_object() || !doc[object].contains(key)) return std::string();
    const auto& j = doc[object][key];
    return j.is_string() ? j.get<std::string>() : std::string();
  };
  return {text("input", "path"), text("study", "study_instance_uid"), text("study", "patient_pseudonym")};
}

}  // namespace myo::pipeline::detail
