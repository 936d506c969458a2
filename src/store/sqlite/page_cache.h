// SQLite's own page cache with one needless walk taken out.
//
// When a b-tree page splits, SQLite numbers the new pages in ascending order and, to swap two of them, parks
// one for a moment under the number of the lock-byte page (262,145 with 4 KiB pages). From then on its cache
// believes a page that far out may be held, and at the end of the transaction, truncating to the end of the
// database, it walks its whole hash table: every cached page, about 4,000 with the store's 16 MiB. Random
// alert ids split index leaves in most group commits, so the walk came with most of them: 6-10 % of the
// journal thread's CPU at full load (BENCHMARKS.md, "What the CPU allows, and a page cache that stopped
// walking").
//
// install() puts a thin layer in front of SQLite's default cache: every call goes to it unchanged, and the
// layer keeps its own upper bound on the page numbers held, which a parked page stops raising once it has
// moved back. A truncation that cannot drop a page is not passed on; every other one is, whole.
#pragma once

#include <cstdint>

namespace ogpd::store::page_cache {

// Installs the layer for the whole process. Must run before SQLite is first used (sqlite3_config's rule);
// later, it changes nothing. Returns whether the layer is in place. Thread-safe.
bool install();

// Truncations the layer passed on to SQLite's cache and those it left out, since the process started: for
// tests and diagnostics. Thread-safe.
struct Truncations {
  std::uint64_t passed_on = 0;
  std::uint64_t left_out = 0;
};
Truncations truncations();

// Pages SQLite moved to the parking number (a b-tree split's swap) since the process started: the moves that
// would have made each transaction's closing truncation walk the whole cache. For tests and diagnostics.
// Thread-safe.
std::uint64_t parkings();

// The layer's bookkeeping for one cache, apart so it can be tested. Not thread-safe: SQLite calls a cache
// from one connection at a time.
class HeldBound {
 public:
  // `parking_page`: the lock-byte page's number for this cache's page size, where SQLite parks pages.
  explicit HeldBound(unsigned parking_page) : parking_(parking_page) {}

  void fetched(unsigned page);             // a page is held under this number (found or created)
  void moved(unsigned from, unsigned to);  // a held page was renumbered
  bool may_hold_from(unsigned limit) const;
  void truncated(unsigned limit);  // every page numbered `limit` or more was dropped
  unsigned parking_page() const { return parking_; }

 private:
  const unsigned parking_;
  unsigned highest_ = 0;  // no page is held above it, apart from parked ones
  unsigned parked_ = 0;   // pages moved to the parking number and not yet moved back
};

}  // namespace ogpd::store::page_cache
