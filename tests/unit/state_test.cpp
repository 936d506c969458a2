// The state rules (DESIGN §2.2) as a table: each known status x each action -> send, skip, or read first.
#include "sync/state.h"

#include <gtest/gtest.h>

namespace ogpd::sync {
namespace {

TEST(StateRules, EachKnownStatusAndActionGivesOneDecision) {
  using K = ActionKind;
  using R = StateRule;
  struct Row {
    ActionKind kind;
    std::optional<std::string> known;
    StateRule rule;
  };
  const std::optional<std::string> unknown;
  const std::vector<Row> rows{
      // PagerDuty: acknowledging is what reopens a resolved incident; it looks first unless resolved is
      // known.
      {K::kAcknowledgeIncident, unknown, R::kReadFirst},
      {K::kAcknowledgeIncident, "triggered", R::kReadFirst},
      {K::kAcknowledgeIncident, "acknowledged", R::kReadFirst},
      {K::kAcknowledgeIncident, "resolved", R::kSkip},
      {K::kResolveIncident, unknown, R::kSend},
      {K::kResolveIncident, "acknowledged", R::kSend},
      {K::kResolveIncident, "resolved", R::kSkip},
      {K::kAddIncidentNote, "resolved", R::kSend},  // a note changes no status
      {K::kCreateIncident, unknown, R::kSend},
      // Opsgenie: nothing is changed on a closed alert.
      {K::kAcknowledgeAlert, unknown, R::kSend},
      {K::kAcknowledgeAlert, "open", R::kSend},
      {K::kAcknowledgeAlert, "closed", R::kSkip},
      {K::kUnacknowledgeAlert, "acknowledged", R::kSend},
      {K::kUnacknowledgeAlert, "closed", R::kSkip},
      {K::kCloseAlert, "acknowledged", R::kSend},
      {K::kCloseAlert, "closed", R::kSkip},
      {K::kAddAlertNote, "closed", R::kSend},
  };
  for (const auto& row : rows)
    EXPECT_EQ(rule_for(row.kind, row.known), row.rule)
        << to_string(row.kind) << " on " << row.known.value_or("?");
}

// An Opsgenie webhook about alert A1, and a PagerDuty one about incident Q1.
Event on_alert(EventKind kind) {
  Event e;
  e.source = Source::kOpsgenie;
  e.alert_id = "A1";
  e.kind = kind;
  return e;
}
Event on_incident(EventKind kind) {
  Event e;
  e.source = Source::kPagerDuty;
  e.incident_id = "Q1";
  e.kind = kind;
  return e;
}

TEST(StateRules, WebhooksReportTheirSidesStatusAndOnlyOpeningsAreAuthoritative) {
  Event og = on_alert(EventKind::kAlertClosed);
  EXPECT_EQ(status_reported(og), (PairStatus{Side::kOpsgenie, "A1", "closed", false}));
  og.kind = EventKind::kAlertCreated;
  EXPECT_EQ(status_reported(og), (PairStatus{Side::kOpsgenie, "A1", "open", true}));
  og.kind = EventKind::kAlertNoteAdded;
  EXPECT_FALSE(status_reported(og).has_value());

  Event pd = on_incident(EventKind::kIncidentResolved);
  EXPECT_EQ(status_reported(pd), (PairStatus{Side::kPagerDuty, "Q1", "resolved", false}));
  pd.kind = EventKind::kIncidentUnacknowledged;
  EXPECT_EQ(status_reported(pd), (PairStatus{Side::kPagerDuty, "Q1", "triggered", false}));
  pd.incident_id.reset();
  EXPECT_FALSE(status_reported(pd).has_value());
}

TEST(StateRules, TheStatusAPairOpensWithIsNotRecordedAsOneNeverSeenFollowsTheSameRules) {
  EXPECT_FALSE(status_to_record(on_alert(EventKind::kAlertCreated)).has_value());
  EXPECT_FALSE(status_to_record(on_incident(EventKind::kIncidentTriggered)).has_value());

  // Recording them would change no decision: an open alert or a triggered incident, and one never seen, are
  // treated alike.
  for (const auto kind : {ActionKind::kAcknowledgeAlert, ActionKind::kUnacknowledgeAlert,
                          ActionKind::kCloseAlert, ActionKind::kSetAlertPriority, ActionKind::kAddAlertNote})
    EXPECT_EQ(rule_for(kind, std::string("open")), rule_for(kind, std::nullopt)) << to_string(kind);
  for (const auto kind : {ActionKind::kAcknowledgeIncident, ActionKind::kResolveIncident,
                          ActionKind::kSetIncidentPriority, ActionKind::kAddIncidentNote})
    EXPECT_EQ(rule_for(kind, std::string("triggered")), rule_for(kind, std::nullopt)) << to_string(kind);

  // Every later report is recorded.
  EXPECT_EQ(status_to_record(on_alert(EventKind::kAlertClosed)),
            (PairStatus{Side::kOpsgenie, "A1", "closed", false}));
  EXPECT_EQ(status_to_record(on_alert(EventKind::kAlertUnacknowledged)),
            (PairStatus{Side::kOpsgenie, "A1", "open", false}));
  EXPECT_EQ(status_to_record(on_incident(EventKind::kIncidentUnacknowledged)),
            (PairStatus{Side::kPagerDuty, "Q1", "triggered", false}));
}

TEST(StateRules, WhatEachActionLeavesBehind) {
  EXPECT_EQ(status_after(ActionKind::kAcknowledgeIncident), "acknowledged");
  EXPECT_EQ(status_after(ActionKind::kResolveIncident), "resolved");
  EXPECT_EQ(status_after(ActionKind::kCloseAlert), "closed");
  EXPECT_EQ(status_after(ActionKind::kUnacknowledgeAlert), "open");
  EXPECT_FALSE(status_after(ActionKind::kAddAlertNote).has_value());
}

}  // namespace
}  // namespace ogpd::sync
