// The status page (GET /status, STATUS_PAGE=true) as a browser sees it: Debian's Chromium, headless, loads it
// from a running proxy over loopback. The page renders, shows the pending action this test caused, escapes
// what a webhook sent, and logs nothing to the console (a blocked style or script would); a screenshot at a
// phone's width is kept beside the test's output.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "e2e/sync_fixture.h"

namespace ogpd::testing {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

struct BrowserRun {
  int exit_code = -1;
  std::string dom;      // the document after load (--dump-dom)
  std::string console;  // the lines Chromium logged for the page's console
};

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

// Headless Chromium on `url`: the rendered DOM, the console lines, and a screenshot at `screenshot`.
// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
BrowserRun browse(const WorkDir& dir, const std::string& url, const std::filesystem::path& screenshot) {
  const auto profile = dir.path() / "chromium-profile";
  const std::string common =
      std::string(kChromium) +
      " --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions"
      " --disable-background-networking --enable-logging=stderr --v=0 --user-data-dir=" +
      profile.string();
  BrowserRun run;
  const auto dom = dir.path() / "dom.html", log = dir.path() / "chromium.log";
  run.exit_code =
      std::system((common + " --dump-dom '" + url + "' > " + dom.string() + " 2> " + log.string()).c_str());
  run.dom = slurp(dom);
  std::istringstream lines(slurp(log));
  for (std::string line; std::getline(lines, line);)
    if (line.find(":CONSOLE") != std::string::npos) run.console += line + "\n";
  const auto shot_log = dir.path() / "screenshot.log";
  const int shot =
      std::system((common + " --hide-scrollbars --window-size=390,1200 --screenshot=" + screenshot.string() +
                   " '" + url + "' > " + shot_log.string() + " 2>&1")
                      .c_str());
  if (shot != 0) run.exit_code = shot;
  return run;
}

TEST_P(Sync, TheStatusPageRendersInABrowserWithThePendingActionAndNoConsoleErrors) {
  if (on_jsm()) GTEST_SKIP() << "the page is the same whichever API holds the alerts";
  ASSERT_TRUE(std::filesystem::exists(kChromium)) << "Debian's chromium (scripts/install-deps --test)";
  const std::string unreachable = "127.0.0.1:" + std::to_string(free_port());
  env_["PAGERDUTY_API_URL"] = "http://" + unreachable;  // the Create waits, with its reason
  env_["RETRY_BASE_DELAY_MS"] = "60000";
  env_["STATUS_PAGE"] = "true";
  start();
  ASSERT_EQ(post("/ops-webhook", og("Create", "page-1", R"(,"message":"Disk <b>full</b> on db-1")")), 202);
  ASSERT_TRUE(eventually([&] { return cli({"status"}).second.find("1 attempt") != std::string::npos; }));

  const std::filesystem::path screenshot =
      std::filesystem::path(OGPD_TEST_OUTPUT_DIR) /
      (std::string("status-page-") + (on_postgres() ? "postgres" : "sqlite") + ".png");
  std::filesystem::create_directories(screenshot.parent_path());
  std::filesystem::remove(screenshot);
  const auto url = "http://127.0.0.1:" + std::to_string(proxy_->port()) + "/status";
  const BrowserRun run = browse(dir_, url, screenshot);
  ASSERT_EQ(run.exit_code, 0) << run.dom;

  EXPECT_NE(run.dom.find("<h1>ogpd-proxy</h1>"), std::string::npos) << run.dom;
  EXPECT_NE(run.dom.find("id=\"action-"), std::string::npos) << "the pending action is listed: " << run.dom;
  EXPECT_NE(run.dom.find("pagerduty.create_incident alert:page-1: 1 attempt"), std::string::npos) << run.dom;
  EXPECT_NE(run.dom.find(unreachable), std::string::npos) << "its reason names the host: " << run.dom;
  EXPECT_NE(run.dom.find("id=\"vendor-pagerduty\"><h3>PagerDuty</h3><p class=\"state\">RETRYING"),
            std::string::npos)
      << run.dom;
  EXPECT_NE(run.dom.find("Disk &lt;b&gt;full&lt;/b&gt; on db-1"), std::string::npos)
      << "the title is shown as text: " << run.dom;
  EXPECT_EQ(run.dom.find("<b>full</b>"), std::string::npos) << "never as markup";
  EXPECT_EQ(run.console, "") << "the page logged to the console";

  ASSERT_TRUE(std::filesystem::exists(screenshot));
  EXPECT_GT(std::filesystem::file_size(screenshot), 5000u) << "a blank screenshot is a few hundred bytes";
  RecordProperty("screenshot", screenshot.string());
  std::cout << "screenshot: " << screenshot.string() << "\n";
}

TEST_P(Sync, TheStatusPageIsOffUnlessAskedForAndServedWithAStrictPolicyWhenOn) {
  if (on_jsm()) GTEST_SKIP() << "the page is the same whichever API holds the alerts";
  start();
  const auto off = http_request(proxy_->port(), "GET", "/status");
  EXPECT_EQ(off.status, 404);
  EXPECT_NE(off.body.find("STATUS_PAGE=true"), std::string::npos) << off.body;
  proxy_.reset();

  env_["STATUS_PAGE"] = "true";
  start();
  const auto on = http_request(proxy_->port(), "GET", "/status");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(on.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(on.header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(on.header("cache-control"), "no-store");
  EXPECT_NE(on.body.find("<meta http-equiv=\"refresh\""), std::string::npos);
  EXPECT_EQ(http_request(proxy_->port(), "POST", "/status", "x").status, 405) << "read-only";
  for (const auto* secret : {"pd-test-key", "og-test-key"})
    EXPECT_EQ(on.body.find(secret), std::string::npos) << "no API key on the page";
}

}  // namespace
}  // namespace ogpd::testing
