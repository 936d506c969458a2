// WorkerPool: a fixed set of named threads ("ogpd-worker") running posted jobs in the order posted.
//
// Thread-safe: post() from any thread. stop() lets queued jobs finish, then joins; posts after it are
// dropped. A job that throws terminates the process (crash-only, core/status.h): jobs report failures as
// values.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ogpd::delivery {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> job);
  void stop();

 private:
  void work();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace ogpd::delivery
