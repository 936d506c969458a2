// Metrics: counters and histograms in memory, rendered in the Prometheus text exposition format (0.0.4) for
// GET /metrics. Hand-written: Debian 12 packages no C++ Prometheus client.
//
// Thread-safe: every method may be called from any thread (one mutex; an increment is a map lookup). Series
// are created on first use; a family declared with describe() is always rendered with its HELP and TYPE, even
// before its first sample. Gauges that come from elsewhere (the store, /proc) are added at render time by the
// caller's `extra` callback.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ogpd::ops {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  void describe(const std::string& name, Type type, const std::string& help,
                std::vector<double> buckets = {});
  void add(const std::string& name, const Labels& labels, double value = 1);  // counters
  void set(const std::string& name, const Labels& labels, double value);      // gauges
  void observe(const std::string& name, const Labels& labels, double value);  // histograms

  // The whole exposition. `extra` may append fully formatted families (with HELP/TYPE) of its own.
  std::string render(const std::function<void(std::string&)>& extra = {}) const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> counts;  // per bucket (not cumulative)
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::vector<double> buckets;
    std::map<Labels, double> values;
    std::map<Labels, Histogram> histograms;
  };

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // guarded by mu_
};

// Prometheus label value escaping: backslash, double quote and newline.
std::string escape_label_value(const std::string& value);
// A sample line: name{a="b",c="d"} value
std::string sample(const std::string& name, const Labels& labels, double value);
// Formats a number as Prometheus expects (integers without a decimal point, +Inf/-Inf/NaN spelled out).
std::string format_number(double value);

// This process, read from /proc: resident memory, CPU seconds, open fds, start time. Appends the families.
void render_process_metrics(std::string& out);

// Declares every family ogpd-proxy exports (names, types, help, buckets).
void describe_ogpd_metrics(Metrics& metrics, const std::string& version);

}  // namespace ogpd::ops
