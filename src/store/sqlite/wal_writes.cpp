#include "store/sqlite/wal_writes.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace ogpd::store::wal_writes {
namespace {

constexpr int kFrameHeaderSize = 24;  // a WAL frame's header (SQLite's file format)
// The most one write may carry: SQLite's unix layer writes at most 128 KiB - 1 bytes per call (and fails a
// write of 128 KiB exactly as a full disk).
constexpr std::size_t kGatherLimit = (128 << 10) - 1;

sqlite3_vfs* g_inner = nullptr;  // SQLite's default layer; set once, read-only after
std::atomic<std::uint64_t> g_asked{0};
std::atomic<std::uint64_t> g_made{0};

// One open file: ours, then the default layer's right after it (the layout SQLite's own shims use).
struct File {
  sqlite3_file base;  // its pMethods points at `methods`
  sqlite3_io_methods methods;
  sqlite3_file* inner;
  bool wal;
  char* gathered;  // WAL writes not yet made, `length` bytes from `at`
  std::size_t length;
  std::size_t capacity;
  sqlite3_int64 at;
  bool in_commit_frame;  // the last frame header written was a commit frame's
};

constexpr int kInnerOffset = (sizeof(File) + 7) & ~7;

File* file_of(sqlite3_file* file) {
  return reinterpret_cast<File*>(file);
}

sqlite3_file* inner_of(sqlite3_file* file) {
  return file_of(file)->inner;
}

// Writes what is gathered, in one call. What could not be written is dropped: SQLite fails the transaction
// that wrote it.
int write_gathered(File* f) {
  if (f->length == 0) return SQLITE_OK;
  const int rc = f->inner->pMethods->xWrite(f->inner, f->gathered, static_cast<int>(f->length), f->at);
  g_made.fetch_add(1, std::memory_order_relaxed);
  f->length = 0;
  return rc;
}

int write_gathered(sqlite3_file* file) {
  return write_gathered(file_of(file));
}

bool is_commit_header(const void* header) {
  // Bytes 4-7: the database's size in pages after a commit; 0 in every other frame.
  const auto* bytes = static_cast<const unsigned char*>(header);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

int gather(File* f, const void* data, int amount, sqlite3_int64 offset) {
  const auto size = static_cast<std::size_t>(amount);
  if (f->length + size > f->capacity) {
    const std::size_t wanted =
        std::max({f->length + size, std::min(f->capacity * 2, kGatherLimit), std::size_t{16} << 10});
    char* grown = static_cast<char*>(std::realloc(f->gathered, wanted));
    if (grown == nullptr) {
      // No memory to gather in: write this one as SQLite asked.
      if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
      g_made.fetch_add(1, std::memory_order_relaxed);
      return f->inner->pMethods->xWrite(f->inner, data, amount, offset);
    }
    f->gathered = grown;
    f->capacity = wanted;
  }
  if (f->length == 0) f->at = offset;
  std::memcpy(f->gathered + f->length, data, size);
  f->length += size;
  return SQLITE_OK;
}

int write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = file_of(file);
  if (!f->wal) return f->inner->pMethods->xWrite(f->inner, data, amount, offset);
  g_asked.fetch_add(1, std::memory_order_relaxed);
  if (f->length > 0 && (offset != f->at + static_cast<sqlite3_int64>(f->length) ||
                        f->length + static_cast<std::size_t>(amount) > kGatherLimit))
    if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  if (static_cast<std::size_t>(amount) > kGatherLimit) {
    g_made.fetch_add(1, std::memory_order_relaxed);
    return f->inner->pMethods->xWrite(f->inner, data, amount, offset);
  }
  if (const int rc = gather(f, data, amount, offset); rc != SQLITE_OK) return rc;
  // A commit ends with its commit frame, or with copies of it padding the WAL to a sector (they are commit
  // frames too, and SQLite may split one of their writes around a sync): whatever follows the header of one
  // is written at once, before SQLite's WAL index can show it.
  if (amount == kFrameHeaderSize) {
    f->in_commit_frame = is_commit_header(data);
    return SQLITE_OK;
  }
  if (f->in_commit_frame) return write_gathered(f);
  return SQLITE_OK;
}

int close(sqlite3_file* file) {
  File* f = file_of(file);
  const int written = write_gathered(f);
  std::free(f->gathered);
  f->gathered = nullptr;
  f->capacity = 0;
  const int rc = f->inner->pMethods->xClose(f->inner);
  return written != SQLITE_OK ? written : rc;
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
  return inner_of(file)->pMethods->xSync(inner_of(file), flags);
}

int file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
  return inner_of(file)->pMethods->xFileSize(inner_of(file), size);
}

int lock(sqlite3_file* file, int level) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
  return inner_of(file)->pMethods->xLock(inner_of(file), level);
}

int unlock(sqlite3_file* file, int level) {
  if (const int rc = write_gathered(file); rc != SQLITE_OK) return rc;
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

int shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return inner_of(file)->pMethods->xShmLock(inner_of(file), offset, n, flags);
}

void shm_barrier(sqlite3_file* file) {
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

int open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = file_of(file);
  f->base.pMethods = nullptr;
  f->inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kInnerOffset);
  f->inner->pMethods = nullptr;
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->gathered = nullptr;
  f->length = f->capacity = 0;
  f->at = 0;
  f->in_commit_frame = false;
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
  return {g_asked.load(std::memory_order_relaxed), g_made.load(std::memory_order_relaxed)};
}

}  // namespace ogpd::store::wal_writes
