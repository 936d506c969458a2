// Test support: reading the captured vendor payloads under tests/fixtures.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ogpd::testing {

inline std::string fixture_path(const std::string& relative) {
  return std::string(OGPD_FIXTURES_DIR) + "/" + relative;
}

inline std::string read_fixture(const std::string& relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ogpd::testing
