"""Summarises scripts/bench rounds.

usage: benchsummary.py EVENTS ROUNDS_FILE [STORE]
ROUNDS_FILE has one line per round: `raw <RawDrain output>` or `consumer <key=value ...>` where the
consumer line carries launched_epoch, assigned_epoch (its first "partitions assigned" log line) and
done_epoch (the counts reached EVENTS), plus peak_rss_kib.
"""
import statistics
import sys


def fields(line):
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


def main() -> int:
    events = int(sys.argv[1])
    raw, consumer = [], []
    for line in open(sys.argv[2]):
        kind, _, rest = line.partition(" ")
        values = fields(rest)
        if kind == "raw":
            raw.append((events / float(values["assigned_to_last_s"]), events / float(values["start_to_last_s"])))
        elif kind == "consumer":
            launched, assigned, done = (float(values[k]) for k in ("launched_epoch", "assigned_epoch", "done_epoch"))
            consumer.append((events / (done - assigned), events / (done - launched), int(values["peak_rss_kib"])))
    rounds = min(len(raw), len(consumer))
    ratios = [consumer[i][0] / raw[i][0] for i in range(rounds)]
    wall_ratios = [consumer[i][1] / raw[i][1] for i in range(rounds)]
    print(f"  rounds                 {rounds} (raw drain, then consumer, each on a new group)")
    print("  rate after the group join (assignment to the last event), events/s, per round:")
    print(f"    {'raw librdkafka drain':<24} " + "  ".join(f"{r[0]:>10,.0f}" for r in raw[:rounds]))
    store = {"sqlite": "SQLite", "postgres": "PostgreSQL"}.get(sys.argv[3] if len(sys.argv) > 3 else "sqlite")
    print(f"    {'consumer into ' + store:<24} " + "  ".join(f"{c[0]:>10,.0f}" for c in consumer[:rounds]))
    print(f"    {'ratio':<24} " + "  ".join(f"{r:>10.2f}" for r in ratios))
    target = "0.8" if store == "PostgreSQL" else "0.9"  # PostgreSQL: a server round trip per statement
    print(f"  median ratio           {statistics.median(ratios):.2f}   (target >= {target})")
    print(f"  median ratio from process start, group join included: {statistics.median(wall_ratios):.2f}")
    print(f"  consumer peak RSS      {max(c[2] for c in consumer[:rounds]) / 1024:.1f} MiB (VmHWM, worst round; "
          "target <= 64)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
