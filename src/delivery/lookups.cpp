#include "delivery/lookups.h"

#include <spdlog/spdlog.h>

#include <cctype>

#include "delivery/retry.h"
#include "sync/echo.h"
#include "sync/state.h"

namespace ogpd::delivery {
namespace {

constexpr std::int64_t kOwnUserRetryMs = 5 * 60'000;
constexpr int kMaxCheckAttempts = 8;

void log_if_failed(const Status& s, const std::string& what) {
  if (!s.ok()) spdlog::error("Opsgenie {}: could not store the check's outcome: {}", what, s.message());
}

}  // namespace

RequestFailure classify_request_failure(const std::string& status) {
  std::string text = status;
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto says = [&](std::string_view words) { return text.find(words) != std::string::npos; };
  if (says("does not exist") || says("not found")) return RequestFailure::kUnpaired;
  if (says("internal") || says("try again") || says("timeout") || says("timed out") || says("temporar") ||
      says("unavailable") || says("too many"))
    return RequestFailure::kRetry;
  return RequestFailure::kFinal;
}

bool PriorityLookup::take_turn(std::int64_t now_ms) {
  if (!directory_.wanted() || directory_.loaded() || now_ms < next_try_ms_) return false;
  next_try_ms_ = now_ms + kOwnUserRetryMs;
  return true;
}

void PriorityLookup::run() {
  const auto result = pagerduty_.priorities();
  const auto c = classify(result);
  if (c.verdict == Verdict::kSuccess) {
    if (auto priorities = clients::pagerduty_priorities(result.response.body)) {
      spdlog::info("PagerDuty priorities read: {}", priorities->size());
      directory_.load(std::move(*priorities));
      return;
    }
    spdlog::warn(
        "PagerDuty's GET /priorities answered something else than a list; trying again in 5 minutes");
    return;
  }
  // Priorities turned off on the account: no priority to set, which is fine.
  if (c.verdict == Verdict::kFinal) {
    spdlog::info("PagerDuty has no priorities on this account (HTTP {}): incidents get an urgency only",
                 result.response.status);
    directory_.load({});
    return;
  }
  spdlog::warn("could not read PagerDuty's priorities ({}); trying again in 5 minutes", c.error);
}

bool OwnUserLookup::take_turn(std::int64_t now_ms) {
  if (!email_ || planner_.knows_own_user_id() || now_ms < next_try_ms_) return false;
  next_try_ms_ = now_ms + kOwnUserRetryMs;
  return true;
}

// /users/me names the key's own user when the key is a user's; an account-level key has none, and then only
// the user whose email is PAGERDUTY_EMAIL will do: /users?query matches loosely (names too, substrings), and
// the first match may be someone else, whose actions would then never be mirrored.
void OwnUserLookup::run() {
  std::optional<std::string> id;
  const auto me = pagerduty_.current_user();
  if (classify(me).verdict == Verdict::kSuccess) id = clients::pagerduty_current_user_id(me.response.body);
  std::string why;
  if (!id) {
    const auto result = pagerduty_.users(*email_);
    if (classify(result).verdict == Verdict::kSuccess) {
      id = clients::pagerduty_user_id_with_email(result.response.body, *email_);
      if (!id) why = "no PagerDuty user has exactly that email";
    } else {
      why = result.transport == clients::Transport::kOk ? "HTTP " + std::to_string(result.response.status)
                                                        : result.error;
    }
  }
  const auto record = [&](const std::string& identity) {
    if (auto s = outbox_.set_vendor_identity(Side::kPagerDuty, identity, clock_.now_ms()); !s.ok())
      spdlog::warn("could not record the own PagerDuty user for status: {}", s.message());
  };
  if (id) {
    planner_.set_own_user_id(*id);
    record(*id);
    spdlog::info("PAGERDUTY_EMAIL belongs to PagerDuty user {}: its events are not mirrored", *id);
    return;
  }
  record("not found: " + why);
  spdlog::warn(
      "could not resolve PAGERDUTY_EMAIL to a PagerDuty user ({}); its events may be mirrored back "
      "until it is; retrying in 5 minutes",
      why);
}

void RequestChecker::run(const store::Check& check, double jitter) {
  const auto result = opsgenie_.request_status(check.request_id);
  const std::int64_t now = clock_.now_ms();
  const auto status = result.transport == clients::Transport::kOk && result.response.status == 200
                          ? clients::opsgenie_request_status(result.response.body)
                          : std::nullopt;
  const std::string what =
      "request " + check.request_id + " (action " + std::to_string(check.action_id) + ")";
  if (status) {
    if (observer_) observer_->on_check(status->success, status->status);
    if (status->success) {
      applied(check, now);
    } else {
      failed(check, status->status, jitter);
    }
    log_if_failed(outbox_.drop_check(check.request_id), what);
  } else if (check.attempts + 1 >= kMaxCheckAttempts) {
    spdlog::warn("Opsgenie {} still unconfirmed after {} checks; giving up on it", what, check.attempts + 1);
    if (observer_) observer_->on_check(false, "unconfirmed");
    log_if_failed(outbox_.drop_check(check.request_id), what);
  } else {
    // 404 until Opsgenie has processed it; also 5xx and network trouble.
    const auto delay = backoff({.base_delay = std::chrono::milliseconds(500)}, check.attempts + 1, jitter,
                               rate_limit_hint(result.response));
    log_if_failed(outbox_.reschedule_check(check.request_id, check.attempts + 1, now + delay.count()), what);
  }
}

void RequestChecker::applied(const store::Check& check, std::int64_t now) {
  const auto item = outbox_.action(check.action_id);
  const auto after = item ? sync::status_after(item->action.kind) : std::nullopt;
  if (!after || !item->action.alert_id) return;
  if (auto s =
          ledger_.save_status({Side::kOpsgenie, *item->action.alert_id, std::string(*after), false}, now);
      !s.ok())
    spdlog::warn("could not record that alert {} is now {}: {}", *item->action.alert_id, *after, s.message());
}

void RequestChecker::failed(const store::Check& check, const std::string& status, double jitter) {
  const std::int64_t now = clock_.now_ms();
  const auto item = outbox_.action(check.action_id);
  if (!item) {
    spdlog::error("Opsgenie did not apply request {} (action {}, no longer kept): {}", check.request_id,
                  check.action_id, status);
    return;
  }
  const std::string what = std::string(to_string(item->action.kind)) + " id=" + std::to_string(item->id) +
                           " pair=" + item->pair_key;
  // The change did not happen: its echo must not swallow a person's same change.
  if (item->action.alert_id) {
    if (const auto echo = sync::echo_of(item->action, *item->action.alert_id)) {
      if (auto s = ledger_.withdraw_echo(*echo); !s.ok())
        spdlog::error("action {}: could not withdraw its echo: {}", what, s.message());
    }
  }
  const std::string error = "Opsgenie did not apply it: " + status;
  const int attempts = item->attempts + 1;
  Status stored;
  switch (classify_request_failure(status)) {
    case RequestFailure::kRetry:
      if (within_budget(retry_, attempts, milliseconds(now - item->created_at_ms))) {
        const auto delay = backoff(retry_, attempts, jitter, std::nullopt);
        spdlog::warn("action {}: {} (attempt {}); retrying in {} ms", what, error, attempts, delay.count());
        if (observer_) observer_->on_retry(*item, delay, false);
        stored = outbox_.reopen(item->id, attempts, now + delay.count(), error, now);
        break;
      }
      [[fallthrough]];
    case RequestFailure::kFinal:
      spdlog::error("action {} is a dead letter: {}", what, error);
      if (observer_) observer_->on_dead_letter(*item, error);
      stored = outbox_.finish(item->id, store::ActionState::kDead, error, now);
      break;
    case RequestFailure::kUnpaired:
      spdlog::warn("action {} cannot be paired: {}", what, error);
      stored = outbox_.finish(item->id, store::ActionState::kUnpaired, error, now);
      break;
  }
  if (!stored.ok())
    spdlog::error("action {}: could not store Opsgenie's verdict: {}", what, stored.message());
}

}  // namespace ogpd::delivery
