// Where an analysis spends its time (issue #21): report.json's provenance gives each stage its wall time and its CPU
// time, so a run on a machine shared with other work can still be compared with the budget.
#include "hardening_fixture.hpp"

namespace {

using json = nlohmann::json;

}  // namespace

// Every timed stage has a CPU time (user + system, all threads) beside its wall time, and together they account for
// the work the process did: positive, and no more than the cores could have done in the stages' wall time plus the
// process's start. The scan runs inside the load's lap, so its CPU time is counted in load's.
// Before, report.json had wall times only, which other work on the machine stretches.
TEST_F(Hardening, EveryStageReportsItsCpuTime) {
  const auto run = analyze("--threads 2");
  ASSERT_EQ(run.exit_code, core::kExitOk) << run.err;
  const auto provenance = json::parse(read_all(out() / "report.json")).at("provenance");
  ASSERT_TRUE(provenance.contains("stage_cpu_seconds")) << provenance.dump();
  const auto& wall = provenance.at("stage_seconds");
  const auto& cpu = provenance.at("stage_cpu_seconds");
  double cpu_total = 0, wall_total = 0;
  for (const auto& [stage, seconds] : wall.items()) {
    wall_total += seconds.get<double>();
    if (stage == "scan") continue;
    ASSERT_TRUE(cpu.contains(stage)) << stage << " has no CPU time: " << cpu.dump();
    EXPECT_GE(cpu.at(stage).get<double>(), 0.0) << stage;
    cpu_total += cpu.at(stage).get<double>();
  }
  EXPECT_EQ(cpu.size() + 1, wall.size()) << "stages with a CPU time but no wall time: " << cpu.dump();
  EXPECT_GT(cpu.at("segmentation").get<double>(), 0.1) << "the network's work shows as CPU time";
  EXPECT_GT(cpu_total, 0.5);
  constexpr double kStartSeconds = 5;  // the process's start before the first lap, on a busy machine
  EXPECT_LE(cpu_total, 2 * wall_total + kStartSeconds) << "two threads cannot do more than two cores' work";
}
