#include "store/sqlite/page_cache.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <new>

namespace ogpd::store::page_cache {

void HeldBound::fetched(unsigned page) {
  highest_ = std::max(highest_, page);
}

void HeldBound::moved(unsigned from, unsigned to) {
  if (from == parking_ && parked_ > 0) --parked_;
  if (to == parking_)
    ++parked_;
  else
    highest_ = std::max(highest_, to);
}

bool HeldBound::may_hold_from(unsigned limit) const {
  return highest_ >= limit || (parked_ > 0 && parking_ >= limit);
}

void HeldBound::truncated(unsigned limit) {
  if (highest_ >= limit) highest_ = limit > 0 ? limit - 1 : 0;
  if (parking_ >= limit) parked_ = 0;
}

namespace {

// SQLite's PENDING_BYTE: the lock-byte page holds the byte at 1 GiB.
constexpr unsigned kPendingByte = 0x40000000;

sqlite3_pcache_methods2 g_default{};  // set once, before SQLite starts; read-only after
std::atomic<std::uint64_t> g_passed_on{0};
std::atomic<std::uint64_t> g_left_out{0};
std::atomic<std::uint64_t> g_parkings{0};

struct Layered {
  sqlite3_pcache* inner;
  HeldBound bound;
};

Layered* layered(sqlite3_pcache* cache) {
  return reinterpret_cast<Layered*>(cache);
}

int init(void*) {
  return g_default.xInit(g_default.pArg);
}

void shutdown(void*) {
  if (g_default.xShutdown) g_default.xShutdown(g_default.pArg);
}

sqlite3_pcache* create(int page_size, int extra_size, int purgeable) {
  sqlite3_pcache* inner = g_default.xCreate(page_size, extra_size, purgeable);
  if (!inner) return nullptr;
  const unsigned parking = kPendingByte / static_cast<unsigned>(std::max(page_size, 1)) + 1;
  auto* cache = new (std::nothrow) Layered{inner, HeldBound(parking)};
  if (!cache) {
    g_default.xDestroy(inner);
    return nullptr;
  }
  return reinterpret_cast<sqlite3_pcache*>(cache);
}

void cachesize(sqlite3_pcache* cache, int pages) {
  g_default.xCachesize(layered(cache)->inner, pages);
}

int pagecount(sqlite3_pcache* cache) {
  return g_default.xPagecount(layered(cache)->inner);
}

sqlite3_pcache_page* fetch(sqlite3_pcache* cache, unsigned key, int create_flag) {
  Layered* c = layered(cache);
  sqlite3_pcache_page* page = g_default.xFetch(c->inner, key, create_flag);
  if (page) c->bound.fetched(key);
  return page;
}

void unpin(sqlite3_pcache* cache, sqlite3_pcache_page* page, int discard) {
  g_default.xUnpin(layered(cache)->inner, page, discard);
}

void rekey(sqlite3_pcache* cache, sqlite3_pcache_page* page, unsigned from, unsigned to) {
  Layered* c = layered(cache);
  g_default.xRekey(c->inner, page, from, to);
  c->bound.moved(from, to);
  if (to == c->bound.parking_page()) g_parkings.fetch_add(1, std::memory_order_relaxed);
}

void truncate(sqlite3_pcache* cache, unsigned limit) {
  Layered* c = layered(cache);
  if (!c->bound.may_hold_from(limit)) {
    g_left_out.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  g_passed_on.fetch_add(1, std::memory_order_relaxed);
  g_default.xTruncate(c->inner, limit);
  c->bound.truncated(limit);
}

void destroy(sqlite3_pcache* cache) {
  Layered* c = layered(cache);
  g_default.xDestroy(c->inner);
  delete c;
}

void shrink(sqlite3_pcache* cache) {
  if (g_default.xShrink) g_default.xShrink(layered(cache)->inner);
}

}  // namespace

bool install() {
  static const bool installed = [] {
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &g_default) != SQLITE_OK || !g_default.xCreate) return false;
    static const sqlite3_pcache_methods2 layer{1,     nullptr, init,  shutdown, create,  cachesize, pagecount,
                                               fetch, unpin,   rekey, truncate, destroy, shrink};
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &layer) == SQLITE_OK;
  }();
  return installed;
}

Truncations truncations() {
  return {g_passed_on.load(std::memory_order_relaxed), g_left_out.load(std::memory_order_relaxed)};
}

std::uint64_t parkings() {
  return g_parkings.load(std::memory_order_relaxed);
}

}  // namespace ogpd::store::page_cache
