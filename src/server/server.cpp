#include "server/server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <memory>

namespace ogpd::server {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

// Descriptors kept back from connections: the store (database, WAL, shared memory, journal), the vendor
// clients' connections, the event loop's own (epoll, eventfd, timerfd, signals), the listener and the log.
constexpr std::uint64_t kReservedDescriptors = 64;
constexpr std::chrono::milliseconds kMinAcceptBackoff{10};
constexpr std::chrono::milliseconds kMaxAcceptBackoff{1000};
constexpr std::chrono::seconds kAcceptWarningEvery{10};

// Mozilla's "intermediate" TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 uses OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

std::size_t connections_within(std::size_t wanted, std::uint64_t fd_limit) {
  const std::uint64_t usable = fd_limit > 2 * kReservedDescriptors ? fd_limit - kReservedDescriptors
                                                                   : std::max<std::uint64_t>(fd_limit / 2, 1);
  return static_cast<std::size_t>(std::min<std::uint64_t>(wanted, usable));
}

Server::Server(net::io_context& io, Limits limits, webhook::IntakeSettings intake, store::Journal& journal,
               const Clock& clock, Probes probes)
    : io_(io),
      limits_(limits),
      intake_(std::move(intake)),
      journal_(journal),
      clock_(clock),
      probes_(std::move(probes)),
      acceptor_(io),
      grace_timer_(io),
      accept_timer_(io) {
  if (probes_.metrics == nullptr) return;
  for (const Source source : {Source::kOpsgenie, Source::kPagerDuty})
    for (std::size_t o = 0; o < kOutcomeCount; ++o)
      webhook_counts_[static_cast<int>(source)][o] = &probes_.metrics->webhooks_received.with(
          {std::string(to_string(source)), std::string(to_string(static_cast<Outcome>(o)))});
  exception_errors_ = &probes_.metrics->connection_errors.with({"exception"});
  accept_errors_ = &probes_.metrics->connection_errors.with({"accept"});
}

void Server::render(Page page, std::function<void(std::optional<std::string>)> done) {
  if (!probe_thread_) probe_thread_ = std::make_unique<net::thread_pool>(1);
  net::post(*probe_thread_, [this, page, done = std::move(done)] {
    std::optional<std::string> text;
    try {
      text = page == Page::kMetrics ? probes_.render_metrics() : probes_.render_status_page();
    } catch (const std::exception& e) {
      spdlog::error("GET {}: rendering failed: {}", page == Page::kMetrics ? "/metrics" : "/status",
                    e.what());
    }
    done(std::move(text));
  });
}

Status Server::use_tls(const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                           ssl::context::single_dh_use,
                       ec);
  // An encrypted key must fail to load, not prompt on a terminal and block the network thread.
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });
  SSL_CTX* native = context->native_handle();
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    return Status::invalid("TLS: cannot set the protocol versions and ciphers");
  context->use_certificate_chain_file(files.cert_file, ec);
  if (ec) return Status::invalid("TLS_CERT_FILE: " + files.cert_file + ": " + ec.message());
  context->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) return Status::invalid("TLS_KEY_FILE: " + files.key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    return Status::invalid("TLS_KEY_FILE: " + files.key_file +
                           ": the key does not match the certificate in TLS_CERT_FILE");
  tls_ = std::move(context);
  return {};
}

Status Server::listen(const std::string& host, unsigned short port) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return Status::invalid("HOST: " + ec.message());
  const tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  accept();
  return {};
}

unsigned short Server::port() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void Server::accept() {
  acceptor_.async_accept(io_, [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
        ec == net::error::no_buffer_space || ec == net::error::no_memory) {
      return pause_accepting(ec);  // retrying at once would spin: the pending connection stays readable
    }
    try {
      accept_backoff_ = {};
      if (!ec) start_connection(std::move(socket));
      accept();
    } catch (const std::exception& e) {  // out of memory, most likely: pause, then accept again
      spdlog::error("accepting: {}", e.what());
      count_error(ConnectionError::kException);
      pause_accepting(net::error::no_memory);
    }
  });
}

void Server::start_connection(tcp::socket socket) {
  if (connections_.size() >= limits_.connections) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_warning_ >= kAcceptWarningEvery) {  // a flood must not flood the log
      last_refusal_warning_ = now;
      spdlog::warn("connection refused: {} connections open (MAX_CONNECTIONS)", connections_.size());
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (tls_)
    start_session(*this, tls_, std::move(socket));
  else
    start_session(*this, std::move(socket));
}

void Server::pause_accepting(const boost::system::error_code& why) {
  accept_backoff_ = std::clamp(accept_backoff_ * 2, kMinAcceptBackoff, kMaxAcceptBackoff);
  count_error(ConnectionError::kAccept);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_accept_warning_ >= kAcceptWarningEvery) {
    last_accept_warning_ = now;
    spdlog::warn("cannot accept connections: {} ({} open); pausing accepts, up to {} ms at a time",
                 why.message(), connections_.size(), kMaxAcceptBackoff.count());
  }
  accept_timer_.expires_after(accept_backoff_);
  accept_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && acceptor_.is_open()) accept();
  });
}

void Server::count_error(ConnectionError reason) {
  ops::Counter* counter = reason == ConnectionError::kException ? exception_errors_ : accept_errors_;
  if (counter != nullptr) counter->add();
}

void Server::count_webhook(Source source, Outcome outcome) {
  if (ops::Counter* counter = webhook_counts_[static_cast<int>(source)][static_cast<std::size_t>(outcome)])
    counter->add();
}

std::list<Connection*>::iterator Server::enroll(Connection* connection) {
  return connections_.insert(connections_.end(), connection);
}

void Server::leave(std::list<Connection*>::iterator where) {
  connections_.erase(where);
  if (draining_ && connections_.empty()) grace_timer_.cancel();
}

void Server::shutdown() {
  if (draining_) return;
  draining_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  accept_timer_.cancel();
  // drain() may close a connection, whose destructor edits the list: iterate over a copy.
  const std::vector<Connection*> open(connections_.begin(), connections_.end());
  for (Connection* c : open) c->drain();
  if (connections_.empty()) return;
  spdlog::info("draining {} connection(s), at most {}s", connections_.size(), limits_.shutdown_grace.count());
  grace_timer_.expires_after(limits_.shutdown_grace);
  grace_timer_.async_wait([this](boost::system::error_code wait_ec) {
    if (wait_ec) return;
    spdlog::warn("shutdown grace period over: closing {} connection(s)", connections_.size());
    const std::vector<Connection*> left(connections_.begin(), connections_.end());
    for (Connection* c : left) c->close();
  });
}

}  // namespace ogpd::server
