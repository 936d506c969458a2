// The server in-process, over real loopback sockets: what cannot be reached from outside the process.
#include "server/server.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <regex>
#include <thread>

namespace ogpd::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class NullJournal : public store::Journal {
 public:
  void append(store::Received, Done done) override { done({store::AppendOutcome::kStored, 1, {}, {}}); }
  Status health() const override { return {}; }
};

double counter(const ops::OgpdMetrics& metrics, const std::string& series) {
  const std::string text = metrics.registry.render();
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + series.size() + 2));
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

int connect_to(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  return fd;
}

// Keeps the completion it was given after calling it, as a journal may until its batch is cleared: the
// connection must not live on (and later die on the journal's thread) because of that copy.
class HoldingJournal : public store::Journal {
 public:
  void append(store::Received, Done done) override {
    done({store::AppendOutcome::kStored, 1, {}, {}});
    held_ = std::move(done);
  }
  Status health() const override { return {}; }
  Done held_;
};

TEST(Server, AJournalHoldingItsCompletionDoesNotKeepTheConnectionAlive) {
  net::io_context io(1);
  HoldingJournal journal;
  const SystemClock clock;
  Server server(io, {}, {}, journal, clock);
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  const int client = connect_to(server.port());
  const std::string body = R"({"action":"Create","alert":{"alertId":"a-1","message":"m"}})";
  const std::string request =
      "POST /ops-webhook HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(::write(client, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[512];
  while (answer.find("\r\n\r\n") == std::string::npos) {
    io.run_for(std::chrono::milliseconds(10));
    const ssize_t n = ::recv(client, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) answer.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 202", 0), 0u) << answer;
  ::close(client);
  for (int i = 0; i < 200 && server.open_connections() != 0; ++i) io.run_for(std::chrono::milliseconds(10));
  // Gone on the network thread, while the journal still holds its completion.
  EXPECT_EQ(server.open_connections(), 0u);
  ASSERT_TRUE(journal.held_);
  journal.held_ = nullptr;
}

// Reads the answer on `client` (Connection: close) while running `io`; empty when none came within `limit`.
std::string answer_on(int client, net::io_context& io, std::chrono::milliseconds limit) {
  std::string answer;
  char buf[4096];
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    const ssize_t n = ::recv(client, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) answer.append(buf, static_cast<std::size_t>(n));
    if (n == 0) break;  // closed after the answer
  }
  return answer;
}

// GET /metrics reads the store (on PostgreSQL, over the network): while a render is slow, the network thread
// goes on serving everything else, and the metrics are answered when the render ends.
TEST(Server, ASlowMetricsRenderDoesNotHoldUpOtherRequests) {
  net::io_context io(1);
  NullJournal journal;
  const SystemClock clock;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // The render gives up after a while (rather than hang the test) if it ever ran on the network thread: the
  // health check below would then fail.
  Server server(io, {}, {}, journal, clock, {.render_metrics = [released] {
                  released.wait_for(std::chrono::seconds(10));
                  return std::string("ogpd_up 1\n");
                }});
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  const auto send = [&](const std::string& request) {
    const int client = connect_to(server.port());
    EXPECT_EQ(::write(client, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    return client;
  };
  const int scrape = send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const int health = send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string healthy = answer_on(health, io, std::chrono::seconds(5));
  EXPECT_EQ(healthy.rfind("HTTP/1.1 200", 0), 0u) << healthy;
  char byte = 0;
  EXPECT_EQ(::recv(scrape, &byte, 1, MSG_DONTWAIT), -1) << "the scrape waits for its render";
  release.set_value();
  const std::string metrics = answer_on(scrape, io, std::chrono::seconds(5));
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200", 0), 0u) << metrics;
  EXPECT_NE(metrics.find("ogpd_up 1"), std::string::npos) << metrics;
  ::close(scrape);
  ::close(health);
  for (int i = 0; i < 200 && server.open_connections() != 0; ++i) io.run_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server.open_connections(), 0u);
}

TEST(ConnectionsWithin, KeepsDescriptorsBackForEverythingElse) {
  EXPECT_EQ(connections_within(1024, 1048576), 1024u);
  EXPECT_EQ(connections_within(1024, 256), 192u);
  EXPECT_EQ(connections_within(100, 256), 100u);
  EXPECT_EQ(connections_within(1024, 100), 50u);
  EXPECT_EQ(connections_within(1024, 1), 1u);
}

TEST(Server, RunningOutOfDescriptorsPausesAcceptingInsteadOfSpinningAndRecovers) {
  net::io_context io(1);
  NullJournal journal;
  const SystemClock clock;
  ops::OgpdMetrics metrics("test");
  Server server(io, {.connections = 100000}, {}, journal, clock, {.metrics = &metrics});
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());

  // Connections wait in the kernel's backlog until accepted; then the process may open only a few more.
  std::vector<int> clients;
  for (int i = 0; i < 40; ++i) clients.push_back(connect_to(server.port()));
  ASSERT_EQ(std::count(clients.begin(), clients.end(), -1), 0);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit tight = saved;
  tight.rlim_cur = open_descriptors() + 4;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  io.run_for(std::chrono::milliseconds(600));
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);

  // Backing off from 10 ms, doubling: a handful of attempts in 600 ms. A spinning loop makes thousands.
  const double refused = counter(metrics, R"(ogpd_connection_errors_total{reason="accept"})");
  EXPECT_GE(refused, 1);
  EXPECT_LE(refused, 12);

  // With descriptors back, the waiting connections are served.
  std::thread loop([&] { io.run_for(std::chrono::seconds(3)); });
  const int last = clients.back();
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::write(last, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  timeval timeout{2, 0};
  ::setsockopt(last, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buf[64] = {};
  const ssize_t n = ::read(last, buf, sizeof buf - 1);
  EXPECT_GT(n, 0);
  EXPECT_EQ(std::string(buf).rfind("HTTP/1.1 200", 0), 0u) << buf;
  for (int fd : clients) ::close(fd);
  net::post(io, [&] { server.shutdown(); });
  loop.join();
}

}  // namespace
}  // namespace ogpd::server
