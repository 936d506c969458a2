#include "ops/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace ogpd::ops {
namespace {

Config valid(const RawSettings& raw) {
  auto result = validate(raw);
  if (!result.ok()) {
    ADD_FAILURE() << result.error();
    return {};
  }
  return *result;
}

std::string error_of(const RawSettings& raw) {
  auto result = validate(raw);
  if (!result.ok()) return result.error();
  ADD_FAILURE() << "expected a configuration error";
  return {};
}

const RawSettings kCredentials{{"PAGERDUTY_API_KEY", "pdkey-hunter2"},
                               {"PAGERDUTY_SERVICE_ID", "PSVC1"},
                               {"PAGERDUTY_EMAIL", "bot@example.com"},
                               {"OPSGENIE_API_KEY", "ogkey-hunter2"}};

TEST(Dotenv, ParsesTheEarlierProxysExampleFile) {
  const auto s = parse_dotenv(
      "# PagerDuty Configuration\n"
      "PAGERDUTY_API_KEY=your_pagerduty_api_key_here\n"
      "PAGERDUTY_USER=username #Avoids loops processing events\n"
      "\n"
      "export OPSGENIE_INTEGRATION_ID=ccb77fcc-3474-4ee3-8140-300926635ed1\n"
      "QUOTED=\"a b # not a comment\"\n"
      "SINGLE='x=y'\n"
      "  SPACED  =  value  \r\n"
      "no equals sign here\n");
  EXPECT_EQ(s.at("PAGERDUTY_API_KEY"), "your_pagerduty_api_key_here");
  EXPECT_EQ(s.at("PAGERDUTY_USER"), "username");
  EXPECT_EQ(s.at("OPSGENIE_INTEGRATION_ID"), "ccb77fcc-3474-4ee3-8140-300926635ed1");
  EXPECT_EQ(s.at("QUOTED"), "a b # not a comment");
  EXPECT_EQ(s.at("SINGLE"), "x=y");
  EXPECT_EQ(s.at("SPACED"), "value");
  EXPECT_EQ(s.size(), 6u);
}

TEST(Settings, EnvironmentWinsOverDotenvAndFlagsWinOverBoth) {
  const RawSettings dotenv{{"PORT", "6000"}, {"HOST", "127.0.0.1"}, {"LOG_LEVEL", "debug"}};
  const RawSettings env{{"PORT", "7000"}, {"LOG_LEVEL", "warn"}};
  const RawSettings flags{{"LOG_LEVEL", "error"}};
  const Config c = valid(merge_settings(dotenv, env, flags));
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.log_level, "error");
}

TEST(Settings, DefaultsMatchTheContract) {
  const Config c = valid({});
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.port, 5001);
  EXPECT_EQ(c.pagerduty_api_url, "https://api.pagerduty.com");
  EXPECT_EQ(c.opsgenie_api_url, "https://api.opsgenie.com");
  EXPECT_EQ(c.store, Store::kSqlite);
  EXPECT_EQ(c.sqlite_path, "data/ogpd.db");
  EXPECT_EQ(c.body_limit_bytes, 256u * 1024);
  EXPECT_EQ(c.log_format, "text");
  EXPECT_FALSE(c.status_page) << "the status page is off unless asked for";
  EXPECT_TRUE(valid({{"STATUS_PAGE", "true"}}).status_page);
}

// Every default is written once, in the settings table: what --help shows is what an empty configuration
// runs with, and giving a default explicitly changes nothing.
TEST(Settings, DefaultsFromTheTableEqualAnEmptyConfigurations) {
  const auto empty = describe(valid({}));
  std::size_t with_default = 0;
  for (const auto& spec : setting_specs()) {
    if (spec.default_value.empty()) continue;
    ++with_default;
    EXPECT_EQ(describe(valid({{std::string(spec.name), std::string(spec.default_value)}})), empty)
        << spec.name;
    const std::string line = std::string(spec.name) + "=";
    const auto shown =
        std::find_if(empty.begin(), empty.end(), [&](const std::string& l) { return l.rfind(line, 0) == 0; });
    ASSERT_NE(shown, empty.end()) << spec.name;
    // The shown value starts with the default (DATABASE_URL adds the dry run's own file after it).
    EXPECT_EQ(shown->substr(line.size()).rfind(std::string(spec.default_value), 0), 0u) << *shown;
  }
  EXPECT_GE(with_default, 20u);
}

TEST(Settings, MissingCredentialsSwitchDryRunOnAndSayWhich) {
  const Config c = valid({{"PAGERDUTY_API_KEY", "k"}});
  EXPECT_TRUE(c.dry_run);
  EXPECT_EQ(c.missing_credentials,
            (std::vector<std::string>{"PAGERDUTY_SERVICE_ID", "PAGERDUTY_EMAIL", "OPSGENIE_API_KEY"}));
  const Config live = valid(kCredentials);
  EXPECT_FALSE(live.dry_run);
  EXPECT_TRUE(live.missing_credentials.empty());
  RawSettings asked = kCredentials;
  asked["DRY_RUN"] = "true";
  EXPECT_TRUE(valid(asked).dry_run);
}

TEST(Settings, WebhookSecretsSplitOnCommasForRotation) {
  const Config c = valid({{"PAGERDUTY_WEBHOOK_SECRET", " old , new ,"}});
  EXPECT_EQ(c.pagerduty_webhook_secrets, (std::vector<std::string>{"old", "new"}));
}

TEST(Settings, UrlsAcceptEuHostsAndLoopbackFakesAndLoseTrailingSlashes) {
  const Config c = valid({{"PAGERDUTY_API_URL", "https://api.eu.pagerduty.com/"},
                          {"OPSGENIE_API_URL", "http://127.0.0.1:8080"}});
  EXPECT_EQ(c.pagerduty_api_url, "https://api.eu.pagerduty.com");
  EXPECT_EQ(c.opsgenie_api_url, "http://127.0.0.1:8080");
}

TEST(Settings, DatabaseUrlForms) {
  EXPECT_EQ(valid({{"DATABASE_URL", "sqlite:/var/lib/ogpd/ogpd.db"}}).sqlite_path, "/var/lib/ogpd/ogpd.db");
  EXPECT_EQ(valid({{"DATABASE_URL", "sqlite:///var/lib/ogpd.db"}}).sqlite_path, "/var/lib/ogpd.db");
  const RawSettings credentials{{"PAGERDUTY_API_KEY", "k"},
                                {"PAGERDUTY_SERVICE_ID", "PSVC001"},
                                {"PAGERDUTY_EMAIL", "bot@example.com"},
                                {"OPSGENIE_API_KEY", "k"}};
  auto with = [&](RawSettings more) {
    more.insert(credentials.begin(), credentials.end());
    return more;
  };
  const Config shared = valid(with({{"DATABASE_URL", "postgresql://ogpd:s3cret@db:5432/ogpd"}}));
  EXPECT_EQ(shared.store, Store::kPostgres);
  EXPECT_EQ(store_label(shared), "postgresql://ogpd:(hidden)@db:5432/ogpd");
  for (const auto& line : describe(shared)) EXPECT_EQ(line.find("s3cret"), std::string::npos) << line;
  EXPECT_EQ(redacted_database_url("postgresql://db/ogpd?password=s3cret&sslmode=require"),
            "postgresql://db/ogpd?password=(hidden)&sslmode=require");
  // A dry run keeps a store of its own; the shared one would have its work marked done without being done.
  const auto dry = validate(RawSettings{{"DATABASE_URL", "postgresql://u@db/ogpd"}});
  ASSERT_FALSE(dry.ok());
  EXPECT_NE(dry.error().find("cannot use the shared PostgreSQL store"), std::string::npos) << dry.error();
  EXPECT_FALSE(validate(with({{"DATABASE_URL", "postgresql://u@db/ogpd"}, {"DRY_RUN", "true"}})).ok());
}

TEST(Settings, EveryInvalidValueStopsWithOneLineNamingTheSetting) {
  struct Case {
    std::string name, value, expected_start;
  };
  const std::vector<Case> cases{
      {"PORT", "70000", "PORT: '70000' is not a port number"},
      {"PORT", "0", "PORT: '0'"},
      {"PORT", "abc", "PORT: 'abc'"},
      {"PORT", "50 01", "PORT: '50 01'"},
      {"HOST", "not-an-address", "HOST: 'not-an-address'"},
      {"PAGERDUTY_API_URL", "api.pagerduty.com",
       "PAGERDUTY_API_URL: 'api.pagerduty.com' is not an http(s) URL"},
      {"OPSGENIE_API_URL", "htp://x", "OPSGENIE_API_URL: 'htp://x'"},
      {"OPSGENIE_API_URL", "https://", "OPSGENIE_API_URL: 'https://'"},
      {"OPSGENIE_API_URL", "http://host:99999", "OPSGENIE_API_URL: 'http://host:99999'"},
      {"DATABASE_URL", "mysql://db/x", "DATABASE_URL: unknown scheme 'mysql'"},
      {"DATABASE_URL", "sqlite:", "DATABASE_URL: 'sqlite:' needs a file path"},
      {"DRY_RUN", "maybe", "DRY_RUN: 'maybe' is not a boolean"},
      {"STATUS_PAGE", "enabled", "STATUS_PAGE: 'enabled' is not a boolean"},
      {"LOG_LEVEL", "loud", "LOG_LEVEL: 'loud'"},
      {"LOG_FORMAT", "xml", "LOG_FORMAT: 'xml'"},
      {"BODY_LIMIT_BYTES", "-1", "BODY_LIMIT_BYTES: '-1'"},
      {"MAX_CONNECTIONS", "0", "MAX_CONNECTIONS: '0'"},
      {"REQUEST_TIMEOUT_SECONDS", "1.5", "REQUEST_TIMEOUT_SECONDS: '1.5'"},
      {"PAGERDUTY_SERVICE_ID", "PSVC 001", "PAGERDUTY_SERVICE_ID: 'PSVC 001' is not a PagerDuty id"},
      {"PAGERDUTY_SERVICE_ID", "https://x.pagerduty.com/service-directory/PSVC001",
       "PAGERDUTY_SERVICE_ID: 'https://x.pagerduty.com/service-directory/PSVC001' is not a PagerDuty id"},
      {"PAGERDUTY_EMAIL", "ogpd-bot.example.com",
       "PAGERDUTY_EMAIL: 'ogpd-bot.example.com' is not an email address"},
      {"PAGERDUTY_EMAIL", "a@b@c", "PAGERDUTY_EMAIL: 'a@b@c'"},
      {"PAGERDUTY_EMAIL", "Bot <bot@example.com>", "PAGERDUTY_EMAIL: 'Bot <bot@example.com>'"},
      {"OPSGENIE_INTEGRATION_ID", "my-integration",
       "OPSGENIE_INTEGRATION_ID: 'my-integration' is not an Opsgenie integration id"},
      {"OPSGENIE_INTEGRATION_ID", "ccb77fcc-3474-4ee3-8140-300926635ed",
       "OPSGENIE_INTEGRATION_ID: 'ccb77fcc-3474-4ee3-8140-300926635ed'"},
  };
  for (const auto& c : cases) {
    const std::string message = error_of({{c.name, c.value}});
    EXPECT_EQ(message.rfind(c.expected_start, 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
}

TEST(Settings, NamesLikeOursThatAreNoneAreErrorsWithTheNearestSetting) {
  const auto error = [](RawSettings given, bool in_environment) {
    return check_names(given, in_environment ? "the environment" : ".env", in_environment).message();
  };
  EXPECT_EQ(error({{"PAGERDUTY_SERVCE_ID", "P1"}}, false),
            "PAGERDUTY_SERVCE_ID (.env): not a setting of ogpd-proxy; did you mean PAGERDUTY_SERVICE_ID? "
            "(ogpd-proxy --help lists every setting)");
  EXPECT_NE(error({{"OPSGENIE_KEY", "k"}}, true).find("OPSGENIE_KEY (the environment): not a setting"),
            std::string::npos);
  EXPECT_EQ(error({{"OPSGENIE_REGION_SOMETHING_ELSE", "x"}}, true).find("did you mean"), std::string::npos)
      << "nothing near: no suggestion";
  EXPECT_NE(error({{"RECONCILE_INTERVAL", "60"}}, false).find("did you mean RECONCILE_INTERVAL_SECONDS?"),
            std::string::npos);
  // Known names, names with no prefix of ours, and other programs' variables in the environment pass.
  EXPECT_TRUE(check_names({{"PAGERDUTY_API_KEY", "k"}, {"FLASK_ENV", "development"}, {"HOSTNAME", "h"}},
                          ".env", false)
                  .ok());
  EXPECT_TRUE(
      check_names({{"HTTP_PROXY", "http://p:3128"}, {"LOG_DIR", "/var/log"}}, "the environment", true).ok());
  EXPECT_FALSE(check_names({{"LOG_LEVL", "debug"}}, ".env", false).ok()) << ".env is ours alone";
  // A misspelt first word is caught too, with the setting it was meant to be.
  EXPECT_NE(error({{"PAGERDTY_API_KEY", "k"}}, false).find("did you mean PAGERDUTY_API_KEY?"),
            std::string::npos);
  EXPECT_NE(error({{"OPSGENI_API_KEY", "k"}}, true).find("did you mean OPSGENIE_API_KEY?"),
            std::string::npos);
  EXPECT_NE(error({{"DATABSE_URL", "sqlite:x.db"}}, false).find("did you mean DATABASE_URL?"),
            std::string::npos);
  EXPECT_TRUE(check_names({{"REQUESTS_CA_BUNDLE", "/etc/ssl/ca.pem"},
                           {"HOME", "/root"},
                           {"PATH", "/bin"},
                           {"LANGUAGE", "en"},
                           {"DEBIAN_FRONTEND", "noninteractive"}},
                          "the environment", true)
                  .ok())
      << "other programs' names stay unflagged";
  // A name with control characters is shown escaped.
  EXPECT_EQ(error({{"PAGERDUTY_X\x1b[2J", "v"}}, false).find('\x1b'), std::string::npos);
}

TEST(Settings, DryRunFalseWithoutCredentialsIsAnErrorNamingThem) {
  const std::string message = error_of({{"DRY_RUN", "false"}, {"PAGERDUTY_API_KEY", "k"}});
  EXPECT_NE(message.find("PAGERDUTY_SERVICE_ID"), std::string::npos);
  EXPECT_EQ(message.find("PAGERDUTY_API_KEY"), std::string::npos);
}

TEST(Settings, SecretsNeverAppearInDescriptionsOrErrors) {
  RawSettings raw = kCredentials;
  raw["PAGERDUTY_WEBHOOK_SECRET"] = "whsec-hunter2";
  raw["OPSGENIE_WEBHOOK_TOKEN"] = "tok-hunter2";
  raw["DATABASE_URL"] = "sqlite:x.db";
  for (const auto& line : describe(valid(raw))) EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
  raw["PORT"] = "99999";
  EXPECT_EQ(error_of(raw).find("hunter2"), std::string::npos);
  raw.erase("PORT");
  raw["DATABASE_URL"] = "postgresql://user:pw-hunter2@db/ogpd";
  for (const auto& line : describe(valid(raw))) EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
}

TEST(Settings, EverySettingHasAFlagAndDescribeListsIt) {
  const auto lines = describe(valid({}));
  for (const auto& spec : setting_specs()) {
    EXPECT_FALSE(flag_name(spec.name).empty());
    bool listed = false;
    for (const auto& line : lines) listed |= line.rfind(std::string(spec.name) + "=", 0) == 0;
    EXPECT_TRUE(listed) << spec.name;
  }
  EXPECT_EQ(flag_name("PAGERDUTY_API_KEY"), "pagerduty-api-key");
}

TEST(EnvExample, DocumentsEverySettingAndIsAValidConfiguration) {
  std::ifstream in(std::string(OGPD_SOURCE_DIR) + "/.env.example");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  const auto settings = parse_dotenv(text.str());
  for (const auto& spec : setting_specs()) EXPECT_TRUE(settings.count(std::string(spec.name))) << spec.name;
  for (const auto& [name, value] : settings) {
    bool known = false;
    for (const auto& spec : setting_specs()) known |= spec.name == name;
    EXPECT_TRUE(known) << name << " is not a setting";
  }
  EXPECT_TRUE(validate(settings).ok());
}

TEST(Settings, ADryRunUsesAStoreOfItsOwnBesideTheConfiguredOne) {
  EXPECT_EQ(dry_run_store_path("data/ogpd.db"), "data/ogpd.dry-run.db");
  EXPECT_EQ(dry_run_store_path("/var/lib/ogpd/store"), "/var/lib/ogpd/store.dry-run");
  EXPECT_EQ(valid({}).store_path(), "data/ogpd.dry-run.db");  // no credentials: dry run
  EXPECT_EQ(valid({{"PAGERDUTY_API_KEY", "k"},
                   {"PAGERDUTY_SERVICE_ID", "S"},
                   {"PAGERDUTY_EMAIL", "e@x"},
                   {"OPSGENIE_API_KEY", "o"}})
                .store_path(),
            "data/ogpd.db");
}

}  // namespace
}  // namespace ogpd::ops
