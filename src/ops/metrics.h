// Metrics: typed counters, gauges and histograms, declared once as families and rendered in the Prometheus
// text exposition format (0.0.4) for GET /metrics. Hand-written: Debian 12 packages no C++ Prometheus client.
//
// A Family is declared with its name, help, label names (and buckets) on a Registry; with(label values) finds
// or makes one series and returns a stable reference. with() takes the family's lock and a map lookup, so hot
// paths resolve their series once (at construction) and keep the handle; an increment on a handle is one
// atomic operation, no lock. Counters and histograms are rendered from their first sample on; gauges from
// their first set(). Thread-safe throughout. Gauges that come from elsewhere (the store, /proc) are appended
// at render time by the caller's `extra` callback.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ogpd::ops {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(double value = 1) { value_.fetch_add(value, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }
  bool shown() const { return value() != 0; }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) {
    value_.store(value, std::memory_order_relaxed);
    set_.store(true, std::memory_order_relaxed);
  }
  double value() const { return value_.load(std::memory_order_relaxed); }
  bool shown() const { return set_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
  std::atomic<bool> set_{false};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double value);
  bool shown() const { return count_.load(std::memory_order_relaxed) != 0; }
  // The family's lines for this series: cumulative _bucket lines (then le="+Inf"), _sum, _count.
  void render(const std::string& name, const Labels& labels, std::string& out) const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;
  virtual void render(std::string& out) const = 0;

 protected:
  Labels labels_of(const std::vector<std::string>& values) const;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

template <typename Metric>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> buckets = {})
      : FamilyBase(std::move(name), std::move(help), std::move(label_names)), buckets_(std::move(buckets)) {}

  // The series with these label values (one per label name, in order). Locks; keep the handle.
  Metric& with(std::vector<std::string> values = {}) {
    std::lock_guard lock(mu_);
    auto it = series_.find(values);
    if (it == series_.end()) it = series_.emplace(std::move(values), make()).first;
    return *it->second;
  }

  void render(std::string& out) const override;

 private:
  std::unique_ptr<Metric> make() const {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      return std::make_unique<Histogram>(buckets_);
    } else {
      return std::make_unique<Metric>();
    }
  }

  const std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;  // guarded by mu_; nodes never move
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// The families of one process, rendered in the order they were declared.
class Registry {
 public:
  template <typename Metric>
  Family<Metric>& family(std::string name, std::string help, std::vector<std::string> label_names = {},
                         std::vector<double> buckets = {}) {
    auto f = std::make_unique<Family<Metric>>(std::move(name), std::move(help), std::move(label_names),
                                              std::move(buckets));
    auto& ref = *f;
    families_.push_back(std::move(f));
    return ref;
  }

  // The whole exposition. `extra` may append fully formatted families (with HELP/TYPE) of its own.
  std::string render(const std::function<void(std::string&)>& extra = {}) const;

 private:
  std::vector<std::unique_ptr<FamilyBase>> families_;  // declared before any render; never changes after
};

// Prometheus label value escaping: backslash, double quote and newline.
std::string escape_label_value(const std::string& value);
// A sample line: name{a="b",c="d"} value
std::string sample(const std::string& name, const Labels& labels, double value);
// # HELP and # TYPE lines of a family.
void family_header(std::string& out, const std::string& name, std::string_view type, const std::string& help);
// Formats a number as Prometheus expects (integers without a decimal point, +Inf/-Inf/NaN spelled out).
std::string format_number(double value);

// This process, read from /proc: resident memory, CPU seconds, open fds, start time. Appends the families.
void render_process_metrics(std::string& out);

}  // namespace ogpd::ops
