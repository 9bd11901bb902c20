"""Watches a FoodCount counts database until it holds an expected total, for scripts/bench.

usage: countwatch.py DATABASE EXPECTED TIMEOUT_SECONDS
Sleeps on inotify events of the database's folder and reads SUM(count) from food_counts (read-only) when the
database file appears, when its rollback journal is deleted (the end of a commit), 1 ms after a read found the
table locked, and every 50 ms. It used to check the file's modification time every 2 ms: that cost CPU on the
shared 2 cores all along (perf, 3,000,000 events: 199 samples of this script against 117 now, its start-up
included), and modification times are too coarse to tell two quick commits apart. Prints one line of key=value
pairs: first_s (the first commit seen, in seconds since this script started), first_sum (the total it held),
done_s (the total reached EXPECTED, same clock) and done_epoch (that moment in seconds since the epoch).
Exits 1 on timeout or on a total above EXPECTED.
"""
import ctypes
import os
import select
import sqlite3
import struct
import sys
import time

IN_CREATE = 0x100
IN_DELETE = 0x200
IN_MOVED_TO = 0x080
EVENT_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of NUL-padded name


class Counts:
    """One read-only connection, kept open: reopening it at every read costs more than the read.

    While the total is short of the goal it reads the ledger of the offsets file beside the database (one row,
    the events the committed counts hold), not SUM(count): at 100,000 categories a sum is a table scan per
    commit, CPU taken from the consumer being measured on 2 shared cores. The total that ends the watch is
    the table's own SUM(count).
    """

    def __init__(self, path):
        self.path = path
        self.ledger_path = os.path.join(os.path.dirname(path), "foodcount-consumer.db")
        self.connection = None

    def total(self, expected):
        try:
            if self.connection is None:
                self.connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=0)
                self.ledger = False
            if not self.ledger and os.path.exists(self.ledger_path):
                self.connection.execute("ATTACH DATABASE ? AS ledger", (f"file:{self.ledger_path}?mode=ro",))
                self.ledger = True
            if self.ledger:
                row = self.connection.execute("SELECT max(events) FROM ledger.counts_ledger").fetchone()
                if row[0] is None or row[0] < expected:
                    return row[0] or 0
            row = self.connection.execute("SELECT COALESCE(SUM(count), 0) FROM food_counts").fetchone()
            return row[0]
        except sqlite3.Error:
            if self.connection is not None:
                self.connection.close()
                self.connection = None
            return None  # not created yet, locked by a commit, or its ledger table not created yet


class FolderEvents:
    """inotify on one folder: waits for given events of given files, without polling."""

    def __init__(self, folder, masks):
        self.libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        mask = IN_CREATE | IN_DELETE | IN_MOVED_TO  # not IN_MODIFY: a commit writes many pages
        if self.libc.inotify_add_watch(self.fd, os.fsencode(folder), mask) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {folder}")
        self.masks = {os.fsencode(name): mask for name, mask in masks.items()}

    def wait(self, timeout):
        """Whether one of the files changed within `timeout` seconds; drains every pending event."""
        changed = False
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.fd], [], [], max(0.0, remaining))
            if not ready:
                return changed
            buffer = os.read(self.fd, 65536)
            offset = 0
            while offset < len(buffer):
                _, mask, _, length = EVENT_HEADER.unpack_from(buffer, offset)
                start = offset + EVENT_HEADER.size
                name = buffer[start:start + length].rstrip(b"\0")
                changed = changed or mask & self.masks.get(name, 0) != 0
                offset = start + length
            if changed:
                return True


class Progress:
    """The totals seen so far; prints the result line once a total reaches the expected one."""

    def __init__(self, expected):
        self.expected = expected
        self.first = None

    def see(self, value, now):
        """Records a total read `now` seconds after the start; returns the exit status once it is complete."""
        if not value:
            return None
        if self.first is None:
            self.first = (now, value)
        if value < self.expected:
            return None
        print(f"first_s={self.first[0]:.3f} first_sum={self.first[1]} done_s={now:.3f} "
              f"done_epoch={time.time():.3f} total={value}")
        return 0 if value == self.expected else 1


def main() -> int:
    path, expected, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    folder, name = os.path.split(os.path.abspath(path))
    # A commit ends by deleting the journal; reading while the consumer writes it (it holds only a reserved
    # lock then) would make the consumer wait for this read before it may write the database.
    events = FolderEvents(folder, {name: IN_CREATE | IN_MOVED_TO, name + "-journal": IN_DELETE})
    counts = Counts(path)
    start = time.monotonic()
    progress = Progress(expected)
    locked = False
    while time.monotonic() - start < timeout:
        value = counts.total(expected)
        locked = value is None and os.path.exists(path)
        status = progress.see(value, time.monotonic() - start)
        if status is not None:
            return status
        events.wait(0.001 if locked else 0.05)  # whether or not anything changed, read then
    print(f"timeout after {timeout:.0f} s: total={counts.total(expected)} expected={expected}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
