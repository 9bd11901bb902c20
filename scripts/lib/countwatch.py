"""Watches a FoodCount counts database until it holds an expected total, for scripts/bench.

usage: countwatch.py DATABASE EXPECTED TIMEOUT_SECONDS
Checks the database file's modification time every 2 ms and reads SUM(count) from food_counts (read-only)
only when the file changed, the last read found it locked, or 20 ms passed: a plain 10 ms poll of the table added up to
10 ms to every measurement and held read locks that commits had to wait for. Prints one line of key=value pairs:
first_s (the first commit seen, in seconds since this script started), first_sum (the total it held),
done_s (the total reached EXPECTED, same clock) and done_epoch (that moment in seconds since the epoch).
Exits 1 on timeout or on a total above EXPECTED.
"""
import os
import sqlite3
import sys
import time


class Counts:
    """One read-only connection, kept open: reopening it every 10 ms would cost the machine more CPU than
    the consumer it measures can spare."""

    def __init__(self, path):
        self.path = path
        self.connection = None

    def total(self):
        try:
            if self.connection is None:
                self.connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=0.05)
            row = self.connection.execute("SELECT COALESCE(SUM(count), 0) FROM food_counts").fetchone()
            return row[0]
        except sqlite3.Error:
            if self.connection is not None:
                self.connection.close()
                self.connection = None
            return None  # not created yet, or locked for a moment by a commit


def main() -> int:
    path, expected, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    counts = Counts(path)
    start = time.monotonic()
    first = None
    seen = None
    last_read = 0.0
    while time.monotonic() - start < timeout:
        try:
            stat = os.stat(path)
            version = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            version = None  # not created yet
        stale = time.monotonic() - last_read >= 0.02  # file times are coarse: two commits may share one
        if version is not None and (version != seen or stale):
            value = counts.total()
            last_read = time.monotonic()
            now = last_read - start
            if value is not None:
                seen = version  # a locked or missing table is read again at the next check
            if value:
                if first is None:
                    first = (now, value)
                if value >= expected:
                    print(f"first_s={first[0]:.3f} first_sum={first[1]} done_s={now:.3f} "
                          f"done_epoch={time.time():.3f} total={value}")
                    return 0 if value == expected else 1
        time.sleep(0.002)
    print(f"timeout after {timeout:.0f} s: total={counts.total()} expected={expected}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
