"""Measures freshness: the time from producing an event to seeing it counted at GET /aggregated.

usage: freshness.py BROKER TOPIC API_URL RATE SECONDS [--probes-only]
Produces RATE events/s for SECONDS with confluent-kafka; every 20th event is a probe of category
"probe-<n mod 10>". With --probes-only every event is a probe, for use beside another load (scripts/bench
runs the datafeed at 1,000 events/s and sends probes on top). A poller reads API_URL every 10 ms; a probe is visible when its category's count
reaches the number of probes of that category sent up to it. Prints p50, p99 and max in milliseconds.
"""
import json
import sys
import threading
import time
import urllib.request

from confluent_kafka import Producer


def main() -> int:
    broker, topic, url, rate, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    every = 1 if "--probes-only" in sys.argv[6:] else 20
    producer = Producer({"bootstrap.servers": broker, "linger.ms": 5})
    sent = {}      # (category, ordinal) -> send time
    seen = {}      # (category, ordinal) -> first time visible
    ordinals = {}
    done = threading.Event()

    def poll():
        while not done.is_set() or len(seen) < len(sent):
            try:
                counts = json.load(urllib.request.urlopen(url, timeout=2))
            except Exception:
                time.sleep(0.01)
                continue
            now = time.time()
            for (category, ordinal) in list(sent):
                if (category, ordinal) not in seen and counts.get(category, 0) >= ordinal:
                    seen[(category, ordinal)] = now
            if done.is_set() and time.time() - end > 10:
                break
            time.sleep(0.01)

    poller = threading.Thread(target=poll)
    poller.start()
    start = time.time()
    total = int(rate * seconds)
    for index in range(total):
        target = start + index / rate
        delay = target - time.time()
        if delay > 0:
            time.sleep(delay)
        if index % every == 0:
            category = f"probe-{(index // every) % 10}"
            ordinals[category] = ordinals.get(category, 0) + 1
            sent[(category, ordinals[category])] = time.time()
            value = json.dumps({"food": category})
        else:
            value = json.dumps({"food": "filler"})
        producer.produce(topic, value=value.encode())
        producer.poll(0)
    producer.flush(30)
    end = time.time()
    done.set()
    poller.join()
    latencies = sorted((seen[key] - sent[key]) * 1000 for key in sent if key in seen)
    missing = len(sent) - len(latencies)
    if not latencies:
        print("no probe became visible")
        return 1
    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]
    print(f"probes {len(latencies)} missing {missing} p50 {pct(0.50):.0f} ms p99 {pct(0.99):.0f} ms max {latencies[-1]:.0f} ms")
    return 0 if missing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
