// SQLite's own file layer, with a commit's WAL frames written in one call instead of two per frame.
//
// SQLite appends each WAL frame as two writes: its 24-byte header, then its page. A group commit of the
// journal writes a few hundred frames, so at full load the journal thread made about nine `pwrite` calls per
// event, 17 % of its CPU (BENCHMARKS.md, "WAL frames in one write").
//
// install() registers a file layer ("ogpd-unix") over SQLite's default one, which Db::open names. Every call
// goes to the default layer unchanged, except writes to a WAL file: those that continue the one before are
// gathered in memory, and what was gathered is written, in one call at its offset,
//   - with each write that follows a commit frame's header (the header holds the database's size; a commit
//     ends with its commit frame, or with copies of it that pad the WAL to a sector),
//   - before a write elsewhere in the file, and before 128 KiB would be gathered (the most SQLite's unix
//     layer writes in one call),
//   - before any other use of the file (read, sync, size, truncate, file control, lock, close).
// So when a commit returns, every frame it wrote is in the file, before SQLite's WAL index makes the commit
// visible to readers (they read the file through their own handles) and before the syncer's `fdatasync`.
// A write that fails reaches SQLite from the call that triggered it: for a commit, its last page, so the
// transaction fails and rolls back as with any failed write. Unwritten frames at a crash belong to a
// transaction that never committed, which SQLite's recovery ignores either way.
#pragma once

#include <cstdint>

namespace ogpd::store::wal_writes {

// The layer's name, for sqlite3_open_v2.
inline constexpr const char* kVfsName = "ogpd-unix";

// Registers the layer for the whole process (it does not become the default). Like any first use of SQLite,
// it fixes SQLite's configuration: page_cache::install() goes first. Returns whether it is registered.
// Thread-safe; later calls change nothing.
bool install();

// WAL writes SQLite asked for and those the layer made, since the process started: for tests and
// diagnostics. Thread-safe.
struct Counts {
  std::uint64_t asked = 0;
  std::uint64_t made = 0;
};
Counts counts();

}  // namespace ogpd::store::wal_writes
