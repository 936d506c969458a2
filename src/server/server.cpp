#include "server/server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>

#include "ops/log.h"
#include "server/routes.h"

namespace ogpd::server {

namespace beast = boost::beast;
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
// What a closing connection still reads from a peer that keeps sending, so it reads our answer, not a reset.
constexpr std::size_t kMaxDiscardBytes = 8u << 20;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_webhook(std::string_view path) {
  return path == "/ops-webhook" || path == "/pd-webhook";
}

// Mozilla's "intermediate" TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 uses OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(Server& server, tcp::socket socket) requires(!kTls)
      : stream_(std::move(socket)), server_(server), registration_(server.enroll(this)) {}
  Session(Server& server, std::shared_ptr<ssl::context> context, tcp::socket socket) requires(kTls)
      : context_(std::move(context)),
        stream_(std::move(socket), *context_),
        server_(server),
        registration_(server.enroll(this)) {}
  ~Session() override { server_.leave(registration_); }

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(server_.limits().request_timeout);
      stream_.async_handshake(ssl::stream_base::server, guarded(&Session::on_handshake));
    } else {
      read();
    }
  }

  void drain() override {
    if (!busy_) close();
  }
  void close() override {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Every completion goes through here: an exception ends this connection, never the process.
  template <class... Args>
  auto guarded(void (Session::*handler)(Args...)) {
    return [self = this->shared_from_this(), handler](Args... args) {
      self->run_guarded([&] { ((*self).*handler)(std::move(args)...); });
    };
  }
  template <class F>
  void run_guarded(F&& f) noexcept {
    try {
      f();
    } catch (const std::exception& e) {
      fail(e.what());
    } catch (...) {
      fail("unknown exception");
    }
  }
  void fail(const char* what) noexcept {
    try {
      spdlog::error("connection ended by an unexpected error: {}", what);
      server_.count_error("exception");
    } catch (...) {  // logging itself failed (out of memory): closing is all that is left
    }
    close();
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("TLS handshake failed: {}", ec.message());
      return close();
    }
    read();
  }

  void read() {
    busy_ = false;
    parser_.emplace();
    parser_->body_limit(server_.limits().body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.limits().header_bytes));
    lowest().expires_after(server_.limits().request_timeout);
    http::async_read(stream_, buffer_, *parser_, guarded(&Session::on_read));
  }

  void on_read(beast::error_code ec, std::size_t) {
    busy_ = true;
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::connection_reset || ec == net::error::eof ||
        ec == ssl::error::stream_truncated) {
      return close();
    }
    request_ = {};
    path_.clear();
    if (ec) {
      // Only the target is read back (empty when the request line never parsed): asking for the method of a
      // request that never got one throws.
      path_ = target_path({parser_->get().target().data(), parser_->get().target().size()});
      Answer answer =
          ec == http::error::body_limit
              ? error_answer(http::status::payload_too_large,
                             "body larger than " + std::to_string(server_.limits().body_bytes) + " bytes")
          : ec == http::error::header_limit
              ? error_answer(http::status::request_header_fields_too_large, "headers too large")
              : error_answer(http::status::bad_request, "malformed HTTP request: " + ec.message());
      answer.outcome = ec == http::error::body_limit ? "too_large" : "bad_request";
      return reply(std::move(answer), false);
    }

    request_ = parser_->release();
    path_ = target_path({request_.target().data(), request_.target().size()});
    const bool keep_alive = request_.keep_alive();
    Routed routed = route({server_.intake(), server_.journal(), server_.probes().workers_ready,
                           server_.probes().render_metrics},
                          request_);
    if (auto* answer = std::get_if<Answer>(&routed)) {
      const bool close_after = answer->close;
      return reply(std::move(*answer), keep_alive && !close_after);
    }

    // Store first, answer after the commit. The tracked executor keeps io_context::run() alive meanwhile.
    // The journal calls back on its own thread: the connection's reference is MOVED into the handler posted
    // to the network thread, so the last reference — and the destructor — never lives on the journal's.
    auto event = std::make_shared<Event>(std::move(std::get<ToStore>(routed).event));
    auto ex = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
    server_.journal().append(
        {*event, std::move(request_.body()), now_ms()},
        [self = this->shared_from_this(), ex, event, keep_alive](store::AppendResult result) mutable {
          net::post(ex, [self = std::move(self), event = std::move(event), keep_alive,
                         result = std::move(result)]() mutable {
            self->run_guarded([&] { self->on_stored(*event, std::move(result), keep_alive); });
          });
        });
  }

  void on_stored(const Event& event, store::AppendResult result, bool keep_alive) {
    if (result.outcome == store::AppendOutcome::kUnavailable)
      spdlog::error("journal write failed: {}", result.error);
    ops::CorrelationScope correlation(result.event_id);
    reply(answer_stored(event, result), keep_alive, &event);
  }

  void reply(Answer answer, bool keep_alive, const Event* event = nullptr) {
    keep_alive_ = keep_alive && !server_.draining();
    log(answer, event);
    response_ = {};
    response_.version(11);
    response_.result(answer.status);
    response_.set(http::field::server, "ogpd-proxy");
    response_.set(http::field::content_type, answer.content_type);
    if (!answer.allow.empty()) response_.set(http::field::allow, answer.allow);
    if (answer.retry_after) response_.set(http::field::retry_after, "5");
    if (request_.method() != http::verb::head) response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    lowest().expires_after(server_.limits().request_timeout);
    http::async_write(stream_, response_, guarded(&Session::on_write));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec || !keep_alive_ || server_.draining()) return linger_close();  // shutdown began while writing
    read();
  }

  void log(const Answer& answer, const Event* event) const {
    const int status = static_cast<int>(answer.status);
    const bool webhook = is_webhook(path_);
    if (!webhook && status < 400) return;
    const std::string_view outcome = answer.outcome.empty() ? std::string_view("other") : answer.outcome;
    if (webhook && server_.probes().metrics != nullptr) {
      server_.probes().metrics->add("ogpd_webhooks_received_total",
                                    {{"source", path_ == "/ops-webhook" ? "opsgenie" : "pagerduty"},
                                     {"outcome", std::string(outcome)}});
    }
    if (event == nullptr) {
      const auto level = status >= 500   ? spdlog::level::err
                         : status >= 400 ? spdlog::level::warn
                                         : spdlog::level::info;
      spdlog::log(level, "request path={} status={} outcome={} detail={}", path_.empty() ? "-" : path_,
                  status, outcome, answer.body);
      return;
    }
    spdlog::log(status >= 500 ? spdlog::level::err : spdlog::level::info,
                "webhook source={} type={} status={} outcome={} dedupe_key={} alert={} incident={} answer={}",
                to_string(event->source), event->type, status, outcome, event->dedupe_key,
                event->alert_id.value_or("-"), event->incident_id.value_or(event->incident_key.value_or("-")),
                answer.body);
  }

  // Half-close, then discard what the peer still sends for a moment, so it reads our answer (a 413 sent while
  // the peer is mid-body) instead of a reset. TLS says goodbye with close_notify instead.
  void linger_close() {
    lowest().expires_after(std::chrono::seconds(2));
    if constexpr (kTls) {
      stream_.async_shutdown(guarded(&Session::on_tls_shutdown));
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close();
      discard();
    }
  }
  void on_tls_shutdown(beast::error_code) { close(); }
  void discard() { lowest().async_read_some(net::buffer(sink_), guarded(&Session::on_discard)); }
  void on_discard(beast::error_code ec, std::size_t n) {
    discarded_ += n;
    if (ec || discarded_ > kMaxDiscardBytes) return close();
    discard();
  }

  std::shared_ptr<ssl::context> context_;  // TLS: outlives the stream that refers to it
  Stream stream_;
  Server& server_;
  std::list<Connection*>::iterator registration_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  std::string path_;  // the request's path, for logs and metrics ("" when it never parsed)
  http::response<http::string_body> response_;
  std::array<char, 16384> sink_{};
  std::size_t discarded_ = 0;
  bool busy_ = false;
  bool keep_alive_ = false;
};

}  // namespace

std::size_t connections_within(std::size_t wanted, std::uint64_t fd_limit) {
  const std::uint64_t usable = fd_limit > 2 * kReservedDescriptors ? fd_limit - kReservedDescriptors
                                                                   : std::max<std::uint64_t>(fd_limit / 2, 1);
  return static_cast<std::size_t>(std::min<std::uint64_t>(wanted, usable));
}

Server::Server(net::io_context& io, Limits limits, webhook::IntakeSettings intake, store::Journal& journal,
               Probes probes)
    : io_(io),
      limits_(limits),
      intake_(std::move(intake)),
      journal_(journal),
      probes_(std::move(probes)),
      acceptor_(io),
      grace_timer_(io),
      accept_timer_(io) {}

std::string Server::use_tls(const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                           ssl::context::single_dh_use,
                       ec);
  // An encrypted key must fail to load, not prompt on a terminal and block the network thread.
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });
  SSL_CTX* native = context->native_handle();
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    return "TLS: cannot set the protocol versions and ciphers";
  context->use_certificate_chain_file(files.cert_file, ec);
  if (ec) return "TLS_CERT_FILE: " + files.cert_file + ": " + ec.message();
  context->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) return "TLS_KEY_FILE: " + files.key_file + ": " + ec.message();
  if (SSL_CTX_check_private_key(native) != 1)
    return "TLS_KEY_FILE: " + files.key_file + ": the key does not match the certificate in TLS_CERT_FILE";
  tls_ = std::move(context);
  return {};
}

std::string Server::listen(const std::string& host, unsigned short port) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return "HOST: " + ec.message();
  const tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
  accept();
  return {};
}

unsigned short Server::port() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void Server::accept() {
  acceptor_.async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
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
      count_error("exception");
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
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (tls_)
    std::make_shared<Session<TlsStream>>(*this, tls_, std::move(socket))->start();
  else
    std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket))->start();
}

void Server::pause_accepting(const boost::system::error_code& why) {
  accept_backoff_ = std::clamp(accept_backoff_ * 2, kMinAcceptBackoff, kMaxAcceptBackoff);
  count_error("accept");
  const auto now = std::chrono::steady_clock::now();
  if (now - last_accept_warning_ >= kAcceptWarningEvery) {
    last_accept_warning_ = now;
    spdlog::warn("cannot accept connections: {} ({} open); pausing accepts, up to {} ms at a time",
                 why.message(), connections_.size(), kMaxAcceptBackoff.count());
  }
  accept_timer_.expires_after(accept_backoff_);
  accept_timer_.async_wait([this](beast::error_code ec) {
    if (!ec && acceptor_.is_open()) accept();
  });
}

void Server::count_error(const char* reason) {
  if (probes_.metrics != nullptr) probes_.metrics->add("ogpd_connection_errors_total", {{"reason", reason}});
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
  beast::error_code ec;
  acceptor_.close(ec);
  accept_timer_.cancel();
  // drain() may close a connection, whose destructor edits the list: iterate over a copy.
  const std::vector<Connection*> open(connections_.begin(), connections_.end());
  for (Connection* c : open) c->drain();
  if (connections_.empty()) return;
  spdlog::info("draining {} connection(s), at most {}s", connections_.size(), limits_.shutdown_grace.count());
  grace_timer_.expires_after(limits_.shutdown_grace);
  grace_timer_.async_wait([this](beast::error_code wait_ec) {
    if (wait_ec) return;
    spdlog::warn("shutdown grace period over: closing {} connection(s)", connections_.size());
    const std::vector<Connection*> left(connections_.begin(), connections_.end());
    for (Connection* c : left) c->close();
  });
}

}  // namespace ogpd::server
