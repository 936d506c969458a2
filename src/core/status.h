// Status and Result<T>: the one way a fallible call reports failure in ogpd-proxy. Both are [[nodiscard]], so
// an ignored outcome is a compiler warning (an error in CI).
//
// Why not boost::system::result: our failures carry a sentence for the operator ("PORT: 'abc' is not a port
// number", "the database file was replaced while running"), which an error_code cannot hold.
//
// The exception policy, stated once for the whole tree:
//   - Expected failures (a bad setting, a busy or missing database, a refused call, a malformed webhook) are
//     values: Status, Result<T>, or a domain outcome such as AppendOutcome or Attempt. Never exceptions.
//   - Exceptions come only from libraries (Boost.JSON, Asio, the standard library, std::bad_alloc). They are
//     caught at the edge of each unit of work — one connection's handler (server/session.h), one SIGHUP
//     reload, one turn of the network loop (main.cpp) — and end only that unit.
//   - Anything else is crash-only: a worker, the journal writer or the engine loop that meets an exception
//     it cannot place terminates the process. That is safe because a webhook is answered 202 only after its
//     event and plan are durable in the journal, and at start-up every pending action is marked ambiguous,
//     so it looks before it acts again.
// Header-only; thread-compatible (a value type).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ogpd {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kInvalid,      // the input or request is wrong; retrying the same thing will not help
    kNotFound,     // what was named does not exist
    kUnavailable,  // a resource is missing or busy (disk, lock, file replaced); retrying later may help
    kInternal,     // anything else
  };

  Status() = default;
  static Status error(Code code, std::string message) { return Status(code, std::move(message)); }
  static Status invalid(std::string message) { return Status(Code::kInvalid, std::move(message)); }
  static Status not_found(std::string message) { return Status(Code::kNotFound, std::move(message)); }
  static Status unavailable(std::string message) { return Status(Code::kUnavailable, std::move(message)); }
  static Status internal(std::string message) { return Status(Code::kInternal, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }  // empty when ok

  // The same failure with `context` in front ("data/ogpd.db: " + message).
  Status prefixed(const std::string& context) const {
    return ok() ? *this : Status(code_, context + message_);
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains its absence. Construct from a T, or from a failed Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor): returned as is
  Result(Status failure) : value_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(value_); }
  // Precondition for the accessors: ok() (checked by std::get, which throws bad_variant_access otherwise).
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  Status status() const { return ok() ? Status() : std::get<Status>(value_); }
  const std::string& error() const {
    static const std::string kNone;
    return ok() ? kNone : std::get<Status>(value_).message();
  }

 private:
  std::variant<T, Status> value_;
};

}  // namespace ogpd
