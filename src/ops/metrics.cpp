#include "ops/metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace ogpd::ops {
namespace {

std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

template <typename Metric>
constexpr std::string_view type_name() {
  if constexpr (std::is_same_v<Metric, Counter>) return "counter";
  if constexpr (std::is_same_v<Metric, Gauge>) return "gauge";
  return "histogram";
}

}  // namespace

void family_header(std::string& out, const std::string& name, std::string_view type,
                   const std::string& help) {
  out += "# HELP " + name + " " + escape_help(help) + "\n";
  out += "# TYPE " + name + " " + std::string(type) + "\n";
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", value);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", value);
  return buf;
}

std::string sample(const std::string& name, const Labels& labels, double value) {
  std::string out = name;
  if (!labels.empty()) {
    out += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out += ',';
      out += labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
    }
    out += '}';
  }
  out += ' ' + format_number(value) + '\n';
  return out;
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<std::uint64_t>[bounds.size()]) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      counts_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::render(const std::string& name, const Labels& labels, std::string& out) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    Labels with_le = labels;
    with_le.emplace_back("le", format_number(bounds_[i]));
    out += sample(name + "_bucket", with_le, static_cast<double>(cumulative));
  }
  // Read after the buckets, so +Inf is never below the last bucket even while observations arrive.
  const std::uint64_t count = std::max(count_.load(std::memory_order_relaxed), cumulative);
  Labels inf = labels;
  inf.emplace_back("le", "+Inf");
  out += sample(name + "_bucket", inf, static_cast<double>(count));
  out += sample(name + "_sum", labels, sum_.load(std::memory_order_relaxed));
  out += sample(name + "_count", labels, static_cast<double>(count));
}

Labels FamilyBase::labels_of(const std::vector<std::string>& values) const {
  Labels labels;
  for (std::size_t i = 0; i < label_names_.size() && i < values.size(); ++i)
    labels.emplace_back(label_names_[i], values[i]);
  return labels;
}

template <typename Metric>
void Family<Metric>::render(std::string& out) const {
  family_header(out, name_, type_name<Metric>(), help_);
  std::lock_guard lock(mu_);
  for (const auto& [values, metric] : series_) {
    if (!metric->shown()) continue;
    if constexpr (std::is_same_v<Metric, Histogram>) {
      metric->render(name_, labels_of(values), out);
    } else {
      out += sample(name_, labels_of(values), metric->value());
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

std::string Registry::render(const std::function<void(std::string&)>& extra) const {
  std::string out;
  for (const auto& family : families_) family->render(out);
  if (extra) extra(out);
  return out;
}

void render_process_metrics(std::string& out) {
  const long page = sysconf(_SC_PAGESIZE);
  const long ticks = sysconf(_SC_CLK_TCK);
  long pages_total = 0, pages_resident = 0;
  if (std::ifstream statm("/proc/self/statm"); statm) statm >> pages_total >> pages_resident;
  family_header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out += sample("process_resident_memory_bytes", {},
                static_cast<double>(pages_resident) * static_cast<double>(page));
  family_header(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  out += sample("process_virtual_memory_bytes", {},
                static_cast<double>(pages_total) * static_cast<double>(page));

  std::ifstream stat("/proc/self/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const auto close = line.rfind(')');
  std::istringstream fields(close == std::string::npos ? std::string() : line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  if (f.size() > 19) {
    const double cpu = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(ticks);  // utime + stime
    family_header(out, "process_cpu_seconds_total", "counter",
                  "Total user and system CPU time spent in seconds.");
    out += sample("process_cpu_seconds_total", {}, cpu);
    double uptime = 0;
    if (std::ifstream up("/proc/uptime"); up) up >> uptime;
    const double boot = static_cast<double>(time(nullptr)) - uptime;
    family_header(out, "process_start_time_seconds", "gauge",
                  "Start time of the process since unix epoch in seconds.");
    out += sample("process_start_time_seconds", {},
                  std::floor(boot + std::stod(f[19]) / static_cast<double>(ticks)));
  }
  int fds = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++fds;
    closedir(dir);
    fds -= 3;  // ".", ".." and the directory's own descriptor
  }
  family_header(out, "process_open_fds", "gauge", "Number of open file descriptors.");
  out += sample("process_open_fds", {}, fds);
}

}  // namespace ogpd::ops
