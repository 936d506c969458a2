// Logging set-up: spdlog to stderr, as text or as one JSON object per line (LOG_FORMAT=json).
//
// Call configure_logging once at start-up, before other threads start; afterwards spdlog's default logger is
// thread-safe. Messages are plain `key=value` text; never pass a secret or a full note body at info level.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ogpd::ops {

void configure_logging(const std::string& level, const std::string& format);

// The correlation id of log lines written on this thread: the journal id of the event being handled, so one
// event can be followed from its webhook to its vendor calls (text: "evt=12 ", JSON: "event_id":12).
class CorrelationScope {
 public:
  explicit CorrelationScope(std::int64_t event_id);
  ~CorrelationScope();
  CorrelationScope(const CorrelationScope&) = delete;
  CorrelationScope& operator=(const CorrelationScope&) = delete;

 private:
  std::int64_t previous_;
};

// Fields of the log lines written on this thread while the scope lives: in LOG_FORMAT=json they become the
// line's own members ("source":"opsgenie","outcome":"accepted", ...), so a log pipeline filters on them
// without parsing `msg`; the text format leaves them out (its message carries them as key=value). The values
// are escaped like every JSON string; the names are the caller's own constants.
class LogFields {
 public:
  using Field = std::pair<std::string_view, std::string>;
  explicit LogFields(std::vector<Field> fields);
  ~LogFields();
  LogFields(const LogFields&) = delete;
  LogFields& operator=(const LogFields&) = delete;

 private:
  std::vector<Field> fields_;
  const std::vector<Field>* previous_;
};

// JSON string escaping (quotes included), shared by the JSON log format and the HTTP answers.
std::string json_quote(std::string_view text);

}  // namespace ogpd::ops
