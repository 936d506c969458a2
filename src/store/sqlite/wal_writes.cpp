#include "store/sqlite/wal_writes.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace ogpd::store::wal_writes {
namespace {

constexpr int kWalHeaderSize = 32;    // a WAL file's header (SQLite's file format)
constexpr int kFrameHeaderSize = 24;  // a WAL frame's header
constexpr int kWalWriteLock = 0;      // the shared-memory lock a writer holds for its transaction
// The most one write may carry: SQLite's unix layer writes at most 128 KiB - 1 bytes per call (it asserts so,
// and fails a write of 128 KiB exactly as a full disk).
constexpr std::size_t kGatherLimit = (128 << 10) - 1;

sqlite3_vfs* g_inner = nullptr;  // SQLite's default layer; set once, read-only after
std::atomic<std::uint64_t> g_asked{0};
std::atomic<std::uint64_t> g_made{0};
std::atomic<std::uint64_t> g_late{0};
std::atomic<std::uint64_t> g_rewrites{0};
std::atomic<std::uint64_t> g_headers{0};
std::atomic<std::uint64_t> g_header_syncs{0};

// One open file: ours, then the default layer's right after it (the layout SQLite's own shims use).
struct File {
  sqlite3_file base;  // its pMethods points at `methods`
  sqlite3_io_methods methods;
  sqlite3_file* inner;
  const char* name;  // as SQLite passed it to xOpen
  bool is_wal;
  File* main;  // a WAL file's database file (the same connection's), once linked
  File* wal;   // a database file's WAL file, once linked
  // A WAL file's writes not yet made: `length` bytes from `at`.
  char* gathered;
  std::size_t length;
  std::size_t capacity;
  sqlite3_int64 at;
  // How far this write transaction's appends reached: a write below it rewrites what the transaction wrote.
  sqlite3_int64 end;
  int page_size;       // learnt from the first frame written; 0 until then
  bool awaiting_page;  // until then: a frame's header was written, its page comes next
  bool commit_frame;   // the frame being written is a commit frame
  int failed;          // a write that failed: every use of the file fails with it until the transaction ends
  bool header_unsynced;  // a WAL file's header was written and not synced since
};

constexpr int kInnerOffset = (sizeof(File) + 7) & ~7;

// The database files open through the layer. A WAL file finds its own database file, not another
// connection's to the same store, by the very name SQLite opened it with (sqlite3_filename_database).
// The `main` and `wal` links are set and read only by the connection that owns both files.
std::mutex g_mains_mu;
std::vector<File*> g_mains;  // guarded by g_mains_mu

File* file_of(sqlite3_file* file) {
  return reinterpret_cast<File*>(file);
}

sqlite3_file* inner_of(sqlite3_file* file) {
  return file_of(file)->inner;
}

// One write as SQLite asked; a failure reaches SQLite from this very call.
int write_through(File* f, const void* data, int amount, sqlite3_int64 offset) {
  g_made.fetch_add(1, std::memory_order_relaxed);
  return f->inner->pMethods->xWrite(f->inner, data, amount, offset);
}

// Writes what is gathered, in one call. A failure sticks until the transaction ends, so that SQLite cannot
// go on to commit over frames that were never written, whichever call it reached SQLite from.
int write_gathered(File* f) {
  if (f->failed != SQLITE_OK) return f->failed;
  if (f->length == 0) return SQLITE_OK;
  const std::size_t length = f->length;
  f->length = 0;
  const int rc = write_through(f, f->gathered, static_cast<int>(length), f->at);
  if (rc != SQLITE_OK) f->failed = rc;
  return rc;
}

int write_gathered(sqlite3_file* file) {
  return write_gathered(file_of(file));
}

// A write transaction ended, committed or rolled back. A commit's frames were all written before SQLite
// published it (shm_barrier), so whatever is still gathered is a rolled-back transaction's: dropped.
void transaction_ended(File* wal) {
  wal->length = 0;
  wal->end = 0;
  wal->awaiting_page = false;
  wal->commit_frame = false;
  wal->failed = SQLITE_OK;
}

int gather(File* f, const void* data, int amount, sqlite3_int64 offset) {
  const auto size = static_cast<std::size_t>(amount);
  if (f->length > 0 &&
      (offset != f->at + static_cast<sqlite3_int64>(f->length) || f->length + size > kGatherLimit))
    if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  if (size > kGatherLimit) return write_through(f, data, amount, offset);
  if (f->length + size > f->capacity) {
    const std::size_t doubled = std::min(std::max(f->capacity * 2, std::size_t{16} << 10), kGatherLimit);
    const std::size_t wanted = std::max(f->length + size, doubled);
    char* grown = static_cast<char*>(std::realloc(f->gathered, wanted));
    if (grown == nullptr) {  // no memory to gather in: this one as SQLite asked
      if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
      return write_through(f, data, amount, offset);
    }
    f->gathered = grown;
    f->capacity = wanted;
  }
  if (f->length == 0) f->at = offset;
  std::memcpy(f->gathered + f->length, data, size);
  f->length += size;
  return SQLITE_OK;
}

bool valid_page_size(int n) {
  return n >= 512 && n <= 65536 && (n & (n - 1)) == 0;
}

// Bytes 4-7 of a frame's header: the database's size in pages after a commit; 0 in every other frame.
bool commit_mark(const unsigned char* mark) {
  return (mark[0] | mark[1] | mark[2] | mark[3]) != 0;
}

// Follows the frames a transaction appends, and says when this write completes a commit frame. A frame is a
// 24-byte header and a page, each written whole, except that SQLite may split either around a sync when it
// pads a commit to a sector; frames start 8-byte aligned, so bytes 4-7 always come in one piece.
bool completes_commit(File* f, const unsigned char* data, int amount, sqlite3_int64 offset) {
  if (offset < kWalHeaderSize) return false;  // the WAL's own header
  if (f->page_size == 0) {
    // The first frame this connection writes teaches the page size: a header, then its page.
    if (amount == kFrameHeaderSize) {
      f->commit_frame = commit_mark(data + 4);
      f->awaiting_page = true;
      return false;
    }
    if (!f->awaiting_page || !valid_page_size(amount))
      return false;  // cannot place it: shm_barrier writes it
    f->awaiting_page = false;
    f->page_size = amount;
    return f->commit_frame;
  }
  const sqlite3_int64 frame = f->page_size + kFrameHeaderSize;
  const sqlite3_int64 at = (offset - kWalHeaderSize) % frame;  // where in its frame this write starts
  if (at <= 4 && at + amount >= 8) f->commit_frame = commit_mark(data + (4 - at));
  return (offset + amount - kWalHeaderSize) % frame == 0 && f->commit_frame;
}

// A new WAL header (the log restarting from its start, or a new log) is on disk before any frame written
// after it, whatever the connection's synchronous level: SQLite syncs it itself only above OFF.
int write_header(File* f, const void* data, int amount) {
  g_headers.fetch_add(1, std::memory_order_relaxed);
  if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  const int rc = write_through(f, data, amount, 0);
  if (rc == SQLITE_OK) f->header_unsynced = true;
  return rc;
}

int sync_header(File* f) {
  if (!f->header_unsynced) return SQLITE_OK;
  g_header_syncs.fetch_add(1, std::memory_order_relaxed);
  const int rc = f->inner->pMethods->xSync(f->inner, SQLITE_SYNC_NORMAL);
  if (rc == SQLITE_OK) f->header_unsynced = false;
  return rc;
}

int write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = file_of(file);
  if (!f->is_wal) return f->inner->pMethods->xWrite(f->inner, data, amount, offset);
  g_asked.fetch_add(1, std::memory_order_relaxed);
  if (f->failed != SQLITE_OK) return f->failed;
  if (offset == 0 && amount == kWalHeaderSize) return write_header(f, data, amount);
  if (const int rc = sync_header(f); rc != SQLITE_OK) return rc;
  const bool linked = f->main != nullptr;
  // Without its database file the layer would not see a commit published: every write as SQLite asked. So
  // too a write below this transaction's appends: a page it changed again, or checksums redone at commit.
  if (!linked || offset < f->end) {
    if (linked) g_rewrites.fetch_add(1, std::memory_order_relaxed);
    if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
    return write_through(f, data, amount, offset);
  }
  if (const int rc = gather(f, data, amount, offset); rc != SQLITE_OK) return rc;
  f->end = offset + amount;
  if (completes_commit(f, static_cast<const unsigned char*>(data), amount, offset)) return write_gathered(f);
  return SQLITE_OK;
}

void unlink(File* f) {
  std::lock_guard lock(g_mains_mu);
  if (f->is_wal) {
    if (f->main != nullptr) f->main->wal = nullptr;
    f->main = nullptr;
    return;
  }
  if (f->wal != nullptr) f->wal->main = nullptr;
  f->wal = nullptr;
  g_mains.erase(std::remove(g_mains.begin(), g_mains.end(), f), g_mains.end());
}

int close(sqlite3_file* file) {
  File* f = file_of(file);
  unlink(f);
  // Nothing committed is gathered here (transaction_ended); what is, was rolled back.
  std::free(f->gathered);
  f->gathered = nullptr;
  f->length = f->capacity = 0;
  return f->inner->pMethods->xClose(f->inner);
}

int read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
  return inner_of(file)->pMethods->xRead(inner_of(file), data, amount, offset);
}

int truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
  return inner_of(file)->pMethods->xTruncate(inner_of(file), size);
}

int sync(sqlite3_file* file, int flags) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
  const int rc = inner_of(file)->pMethods->xSync(inner_of(file), flags);
  if (rc == SQLITE_OK) file_of(file)->header_unsynced = false;
  return rc;
}

int file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
  return inner_of(file)->pMethods->xFileSize(inner_of(file), size);
}

int lock(sqlite3_file* file, int level) {
  return inner_of(file)->pMethods->xLock(inner_of(file), level);
}

int unlock(sqlite3_file* file, int level) {
  return inner_of(file)->pMethods->xUnlock(inner_of(file), level);
}

int check_reserved_lock(sqlite3_file* file, int* out) {
  return inner_of(file)->pMethods->xCheckReservedLock(inner_of(file), out);
}

int file_control(sqlite3_file* file, int op, void* arg) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
  return inner_of(file)->pMethods->xFileControl(inner_of(file), op, arg);
}

int sector_size(sqlite3_file* file) {
  return inner_of(file)->pMethods->xSectorSize(inner_of(file));
}

int device_characteristics(sqlite3_file* file) {
  return inner_of(file)->pMethods->xDeviceCharacteristics(inner_of(file));
}

int shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return inner_of(file)->pMethods->xShmMap(inner_of(file), region, size, extend, out);
}

File* wal_of(File* main) {
  return main->wal;
}

// SQLite releases the WAL write lock when a write transaction ends.
int shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  const int rc = inner_of(file)->pMethods->xShmLock(inner_of(file), offset, n, flags);
  if (offset == kWalWriteLock && n == 1 && (flags & SQLITE_SHM_UNLOCK) && (flags & SQLITE_SHM_EXCLUSIVE))
    if (File* wal = wal_of(file_of(file))) transaction_ended(wal);
  return rc;
}

// SQLite publishes a commit in the WAL index with a barrier between the header's two copies, so a reader
// takes the new header only after this call. Every frame of the commit is written by then: the write that
// completed its commit frame wrote them, and reported any failure to SQLite. Should the layer ever have lost
// track of a commit's frames, they are written here, late; if that write fails, or one of this transaction's
// failed where SQLite does not look at the error (it only logs some, such as a size check), nothing can tell
// SQLite any more, and the process stops before the commit is acknowledged rather than acknowledge it.
void shm_barrier(sqlite3_file* file) {
  if (File* wal = wal_of(file_of(file)); wal != nullptr && (wal->length > 0 || wal->failed != SQLITE_OK)) {
    g_late.fetch_add(1, std::memory_order_relaxed);
    if (write_gathered(wal) != SQLITE_OK) {
      static constexpr char kStop[] =
          "ogpd-proxy: a write to the SQLite log failed as its commit was published; stopping before it is "
          "acknowledged\n";
      [[maybe_unused]] const auto ignored = ::write(STDERR_FILENO, kStop, sizeof kStop - 1);
      std::abort();
    }
  }
  inner_of(file)->pMethods->xShmBarrier(inner_of(file));
}

int shm_unmap(sqlite3_file* file, int delete_flag) {
  return inner_of(file)->pMethods->xShmUnmap(inner_of(file), delete_flag);
}

int fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
  return inner_of(file)->pMethods->xFetch(inner_of(file), offset, amount, out);
}

int unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return inner_of(file)->pMethods->xUnfetch(inner_of(file), offset, page);
}

void link(File* f, int flags) {
  if (f->name == nullptr) return;
  std::lock_guard lock(g_mains_mu);
  if (flags & SQLITE_OPEN_MAIN_DB) {
    g_mains.push_back(f);
    return;
  }
  if (!f->is_wal) return;
  const char* database = sqlite3_filename_database(f->name);
  for (File* main : g_mains)
    if (main->name == database && main->wal == nullptr) {
      main->wal = f;
      f->main = main;
      return;
    }
}

int open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = file_of(file);
  *f = File{};
  f->inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kInnerOffset);
  f->inner->pMethods = nullptr;
  f->name = name;
  f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = g_inner->xOpen(g_inner, name, f->inner, flags, out_flags);
  // SQLite closes a file whose methods are set even when opening it failed: only then are ours set.
  if (const sqlite3_io_methods* inner = f->inner->pMethods) {
    f->methods = sqlite3_io_methods{std::min(inner->iVersion, 3),
                                    close,
                                    read,
                                    write,
                                    truncate,
                                    sync,
                                    file_size,
                                    lock,
                                    unlock,
                                    check_reserved_lock,
                                    file_control,
                                    sector_size,
                                    device_characteristics,
                                    shm_map,
                                    shm_lock,
                                    shm_barrier,
                                    shm_unmap,
                                    fetch,
                                    unfetch};
    f->base.pMethods = &f->methods;
    if (rc == SQLITE_OK) link(f, flags);
  }
  return rc;
}

// The rest of the layer is the default one's.
int remove(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_inner->xDelete(g_inner, name, sync_dir);
}
int access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_inner->xAccess(g_inner, name, flags, out);
}
int full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_inner->xFullPathname(g_inner, name, size, out);
}
void* dl_open(sqlite3_vfs*, const char* name) {
  return g_inner->xDlOpen(g_inner, name);
}
void dl_error(sqlite3_vfs*, int size, char* out) {
  g_inner->xDlError(g_inner, size, out);
}
void (*dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_inner->xDlSym(g_inner, handle, symbol);
}
void dl_close(sqlite3_vfs*, void* handle) {
  g_inner->xDlClose(g_inner, handle);
}
int randomness(sqlite3_vfs*, int size, char* out) {
  return g_inner->xRandomness(g_inner, size, out);
}
int sleep(sqlite3_vfs*, int microseconds) {
  return g_inner->xSleep(g_inner, microseconds);
}
int current_time(sqlite3_vfs*, double* out) {
  return g_inner->xCurrentTime(g_inner, out);
}
int last_error(sqlite3_vfs*, int size, char* out) {
  return g_inner->xGetLastError ? g_inner->xGetLastError(g_inner, size, out) : 0;
}
int current_time_ms(sqlite3_vfs*, sqlite3_int64* out) {
  if (g_inner->iVersion >= 2 && g_inner->xCurrentTimeInt64) return g_inner->xCurrentTimeInt64(g_inner, out);
  double days = 0;
  const int rc = g_inner->xCurrentTime(g_inner, &days);
  *out = static_cast<sqlite3_int64>(days * 86400000.0);
  return rc;
}

}  // namespace

bool install() {
  static const bool installed = [] {
    g_inner = sqlite3_vfs_find(nullptr);
    if (g_inner == nullptr) return false;
    static sqlite3_vfs layer{};
    layer.iVersion = 2;
    layer.szOsFile = kInnerOffset + g_inner->szOsFile;
    layer.mxPathname = g_inner->mxPathname;
    layer.zName = kVfsName;
    layer.xOpen = open;
    layer.xDelete = remove;
    layer.xAccess = access;
    layer.xFullPathname = full_pathname;
    layer.xDlOpen = dl_open;
    layer.xDlError = dl_error;
    layer.xDlSym = dl_sym;
    layer.xDlClose = dl_close;
    layer.xRandomness = randomness;
    layer.xSleep = sleep;
    layer.xCurrentTime = current_time;
    layer.xGetLastError = last_error;
    layer.xCurrentTimeInt64 = current_time_ms;
    return sqlite3_vfs_register(&layer, /*makeDflt=*/0) == SQLITE_OK;
  }();
  return installed;
}

Counts counts() {
  return {g_asked.load(std::memory_order_relaxed),   g_made.load(std::memory_order_relaxed),
          g_late.load(std::memory_order_relaxed),    g_rewrites.load(std::memory_order_relaxed),
          g_headers.load(std::memory_order_relaxed), g_header_syncs.load(std::memory_order_relaxed)};
}

}  // namespace ogpd::store::wal_writes
