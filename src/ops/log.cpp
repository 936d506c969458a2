#include "ops/log.h"

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/text.h"

namespace ogpd::ops {
namespace {

thread_local std::int64_t t_correlation = 0;
thread_local const std::vector<ogpd::ops::LogFields::Field>* t_fields = nullptr;

class CorrelationFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    if (t_correlation == 0) return;
    const std::string text = "evt=" + std::to_string(t_correlation) + " ";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<CorrelationFlag>();
  }
};

// The text format: untrusted text in a message (an alert id, an action, a note) cannot forge a log line or
// reach the terminal as a control sequence.
class EscapingFormatter final : public spdlog::formatter {
 public:
  explicit EscapingFormatter(std::unique_ptr<spdlog::formatter> inner) : inner_(std::move(inner)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!needs_escaping(payload)) return inner_->format(msg, dest);
    const std::string safe = printable(payload);
    spdlog::details::log_msg copy(msg);
    copy.payload = spdlog::string_view_t(safe.data(), safe.size());
    inner_->format(copy, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<EscapingFormatter>(inner_->clone());
  }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto time = std::chrono::system_clock::to_time_t(msg.time);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&time, &utc);
    char stamp[40];
    const auto n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(ms));
    std::string line = "{\"time\":\"";
    line += stamp;
    line += "\",\"level\":";
    const auto level = spdlog::level::to_string_view(msg.level);
    line += json_quote(std::string_view(level.data(), level.size()));
    if (t_correlation != 0) line += ",\"event_id\":" + std::to_string(t_correlation);
    if (t_fields != nullptr)
      for (const auto& [name, value] : *t_fields) {
        line += ",";
        line += json_quote(name);
        line += ":";
        line += json_quote(value);
      }
    line += ",\"msg\":";
    line += json_quote(std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

LogFields::LogFields(std::vector<Field> fields) : fields_(std::move(fields)), previous_(t_fields) {
  t_fields = &fields_;
}
LogFields::~LogFields() {
  t_fields = previous_;
}

CorrelationScope::CorrelationScope(std::int64_t event_id) : previous_(t_correlation) {
  t_correlation = event_id;
}
CorrelationScope::~CorrelationScope() {
  t_correlation = previous_;
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f || is_c1_at(text, i)) {
          if (is_c1_at(text, i)) c = static_cast<unsigned char>(text[++i]);  // U+0080..U+009F
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

void configure_logging(const std::string& level, const std::string& format) {
  auto logger = std::make_shared<spdlog::logger>("ogpd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<CorrelationFlag>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %*%v");
    logger->set_formatter(std::make_unique<EscapingFormatter>(std::move(formatter)));
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace ogpd::ops
