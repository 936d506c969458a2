// Test support: the real ogpd-proxy binary as a child process, and a small HTTP/1.1 client over loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ogpd::testing {

// A fresh working directory under /tmp, removed on destruction.
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

  // Starts the process and waits until GET /healthz answers (or the process exits). False on failure.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Sends `signal` and waits for the exit; returns the exit code (128+N when killed by signal N).
  int stop(int signal = 15);
  // Runs the binary to completion (for check-config, --help, bad configs); returns the exit code.
  int run_to_exit();

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string output() const;  // everything the child wrote to stdout/stderr so far
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void spawn();

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> args_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
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
