#!/usr/bin/env python3
"""WAL frames by b-tree: which table or index each page a SQLite WAL holds belongs to, per stored event.

    bench/wal_frames.py <store.db>      (the store's WAL is <store.db>-wal; both are copied first)

Reads the frames of the WAL's current log (those whose salts match its header), maps each page number to its
b-tree with SQLite's dbstat table, and prints frames per event for each, events being the rows of `events`.
To see every frame an ingest run writes, the WAL must not have been checkpointed and restarted meanwhile:
BENCHMARKS.md ("Pages per event, by index") says how that run was made.
"""
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile


def main(path):
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "store.db")
        shutil.copyfile(path, copy)
        shutil.copyfile(path + "-wal", copy + "-wal")
        frames, commits = read_frames(copy + "-wal")
        con = sqlite3.connect(copy)
        btree_of = dict((page, name) for name, page in con.execute("SELECT name, pageno FROM dbstat"))
        events = con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    if not events:
        sys.exit("no events in the store")
    by_btree = collections.Counter(btree_of.get(page, "?") for page in frames)
    total = sum(by_btree.values())
    print(f"{total} frames, {commits} commits, {events} events: {total / events:.2f} frames per event, "
          f"{events / max(commits, 1):.1f} events per commit")
    for name, n in by_btree.most_common():
        if n / events >= 0.005:
            print(f"  {name:32s} {n / events:6.3f} frames per event")


def read_frames(wal_path):
    with open(wal_path, "rb") as wal:
        header = wal.read(32)
        page_size = struct.unpack(">I", header[8:12])[0]
        salts = header[16:24]
        pages, commits = [], 0
        while True:
            frame = wal.read(24)
            if len(frame) < 24 or frame[8:16] != salts:
                break  # the end of the current log
            page, size_after = struct.unpack(">II", frame[:8])
            wal.seek(page_size, os.SEEK_CUR)
            pages.append(page)
            commits += size_after != 0
    return pages, commits


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
