#pragma once
// model-tune's default validation: a fixed, small set of generated studies made at tune time (docs/model-tune.md).
// It lives in the app because the pipeline does not depend on the study generator.
#include <filesystem>
#include <string_view>

#include "myo/pipeline/model_tune.hpp"

namespace myo::app {

// The name the source carries in the log, the card and a refusal: it checks the generator's anatomy, not a site's.
inline constexpr std::string_view kGeneratedValidationSource =
    "generated validation (development check: the generator's anatomy)";

// Generates the set into `folder` (made here; the caller removes it) and returns it as a validation source.
[[nodiscard]] pipeline::LabelledSource generate_validation_studies(const std::filesystem::path& folder);

}  // namespace myo::app
