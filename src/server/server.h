// Server: the HTTP/1.1 listener and its connections (Boost.Beast on Asio), plain or TLS.
//
// Owns the acceptor and tracks every connection (each is owned by its pending handlers). All of it runs on
// ONE io_context thread — connections are created, tracked and destroyed there (the journal's completion
// hands its reference back to that thread before letting go of it), so the registry, the drain state and the
// TLS context have that thread as their only owner and nothing here takes a lock. Heavy work is elsewhere:
// parsing is microseconds, and the journal's fsync happens on its own thread.
//
// Every input is bounded: body size (413), header size (431), time to receive a request and keep-alive idle
// time, number of open connections. Malformed or ambiguous framing (routes.h check_framing) is answered and
// the connection closed. No input stops the process: a handler that throws ends its own connection, is
// logged and counted (ogpd_connection_errors_total), and the server goes on. When the process runs out of
// file descriptors, accepting pauses with backoff instead of spinning. shutdown() stops accepting, lets
// in-flight requests finish (bounded by the grace period), closes idle connections; io_context::run() then
// returns.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "ops/ogpd_metrics.h"
#include "server/routes.h"
#include "store/journal.h"
#include "webhook/intake.h"

namespace ogpd::server {

struct Limits {
  std::size_t body_bytes = 256 * 1024;
  std::size_t header_bytes = 16 * 1024;
  std::size_t connections = 1024;
  std::chrono::seconds request_timeout{10};
  std::chrono::seconds shutdown_grace{10};
};

// The connections a process may hold open when it may open `fd_limit` files: what the store, the vendor
// clients, the log and the event loop need is kept back. `wanted` when that fits, else less (at least 1).
std::size_t connections_within(std::size_t wanted, std::uint64_t fd_limit);

// What the server reports and asks beyond the journal; every part optional.
struct Probes {
  ops::OgpdMetrics* metrics =
      nullptr;  // webhook and connection counters; GET /metrics renders render_metrics()
  std::function<std::string()> render_metrics;
  std::function<std::string()> render_status_page;  // GET /status (404 when unset)
  std::function<bool()> workers_ready;              // part of GET /readyz
};

// A PEM certificate chain and its private key.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

// One open connection, as the server's registry sees it.
class Connection {
 public:
  virtual ~Connection() = default;
  // On shutdown: a connection waiting for its next request is closed; one mid-request finishes first.
  virtual void drain() = 0;
  virtual void close() = 0;
};

class Server {
 public:
  Server(boost::asio::io_context& io, Limits limits, webhook::IntakeSettings intake, store::Journal& journal,
         const Clock& clock, Probes probes = {});

  // Serves HTTPS (TLS 1.2 or later, forward-secret AEAD ciphers) to connections accepted from now on; open
  // connections keep the context they started with. Call before listen(), and again to reload the files
  // (SIGHUP). Fails, naming the setting, when a file cannot be read or the key does not match; the previous
  // context then stays in use.
  Status use_tls(const TlsFiles& files);

  // Binds and starts accepting. Fails on an address in use, a missing permission, a bad HOST.
  Status listen(const std::string& host, unsigned short port);
  unsigned short port() const;
  // Connections open now. Network thread only.
  std::size_t open_connections() const { return connections_.size(); }

  void shutdown();

  // Called by connections; same thread.
  const Limits& limits() const { return limits_; }
  const webhook::IntakeSettings& intake() const { return intake_; }
  store::Journal& journal() { return journal_; }
  const Clock& clock() const { return clock_; }
  const Probes& probes() const { return probes_; }
  // Renders `page` (probes().render_metrics or render_status_page) on the probe thread (never the network
  // thread: it reads the store) and hands `done` the text, or nullopt when rendering threw. `done` runs on
  // the probe thread.
  void render(Page page, std::function<void(std::optional<std::string>)> done);
  bool draining() const { return draining_; }
  std::list<Connection*>::iterator enroll(Connection* connection);
  void leave(std::list<Connection*>::iterator where);
  enum class ConnectionError { kException, kAccept };
  void count_error(ConnectionError reason);
  void count_webhook(Source source, Outcome outcome);

 private:
  void accept();
  void start_connection(boost::asio::ip::tcp::socket socket);
  void pause_accepting(const boost::system::error_code& why);

  boost::asio::io_context& io_;
  const Limits limits_;
  const webhook::IntakeSettings intake_;
  store::Journal& journal_;
  const Clock& clock_;
  const Probes probes_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer grace_timer_;
  boost::asio::steady_timer accept_timer_;
  std::chrono::milliseconds accept_backoff_{0};
  std::chrono::steady_clock::time_point last_accept_warning_{};
  std::chrono::steady_clock::time_point last_refusal_warning_{};
  std::shared_ptr<boost::asio::ssl::context> tls_;  // null: plain HTTP
  std::list<Connection*> connections_;
  bool draining_ = false;
  // Series resolved once, so counting a request takes no lock (null without metrics).
  ops::Counter* webhook_counts_[2][kOutcomeCount] = {};
  ops::Counter* exception_errors_ = nullptr;
  ops::Counter* accept_errors_ = nullptr;
  // One thread for GET /metrics and /status, made by the first request (network thread); declared last, so
  // joined first, while everything a render reads still exists.
  std::unique_ptr<boost::asio::thread_pool> probe_thread_;
};

// Starts serving an accepted connection, plain or TLS (Session in session.h; defined in plain_session.cpp
// and tls_session.cpp). Network thread only.
void start_session(Server& server, boost::asio::ip::tcp::socket socket);
void start_session(Server& server, std::shared_ptr<boost::asio::ssl::context> context,
                   boost::asio::ip::tcp::socket socket);

}  // namespace ogpd::server
