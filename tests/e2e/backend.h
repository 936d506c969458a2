// Test support: the store the proxy under test uses. Suites whose behaviour does not depend on the store run
// on both (DESIGN §6), parameterised: Store/<Suite>.<Test>/sqlite and .../postgres.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace ogpd::testing {

enum class Backend { kSqlite, kPostgres };
inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "sqlite" : "postgres";
}
inline void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kSqlite ? "sqlite" : "postgres");
}
#define OGPD_ON_EVERY_BACKEND(fixture)                                                              \
  INSTANTIATE_TEST_SUITE_P(Store, fixture, ::testing::Values(Backend::kSqlite, Backend::kPostgres), \
                           backend_name)

}  // namespace ogpd::testing
