#include "store/postgres/journal.h"

#include "store/postgres/plans.h"
#include "store/postgres/schema.h"

namespace ogpd::store {

std::unique_ptr<PgJournal> PgJournal::start(PgDatabase& database, JournalOptions options) {
  std::unique_ptr<PgJournal> journal(new PgJournal(database, std::move(options)));
  journal->start_writer();
  return journal;
}

Status PgJournal::health() const {
  if (!writer_running()) return Status::unavailable("store is stopped");
  return database_.health();
}

Status PgJournal::write_batch(const std::deque<Pending>& batch, std::vector<AppendResult>& results,
                              Planned& planned) {
  Planner* const planner = this->planner();
  auto session = database_.session();
  if (!session.ok()) return session.status();
  std::vector<std::string> keys;
  for (const auto& pending : batch)
    for (auto& key : pair_keys_of(pending.received.event)) keys.push_back(std::move(key));
  return run_with_pair_locks(*session, std::move(keys), PgCommit::kFlushed, [&](PairLocks& locks) -> Status {
    planned.clear();  // a round that gave up leaves nothing behind
    bool new_work = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Received& r = batch[i].received;
      const Event& e = r.event;
      // Plan first (it reads only links and the ledger), so the event is written once, already 'done', and
      // its actions join it in this transaction. A duplicate's plan is simply dropped.
      std::optional<PlannedEvent> plan;
      if (planner != nullptr && is_actionable(e.kind)) {
        PgPlanningView view(*session);
        plan = planner->plan(e, view);
      }
      const char* status = plan ? "done" : is_actionable(e.kind) ? "pending" : "ignored";
      auto inserted = session->query(
          pg_sql::kInsertEvent,
          pg::params(to_string(e.source), e.type, to_string(e.kind), e.dedupe_key, e.delivery_id, e.alert_id,
                     e.incident_id, e.incident_key, e.actor_id, e.actor_name, e.note, e.title, e.description,
                     e.priority, e.occurred_at, r.received_at_ms, status, r.raw_body,
                     plan ? std::optional<std::string>(plan->outcome) : std::nullopt, e.trimmed_note_id,
                     e.route));
      if (!inserted.ok()) return inserted.status();
      if (!inserted->empty()) {
        results[i] = {AppendOutcome::kStored, inserted->integer(0, 0), {}, {}};
        if (plan) {
          results[i].plan_outcome = plan->outcome;
          plan->event_id = results[i].event_id;
          if (auto s = pg_write_plan(*session, *plan, r.received_at_ms, /*mark_event=*/false, locks); !s.ok())
            return s;
          new_work |= !plan->actions.empty();
          planned.emplace_back(i, std::move(*plan));
        } else {
          new_work |= is_actionable(e.kind);  // stored unplanned: any engine plans it
        }
        continue;
      }
      auto first = session->query(pg_sql::kFindDuplicate, pg::params(e.dedupe_key, e.delivery_id));
      if (!first.ok()) return first.status();
      if (first->empty()) return Status::internal("PostgreSQL: a conflicting event could not be found");
      results[i] = {AppendOutcome::kDuplicate, first->integer(0, 0), {}, {}};
    }
    // Every proxy's engine wakes when this commits (NOTIFY is delivered at commit, once per transaction).
    return new_work ? session->run(pg_sql::kNotify) : Status();
  });
}

}  // namespace ogpd::store
