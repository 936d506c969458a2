// The durable-ingest limit of this stack, as a baseline for bench/run: the least a server can do and still
// answer 202 only once a webhook is on disk. One Boost.Beast thread reads each request and parses its body
// with Boost.JSON (a body that is not JSON gets 400); one writer thread appends everything queued since its
// last sync to a file and calls fdatasync once for the group; then each request of the group gets its 202,
// naming its record's number. No dedupe, no index, no planning: what the proxy does on top of this is what it
// costs.
//   ogpd_bench_limit PORT FILE
#include <fcntl.h>
#include <pthread.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Appends records to one file; a group shares one fdatasync, then each record's callback runs on the I/O
// thread with its number.
class GroupLog {
 public:
  using Done = std::function<void(std::uint64_t)>;

  GroupLog(asio::io_context& io, int fd) : io_(io), fd_(fd), writer_([this] { run(); }) {
    pthread_setname_np(writer_.native_handle(), "limit-writer");
  }
  ~GroupLog() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    writer_.join();
  }

  void append(std::string record, Done done) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back({std::move(record), std::move(done)});
    }
    wake_.notify_one();
  }

 private:
  struct Entry {
    std::string record;
    Done done;
  };

  void run() {
    std::deque<Entry> group;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        group.swap(queue_);
      }
      std::vector<std::uint32_t> lengths(group.size());
      std::vector<iovec> parts;
      parts.reserve(group.size() * 2);
      for (std::size_t i = 0; i < group.size(); ++i) {
        lengths[i] = static_cast<std::uint32_t>(group[i].record.size());
        parts.push_back({&lengths[i], sizeof lengths[i]});
        parts.push_back({group[i].record.data(), group[i].record.size()});
      }
      for (std::size_t at = 0; at < parts.size(); at += IOV_MAX) {
        const auto count = static_cast<int>(std::min<std::size_t>(IOV_MAX, parts.size() - at));
        if (::writev(fd_, parts.data() + at, count) < 0) std::abort();  // a benchmark: no partial answers
      }
      if (::fdatasync(fd_) != 0) std::abort();
      std::vector<std::pair<Done, std::uint64_t>> answers;
      answers.reserve(group.size());
      for (auto& entry : group) answers.emplace_back(std::move(entry.done), ++records_);
      asio::post(io_, [answers = std::move(answers)] {
        for (const auto& [done, number] : answers) done(number);
      });
      group.clear();
    }
  }

  asio::io_context& io_;
  const int fd_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Entry> queue_;
  bool stopping_ = false;
  std::uint64_t records_ = 0;  // writer thread only
  std::thread writer_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, GroupLog& log) : stream_(std::move(socket)), log_(log) {}
  void start() { read(); }

 private:
  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->handle();
                     });
  }

  void handle() {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(request_.body(), ec);
    if (ec || !body.is_object()) return answer(http::status::bad_request, R"({"error":"body is not JSON"})");
    log_.append(std::move(request_.body()), [self = shared_from_this()](std::uint64_t number) {
      self->answer(http::status::accepted,
                   R"({"status":"accepted","event_id":)" + std::to_string(number) + "}");
    });
  }

  void answer(http::status status, std::string body) {
    response_ = {status, request_.version()};
    response_.set(http::field::content_type, "application/json");
    response_.keep_alive(request_.keep_alive());
    response_.body() = std::move(body);
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->response_.keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  GroupLog& log_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

void accept(tcp::acceptor& acceptor, GroupLog& log) {
  acceptor.async_accept([&acceptor, &log](beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket), log)->start();
    accept(acceptor, log);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s PORT FILE\n", argv[0]);
    return 2;
  }
  const int fd = ::open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(argv[2]);
    return 1;
  }
  asio::io_context io(1);
  tcp::acceptor acceptor(
      io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))});
  GroupLog log(io, fd);
  accept(acceptor, log);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](beast::error_code, int) { io.stop(); });
  io.run();
  return 0;
}
