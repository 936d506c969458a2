// SQLite's own file layer, with a commit's WAL frames written in one call instead of two per frame.
//
// SQLite appends each WAL frame as two writes: its 24-byte header, then its page. A group commit of the
// journal writes a few hundred frames, so at full load the journal thread made about nine `pwrite` calls per
// event, 17 % of its CPU (BENCHMARKS.md, "WAL frames in one write").
//
// install() registers a file layer ("ogpd-unix") over SQLite's default one, which Db::open names. Every call
// goes to the default layer unchanged, except writes to a WAL file (and the one sync of a new WAL header
// below). Those that append to what the current
// write transaction wrote are gathered in memory and written in one call at their offset:
//   - with the write that completes a commit frame (its header holds the database's size; the layer follows
//     the frames, a header and then a page, either of which SQLite may split around a sync), so a failure
//     reaches SQLite from that write and the commit fails and rolls back, as with any failed write;
//   - before a write that is not such an append (SQLite rewriting a frame of this transaction), before
//     128 KiB would be gathered (the most SQLite's unix layer writes in one call), and before any other use
//     of the file (read, sync, size, truncate, file control);
//   - at the latest when SQLite publishes a commit in its WAL index (the barrier between the index header's
//     two copies, on the database file of the same connection): a reader never sees a frame that is not in
//     the file. Had the layer lost track of a commit frame, it writes them there (counted as late); should
//     that write fail, the process stops, as SQLite could no longer be told and the commit must not be
//     acknowledged.
// A new WAL header (a new log, or the log restarting from its start) is written as SQLite asked and synced
// before any frame after it is written, unless SQLite syncs it first (it does so itself only above
// synchronous=OFF): after a power cut, an unsynced restart could replay a stale prefix of the old log over
// newer pages of the database file. So a connection may commit at OFF whether or not its commit restarts
// the log.
// A failed gathered write sticks: every use of the file fails until the transaction ends, so SQLite cannot
// commit over frames that were never written. When a write transaction ends (SQLite releases the WAL's write
// lock), what is still gathered was rolled back and is dropped. Unwritten frames at a crash belong to a
// transaction that was not committed, which SQLite's recovery ignores either way. A WAL file whose
// database file the layer did not open gets every write as SQLite asked.
//
// Exclusive locking mode, which the store never uses, would defeat the layer: SQLite then releases no lock
// at a transaction's end, and may keep its WAL index in memory without a barrier.
#pragma once

#include <cstdint>

namespace ogpd::store::wal_writes {

// The layer's name, for sqlite3_open_v2.
inline constexpr const char* kVfsName = "ogpd-unix";

// Registers the layer for the whole process (it does not become the default). Like any first use of SQLite,
// it fixes SQLite's configuration: page_cache::install() goes first. Returns whether it is registered.
// Thread-safe; later calls change nothing.
bool install();

// Since the process started: WAL writes SQLite asked for; those the layer made; commits whose frames were
// still gathered when SQLite published them (none, unless the layer lost track of a commit frame); writes
// that rewrote what their transaction had written; WAL headers written (a new log, or the log restarting);
// and those the layer synced (SQLite had not). For tests and diagnostics. Thread-safe.
struct Counts {
  std::uint64_t asked = 0;
  std::uint64_t made = 0;
  std::uint64_t late = 0;
  std::uint64_t rewrites = 0;
  std::uint64_t headers = 0;
  std::uint64_t header_syncs = 0;
};
Counts counts();

}  // namespace ogpd::store::wal_writes
