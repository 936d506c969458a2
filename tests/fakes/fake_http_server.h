// Test support: the HTTP/1.1 transport shared by the fake vendors. It owns the listening socket on
// 127.0.0.1, one acceptor thread and one thread per connection (keep-alive), turns each request into a
// RecordedRequest, asks the handler for a Response and writes it (or closes the connection without an
// answer when the Response says so).
//
// Thread-safety: the handler is called concurrently from the connection threads; it must be thread-safe.
// Failure: the constructor throws boost::system::system_error when the port cannot be bound (test set-up).
// stop() (and the destructor) closes the acceptor and every open connection and joins all threads; reads
// wake up within 50 ms, and an idle keep-alive connection is closed after 60 s.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ogpd::fakes {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct RecordedRequest {
  std::string method, target, path;            // path = target without query
  std::map<std::string, std::string> query;    // decoded query params
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::chrono::steady_clock::time_point at;

  // The header's value, or "" when absent (`name` in lower case).
  std::string header(const std::string& name) const;
  // The query parameter's value, or "" when absent.
  std::string param(const std::string& name) const;
  // The path's non-empty segments: "/incidents/Q1/notes" -> {"incidents", "Q1", "notes"}.
  std::vector<std::string> segments() const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type defaults to application/json when not set here
  std::string body;
  bool drop = false;  // close the connection without writing anything
};

class HttpServer {
 public:
  using Handler = std::function<Response(const RecordedRequest&)>;

  // Binds and listens; connections wait in the backlog until start().
  HttpServer(unsigned short port, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const { return port_; }
  void start();  // starts the acceptor thread
  // Idempotent. After it returns no handler call is running and no thread is left.
  void stop();

 private:
  struct Connection {
    std::thread thread;
    int fd = -1;        // -1 once the connection thread has closed its socket
    bool done = false;  // the thread has finished (it may be joined without waiting)
  };
  struct Listener;

  void accept_loop();
  void serve(Connection& connection, int fd);
  void reap_finished_connections();

  Handler handler_;
  std::unique_ptr<Listener> listener_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::list<Connection> connections_;  // guarded by mu_; list: elements never move
  std::thread acceptor_thread_;
};

}  // namespace ogpd::fakes
