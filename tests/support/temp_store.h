// A real SQLite store in a directory of its own, removed afterwards: what the unit tests of the roles over
// the store (executor, housekeeping) run against.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store/sqlite/store.h"

namespace ogpd::testing {

class TempStore {
 public:
  TempStore(const std::string& prefix, const Clock& clock)
      : dir_(std::filesystem::temp_directory_path() / (prefix + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(dir_);
    auto opened = store::SqliteStore::open((dir_ / "o.db").string(), clock);
    EXPECT_TRUE(opened.ok()) << opened.error();
    if (opened.ok()) store_ = std::move(*opened);
  }
  ~TempStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  store::SqliteStore* operator->() { return store_.get(); }
  store::SqliteStore& operator*() { return *store_; }
  explicit operator bool() const { return store_ != nullptr; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteStore> store_;
};

}  // namespace ogpd::testing
