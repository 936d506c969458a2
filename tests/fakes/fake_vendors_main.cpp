// ogpd-fake-vendors: both fake vendors in one process, for tests of the real binary, benchmarks and the
// README's walk-throughs (with a small demo account: teams, webhook integrations, services).
// Prints "pagerduty=http://127.0.0.1:P opsgenie=http://127.0.0.1:Q" once both listen, serves until
// SIGTERM or SIGINT, then exits 0. Exit 1 when a port cannot be bound, 2 on bad flags.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>

#include "fakes/fake_opsgenie.h"
#include "fakes/fake_pagerduty.h"

int main(int argc, char** argv) {
  CLI::App app{"Fake PagerDuty and Opsgenie REST APIs on 127.0.0.1"};
  unsigned short pagerduty_port = 0, opsgenie_port = 0;
  double pagerduty_rate = 0, opsgenie_rate = 0;
  int pagerduty_burst = 1, opsgenie_burst = 1, latency_ms = 0;
  app.add_option("--pagerduty-port", pagerduty_port, "0: ephemeral");
  app.add_option("--opsgenie-port", opsgenie_port, "0: ephemeral");
  app.add_option("--pagerduty-rate", pagerduty_rate, "requests per second; 0: unlimited");
  app.add_option("--pagerduty-burst", pagerduty_burst, "token bucket size")->check(CLI::PositiveNumber);
  app.add_option("--opsgenie-rate", opsgenie_rate, "requests per second; 0: unlimited");
  app.add_option("--opsgenie-burst", opsgenie_burst, "token bucket size")->check(CLI::PositiveNumber);
  app.add_option("--latency-ms", latency_ms, "added to every answer")->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // Blocked before any thread starts, so every thread inherits the mask and sigwait() gets the signal.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    ogpd::fakes::FakePagerDuty pagerduty({.port = pagerduty_port});
    // A small demo account, so `ogpd-proxy routes suggest` has something to match (README, "Many teams"):
    // two teams, each with a webhook integration (the first is the README's curl examples' integration),
    // beside the fake PagerDuty's services "Payments API" (PSVC002) and "Platform" (PSVC003).
    ogpd::fakes::FakeOpsgenie opsgenie(
        {.teams = {{"b2c5c0a0-0001-4000-8000-000000000001", "payments"},
                   {"b2c5c0a0-0002-4000-8000-000000000002", "platform"}},
         .integrations = {{"ccb77fcc-3474-4ee3-8140-300926635ed1", "Payments webhook", "Webhook",
                           "b2c5c0a0-0001-4000-8000-000000000001"},
                          {"5e0d8d53-9a43-4c1e-9f5e-6f4b8a7c1d02", "Platform webhook", "Webhook",
                           "b2c5c0a0-0002-4000-8000-000000000002"}},
         .port = opsgenie_port});
    pagerduty.set_latency(std::chrono::milliseconds(latency_ms));
    opsgenie.set_latency(std::chrono::milliseconds(latency_ms));
    if (pagerduty_rate > 0) pagerduty.set_rate_limit(pagerduty_rate, pagerduty_burst);
    if (opsgenie_rate > 0) opsgenie.set_rate_limit(opsgenie_rate, opsgenie_burst);
    std::cout << "pagerduty=" << pagerduty.url() << " opsgenie=" << opsgenie.url() << std::endl;
    int signal = 0;
    sigwait(&stop_signals, &signal);
  } catch (const std::exception& e) {
    std::cerr << "ogpd-fake-vendors: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
