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
// The sync suite also runs with Jira Service Management Operations as the alert side (DESIGN §2.4), on
// SQLite: Store/Sync.<Test>/sqlite, .../postgres and .../jsm.
enum class AlertSide { kOpsgenie, kJsm };
struct Stack {
  Backend store = Backend::kSqlite;
  AlertSide alerts = AlertSide::kOpsgenie;
};
inline std::string stack_name(const ::testing::TestParamInfo<Stack>& info) {
  if (info.param.alerts == AlertSide::kJsm) return "jsm";
  return info.param.store == Backend::kSqlite ? "sqlite" : "postgres";
}
inline void PrintTo(const Stack& stack, std::ostream* out) {
  PrintTo(stack.store, out);
  if (stack.alerts == AlertSide::kJsm) *out << "+jsm";
}

#define OGPD_ON_EVERY_BACKEND(fixture)                                                              \
  INSTANTIATE_TEST_SUITE_P(Store, fixture, ::testing::Values(Backend::kSqlite, Backend::kPostgres), \
                           backend_name)
// The suites built on the sync fixture (Stack), on both stores with Opsgenie.
#define OGPD_ON_EVERY_STORE(fixture) \
  INSTANTIATE_TEST_SUITE_P(          \
      Store, fixture, ::testing::Values(Stack{Backend::kSqlite}, Stack{Backend::kPostgres}), stack_name)

}  // namespace ogpd::testing
