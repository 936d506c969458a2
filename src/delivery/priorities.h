// PriorityDirectory: PagerDuty's priorities by name (GET /priorities), read once when the proxy starts and
// then only asked. Routes name priorities ("P1", "SEV-1"); the REST API wants their ids. An account without
// priorities reads as an empty directory, which is fine: incidents then get an urgency and no priority.
//
// Thread-safe: filled by PriorityLookup (delivery/lookups.h) on a worker, read by the executors.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace ogpd::delivery {

class PriorityDirectory {
 public:
  struct Found {
    bool known = false;             // the account's priorities have been read
    std::optional<std::string> id;  // the priority named so, when there is one
  };

  // `wanted`: whether any route names priorities; when not, nothing is read and every name is unknown.
  explicit PriorityDirectory(bool wanted) : wanted_(wanted), loaded_(!wanted) {}

  bool wanted() const { return wanted_; }
  bool loaded() const {
    std::lock_guard lock(mu_);
    return loaded_;
  }
  void load(std::map<std::string, std::string> id_by_name) {
    std::lock_guard lock(mu_);
    id_by_name_ = std::move(id_by_name);
    loaded_ = true;
  }
  Found find(const std::string& name) const {
    std::lock_guard lock(mu_);
    if (!loaded_) return {};
    const auto it = id_by_name_.find(name);
    return {true, it == id_by_name_.end() ? std::nullopt : std::optional<std::string>(it->second)};
  }

 private:
  const bool wanted_;
  mutable std::mutex mu_;
  bool loaded_;                                    // guarded by mu_
  std::map<std::string, std::string> id_by_name_;  // guarded by mu_
};

}  // namespace ogpd::delivery
