// libFuzzer target: any bytes sent to the HTTP server over a real loopback connection — request parsing,
// framing checks and routing through to the journal (a stub that stores nothing). The server runs once, on
// its own thread, for the whole run. An input fails when the process dies, when an answer is not HTTP/1.1,
// or when a connection handler threw (a bug even though the server survives it).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "ops/ogpd_metrics.h"
#include "server/server.h"

namespace {

class StubJournal : public ogpd::store::Journal {
 public:
  void append(ogpd::store::Received, Done done) override {
    done({ogpd::store::AppendOutcome::kStored, 1, {}, {}});
  }
  ogpd::Status health() const override { return {}; }
};

struct World {
  boost::asio::io_context io{1};
  StubJournal journal;
  ogpd::SystemClock clock;
  ogpd::ops::OgpdMetrics metrics{"fuzz"};
  ogpd::server::Server server{io,
                              {.body_bytes = 64 * 1024, .header_bytes = 8 * 1024},
                              {.opsgenie_webhook_token = "fuzz-token"},
                              journal,
                              clock,
                              {.metrics = &metrics}};
  std::thread loop;
};

World* world = nullptr;  // reachable for the whole run: not a leak

[[noreturn]] void fail(const char* why) {
  std::fprintf(stderr, "http_session_fuzz: %s (errno %d: %s)\n", why, errno, std::strerror(errno));
  std::abort();
}

// How many connection handlers threw so far (the counter is bumped before the connection closes, so the
// client's read of the close sees it).
int exceptions_seen() {
  const std::string text = world->metrics.registry.render();
  const std::string series = "ogpd_connection_errors_total{reason=\"exception\"} ";
  const auto at = text.find(series);
  return at == std::string::npos ? 0 : std::atoi(text.c_str() + at + series.size());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::err);  // what an unexpected error says is the clue to its cause
  world = new World;
  if (!world->server.listen("127.0.0.1", 0).ok()) std::abort();
  world->loop = std::thread([] { world->io.run(); });
  world->loop.detach();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int exceptions_before = exceptions_seen();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(world->server.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    // Interrupted by libFuzzer's timer signal, the connection goes on: wait for it to finish.
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    while (errno == EINTR && ::poll(&p, 1, 5000) < 0) {
    }
    if ((p.revents & POLLOUT) == 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 ||
        error != 0)
      fail("connect() failed");
  }
  for (std::size_t sent = 0; sent < size;) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;  // libFuzzer's timer signal
    if (n <= 0) break;                      // the server closed early (a 4xx before the body): fine
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  timeval timeout{5, 0};  // the server must answer or close long before this
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;  // libFuzzer's timer signal, not the server
    if (n < 0 && errno != ECONNRESET) fail("no answer and no close: the server hung on this input");
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!answer.empty() && answer.rfind("HTTP/1.1 ", 0) != 0) fail("the answer is not HTTP/1.1");
  if (exceptions_seen() != exceptions_before) fail("a connection handler threw");
  return 0;
}
