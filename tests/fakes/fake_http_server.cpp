#include "fakes/fake_http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/throw_exception.hpp>
#include <cctype>
#include <cerrno>

namespace ogpd::fakes {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kPollSlice = std::chrono::milliseconds(50);  // how soon stop() is noticed by a blocked read
constexpr auto kIdleTimeout = std::chrono::seconds(60);     // keep-alive idle time and time to read a request
constexpr std::size_t kBodyLimit = 16 << 20;

// Waits until `fd` is readable, the deadline passes (false, ec = timeout) or the server stops (false).
bool wait_readable(int fd, Clock::time_point deadline, const std::atomic<bool>& stopping,
                   beast::error_code& ec) {
  for (;;) {
    if (stopping) {
      ec = net::error::operation_aborted;
      return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ec = beast::error::timeout;
      return false;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min(left, kPollSlice).count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) {
      ec = beast::error_code(errno, boost::system::system_category());
      return false;
    }
  }
}

// A blocking socket whose reads give up at a deadline or when the server stops: Beast's synchronous
// operations have no timeouts of their own, and SO_RCVTIMEO is defeated by Asio's internal poll.
class PolledStream {
 public:
  PolledStream(tcp::socket& socket, const std::atomic<bool>& stopping)
      : socket_(socket), stopping_(stopping) {}

  using executor_type = tcp::socket::executor_type;
  executor_type get_executor() { return socket_.get_executor(); }
  void expires_after(Clock::duration d) { deadline_ = Clock::now() + d; }

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    if (!wait_readable(socket_.native_handle(), deadline_, stopping_, ec)) return 0;
    return socket_.read_some(buffers, ec);
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    beast::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) BOOST_THROW_EXCEPTION(boost::system::system_error(ec));
    return n;
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers, beast::error_code& ec) {
    return socket_.write_some(buffers, ec);
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers) {
    return socket_.write_some(buffers);
  }

 private:
  tcp::socket& socket_;
  const std::atomic<bool>& stopping_;
  Clock::time_point deadline_ = Clock::now() + kIdleTimeout;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

RecordedRequest record(const http::request<http::string_body>& req) {
  RecordedRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  const auto question = out.target.find('?');
  out.path = out.target.substr(0, question);
  if (question != std::string::npos) {
    std::string_view query(out.target);
    query.remove_prefix(question + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      const auto eq = pair.find('=');
      if (!pair.empty()) {
        out.query[percent_decode(pair.substr(0, eq))] =
            eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  for (const auto& field : req) out.headers[lower(field.name_string())] = std::string(field.value());
  out.body = req.body();
  out.at = Clock::now();
  return out;
}

}  // namespace

std::string RecordedRequest::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string RecordedRequest::param(const std::string& name) const {
  const auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

std::vector<std::string> RecordedRequest::segments() const {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    const auto slash = std::min(path.find('/', start), path.size());
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

struct HttpServer::Listener {
  net::io_context io;
  tcp::acceptor acceptor{io};
};

HttpServer::HttpServer(unsigned short port, Handler handler)
    : handler_(std::move(handler)), listener_(std::make_unique<Listener>()) {
  auto& acceptor = listener_->acceptor;
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  acceptor.non_blocking(true);  // accept() after poll() must not block if the client went away meanwhile
  port_ = acceptor.local_endpoint().port();
}

void HttpServer::start() {
  if (!acceptor_thread_.joinable() && !stopping_) acceptor_thread_ = std::thread([this] { accept_loop(); });
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::stop() {
  if (stopping_.exchange(true)) return;
  // Wakes the acceptor's poll() at once (Linux) rather than at the end of its 50 ms slice.
  ::shutdown(listener_->acceptor.native_handle(), SHUT_RDWR);
  if (acceptor_thread_.joinable()) acceptor_thread_.join();
  beast::error_code ignored;
  listener_->acceptor.close(ignored);
  std::list<Connection> connections;
  {
    std::lock_guard lock(mu_);
    // Wakes reads at once and writes blocked on a client that does not read.
    for (auto& c : connections_) {
      if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
    }
    connections.splice(connections.end(), connections_);
  }
  for (auto& c : connections) c.thread.join();
}

void HttpServer::accept_loop() {
  const int fd = listener_->acceptor.native_handle();
  while (!stopping_) {
    beast::error_code ec;
    if (!wait_readable(fd, Clock::now() + kPollSlice, stopping_, ec)) continue;
    tcp::socket socket(listener_->io);
    listener_->acceptor.accept(socket, ec);
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    const int client = socket.release(ec);
    if (ec) continue;
    reap_finished_connections();
    std::lock_guard lock(mu_);
    auto& connection = connections_.emplace_back();
    connection.fd = client;
    connection.thread = std::thread([this, &connection, client] { serve(connection, client); });
  }
}

void HttpServer::reap_finished_connections() {
  std::list<Connection> finished;
  {
    std::lock_guard lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), connections_, it);
      it = next;
    }
  }
  for (auto& c : finished) c.thread.join();
}

void HttpServer::serve(Connection& connection, int fd) {
  tcp::socket socket(listener_->io, tcp::v4(), fd);
  PolledStream stream(socket, stopping_);
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    stream.expires_after(kIdleTimeout);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      http::response<http::string_body> too_large{http::status::payload_too_large, 11};
      too_large.keep_alive(false);
      too_large.prepare_payload();
      http::write(stream, too_large, ec);
      break;
    }
    if (ec) break;  // closed by the client, timed out, stopping, or malformed
    const auto& req = parser.get();
    const Response answer = handler_(record(req));
    if (answer.drop) break;
    http::response<http::string_body> res;
    res.version(11);
    res.result(static_cast<unsigned>(answer.status));
    for (const auto& [name, value] : answer.headers) res.set(name, value);
    if (res.find(http::field::content_type) == res.end())
      res.set(http::field::content_type, "application/json");
    res.body() = answer.body;
    res.keep_alive(req.keep_alive() && !stopping_);
    res.prepare_payload();
    http::write(stream, res, ec);
    if (ec || !res.keep_alive()) break;
  }
  std::lock_guard lock(mu_);
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  connection.fd = -1;
  connection.done = true;
}

}  // namespace ogpd::fakes
