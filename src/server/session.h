// Session<Stream>: one HTTP/1.1 connection, plain (beast::tcp_stream) or TLS (TlsStream). Internal to the
// server room: server.cpp creates sessions through start_session(); the template is instantiated once per
// stream kind, in plain_session.cpp and tls_session.cpp (the Beast instantiations are the slowest code to
// compile, so each gets a translation unit of its own).
//
// A session reads a request, hands it to route() (routes.h), writes the answer, and repeats while keep-alive
// holds. Every completion runs guarded: an exception ends this connection only. Network thread only; each
// session is owned by its pending handlers and tracked by the Server's registry.
#pragma once

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "ops/log.h"
#include "server/routes.h"
#include "server/server.h"

namespace ogpd::server {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What a closing connection still reads from a peer that keeps sending, so it reads our answer, not a reset.
inline constexpr std::size_t kMaxDiscardBytes = 8u << 20;

inline bool is_webhook(std::string_view path) {
  return path == "/ops-webhook" || path == "/pd-webhook";
}

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
      server_.count_error(Server::ConnectionError::kException);
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
      answer.outcome = ec == http::error::body_limit ? Outcome::kTooLarge : Outcome::kBadRequest;
      return reply(std::move(answer), false);
    }

    request_ = parser_->release();
    path_ = target_path({request_.target().data(), request_.target().size()});
    const bool keep_alive = request_.keep_alive();
    Routed routed = route({server_.intake(), server_.journal(), server_.probes().workers_ready,
                           server_.probes().render_metrics, server_.probes().render_status_page},
                          request_);
    if (auto* answer = std::get_if<Answer>(&routed)) {
      const bool close_after = answer->close;
      return reply(std::move(*answer), keep_alive && !close_after);
    }
    if (const auto* render = std::get_if<ToRender>(&routed)) {
      // Rendered on the server's probe thread; the answer is written back here, as after a journal write.
      auto ex = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
      const Page page = render->page;
      server_.render(page, [self = this->shared_from_this(), ex, keep_alive,
                            page](std::optional<std::string> text) mutable {
        net::post(ex, [self = std::move(self), keep_alive, page, text = std::move(text)]() mutable {
          self->run_guarded([&] { self->reply(rendered_answer(page, std::move(text)), keep_alive); });
        });
      });
      return;
    }

    // Store first, answer after the commit. The tracked executor keeps io_context::run() alive meanwhile.
    // The journal calls back on its own thread: the connection's reference is MOVED into the handler posted
    // to the network thread, so the last reference — and the destructor — never lives on the journal's.
    auto event = std::make_shared<Event>(std::move(std::get<ToStore>(routed).event));
    auto ex = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
    server_.journal().append(
        {*event, std::move(request_.body()), server_.clock().now_ms()},
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
    if (answer.page) {
      // The page is one document with its own inline stylesheet: nothing else may load or run, it may not
      // be framed, and it is never cached (it reloads itself).
      response_.set("Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
                    "frame-ancestors 'none'");
      response_.set(http::field::cache_control, "no-store");
      response_.set("X-Content-Type-Options", "nosniff");
      response_.set("Referrer-Policy", "no-referrer");
    }
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
    const std::string_view outcome = to_string(answer.outcome);
    if (webhook)
      server_.count_webhook(path_ == "/ops-webhook" ? Source::kOpsgenie : Source::kPagerDuty, answer.outcome);
    if (event == nullptr) {
      const auto level = status >= 500   ? spdlog::level::err
                         : status >= 400 ? spdlog::level::warn
                                         : spdlog::level::info;
      spdlog::log(level, "request path={} status={} outcome={} detail={}", path_.empty() ? "-" : path_,
                  status, outcome, answer.body);
      return;
    }
    const ops::LogFields fields(
        {{"source", std::string(to_string(event->source))},
         {"type", event->type},
         {"status", std::to_string(status)},
         {"outcome", std::string(outcome)},
         {"alert", event->alert_id.value_or("")},
         {"incident", event->incident_id.value_or(event->incident_key.value_or(""))}});
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

}  // namespace ogpd::server
