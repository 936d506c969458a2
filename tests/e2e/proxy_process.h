// Test support: the real ogpd-proxy binary as a child process, and a small HTTP/1.1 client over loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ogpd::testing {

// A fresh directory under the temporary directory ($TMPDIR), deleted with its contents on destruction unless
// OGPD_KEEP_WORK_DIRS is set.
class WorkDir {
 public:
  WorkDir();
  ~WorkDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

unsigned short free_port();

class ProxyProcess {
 public:
  // `env` is the child's whole environment (plus PATH); the working directory is `dir`.
  ProxyProcess(const std::filesystem::path& dir, std::map<std::string, std::string> env,
               std::vector<std::string> args = {});
  ~ProxyProcess();  // kills the child if it still runs

  // Before start: the child's limit on open files (soft and hard), and the user it runs as (needs root).
  void limit_open_files(std::uint64_t limit) { fd_limit_ = limit; }
  void run_as(uid_t uid, gid_t gid) { user_ = std::make_pair(uid, gid); }

  // Starts the process and waits until GET /healthz answers from it (or the process exits). False on failure.
  // When the port free_port() chose was taken meanwhile (another test's proxy answering), it starts again on
  // a new one.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Starts the process without waiting for anything.
  void launch() { spawn(); }
  // Sends `signal` and waits for the exit; returns the exit code (128+N when killed by signal N).
  int stop(int signal = 15);
  // Runs the binary to completion (for check-config, --help, bad configs); returns the exit code.
  int run_to_exit();

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Everything the child wrote to stdout/stderr so far. The daemon (no arguments) writes proxy.log in the
  // directory, which restarts append to; a command (arguments) writes a file of its own, so running one never
  // touches the daemon's log.
  std::string output() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void spawn();
  void take_free_port();  // a port free_port() found, in PORT

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> args_;
  std::filesystem::path log_;
  unsigned short port_ = 0;
  bool port_chosen_here_ = false;  // free_port()'s, not the caller's PORT: start() may choose another
  pid_t pid_ = -1;
  std::optional<std::uint64_t> fd_limit_;
  std::optional<std::pair<uid_t, gid_t>> user_;
};

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, reset, or closed without a response)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpReply http_request(unsigned short port, const std::string& method, const std::string& target,
                       const std::string& body = {}, const Headers& headers = {});

// Writes `bytes` as they are on a new connection, half-closes it, and returns everything the server sent
// until it closed the connection (or `timeout` passed). Empty when nothing came back.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
// The status code of the first response in `raw` (0 when there is none).
int first_status(const std::string& raw);
// How many HTTP responses `raw` holds (status lines).
int response_count(const std::string& raw);

// The single number `count_query` (SELECT COUNT(*) ...) gives on the SQLite file `database`; -1 when the file
// or the query fails.
std::int64_t count_rows(const std::filesystem::path& database, const std::string& count_query);

// One keep-alive connection for several requests in a row.
class HttpConnection {
 public:
  explicit HttpConnection(unsigned short port);
  ~HttpConnection();
  HttpReply send(const std::string& method, const std::string& target, const std::string& body = {},
                 const Headers& headers = {});
  bool open() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ogpd::testing
