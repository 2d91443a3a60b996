// myoscope timeline: one patient's (or every patient's) analyses over time, with the clinical course beside them.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "myo/core/exit_codes.hpp"
#include "myo/core/log.hpp"
#include "myo/pipeline/batch.hpp"
#include "myo/timeline/timeline.hpp"

namespace myo::app {

CommandRunner add_timeline_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("timeline", "Fat fraction and edema per muscle group over a patient's visits, "
                                              "with CK, strength and treatment (timeline.json, timeline.csv, "
                                              "timeline-<n>.html and .pdf)");
  auto request = std::make_shared<timeline::TimelineRequest>();
  auto output = std::make_shared<std::filesystem::path>();
  cmd->add_option("DIR", request->inputs,
                  "Analysis folders, batch or serve output folders holding them, or a cohort database (cohort.sqlite)")
      ->required();
  cmd->add_option("-o,--output", *output, "Output folder")->required();
  cmd->add_option("--clinical", request->clinical_csv, "Clinical events CSV (docs/clinical-csv.md)");
  cmd->add_option("--patient", request->patient,
                  "Only this patient: a pseudonym (8 or more of its hex digits) or an analysis folder's name");
  cmd->add_option("--ff-limit", request->limits.fat_fraction_points, "Fat fraction repeatability, points")
      ->capture_default_str();
  cmd->add_option("--edema-limit", request->limits.edema_fraction_points, "Edema fraction repeatability, points")
      ->capture_default_str();
  return [request, output]() -> int {
    request->inputs = pipeline::expand_cohort_databases(request->inputs);
    const auto timeline = timeline::build_timeline(*request);
    timeline::write_timeline(timeline, *output);
    for (const auto& p : timeline.patients) {
      std::cout << "patient " << p.number << ": " << p.patient.visits.size() << " visit(s), "
                << p.events.size() << " clinical event(s) -> timeline-" << p.number << ".html, timeline-" << p.number
                << ".pdf\n";
      for (const auto& s : p.sentences) std::cout << "  " << s << '\n';
    }
    log::info("timeline: {} patient(s) written to {}", timeline.patients.size(), output->string());
    return core::kExitOk;
  };
}

}  // namespace myo::app
