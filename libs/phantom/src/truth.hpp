#pragma once
// The known answers of a generated study: per-group statistics over the reference labels and truth.json.
// Private to libs/phantom.
#include <nlohmann/json.hpp>
#include <vector>

#include "anatomy.hpp"
#include "render.hpp"
#include "study_plan.hpp"

namespace myo::phantom::detail {

// Labels of the reference images and, per catalogue group and side, the statistics of its labelled voxels.
void add_group_truth(const Rendered& reference, const Anatomy& anatomy, bool water_t2, PhantomTruth& truth);

// Records every series' description and the reference series' (the Dixon water, the first raw echo or the T1);
// returns the reference plan, null when there is none.
const SeriesPlan* describe_series(const std::vector<SeriesPlan>& plans, const PhantomParams& params,
                                  PhantomTruth& truth);

// truth.json: parameters, body, protocol, reference and groups.
[[nodiscard]] nlohmann::json truth_document(const StudySetup& setup, const dicom::PatientStudyTags& study,
                                            const Anatomy& anatomy, const std::vector<SeriesPlan>& plans,
                                            const SeriesPlan* reference_plan, const PhantomTruth& truth);

}  // namespace myo::phantom::detail
