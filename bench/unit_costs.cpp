// ogpd_bench_unit_costs: what the pipeline's smallest steps cost on this machine, for BENCHMARKS.md's account
// of one delivered event (bench/delivery-cost runs it): a system call, a wake-up of another thread and back,
// and a SQLite WAL frame (a 24-byte header and a 4 KiB page) written as two pwrite calls, as one, and as part
// of a 16-frame write, into a file in the page cache. Prints one line per figure, in microseconds.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double microseconds_each(int times, F&& step) {
  const auto start = Clock::now();
  for (int i = 0; i < times; ++i) step(i);
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / times;
}

double wake_round_trip(int times) {
  std::mutex mu;
  std::condition_variable turn_changed;
  bool theirs = false;
  std::thread other([&] {
    for (int i = 0; i < times; ++i) {
      std::unique_lock lock(mu);
      turn_changed.wait(lock, [&] { return theirs; });
      theirs = false;
      turn_changed.notify_one();
    }
  });
  const double each = microseconds_each(times, [&](int) {
    std::unique_lock lock(mu);
    theirs = true;
    turn_changed.notify_one();
    turn_changed.wait(lock, [&] { return !theirs; });
  });
  other.join();
  return each;
}

}  // namespace

int main() {
  constexpr int kHeader = 24;
  constexpr int kPage = 4096;
  constexpr int kFrame = kHeader + kPage;
  constexpr int kFrames = 256;  // the frames rewritten in turn: a 1 MiB log, always in the page cache

  std::printf("system call (getppid): %.2f us\n",
              microseconds_each(200000, [](int) { ::syscall(SYS_getppid); }));
  std::printf("wake another thread and back: %.2f us\n", wake_round_trip(100000));

  const auto path =
      std::filesystem::temp_directory_path() / ("ogpd-unit-costs-" + std::to_string(::getpid()));
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror("open");
    return 1;
  }
  std::vector<char> buffer(16 * kFrame, 'x');
  bool ok = true;
  const auto written = [&ok](ssize_t n, int wanted) { ok = ok && n == wanted; };
  std::printf("WAL frame as two pwrite calls: %.2f us\n", microseconds_each(50000, [&](int i) {
                const off_t at = static_cast<off_t>(i % kFrames) * kFrame;
                written(::pwrite(fd, buffer.data(), kHeader, at), kHeader);
                written(::pwrite(fd, buffer.data(), kPage, at + kHeader), kPage);
              }));
  std::printf("WAL frame as one pwrite call: %.2f us\n", microseconds_each(50000, [&](int i) {
                written(::pwrite(fd, buffer.data(), kFrame, static_cast<off_t>(i % kFrames) * kFrame),
                        kFrame);
              }));
  std::printf("WAL frame inside a 16-frame pwrite: %.2f us\n",
              microseconds_each(50000 / 16, [&](int i) {
                written(::pwrite(fd, buffer.data(), 16 * kFrame, static_cast<off_t>(i % 16) * 16 * kFrame),
                        16 * kFrame);
              }) / 16);
  ::close(fd);
  std::filesystem::remove(path);
  if (!ok) {
    std::fprintf(stderr, "a write came up short\n");
    return 1;
  }
  return 0;
}
