#include "server/server.h"

#include <spdlog/spdlog.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "ops/log.h"
#include "server/routes.h"

namespace ogpd::server {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view outcome_name(http::status status, std::string_view body) {
  switch (status) {
    case http::status::accepted:
      return "accepted";
    case http::status::unauthorized:
      return "unauthorized";
    case http::status::bad_request:
      return "bad_request";
    case http::status::payload_too_large:
      return "too_large";
    case http::status::service_unavailable:
      return "unavailable";
    case http::status::ok:
      return body.find("\"duplicate\"") != std::string_view::npos ? "duplicate" : "ignored";
    default:
      return "other";
  }
}

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server)
      : stream_(std::move(socket)), server_(server), registration_(server.enroll(this)) {}
  ~Session() { server_.leave(registration_); }

  void start() { read(); }

  // On shutdown: a connection waiting for its next request is closed; one mid-request finishes first.
  void drain() {
    if (!busy_) close();
  }
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void read() {
    busy_ = false;
    parser_.emplace();
    parser_->body_limit(server_.limits().body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.limits().header_bytes));
    stream_.expires_after(server_.limits().request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    busy_ = true;
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (ec) {  // keep what was read of the request line, for the log
      request_ = {};
      request_.method(parser_->get().method());
      request_.target(parser_->get().target());
    }
    if (ec == http::error::body_limit) {
      return reply(error_answer(http::status::payload_too_large,
                                "body larger than " + std::to_string(server_.limits().body_bytes) + " bytes"),
                   false);
    }
    if (ec == http::error::header_limit) {
      return reply(error_answer(http::status::request_header_fields_too_large, "headers too large"), false);
    }
    if (ec)
      return reply(error_answer(http::status::bad_request, "malformed HTTP request: " + ec.message()), false);

    request_ = parser_->release();
    const bool keep_alive = request_.keep_alive();
    Routed routed = route({server_.intake(), server_.journal(), server_.probes().workers_ready,
                           server_.probes().render_metrics},
                          request_);
    if (auto* answer = std::get_if<Answer>(&routed)) return reply(std::move(*answer), keep_alive);

    // Store first, answer after the commit. The tracked executor keeps io_context::run() alive meanwhile.
    auto event = std::make_shared<Event>(std::move(std::get<ToStore>(routed).event));
    auto ex = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
    server_.journal().append({*event, std::move(request_.body()), now_ms()},
                             [self = shared_from_this(), ex, event, keep_alive](store::AppendResult result) {
                               net::post(ex, [self, event, keep_alive, result = std::move(result)] {
                                 if (result.outcome == store::AppendOutcome::kUnavailable)
                                   spdlog::error("journal write failed: {}", result.error);
                                 ops::CorrelationScope correlation(result.event_id);
                                 self->reply(answer_stored(*event, result), keep_alive, event.get());
                               });
                             });
  }

  void reply(Answer answer, bool keep_alive, const Event* event = nullptr) {
    keep_alive = keep_alive && !server_.draining();
    log(answer, event);
    response_ = {};
    response_.version(11);
    response_.result(answer.status);
    response_.set(http::field::server, "ogpd-proxy");
    response_.set(http::field::content_type, answer.content_type);
    if (!answer.allow.empty()) response_.set(http::field::allow, answer.allow);
    if (answer.retry_after) response_.set(http::field::retry_after, "5");
    if (request_.method() != http::verb::head) response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    stream_.expires_after(server_.limits().request_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec || !keep_alive) return self->linger_close();
                        self->read();
                      });
  }

  void log(const Answer& answer, const Event* event) const {
    const std::string_view target(request_.target().data(), request_.target().size());
    const int status = static_cast<int>(answer.status);
    const bool webhook = target.rfind("/ops-webhook", 0) == 0 || target.rfind("/pd-webhook", 0) == 0;
    if (!webhook && status < 400) return;
    const auto outcome = outcome_name(answer.status, answer.body);
    if (webhook && server_.probes().metrics != nullptr) {
      server_.probes().metrics->add(
          "ogpd_webhooks_received_total",
          {{"source", target.rfind("/ops-webhook", 0) == 0 ? "opsgenie" : "pagerduty"},
           {"outcome", std::string(outcome)}});
    }
    if (event == nullptr) {
      const auto level = status >= 500   ? spdlog::level::err
                         : status >= 400 ? spdlog::level::warn
                                         : spdlog::level::info;
      spdlog::log(level, "request path={} status={} outcome={} detail={}", target, status, outcome,
                  answer.body);
      return;
    }
    spdlog::log(status >= 500 ? spdlog::level::err : spdlog::level::info,
                "webhook source={} type={} status={} outcome={} dedupe_key={} alert={} incident={} answer={}",
                to_string(event->source), event->type, status, outcome, event->dedupe_key,
                event->alert_id.value_or("-"), event->incident_id.value_or(event->incident_key.value_or("-")),
                answer.body);
  }

  // Half-close, then discard what the peer still sends for a moment, so it reads our answer (a 413 sent while
  // the peer is mid-body) instead of a reset.
  void linger_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    stream_.expires_after(std::chrono::seconds(2));
    discard();
  }
  void discard() {
    stream_.async_read_some(net::buffer(sink_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->discarded_ += n;
                              if (ec || self->discarded_ > (8u << 20)) return self->close();
                              self->discard();
                            });
  }

  beast::tcp_stream stream_;
  Server& server_;
  std::list<Session*>::iterator registration_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::array<char, 16384> sink_{};
  std::size_t discarded_ = 0;
  bool busy_ = false;
};

Server::Server(net::io_context& io, Limits limits, webhook::IntakeSettings intake, store::Journal& journal,
               Probes probes)
    : io_(io),
      limits_(limits),
      intake_(std::move(intake)),
      journal_(journal),
      probes_(std::move(probes)),
      acceptor_(net::make_strand(io)),
      grace_timer_(io) {}

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
    if (!ec) {
      if (sessions_.size() >= limits_.connections) {
        spdlog::warn("connection refused: {} connections open (MAX_CONNECTIONS)", sessions_.size());
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), *this)->start();
      }
    }
    accept();
  });
}

std::list<Session*>::iterator Server::enroll(Session* session) {
  return sessions_.insert(sessions_.end(), session);
}

void Server::leave(std::list<Session*>::iterator where) {
  sessions_.erase(where);
  if (draining_ && sessions_.empty()) grace_timer_.cancel();
}

void Server::shutdown() {
  if (draining_) return;
  draining_ = true;
  beast::error_code ec;
  acceptor_.close(ec);
  // drain() may close a session, whose destructor edits the list: iterate over a copy.
  const std::vector<Session*> open(sessions_.begin(), sessions_.end());
  for (Session* s : open) s->drain();
  if (sessions_.empty()) return;
  spdlog::info("draining {} connection(s), at most {}s", sessions_.size(), limits_.shutdown_grace.count());
  grace_timer_.expires_after(limits_.shutdown_grace);
  grace_timer_.async_wait([this](beast::error_code wait_ec) {
    if (wait_ec) return;
    spdlog::warn("shutdown grace period over: closing {} connection(s)", sessions_.size());
    const std::vector<Session*> left(sessions_.begin(), sessions_.end());
    for (Session* s : left) s->close();
  });
}

}  // namespace ogpd::server
