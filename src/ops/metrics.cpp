#include "ops/metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace ogpd::ops {
namespace {

const char* type_name(Metrics::Type type) {
  switch (type) {
    case Metrics::Type::kCounter:
      return "counter";
    case Metrics::Type::kGauge:
      return "gauge";
    case Metrics::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

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

void header(std::string& out, const std::string& name, const char* type, const std::string& help) {
  out += "# HELP " + name + " " + escape_help(help) + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

}  // namespace

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

void Metrics::describe(const std::string& name, Type type, const std::string& help,
                       std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  f.type = type;
  f.help = help;
  f.buckets = std::move(buckets);
}

void Metrics::add(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  families_[name].values[labels] += value;
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  f.type = Type::kGauge;
  f.values[labels] = value;
}

void Metrics::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  auto& h = f.histograms[labels];
  if (h.counts.size() != f.buckets.size()) h.counts.assign(f.buckets.size(), 0);
  for (std::size_t i = 0; i < f.buckets.size(); ++i) {
    if (value <= f.buckets[i]) {
      ++h.counts[i];
      break;
    }
  }
  h.sum += value;
  ++h.count;
}

std::string Metrics::render(const std::function<void(std::string&)>& extra) const {
  std::string out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) {
      header(out, name, type_name(f.type), f.help);
      if (f.type != Type::kHistogram) {
        for (const auto& [labels, v] : f.values) out += sample(name, labels, v);
        continue;
      }
      for (const auto& [labels, h] : f.histograms) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < f.buckets.size(); ++i) {
          cumulative += i < h.counts.size() ? h.counts[i] : 0;
          Labels with_le = labels;
          with_le.emplace_back("le", format_number(f.buckets[i]));
          out += sample(name + "_bucket", with_le, static_cast<double>(cumulative));
        }
        Labels inf = labels;
        inf.emplace_back("le", "+Inf");
        out += sample(name + "_bucket", inf, static_cast<double>(h.count));
        out += sample(name + "_sum", labels, h.sum);
        out += sample(name + "_count", labels, static_cast<double>(h.count));
      }
    }
  }
  if (extra) extra(out);
  return out;
}

void render_process_metrics(std::string& out) {
  const long page = sysconf(_SC_PAGESIZE);
  const long ticks = sysconf(_SC_CLK_TCK);
  long pages_total = 0, pages_resident = 0;
  if (std::ifstream statm("/proc/self/statm"); statm) statm >> pages_total >> pages_resident;
  header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out += sample("process_resident_memory_bytes", {},
                static_cast<double>(pages_resident) * static_cast<double>(page));
  header(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
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
    header(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
    out += sample("process_cpu_seconds_total", {}, cpu);
    double uptime = 0;
    if (std::ifstream up("/proc/uptime"); up) up >> uptime;
    const double boot = static_cast<double>(time(nullptr)) - uptime;
    header(out, "process_start_time_seconds", "gauge",
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
  header(out, "process_open_fds", "gauge", "Number of open file descriptors.");
  out += sample("process_open_fds", {}, fds);
}

void describe_ogpd_metrics(Metrics& m, const std::string& version) {
  using T = Metrics::Type;
  m.describe("ogpd_build_info", T::kGauge, "Build information; always 1.");
  m.set("ogpd_build_info", {{"version", version}}, 1);
  m.describe(
      "ogpd_webhooks_received_total", T::kCounter,
      "Webhook deliveries received, by source and outcome (accepted, duplicate, ignored, unauthorized, "
      "bad_request, too_large, unavailable).");
  m.describe(
      "ogpd_events_processed_total", T::kCounter,
      "Stored events planned by the sync engine, by source, kind and outcome (mirrored, echo, own_user, "
      "marker, already_linked, no_action).");
  m.describe("ogpd_loop_echoes_suppressed_total", T::kCounter,
             "Webhooks not mirrored because the proxy caused them, by guard (own_user, echo, marker).");
  m.describe("ogpd_clients_calls_total", T::kCounter,
             "HTTP calls to the vendors, by vendor, operation and status class (2xx, 4xx, 5xx, network).");
  m.describe("ogpd_clients_call_duration_seconds", T::kHistogram, "Duration of HTTP calls to the vendors.",
             {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  m.describe("ogpd_actions_completed_total", T::kCounter, "Outbox actions done, by vendor and action.");
  m.describe("ogpd_retries_total", T::kCounter, "Action attempts that will be retried, by vendor.");
  m.describe("ogpd_rate_limit_waits_total", T::kCounter,
             "Retries delayed by a vendor's rate-limit answer (429 with a reset hint), by vendor.");
  m.describe("ogpd_dead_letters_total", T::kCounter, "Actions that became dead letters, by vendor.");
  m.describe("ogpd_unpaired_total", T::kCounter,
             "Actions whose alert/incident pair could not be found, by vendor.");
  m.describe(
      "ogpd_opsgenie_request_failures_total", T::kCounter,
      "Opsgenie requests accepted with 202 that its request status reported as failed or never confirmed.");
  m.describe("ogpd_dry_run", T::kGauge,
             "1 when nothing is sent to the vendors (dry run, in a store of its own), else 0.");
  m.describe("ogpd_connection_errors_total", T::kCounter,
             "Connections ended by an unexpected error (exception), and accepts paused for lack of file "
             "descriptors or memory (accept), by reason.");
}

}  // namespace ogpd::ops
