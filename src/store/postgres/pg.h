// Thin RAII wrappers over libpq: a connection and a query's result. Errors are values (Status), never
// exceptions; every parameter is sent as text (or NULL) and every statement is parameterised, so no value is
// ever spliced into SQL. Not thread-safe: one thread at a time per connection; PgDatabase (database.h) lends
// connections out one Session at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ogpd::store::pg {

// One parameter of a statement: its text, or SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

inline Param param(std::string_view text) {
  return std::string(text);
}
inline Param param(const std::string& text) {
  return text;
}
inline Param param(const char* text) {
  return std::string(text);
}
inline Param param(const std::optional<std::string>& text) {
  return text;
}
inline Param param(std::int64_t value) {
  return std::to_string(value);
}
inline Param param(int value) {
  return std::to_string(value);
}
inline Param param(bool value) {
  return std::string(value ? "true" : "false");
}

// The parameters of a statement, in order ($1, $2, ...).
template <typename... Args>
Params params(const Args&... args) {
  return Params{param(args)...};
}

// A finished query's rows (text format).
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* result) : result_(result, PQclear) {}
  int size() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool empty() const { return size() == 0; }
  bool null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::optional<std::string> text(int row, int column) const;
  std::string text_or(int row, int column, std::string fallback) const;
  std::int64_t integer(int row, int column) const;  // 0 for NULL
  std::optional<std::int64_t> optional_integer(int row, int column) const;
  bool boolean(int row, int column) const;  // 't' is true
  // Rows an INSERT, UPDATE or DELETE changed.
  std::int64_t affected() const;
  // The command tag ("COMMIT", or "ROLLBACK" for a COMMIT of a transaction that had failed).
  std::string command() const { return result_ ? PQcmdStatus(result_.get()) : ""; }

 private:
  std::shared_ptr<PGresult> result_;
};

class Connection {
 public:
  // Connects to `url` (a postgresql:// URL or key=value string). The error never repeats the URL, which may
  // hold a password.
  static Result<Connection> open(const std::string& url);
  Connection(Connection&& other) noexcept
      : conn_(other.conn_), prepared_(std::move(other.prepared_)), synchronous_(other.synchronous_) {
    other.conn_ = nullptr;
  }
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one statement. A statement with parameters is prepared on its first use on this connection and
  // executed as prepared afterwards (the server parses and plans it once). A failure is kUnavailable when
  // retrying may help (the connection broke, the server is starting or shutting down, a serialization failure
  // or deadlock), kInternal otherwise.
  Result<Rows> query(std::string_view sql, const Params& params = {});
  // Runs one statement and discards its rows.
  Status run(std::string_view sql, const Params& params = {});
  // Runs several statements with no parameters (migrations).
  Status exec_script(std::string_view sql);
  // synchronous_commit for what this connection commits next (set on the server only when it changes).
  Status synchronous(bool on);
  // False once the connection to the server is lost; it is then closed, not reused.
  bool healthy() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }
  PGconn* handle() const { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Status failure(PGresult* result);
  // The name of `sql` prepared on this connection, preparing it first; empty on failure (`status` says why).
  std::string prepared(const std::string& sql, int parameters, Status& status);
  PGconn* conn_ = nullptr;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
  bool synchronous_ = true;                                   // the session's synchronous_commit
};

}  // namespace ogpd::store::pg
