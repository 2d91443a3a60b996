#pragma once
// report.json's one writer and one reader: free to_json/from_json functions (found by nlohmann's ADL) for the value
// types it holds. Private to the reporting library; callers use to_json_text and read_report (report.hpp).
#include <nlohmann/json.hpp>

#include "myo/reporting/report.hpp"

namespace myo::quantification {

void to_json(nlohmann::json& j, const SwapRegion& s);
void to_json(nlohmann::json& j, const PatternSummary& p);
void to_json(nlohmann::json& j, const WaterFatSeparationMethod& w);

}  // namespace myo::quantification

namespace myo::reporting {

void to_json(nlohmann::json& j, const SeriesEntry& s);
void to_json(nlohmann::json& j, const StudyEntry& s);
void to_json(nlohmann::json& j, const InputLabelEntry& l);
void to_json(nlohmann::json& j, const SingleMuscleEntry& m);
void to_json(nlohmann::json& j, const ChannelCoverageEntry::Label& l);
void to_json(nlohmann::json& j, const ChannelCoverageEntry& e);
void to_json(nlohmann::json& j, const LabelCorrection::Change& c);
void to_json(nlohmann::json& j, const LabelCorrection& c);
void to_json(nlohmann::json& j, const FollowUpRow& r);
void to_json(nlohmann::json& j, const FollowUp& f);
void to_json(nlohmann::json& j, const Report& r);

// Readers: text and numbers a report lacks stay empty or 0, except a muscle's group, side, label and volume; a value
// present but of the wrong type throws.
void from_json(const nlohmann::json& j, StudyEntry& s);
void from_json(const nlohmann::json& j, SeriesEntry& s);
void from_json(const nlohmann::json& j, ReportedMuscle& m);
void from_json(const nlohmann::json& j, SingleMuscleEntry& m);
void from_json(const nlohmann::json& j, InputLabelEntry& l);
void from_json(const nlohmann::json& j, ReportRecord& r);

}  // namespace myo::reporting
