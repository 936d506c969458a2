// Micro-benchmarks of the pure request path: parsing each vendor's payload and checking a signature.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "sync/plan.h"
#include "webhook/opsgenie.h"
#include "webhook/pagerduty.h"
#include "webhook/signature.h"

namespace {

std::string slurp(const std::string& relative) {
  std::ifstream in(std::string(OGPD_FIXTURES_DIR) + "/" + relative, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ParseOpsgenieCreate(benchmark::State& state) {
  const std::string body = slurp("opsgenie/relay_create_P3_responders.json");
  const std::optional<std::string> integration;
  for (auto _ : state) benchmark::DoNotOptimize(ogpd::webhook::parse_opsgenie(body, integration));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(ParseOpsgenieCreate);

void ParsePagerDutyAcknowledged(benchmark::State& state) {
  const std::string body = slurp("pagerduty/aldaviva/incident_acknowledged.json");
  for (auto _ : state) benchmark::DoNotOptimize(ogpd::webhook::parse_pagerduty(body, "wh-1"));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(ParsePagerDutyAcknowledged);

void VerifyPagerDutySignature(benchmark::State& state) {
  const std::string body = slurp("pagerduty/aldaviva/incident_triggered.json");
  const std::vector<std::string> secrets{"HvPtlQNKMPpHSSqJpCdndXfo7HnGXa1pnH6w5axpxLFn9aRBNBGh4e8/HlonK5mz"};
  const std::string header = "v1=3e3032b45bbe1801c13f182b0e0a7f4f3f530225cef07e3e90cbc57874d01c49";
  for (auto _ : state)
    benchmark::DoNotOptimize(ogpd::webhook::pagerduty_signature_valid(secrets, header, body));
}
BENCHMARK(VerifyPagerDutySignature);

void PlanOpsgenieAcknowledge(benchmark::State& state) {
  auto verdict = ogpd::webhook::parse_opsgenie(slurp("opsgenie/zulip_acknowledge.json"), std::nullopt);
  const ogpd::Event event = std::get<ogpd::webhook::Store>(verdict).event;
  const ogpd::Link link{"052652ac-5d1c-464a-812a-7dd18bbfba8c", "Q1", "052652ac-5d1c-464a-812a-7dd18bbfba8c"};
  const ogpd::sync::SyncSettings settings;
  for (auto _ : state) benchmark::DoNotOptimize(ogpd::sync::plan(event, link, false, settings));
}
BENCHMARK(PlanOpsgenieAcknowledge);

void PlanPagerDutyAnnotated(benchmark::State& state) {
  auto verdict = ogpd::webhook::parse_pagerduty(slurp("pagerduty/aldaviva/incident_annotated.json"), "");
  const ogpd::Event event = std::get<ogpd::webhook::Store>(verdict).event;
  const ogpd::sync::SyncSettings settings;
  for (auto _ : state) benchmark::DoNotOptimize(ogpd::sync::plan(event, std::nullopt, false, settings));
}
BENCHMARK(PlanPagerDutyAnnotated);

}  // namespace

BENCHMARK_MAIN();
