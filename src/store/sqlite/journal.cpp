#include "store/sqlite/journal.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "store/sqlite/plans.h"

namespace ogpd::store {

std::optional<std::string> SqliteJournal::filed_key(const Event& e) {
  if (e.source != Source::kOpsgenie || !e.occurred_at || !e.dedupe_key.starts_with("og:"))
    return std::nullopt;
  const std::string& t = *e.occurred_at;
  constexpr std::size_t kWidth = 20;  // updatedAt is in nanoseconds: 19 digits until the year 2286
  if (t.empty() || t.size() > kWidth ||
      !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return "og@" + std::string(kWidth - t.size(), '0') + t + ":" + e.dedupe_key;
}

std::unique_ptr<SqliteJournal> SqliteJournal::start(SqliteDatabase& database, JournalOptions options) {
  // Checkpoints move off the connection the journal commits on. Should the second connection fail to open,
  // they stay inline: slower, as safe, and said.
  if (auto s = database.checkpoint_in_background(); !s.ok() && options.on_warning)
    options.on_warning(
        "SQLite checkpoints run on the journal's own connection, holding it while they copy (" + s.message() +
        ")");
  if (!database.reads_apart() && options.on_warning)
    options.on_warning(
        "SQLite views (the queue summary behind /metrics, the status page) read on the journal's own "
        "connection, holding it while they read: a second connection to the store could not open");
  std::unique_ptr<SqliteJournal> journal(new SqliteJournal(database, std::move(options)));
  journal->start_writer();
  return journal;
}

Status SqliteJournal::write_batch(const std::deque<Pending>& batch, std::vector<AppendResult>& results,
                                  Planned& planned) {
  Planner* const planner = this->planner();
  auto session = database_.lock();
  // Written, not synced: make_durable() syncs it on the syncer thread while the next group is written here.
  return session.transaction(Durability::kWritten, [&]() -> Status {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Received& r = batch[i].received;
      const Event& e = r.event;
      const std::optional<std::string> filed = filed_key(e);
      const std::string_view key = filed ? std::string_view(*filed) : std::string_view(e.dedupe_key);
      if (filed) {
        // Filed by an earlier version under the key itself: a redelivery of that is still a duplicate.
        auto earlier = session.statement(Sql::kFindByDedupeKey);
        earlier->bind(1, std::string_view(e.dedupe_key));
        const int rc = earlier->step();
        if (rc == SQLITE_ROW) {
          results[i] = {AppendOutcome::kDuplicate, earlier->column_int(0), {}, {}};
          continue;
        }
        if (rc != SQLITE_DONE) return session.db().last_error();
      }
      // Plan first (it reads only links and the ledger), so the event is written once, already 'done', and
      // its actions join it in this transaction. A duplicate's plan is simply dropped.
      std::optional<PlannedEvent> plan;
      if (planner != nullptr && is_actionable(e.kind)) {
        SqlitePlanningView view(session);
        plan = planner->plan(e, view);
      }
      if (auto s = session.run(Sql::kInsertEvent,
                               [&](Statement& insert) {
                                 insert.bind(1, to_string(e.source));
                                 insert.bind(2, std::string_view(e.type));
                                 insert.bind(3, to_string(e.kind));
                                 insert.bind(4, key);
                                 insert.bind(5, e.delivery_id);
                                 insert.bind(6, e.alert_id);
                                 insert.bind(7, e.incident_id);
                                 insert.bind(8, e.incident_key);
                                 insert.bind(9, e.actor_id);
                                 insert.bind(10, e.actor_name);
                                 insert.bind(11, e.note);
                                 insert.bind(12, e.title);
                                 insert.bind(13, e.description);
                                 insert.bind(14, e.priority);
                                 insert.bind(15, e.occurred_at);
                                 insert.bind(16, r.received_at_ms);
                                 insert.bind(17, std::string_view(plan                    ? "done"
                                                                  : is_actionable(e.kind) ? "pending"
                                                                                          : "ignored"));
                                 insert.bind_blob(18, r.raw_body);
                                 insert.bind(19,
                                             plan ? std::optional<std::string>(plan->outcome) : std::nullopt);
                                 insert.bind(20, e.trimmed_note_id);
                                 insert.bind(21, e.route);
                               });
          !s.ok())
        return s;
      if (session.db().changes() == 1) {
        results[i] = {AppendOutcome::kStored, session.db().last_insert_rowid(), {}, {}};
        if (plan) {
          results[i].plan_outcome = plan->outcome;
          plan->event_id = results[i].event_id;
          if (auto s = write_plan(session, *plan, r.received_at_ms, /*mark_event=*/false); !s.ok()) return s;
          planned.emplace_back(i, std::move(*plan));
        }
        continue;
      }
      auto find = session.statement(Sql::kFindDuplicate);
      find->bind(1, key);
      find->bind(2, e.delivery_id);
      if (find->step() != SQLITE_ROW) return session.db().last_error();
      results[i] = {AppendOutcome::kDuplicate, find->column_int(0), {}, {}};
    }
    return {};
  });
}

}  // namespace ogpd::store
