#include "e2e/proxy_process.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "store/sqlite/db.h"

namespace ogpd::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

WorkDir::WorkDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("ogpd-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

WorkDir::~WorkDir() {
  // bench/run deletes its directories itself, once it has measured everything: deleting a store on a file
  // system mounted with `discard` sets the disk trimming under whatever is measured next.
  if (std::getenv("OGPD_KEEP_WORK_DIRS") != nullptr) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

unsigned short free_port() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

ProxyProcess::ProxyProcess(const std::filesystem::path& dir, std::map<std::string, std::string> env,
                           std::vector<std::string> args)
    : dir_(dir), env_(std::move(env)), args_(std::move(args)) {
  static std::atomic<int> commands{0};
  log_ = dir_ / (args_.empty() ? std::string("proxy.log") : "command-" + std::to_string(++commands) + ".log");
  if (!env_.count("PORT")) {
    port_chosen_here_ = true;
    take_free_port();
  } else {
    port_ = static_cast<unsigned short>(std::stoi(env_["PORT"]));
  }
  if (!env_.count("HOST")) env_["HOST"] = "127.0.0.1";
}

ProxyProcess::~ProxyProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void ProxyProcess::spawn() {
  // OGPD_PROXY_BINARY runs another build of the proxy under the same tests (e.g. a ThreadSanitizer one).
  const char* binary = std::getenv("OGPD_PROXY_BINARY");
  std::vector<std::string> argv_storage{binary != nullptr && *binary != '\0' ? binary : OGPD_BINARY};
  argv_storage.insert(argv_storage.end(), args_.begin(), args_.end());
  std::vector<std::string> env_storage{"PATH=/usr/bin:/bin"};
  // A sanitizer build's reports go where CI looks for them.
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* value = std::getenv(name); value != nullptr && !env_.count(name))
      env_storage.push_back(std::string(name) + "=" + value);
  for (const auto& [k, v] : env_) env_storage.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& s : argv_storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);
  const std::string log = log_.string();

  pid_ = ::fork();
  if (pid_ == 0) {
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    if (fd_limit_) {
      const rlimit limit{*fd_limit_, *fd_limit_};
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(125);
    }
    if (user_ &&
        (::setgroups(0, nullptr) != 0 || ::setgid(user_->second) != 0 || ::setuid(user_->first) != 0))
      ::_exit(124);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
}

namespace {

// Whether process `pid` holds the socket listening on TCP `port` (any address): /proc/net/tcp{,6} name the
// listening socket's inode, /proc/<pid>/fd the process's sockets.
bool listens_on(pid_t pid, unsigned short port) {
  char wanted[8];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  std::vector<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      if (state == "0A" && local.size() > 5 && local.compare(local.size() - 5, 5, wanted) == 0)
        inodes.push_back("socket:[" + inode + "]");
    }
  }
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    const auto target = std::filesystem::read_symlink(fd.path(), link_ec).string();
    for (const auto& inode : inodes)
      if (target == inode) return true;
  }
  return false;
}

}  // namespace

void ProxyProcess::take_free_port() {
  port_ = free_port();
  env_["PORT"] = std::to_string(port_);
}

bool ProxyProcess::start(std::chrono::milliseconds timeout) {
  // Another test's proxy may take the port free_port() found, between its probe and our bind: a port of our
  // own, then, and start again (ours exits on its failed bind, or is stopped here).
  const auto on_a_new_port = [this] {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    take_free_port();
    spawn();
  };
  spawn();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      // Ours exited; if something else answers on its port, that is why.
      if (!port_chosen_here_ || http_request(port_, "GET", "/healthz").status == 0) return false;
      on_a_new_port();
      continue;
    }
    if (http_request(port_, "GET", "/healthz").status == 200) {
      if (listens_on(pid_, port_)) return true;
      if (!port_chosen_here_) return false;
      on_a_new_port();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int ProxyProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int ProxyProcess::run_to_exit() {
  spawn();
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ProxyProcess::output() const {
  std::ifstream in(log_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string raw_exchange(unsigned short port, const std::string& bytes, std::chrono::milliseconds timeout) {
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.socket().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {};
  net::write(stream.socket(), net::buffer(bytes), ec);
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::string received;
  std::array<char, 4096> chunk{};
  stream.expires_after(timeout);
  for (;;) {
    const std::size_t n = stream.read_some(net::buffer(chunk), ec);
    received.append(chunk.data(), n);
    if (ec) break;
  }
  return received;
}

int first_status(const std::string& raw) {
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) return 0;
  return std::atoi(raw.substr(9, 3).c_str());
}

int response_count(const std::string& raw) {
  int count = 0;
  for (std::size_t at = raw.find("HTTP/1.1 "); at != std::string::npos; at = raw.find("HTTP/1.1 ", at + 1))
    ++count;
  return count;
}

struct HttpConnection::Impl {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpConnection::HttpConnection(unsigned short port) : impl_(std::make_unique<Impl>()) {
  beast::error_code ec;
  impl_->stream.socket().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  impl_->connected = !ec;
}

HttpConnection::~HttpConnection() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

bool HttpConnection::open() const {
  return impl_->connected;
}

HttpReply HttpConnection::send(const std::string& method, const std::string& target, const std::string& body,
                               const Headers& headers) {
  HttpReply reply;
  if (!impl_->connected) return reply;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST") {
    req.body() = body;
    if (req.find(http::field::content_type) == req.end())
      req.set(http::field::content_type, "application/json");
  }
  req.prepare_payload();
  impl_->stream.expires_after(std::chrono::seconds(30));
  beast::error_code ec;
  http::write(impl_->stream, req, ec);
  // A server may answer early (413) and stop reading; still try to read its answer.
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 << 20);
  http::read(impl_->stream, impl_->buffer, parser, ec);
  if (ec && !parser.is_header_done()) {
    impl_->connected = false;
    return reply;
  }
  const auto& res = parser.get();
  reply.status = static_cast<int>(res.result_int());
  reply.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  if (!res.keep_alive()) impl_->connected = false;
  return reply;
}

HttpReply http_request(unsigned short port, const std::string& method, const std::string& target,
                       const std::string& body, const Headers& headers) {
  HttpConnection connection(port);
  Headers with_close = headers;
  with_close.emplace_back("Connection", "close");
  return connection.send(method, target, body, with_close);
}

std::int64_t count_rows(const std::filesystem::path& database, const std::string& count_query) {
  auto db = store::Db::open(database.string(), /*create=*/false);
  if (!db.ok()) return -1;
  auto stmt = db->prepare(count_query);
  if (!stmt.valid() || stmt.step() != SQLITE_ROW) return -1;
  return stmt.column_int(0);
}

}  // namespace ogpd::testing
