// Server: the HTTP/1.1 listener and its sessions (Boost.Beast on Asio).
//
// Owns the acceptor and every connection. All of it runs on ONE io_context thread — sessions, the registry
// and the drain state have that thread as their only owner, so nothing here takes a lock. Heavy work is
// elsewhere: parsing is microseconds, and the journal's fsync happens on its own thread. Every input is
// bounded: body size (413), header size (431), time to receive a request and keep-alive idle time, number of
// open connections. shutdown() stops accepting, lets in-flight requests finish (bounded by the grace period),
// closes idle connections; io_context::run() then returns.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <string>

#include "ops/metrics.h"
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

class Session;

// What the server reports and asks beyond the journal; every part optional.
struct Probes {
  ops::Metrics* metrics = nullptr;  // webhook counters; GET /metrics renders render_metrics()
  std::function<std::string()> render_metrics;
  std::function<bool()> workers_ready;  // part of GET /readyz
};

class Server {
 public:
  Server(boost::asio::io_context& io, Limits limits, webhook::IntakeSettings intake, store::Journal& journal,
         Probes probes = {});

  // Binds and starts accepting. Returns an error text on failure (address in use, permission).
  std::string listen(const std::string& host, unsigned short port);
  unsigned short port() const;

  void shutdown();

  // Called by sessions; same thread.
  const Limits& limits() const { return limits_; }
  const webhook::IntakeSettings& intake() const { return intake_; }
  store::Journal& journal() { return journal_; }
  const Probes& probes() const { return probes_; }
  bool draining() const { return draining_; }
  std::list<Session*>::iterator enroll(Session* session);
  void leave(std::list<Session*>::iterator where);

 private:
  void accept();

  boost::asio::io_context& io_;
  const Limits limits_;
  const webhook::IntakeSettings intake_;
  store::Journal& journal_;
  const Probes probes_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer grace_timer_;
  std::list<Session*> sessions_;
  bool draining_ = false;
};

}  // namespace ogpd::server
