// StoreOwner: the one daemon that delivers from an SQLite store (DESIGN §6). Two engines on one file would
// each take the same pending actions and send them twice, so the daemon holds an exclusive flock(2) on
// `<store>.lock` for its whole life, with its process id written in it; a second daemon on the same store
// fails to start and names the holder. The kernel drops the lock when the holder exits, however it exits
// (kill -9 too), so a stale file never blocks a restart. Operator commands do not take it.
//
// Not thread-safe to acquire concurrently within one process (there is no reason to).
#pragma once

#include <string>

#include "core/status.h"

namespace ogpd::store {

class StoreOwner {
 public:
  // Takes the lock for the store at `store_path`; an error naming the process that holds it otherwise.
  static Result<StoreOwner> acquire(const std::string& store_path);

  StoreOwner(StoreOwner&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StoreOwner& operator=(StoreOwner&&) = delete;
  StoreOwner(const StoreOwner&) = delete;
  StoreOwner& operator=(const StoreOwner&) = delete;
  ~StoreOwner();

 private:
  explicit StoreOwner(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ogpd::store
