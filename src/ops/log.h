// Logging set-up: spdlog to stderr, as text or as one JSON object per line (LOG_FORMAT=json).
//
// Call configure_logging once at start-up, before other threads start; afterwards spdlog's default logger is
// thread-safe. Messages are plain `key=value` text; never pass a secret or a full note body at info level.
#pragma once

#include <string>

namespace ogpd::ops {

void configure_logging(const std::string& level, const std::string& format);

// JSON string escaping (quotes included), shared by the JSON log format and the HTTP answers.
std::string json_quote(std::string_view text);

}  // namespace ogpd::ops
