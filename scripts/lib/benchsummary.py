"""Summarises scripts/bench rounds.

usage: benchsummary.py EVENTS ROUNDS_FILE [STORE]
ROUNDS_FILE has one line per program and round, each `<program> <key=value ...>`:
- `raw`: RawDrain's line (assigned_to_last_s, start_to_last_s) and cpu_s, its CPU seconds;
- `rdkafka_performance`: rate (events/s from its first message) and cpu_s, or empty values when it failed;
- `consumer`: launched_epoch, assigned_epoch (its first "partitions assigned" log line), done_epoch (the counts
  reached EVENTS), peak_rss_kib, cpu_s (its CPU seconds from start to done_epoch) and commit_p50_s,
  commit_p99_s (estimated from its batch flush histogram);
- `startup`: raw_cpu_s and consumer_cpu_s, each program's CPU seconds once it joined a group on an empty
  topic, its start-up cost; the CPU per event is also given without it.
"""
import statistics
import sys


def fields(line):
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def median(values):
    values = [v for v in values if v == v]  # without NaN
    return statistics.median(values) if values else float("nan")


def main() -> int:
    events = int(sys.argv[1])
    millions = events / 1e6
    raw, perf, consumer = [], [], []
    startup = {"raw": 0.0, "consumer": 0.0}
    for line in open(sys.argv[2]):
        kind, _, rest = line.partition(" ")
        values = fields(rest)
        if kind == "raw":
            raw.append({
                "rate": events / float(values["assigned_to_last_s"]),
                "wall_rate": events / float(values["start_to_last_s"]),
                "cpu": number(values.get("cpu_s")) / millions,
            })
        elif kind == "startup":
            startup = {"raw": number(values.get("raw_cpu_s")), "consumer": number(values.get("consumer_cpu_s"))}
        elif kind == "rdkafka_performance":
            perf.append({"rate": number(values.get("rate")), "cpu": number(values.get("cpu_s")) / millions})
        elif kind == "consumer":
            launched, assigned, done = (float(values[k]) for k in ("launched_epoch", "assigned_epoch", "done_epoch"))
            consumer.append({
                "rate": events / (done - assigned),
                "wall_rate": events / (done - launched),
                "rss": int(values["peak_rss_kib"]),
                "cpu": number(values.get("cpu_s")) / millions,
                "p50": number(values.get("commit_p50_s")),
                "p99": number(values.get("commit_p99_s")),
            })
    rounds = min(len(raw), len(consumer))
    raw, consumer = raw[:rounds], consumer[:rounds]
    ratios = [consumer[i]["rate"] / raw[i]["rate"] for i in range(rounds)]
    wall_ratios = [consumer[i]["wall_rate"] / raw[i]["wall_rate"] for i in range(rounds)]
    store = {"sqlite": "SQLite", "postgres": "PostgreSQL"}.get(sys.argv[3] if len(sys.argv) > 3 else "sqlite")

    def row(label, values, form):
        print(f"    {label:<24} " + "  ".join(form.format(v) for v in values))

    print(f"  rounds                 {rounds} (raw drain, rdkafka_performance, then consumer, each on a new group)")
    print("  rate after the group join (assignment to the last event), events/s, per round:")
    row("raw librdkafka drain", [r["rate"] for r in raw], "{:>10,.0f}")
    if perf:
        row("rdkafka_performance", [p["rate"] for p in perf[:rounds]], "{:>10,.0f}")
    row("consumer into " + store, [c["rate"] for c in consumer], "{:>10,.0f}")
    row("ratio", ratios, "{:>10.2f}")
    print("  CPU seconds per million events (user + system, whole process), per round:")
    row("raw librdkafka drain", [r["cpu"] for r in raw], "{:>10.2f}")
    if perf:
        row("rdkafka_performance", [p["cpu"] for p in perf[:rounds]], "{:>10.2f}")
    row("consumer", [c["cpu"] for c in consumer], "{:>10.2f}")
    target = "0.8" if store == "PostgreSQL" else "0.9"  # PostgreSQL: a server round trip per statement
    print(f"  median ratio           {statistics.median(ratios):.2f}   (target >= {target})")
    print(f"  median ratio from process start, group join included: {statistics.median(wall_ratios):.2f}")
    if perf:
        perf_ratios = [consumer[i]["rate"] / perf[i]["rate"] for i in range(min(rounds, len(perf)))]
        print(f"  median ratio to rdkafka_performance: {median(perf_ratios):.2f}")
    raw_cpu, consumer_cpu = median([r["cpu"] for r in raw]), median([c["cpu"] for c in consumer])
    perf_cpu = median([p["cpu"] for p in perf]) if perf else float("nan")
    print(f"  median CPU s/M events  consumer {consumer_cpu:.2f}, raw drain {raw_cpu:.2f}, "
          f"rdkafka_performance {perf_cpu:.2f}; consumer / raw drain {consumer_cpu / raw_cpu:.2f} (target <= 1.2)")
    raw_net = raw_cpu - startup["raw"] / millions
    consumer_net = consumer_cpu - startup["consumer"] / millions
    print(f"  without start-up       consumer {consumer_net:.2f}, raw drain {raw_net:.2f}; consumer / raw drain "
          f"{consumer_net / raw_net:.2f} (start-up: consumer {startup['consumer']:.3f} s, raw drain "
          f"{startup['raw']:.3f} s, each joining a group on an empty topic)")
    print(f"  consumer commit        p50 {median([c['p50'] for c in consumer]) * 1000:.1f} ms, "
          f"p99 {median([c['p99'] for c in consumer]) * 1000:.1f} ms (medians over rounds; from the batch flush "
          "histogram's buckets)")
    print(f"  consumer peak RSS      {max(c['rss'] for c in consumer) / 1024:.1f} MiB (VmHWM, worst round; "
          "target <= 64)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
