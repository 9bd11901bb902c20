"""Watches a PostgreSQL counts table until it holds an expected total, for scripts/bench (BENCH_STORE=postgres).

usage: countwatch_postgres.py PSQL URL EXPECTED TIMEOUT_SECONDS
Keeps one psql session open (no Python driver needed) and reads SUM(count) from food_counts every 20 ms; a
missing table reads as nothing yet. Prints the same line as countwatch.py: first_s, first_sum, done_s,
done_epoch and total. Exits 1 on timeout or on a total above EXPECTED.
"""
import subprocess
import sys
import time

from countwatch import Progress  # the same result line as countwatch.py

QUERY = (
    "SELECT CASE WHEN to_regclass('food_counts') IS NULL THEN 0 "
    "ELSE (xpath('/table/row/s/text()', query_to_xml('SELECT COALESCE(SUM(count), 0) AS s FROM food_counts', "
    "false, false, '')))[1]::text::bigint END;\n"
)


def main() -> int:
    psql, url, expected, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    session = subprocess.Popen(
        [psql, "-X", "-A", "-t", "-q", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    start = time.monotonic()
    progress = Progress(expected)
    value = 0
    try:
        while time.monotonic() - start < timeout:
            session.stdin.write(QUERY)
            session.stdin.flush()
            value = int(session.stdout.readline().strip() or 0)
            status = progress.see(value, time.monotonic() - start)
            if status is not None:
                return status
            time.sleep(0.02)
    finally:
        session.stdin.close()
        session.wait(timeout=10)
    print(f"timeout after {timeout:.0f} s: total={value} expected={expected}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
