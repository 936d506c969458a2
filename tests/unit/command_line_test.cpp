// The command line (grammar -> Invocation) and the settings conversions main.cpp wires with.
#include "cli/command_line.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "cli/daemon_settings.h"

namespace ogpd::cli {
namespace {

struct Run {
  Parsed parsed;
  std::string out, err;
};

Run parse(std::vector<const char*> args) {
  args.insert(args.begin(), "ogpd-proxy");
  std::ostringstream out, err;
  Run run{parse_command_line(static_cast<int>(args.size()), args.data(), out, err), {}, {}};
  run.out = out.str();
  run.err = err.str();
  return run;
}

TEST(CommandLine, WithoutASubcommandTheDaemonRunsAndFlagsAreSettingsByName) {
  const auto run = parse({"--port", "6000", "--log-level", "debug", "--env-file", "/etc/ogpd.env"});
  ASSERT_TRUE(run.parsed.invocation) << run.err;
  const Invocation& inv = *run.parsed.invocation;
  EXPECT_EQ(inv.command, Command::kServe);
  EXPECT_EQ(inv.env_file, "/etc/ogpd.env");
  EXPECT_EQ(inv.flags, (ops::RawSettings{{"LOG_LEVEL", "debug"}, {"PORT", "6000"}}));
}

TEST(CommandLine, EachSubcommandIsParsedWithItsOptions) {
  struct Case {
    std::vector<const char*> args;
    Command command;
  };
  const std::vector<Case> cases{{{"check-config"}, Command::kCheckConfig},
                                {{"status", "--json"}, Command::kStatus},
                                {{"links", "--alert", "A1"}, Command::kLinks},
                                {{"events", "--last", "5"}, Command::kEvents},
                                {{"dead-letters", "replay", "--all"}, Command::kDeadLetters}};
  for (const auto& c : cases) {
    const auto run = parse(c.args);
    ASSERT_TRUE(run.parsed.invocation) << c.args[0] << ": " << run.err;
    EXPECT_EQ(run.parsed.invocation->command, c.command) << c.args[0];
  }
  EXPECT_TRUE(parse({"status", "--json"}).parsed.invocation->json);
  EXPECT_EQ(parse({"links", "--alert", "A1"}).parsed.invocation->alert_id, "A1");
  EXPECT_EQ(parse({"events", "--last", "5"}).parsed.invocation->last, 5u);
  const auto replay = parse({"dead-letters", "replay", "--all"}).parsed.invocation->dead_letter;
  EXPECT_EQ(replay.verb, "replay");
  EXPECT_TRUE(replay.all);
}

TEST(CommandLine, UsageErrorsExitNonZeroWithAMessageAndHelpExitsZero) {
  for (const std::vector<const char*>& bad : {std::vector<const char*>{"--no-such-flag"},
                                              {"dead-letters"},
                                              {"dead-letters", "replay"},
                                              {"events", "--last", "0"}}) {
    const auto run = parse(bad);
    EXPECT_FALSE(run.parsed.invocation) << bad[0];
    EXPECT_NE(run.parsed.exit_code, 0) << bad[0];
    EXPECT_FALSE(run.err.empty()) << bad[0];
  }
  const auto help = parse({"--help"});
  EXPECT_FALSE(help.parsed.invocation);
  EXPECT_EQ(help.parsed.exit_code, 0);
  EXPECT_NE(help.out.find("--pagerduty-api-key"), std::string::npos);
  EXPECT_NE(help.out.find("(default: 5001)"), std::string::npos);  // from the settings table
}

ops::Config config(ops::RawSettings raw) {
  auto c = ops::validate(raw);
  EXPECT_TRUE(c.ok()) << c.error();
  return c.ok() ? *c : ops::Config{};
}

TEST(DaemonSettings, EachPartGetsItsSettingsInItsOwnUnits) {
  const auto c = config({{"PAGERDUTY_API_KEY", "k"},
                         {"PAGERDUTY_SERVICE_ID", "PSVC"},
                         {"PAGERDUTY_EMAIL", "bot@example.com"},
                         {"OPSGENIE_API_KEY", "o"},
                         {"PAGERDUTY_USER", "PBOT"},
                         {"RETRY_MAX_AGE_SECONDS", "600"},
                         {"RETRY_BASE_DELAY_MS", "250"},
                         {"PAGERDUTY_REQUESTS_PER_MINUTE", "120"},
                         {"RETENTION_DAYS", "2"},
                         {"HTTP_TIMEOUT_SECONDS", "7"},
                         {"PRIORITY_URGENCY", "P3=high"}});
  const auto engine = engine_settings(c);
  EXPECT_EQ(engine.retry.max_age, std::chrono::seconds(600));
  EXPECT_EQ(engine.retry.base_delay, std::chrono::milliseconds(250));
  EXPECT_DOUBLE_EQ(pagerduty_calls_per_second(c), 2.0);
  EXPECT_DOUBLE_EQ(opsgenie_calls_per_second(c), 10.0);
  EXPECT_EQ(engine.own_email, "bot@example.com");
  EXPECT_EQ(engine.sync.own_user, "PBOT");
  EXPECT_EQ(engine.sync.urgency_by_priority.at("P3"), "high");
  EXPECT_EQ(engine.sync.urgency_by_priority.at("P4"), "low");
  EXPECT_EQ(housekeeping_settings(c).retention, std::chrono::hours(48));
  EXPECT_EQ(curl_settings(c).total_timeout, std::chrono::seconds(7));
  EXPECT_EQ(pagerduty_settings(c).service_id, "PSVC");
  EXPECT_EQ(pagerduty_settings(c).from_email, "bot@example.com");
  EXPECT_EQ(opsgenie_settings(c).base_url, "https://api.opsgenie.com");
}

TEST(DaemonSettings, ADryRunLooksUpNoUserAndConnectionsStayWithinTheDescriptors) {
  const auto dry = config({{"PAGERDUTY_EMAIL", "bot@example.com"}});
  ASSERT_TRUE(dry.dry_run);
  EXPECT_FALSE(engine_settings(dry).own_email.has_value());
  EXPECT_EQ(server_limits(dry, 1'000'000).connections, 1024u);
  EXPECT_LT(server_limits(dry, 256).connections, 256u);
  EXPECT_EQ(server_limits(dry, 1'000'000).body_bytes, 256u * 1024);
}

}  // namespace
}  // namespace ogpd::cli
