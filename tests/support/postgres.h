// Test support: a real PostgreSQL 15 server (tests/support/pg-server) and a fresh database on it per test.
//
// Under CTest the server is the `postgres` fixture's (tests/CMakeLists.txt: started once before the tests
// that need it, stopped after them), found through OGPD_TEST_PG_DIR. A test binary run by hand starts one of
// its own on first use and stops it when it exits. Each TestDatabase is a new database on that server, so
// tests running side by side never see each other's rows; it is dropped afterwards.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "store/postgres/pg.h"

namespace ogpd::testing {

inline const char* pg_server_script() {
  return OGPD_PG_SERVER_SCRIPT;
}

// Runs tests/support/pg-server `action` on `dir`; true when it succeeded.
inline bool pg_server(const std::string& action, const std::filesystem::path& dir) {
  const std::string command = std::string(pg_server_script()) + " " + action + " '" + dir.string() + "'";
  return std::system(command.c_str()) == 0;
}

inline std::string read_url(const std::filesystem::path& dir) {
  std::ifstream in(dir / "url");
  std::string url;
  std::getline(in, url);
  return url;
}

// A server of the test's own, in a directory of its own (a test that stops and starts the server must not
// take the shared one from the tests running beside it).
class PostgresServer {
 public:
  PostgresServer()
      : dir_(std::filesystem::temp_directory_path() / ("ogpd-pg-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(std::random_device{}() % 100000))) {
    started_ = pg_server("start", dir_);
    if (started_) url_ = read_url(dir_);
  }
  ~PostgresServer() {
    if (started_) pg_server("stop", dir_);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  bool started() const { return started_; }
  // postgresql://ogpd@127.0.0.1:<port>/postgres
  const std::string& url() const { return url_; }
  // Takes the server away (kept on disk) and brings it back on the same port.
  bool pause() { return pg_server("pause", dir_); }
  bool resume() { return pg_server("resume", dir_); }

 private:
  std::filesystem::path dir_;
  bool started_ = false;
  std::string url_;
};

// The server every test of this process shares: CTest's fixture when there is one, else one of our own.
inline const std::string& shared_postgres_url() {
  static const std::string url = [] {
    if (const char* dir = std::getenv("OGPD_TEST_PG_DIR"); dir != nullptr && *dir != '\0') {
      const std::string found = read_url(dir);
      if (!found.empty()) return found;
    }
    static PostgresServer own;  // lives until the process exits
    return own.url();
  }();
  return url;
}

// A new, empty database on `server_url` (default: the shared server), dropped when the object goes.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& server_url = shared_postgres_url()) : server_url_(server_url) {
    name_ = "ogpd_t" + std::to_string(::getpid()) + "_" + std::to_string(std::random_device{}() % 1000000000);
    auto admin = store::pg::Connection::open(server_url_);
    if (!admin.ok()) {
      ADD_FAILURE() << "no PostgreSQL server for the test: " << admin.error();
      return;
    }
    if (auto s = admin->exec_script("CREATE DATABASE " + name_); !s.ok()) {
      ADD_FAILURE() << s.message();
      return;
    }
    url_ = server_url_.substr(0, server_url_.rfind('/') + 1) + name_;
  }
  ~TestDatabase() {
    if (url_.empty()) return;
    if (auto admin = store::pg::Connection::open(server_url_); admin.ok())
      (void)admin->exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }
  bool ok() const { return !url_.empty(); }

  // The single number `count_query` gives; -1 when it fails.
  std::int64_t count(const std::string& count_query) const {
    auto connection = store::pg::Connection::open(url_);
    if (!connection.ok()) return -1;
    auto rows = connection->query(count_query);
    if (!rows.ok() || rows->empty()) return -1;
    return rows->integer(0, 0);
  }

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

}  // namespace ogpd::testing
