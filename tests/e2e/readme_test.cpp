// The README's walk-through ("Try it against the fake vendors"), run exactly as written: its shell blocks in
// order, in a scratch directory whose build/ is this build. The blocks that serve (the fakes, the proxy) run
// in the background, as the README's second and third terminals; `./scripts/...` lines are left out (the
// build is this test's own). Then both fakes must hold the round trip's outcome.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/proxy_process.h"

namespace ogpd::testing {
namespace {

using namespace std::chrono_literals;

// The ```sh blocks of the README section that starts with `heading`, in order.
std::vector<std::string> shell_blocks(const std::string& heading) {
  std::ifstream in(std::string(OGPD_SOURCE_DIR) + "/README.md");
  std::vector<std::string> blocks;
  bool in_section = false, in_block = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) in_section = line == heading;
    if (!in_section) continue;
    if (!in_block && line == "```sh") {
      in_block = true;
      blocks.emplace_back();
    } else if (in_block && line == "```") {
      in_block = false;
    } else if (in_block && line.rfind("./scripts/", 0) != 0) {
      blocks.back() += line + "\n";
    }
  }
  return blocks;
}

// A shell block run by bash in `dir`, in a process group of its own; output to `log`.
class Shell {
 public:
  Shell(const std::filesystem::path& dir, const std::string& script, const std::filesystem::path& log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      if (::chdir(dir.c_str()) != 0) ::_exit(127);
      std::FILE* out = std::fopen(log.c_str(), "w");
      if (out == nullptr) ::_exit(127);
      ::dup2(::fileno(out), 1);
      ::dup2(::fileno(out), 2);
      ::execl("/bin/bash", "bash", "-e", "-c", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Shell() {
    if (pid_ > 0 && !done_) {
      ::kill(-pid_, SIGTERM);
      (void)wait();
    }
  }
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    done_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return predicate();
}

boost::json::object fake_state(unsigned short port) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(http_request(port, "GET", "/_fake/state").body, ec);
  return !ec && doc.is_object() ? doc.as_object() : boost::json::object{};
}

TEST(Readme, TheFakeVendorsWalkThroughEndsWithTheRoundTripOnBothSides) {
  const auto blocks = shell_blocks("## Try it against the fake vendors");
  ASSERT_EQ(blocks.size(), 5u) << "settings, fakes, proxy, round trip, look";
  // The README's fixed ports must be free: something already there (a developer's demo, a run killed
  // mid-way) would answer for the walk-through's own servers.
  for (const unsigned short port : {9101, 9102, 5001})
    ASSERT_EQ(http_request(port, "GET", "/healthz").status, 0) << "port " << port << " is taken";
  WorkDir dir;
  const char* binary = std::getenv("OGPD_PROXY_BINARY");
  std::filesystem::create_directory_symlink(
      std::filesystem::path(binary != nullptr && *binary != '\0' ? binary : OGPD_BINARY).parent_path(),
      dir.path() / "build");

  ASSERT_EQ(Shell(dir.path(), blocks[0], dir.path() / "settings.log").wait(), 0)
      << read_file(dir.path() / "settings.log");
  Shell fakes(dir.path(), blocks[1], dir.path() / "fakes.log");
  ASSERT_TRUE(eventually([] { return http_request(9102, "GET", "/_fake/state").status == 200; }))
      << read_file(dir.path() / "fakes.log");
  Shell proxy(dir.path(), blocks[2], dir.path() / "proxy.log");
  ASSERT_TRUE(eventually([] { return http_request(5001, "GET", "/readyz").status == 200; }))
      << read_file(dir.path() / "proxy.log");

  const int round_trip = Shell(dir.path(), blocks[3], dir.path() / "round-trip.log").wait();
  const std::string said = read_file(dir.path() / "round-trip.log");
  ASSERT_EQ(round_trip, 0) << said << read_file(dir.path() / "proxy.log");
  EXPECT_NE(said.find("-> 202 {\"status\":\"accepted\""), std::string::npos) << said;
  EXPECT_EQ(said.find("-> 4"), std::string::npos) << said;  // no webhook refused

  // PagerDuty: the incident resolved, with the Opsgenie note.
  ASSERT_TRUE(eventually([] {
    const auto state = fake_state(9101);
    const auto* incidents = state.if_contains("incidents");
    if (incidents == nullptr || incidents->as_array().size() != 1) return false;
    const auto& incident = incidents->as_array()[0].as_object();
    const std::string notes = boost::json::serialize(incident.at("notes"));
    return incident.at("status") == "resolved" && incident.at("title") == "Disk full on db-1" &&
           notes.find("[from Opsgenie] demo.user@example.com: Freed 20 GB") != std::string::npos;
  })) << boost::json::serialize(fake_state(9101))
      << read_file(dir.path() / "proxy.log");
  // Opsgenie: the alert acknowledged by the PagerDuty user, with the PagerDuty note.
  ASSERT_TRUE(eventually([] {
    const auto state = fake_state(9102);
    const auto& alert = state.at("alerts").as_array().at(0).as_object();
    const std::string notes = boost::json::serialize(alert.at("notes"));
    return alert.at("acknowledged") == true &&
           notes.find("[from PagerDuty] Demo User: Looking into it") != std::string::npos;
  })) << boost::json::serialize(fake_state(9102))
      << read_file(dir.path() / "proxy.log");

  EXPECT_EQ(Shell(dir.path(), blocks[4], dir.path() / "look.log").wait(), 0);
  EXPECT_NE(read_file(dir.path() / "look.log").find("Disk full on db-1"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data/demo.db")) << "the demo's own store";
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data/ogpd.dry-run.db"));
}

}  // namespace
}  // namespace ogpd::testing
