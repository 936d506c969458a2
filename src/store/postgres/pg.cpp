#include "store/postgres/pg.h"

#include <cstdlib>

namespace ogpd::store::pg {
namespace {

// SQLSTATE classes worth retrying: connection exceptions (08), insufficient resources (53), operator
// intervention (57: the server shutting down or starting), serialization failure and deadlock (40001, 40P01).
bool retryable(std::string_view state) {
  return state.starts_with("08") || state.starts_with("53") || state.starts_with("57") || state == "40001" ||
         state == "40P01";
}

std::string first_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  if (const auto end = text.find('\n'); end != std::string::npos) text.resize(end);
  return text.empty() ? "unknown PostgreSQL error" : text;
}

}  // namespace

std::optional<std::string> Rows::text(int row, int column) const {
  if (null(row, column)) return std::nullopt;
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::string Rows::text_or(int row, int column, std::string fallback) const {
  auto value = text(row, column);
  return value ? std::move(*value) : std::move(fallback);
}

std::int64_t Rows::integer(int row, int column) const {
  return optional_integer(row, column).value_or(0);
}

std::optional<std::int64_t> Rows::optional_integer(int row, int column) const {
  if (null(row, column)) return std::nullopt;
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

bool Rows::boolean(int row, int column) const {
  return !null(row, column) && PQgetvalue(result_.get(), row, column)[0] == 't';
}

std::int64_t Rows::affected() const {
  if (!result_) return 0;
  return std::strtoll(PQcmdTuples(result_.get()), nullptr, 10);
}

Result<Connection> Connection::open(const std::string& url) {
  // The URL is checked first: libpq quotes what it cannot read, which may be the password.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    if (parse_error != nullptr) PQfreemem(parse_error);
    return Status::invalid(
        "PostgreSQL: the URL cannot be read (postgresql://user:password@host:5432/database)");
  }
  std::string password;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o)
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  PQconninfoFree(options);
  // Defaults first, so the URL's own settings win: give up connecting after 5 s, and notice a server that
  // went silent (a failover, a partition) within seconds rather than at the kernel's TCP timeout.
  const char* keywords[] = {"connect_timeout",
                            "keepalives_idle",
                            "keepalives_interval",
                            "keepalives_count",
                            "tcp_user_timeout",
                            "application_name",
                            "dbname",
                            nullptr};
  const char* values[] = {"5", "5", "2", "3", "10000", "ogpd-proxy", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Status::unavailable("PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = first_line(PQerrorMessage(conn));
    PQfinish(conn);
    if (!password.empty())
      for (auto at = why.find(password); at != std::string::npos; at = why.find(password))
        why.replace(at, password.size(), "(hidden)");
    return Status::unavailable("PostgreSQL: " + why);
  }
  // The server's notices ("relation already exists, skipping") are not for operators: libpq would print
  // them on stderr, inside a command's output.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  Connection connection(conn);
  // Every session: UTC, and a commit returns only once it is on disk (a 202 promises that), whatever the
  // server's default.
  if (auto s = connection.exec_script("SET synchronous_commit = on; SET TIME ZONE 'UTC'"); !s.ok()) return s;
  return connection;
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = other.conn_;
    prepared_ = std::move(other.prepared_);
    synchronous_ = other.synchronous_;
    other.conn_ = nullptr;
  }
  return *this;
}

std::string Connection::prepared(const std::string& sql, int parameters, Status& status) {
  if (const auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
  std::string name = "ogpd_" + std::to_string(prepared_.size() + 1);
  PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), parameters, nullptr);
  if (result == nullptr || PQresultStatus(result) != PGRES_COMMAND_OK) {
    status = failure(result);
    return {};
  }
  PQclear(result);
  prepared_.emplace(sql, name);
  return name;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Status Connection::failure(PGresult* result) {
  // Copied before the result is freed: the field points into it.
  const char* field = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::optional<std::string> state =
      field != nullptr ? std::optional<std::string>(field) : std::nullopt;
  std::string message =
      "PostgreSQL: " + first_line(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (result != nullptr) PQclear(result);
  if (!healthy() || !state || retryable(*state)) return Status::unavailable(std::move(message));
  return Status::internal(std::move(message));
}

Result<Rows> Connection::query(std::string_view sql, const Params& params) {
  if (conn_ == nullptr) return Status::unavailable("PostgreSQL: not connected");
  // Text cannot hold a NUL character (a webhook may carry an escaped one, \u0000): each becomes U+FFFD rather
  // than failing the statement, and with it everything committed alongside.
  std::vector<std::string> cleaned;
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    if (p && p->find('\0') != std::string::npos) {
      std::string text;
      for (const char c : *p) text += c == '\0' ? std::string("\xEF\xBF\xBD") : std::string(1, c);
      cleaned.push_back(std::move(text));
    }
  }
  std::size_t next_cleaned = 0;
  for (const auto& p : params) {
    if (!p)
      values.push_back(nullptr);
    else if (p->find('\0') != std::string::npos)
      values.push_back(cleaned[next_cleaned++].c_str());
    else
      values.push_back(p->c_str());
  }
  const std::string text(sql);
  PGresult* result = nullptr;
  if (values.empty()) {
    result = PQexecParams(conn_, text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
  } else {
    Status status;
    const std::string name = prepared(text, static_cast<int>(values.size()), status);
    if (name.empty()) return status;
    result = PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                            nullptr, 0);
  }
  const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(result);
  return Rows(result);
}

Status Connection::synchronous(bool on) {
  if (on == synchronous_) return {};
  if (auto s = exec_script(on ? "SET synchronous_commit = on" : "SET synchronous_commit = off"); !s.ok())
    return s;
  synchronous_ = on;
  return {};
}

Status Connection::run(std::string_view sql, const Params& params) {
  auto rows = query(sql, params);
  return rows.ok() ? Status() : rows.status();
}

Status Connection::exec_script(std::string_view sql) {
  if (conn_ == nullptr) return Status::unavailable("PostgreSQL: not connected");
  const std::string text(sql);
  PGresult* result = PQexec(conn_, text.c_str());
  const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure(result);
  PQclear(result);
  return {};
}

}  // namespace ogpd::store::pg
